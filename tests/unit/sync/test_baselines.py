"""Plan and deploy of a Tenant that adopts a baseline: changes name it, ids are recorded, overrides kept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tenantsync.api import BaselineRepository, ChangeAction, CodedError, ErrorCode, ResourceType
from tenantsync.catalog import catalog, normalise, serialise
from tenantsync.sync import AdoptedBaseline
from tenantsync.sync.pipeline import Advance
from tenantsync.sync.steps.deploy import Deploy
from tenantsync.sync.steps.plan import Plan
from tests.unit.sync.fakes import FakeGraph, FakeSession, MemoryFolders, context, spec

PATH = "tenants/contoso"
OVERRIDES = f"{PATH}/baselines/security"
POLICIES = "identity/conditionalAccess/policies"
LOCATION_ID = "11111111-1111-4111-8111-111111111111"
LOCATION = {
    "@odata.type": "#microsoft.graph.ipNamedLocation",
    "id": LOCATION_ID,
    "displayName": "HQ",
    "ipRanges": [],
}
LIVE_MFA = {
    "id": "live-mfa",
    "displayName": "Require MFA",
    "state": "enabled",
    "conditions": {"users": {"includeGroups": []}},
}
BASELINE = {
    "conditionalAccessPolicies/mfa.json": {
        "displayName": "Require MFA",
        "state": "enabled",
        "conditions": {"users": {"includeGroups": ["${group:All Staff}"]}},
    },
    "conditionalAccessPolicies/block.json": {
        "displayName": "Block outside HQ",
        "state": "enabled",
        "conditions": {"locations": {"excludeLocations": ["${namedLocations:HQ}"]}},
    },
}
ADOPTED = AdoptedBaseline(
    "security", BaselineRepository(url="/unused", path="baselines/security"), revision="rev1"
)


def backed_up(type_: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    normalised: dict[str, Any] = normalise(catalog()[type_], obj)
    return normalised


def tenant() -> tuple[FakeSession, FakeGraph, MemoryFolders]:
    graph = FakeGraph()
    graph.add("identity/conditionalAccess/namedLocations", LOCATION)
    graph.add(POLICIES, LIVE_MFA)
    graph.add("groups", {"id": "g-1", "displayName": "All Staff"}, {"id": "g-2", "displayName": "Others"})
    live: dict[str, dict[str, Any] | bytes] = {
        f"namedLocations/{LOCATION_ID}.json": backed_up(ResourceType.NAMED_LOCATIONS, LOCATION),
        "conditionalAccessPolicies/live-mfa.json": backed_up(
            ResourceType.CONDITIONAL_ACCESS_POLICIES, LIVE_MFA
        ),
    }
    repo = MemoryFolders()
    repo.put("main", PATH, live)
    repo.put(
        "main",
        OVERRIDES,
        {"conditionalAccessPolicies/mfa.json": {"state": "enabledForReportingButNotEnforced"}},
    )
    repo.put("tenantsync/backup", PATH, live)
    session = FakeSession(graph=graph, folders=repo)
    session.baseline_commits["rev1"] = {f"baselines/security/{k}": serialise(v) for k, v in BASELINE.items()}
    return session, graph, repo


async def test_the_plan_composes_the_baseline_names_it_and_records_matched_ids() -> None:
    session, _, repo = tenant()
    ctx = context()
    ctx.baselines = [ADOPTED]
    transition = await Plan()(ctx, session)
    assert isinstance(transition, Advance)
    plan = ctx.status.plan
    assert plan is not None
    by_id = {c.id: c for c in plan.changes}
    assert set(by_id) == {"live-mfa", "baseline.security.block"}
    update, create = by_id["live-mfa"], by_id["baseline.security.block"]
    assert (update.action, update.baseline) == (ChangeAction.UPDATE, "security")
    assert update.changedFields == ["conditions.users.includeGroups", "state"]
    assert (create.action, create.baseline) == (ChangeAction.CREATE, "security")
    [planned] = plan.baselines
    assert (planned.name, planned.revision, planned.overridden, planned.excluded) == (
        "security",
        "rev1",
        ["conditionalAccessPolicies/mfa"],
        [],
    )
    ids = json.loads(repo.branches["main"][f"{OVERRIDES}/ids.json"])
    assert ids == {"conditionalAccessPolicies/mfa": "live-mfa"}
    assert f"{OVERRIDES}/conditionalAccessPolicies/mfa.json" in repo.branches["main"]  # the override stays
    assert "1 of the Tenant's own objects are superseded by its baselines" in transition.message
    assert "conditionalAccessPolicies/live-mfa" in transition.message


async def test_the_deploy_records_a_created_objects_id_in_ids_json_not_as_a_file() -> None:
    session, graph, repo = tenant()
    ctx = context()
    ctx.baselines = [ADOPTED]
    await Plan()(ctx, session)
    transition = await Deploy()(ctx, session)
    assert isinstance(transition, Advance)
    assert ctx.status.deploy is not None
    assert {r.result for r in ctx.status.deploy.results} == {"Applied"}
    [created] = [p for p in graph.collections[POLICIES].values() if p["displayName"] == "Block outside HQ"]
    assert created["conditions"]["locations"]["excludeLocations"] == [LOCATION_ID]
    assert graph.collections[POLICIES]["live-mfa"]["conditions"]["users"]["includeGroups"] == ["g-1"]
    ids = json.loads(repo.branches["main"][f"{OVERRIDES}/ids.json"])
    assert ids == {
        "conditionalAccessPolicies/mfa": "live-mfa",
        "conditionalAccessPolicies/block": created["id"],
    }
    assert not [path for path in repo.branches["main"] if "baseline.security" in path]


async def test_a_baseline_that_does_not_exist_stops_the_run() -> None:
    session, _, _ = tenant()
    ctx = context()
    ctx.baselines = [AdoptedBaseline("gone", None)]
    with pytest.raises(CodedError) as raised:
        await Plan()(ctx, session)
    assert raised.value.code == ErrorCode.BASELINE_NOT_FOUND
    assert "Baseline gone" in raised.value.message


async def test_a_missing_group_stops_only_with_its_name() -> None:
    session, graph, _ = tenant()
    graph.collections["groups"] = {}
    ctx = context()
    ctx.baselines = [ADOPTED]
    with pytest.raises(CodedError) as raised:
        await Plan()(ctx, session)
    assert raised.value.code == ErrorCode.REFERENCED_OBJECT_MISSING
    assert "group 'All Staff'" in raised.value.message


async def test_the_tenant_domain_is_its_initial_domain_when_the_tenant_id_is_a_guid() -> None:
    session, graph, _ = tenant()
    graph.add(
        "organization",
        {
            "id": "7c3a2b1e-0000-4000-8000-000000000001",
            "verifiedDomains": [
                {"name": "contoso.com", "isInitial": False},
                {"name": "contoso.onmicrosoft.com", "isInitial": True},
            ],
        },
    )
    session.baseline_commits["rev2"] = {
        "baselines/security/conditionalAccessPolicies/mfa.json": serialise(
            {**BASELINE["conditionalAccessPolicies/mfa.json"], "description": "Users of ${tenant.domain}"}
        )
    }
    ctx = context(spec(tenantId="7c3a2b1e-0000-4000-8000-000000000001"))
    ctx.baselines = [AdoptedBaseline("security", ADOPTED.repository, revision="rev2")]
    await Plan()(ctx, session)
    assert ctx.status.plan is not None
    [change] = ctx.status.plan.changes
    assert {v.path: v.new for v in change.values}["description"] == '"Users of contoso.onmicrosoft.com"'


async def test_a_created_object_of_the_tenants_own_is_renamed_and_the_baselines_folder_kept() -> None:
    session, _, repo = tenant()
    repo.put(
        "main",
        PATH,
        {"namedLocations/new-office.json": {**LOCATION, "id": "new-office", "displayName": "Lab"}},
    )
    ctx = context()
    ctx.baselines = [ADOPTED]
    await Plan()(ctx, session)
    await Deploy()(ctx, session)
    main = repo.branches["main"]
    assert "tenants/contoso/namedLocations/new-office.json" not in main
    assert len([p for p in main if p.startswith("tenants/contoso/namedLocations/")]) == 2
    assert f"{OVERRIDES}/conditionalAccessPolicies/mfa.json" in main
    assert set(json.loads(main[f"{OVERRIDES}/ids.json"])) == {
        "conditionalAccessPolicies/mfa",
        "conditionalAccessPolicies/block",
    }


async def test_an_object_deleted_in_the_tenant_is_created_again_and_its_new_id_recorded() -> None:
    session, graph, repo = tenant()
    ids = {"conditionalAccessPolicies/mfa": "live-mfa", "conditionalAccessPolicies/block": "deleted-block"}
    repo.put("main", OVERRIDES, {"ids.json": ids})
    ctx = context()
    ctx.baselines = [ADOPTED]
    await Plan()(ctx, session)
    await Deploy()(ctx, session)
    [created] = [p for p in graph.collections[POLICIES].values() if p["displayName"] == "Block outside HQ"]
    recorded = json.loads(repo.branches["main"][f"{OVERRIDES}/ids.json"])
    assert recorded["conditionalAccessPolicies/block"] == created["id"] != "deleted-block"


async def test_overrides_in_another_tenants_folder_stop_the_run_naming_the_field_and_write_nothing() -> None:
    session, _, repo = tenant()
    theirs: dict[str, dict[str, Any] | bytes] = {
        "conditionalAccessPolicies/x.json": {},
        "ids.json": {"a": "b"},
    }
    repo.put("main", "tenants/fabrikam", theirs)
    before = dict(repo.branches["main"])
    for path in (
        "tenants/fabrikam",
        "tenants/contoso/../fabrikam",
        "tenants/contoso/conditionalAccessPolicies",
    ):
        ctx = context()
        ctx.baselines = [AdoptedBaseline("security", ADOPTED.repository, "rev1", overrides_path=path)]

        with pytest.raises(CodedError) as raised:
            await Plan()(ctx, session)

        assert raised.value.code == ErrorCode.INVALID_DESIRED_STATE
        assert "spec.baselines[security].overridesPath" in raised.value.message
        assert "tenants/contoso/baselines/" in raised.value.message
    assert repo.branches["main"] == before


async def test_overrides_in_another_folder_under_the_tenants_baselines_folder_are_used() -> None:
    session, _, repo = tenant()
    moved = f"{PATH}/baselines/security-v2"
    repo.put("main", moved, {"conditionalAccessPolicies/mfa.json": {"state": "disabled"}})
    ctx = context()
    ctx.baselines = [AdoptedBaseline("security", ADOPTED.repository, "rev1", overrides_path=f"{moved}/")]

    await Plan()(ctx, session)

    assert f"{moved}/ids.json" in repo.branches["main"]
    assert ctx.status.plan is not None
    assert ctx.status.plan.baselines[0].overridden == ["conditionalAccessPolicies/mfa"]
