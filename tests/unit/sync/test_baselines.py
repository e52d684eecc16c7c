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
from tests.unit.sync.fakes import FakeGraph, FakeSession, MemoryFolders, context

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
