"""The states a plan compares: the Tenant's own objects of its configured types, its baselines composed on
top (each `${group:…}` name looked up once), the commit the desired folder was read at — and, for a run
that deploys, one composition used by plan, deploy and verify."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tenantsync.api import (
    ApprovalStatus,
    BaselineRepository,
    CodedError,
    Decision,
    ErrorCode,
    ResourceType,
    RunPhase,
)
from tenantsync.catalog import serialise
from tenantsync.sync import AdoptedBaseline
from tenantsync.sync.kept import KeptStates
from tenantsync.sync.pipeline import Advance, Finish
from tenantsync.sync.states import read_states
from tenantsync.sync.steps.deploy import Deploy
from tenantsync.sync.steps.plan import Plan
from tenantsync.sync.steps.verify import Verify
from tests.unit.sync.fakes import NOW, MemoryFolders, context, spec
from tests.unit.sync.test_baselines import ADOPTED, LOCATION, LOCATION_ID, OVERRIDES, PATH, tenant

LOCATION_FILE = f"namedLocations/{LOCATION_ID}.json"


def group_lookups(requests: list[tuple[str, str]]) -> int:
    return sum(1 for method, path in requests if (method, path) == ("GET", "groups"))


async def test_the_own_objects_of_the_configured_types_and_the_reserved_files_apart() -> None:
    session, _, repo = tenant()
    repo.put("main", PATH, {"deviceConfigurations/d1.json": {"id": "d1"}, "baselines/x/ids.json": b"{}"})
    ctx = context(spec(resources=[ResourceType.NAMED_LOCATIONS]))
    states = await read_states(ctx, session)
    assert list(states.desired) == list(states.own) == [LOCATION_FILE]
    assert list(states.live) == [LOCATION_FILE]
    assert set(states.reserved) == {
        "baselines/x/ids.json",
        "baselines/security/conditionalAccessPolicies/mfa.json",
    }
    assert states.initialised
    assert states.where == f"{PATH} on branch main"
    assert states.desired_head == await repo.head("main")
    assert states.composition is None and states.origins == {}


async def test_an_empty_desired_folder_is_not_initialised() -> None:
    repo = MemoryFolders()
    repo.put("tenantsync/backup", PATH, {LOCATION_FILE: LOCATION})
    session, _, _ = tenant()
    session.folders = repo
    states = await read_states(context(), session)
    assert not states.initialised
    assert states.desired == {} and list(states.live) == [LOCATION_FILE]
    assert states.desired_head is None


async def test_baselines_are_composed_on_top_naming_their_origin_with_each_group_looked_up_once() -> None:
    session, graph, _ = tenant()
    staff = {
        "displayName": "Staff only",
        "state": "enabled",
        "conditions": {"users": {"includeGroups": ["${group:All Staff}"]}},
    }
    session.baseline_commits["rev1"]["baselines/security/conditionalAccessPolicies/staff.json"] = serialise(
        staff
    )
    ctx = context()
    ctx.baselines = [ADOPTED]
    states = await read_states(ctx, session)
    assert states.origins == {
        "conditionalAccessPolicies/live-mfa.json": "security",
        "conditionalAccessPolicies/baseline.security.block.json": "security",
        "conditionalAccessPolicies/baseline.security.staff.json": "security",
    }
    mfa = json.loads(states.desired["conditionalAccessPolicies/live-mfa.json"])
    assert (mfa["state"], mfa["conditions"]["users"]["includeGroups"]) == (
        "enabledForReportingButNotEnforced",
        ["g-1"],
    )
    assert group_lookups(graph.requests) == 1, "one lookup per group name, however often it is used"
    assert [planned.name for planned in states.planned_baselines] == ["security"]


async def test_overrides_in_a_folder_of_their_own_are_read_from_their_branch() -> None:
    session, _, repo = tenant()
    folder = "tenants/contoso/baselines/strict"
    repo.put("main", folder, {"conditionalAccessPolicies/mfa.json": {"state": "disabled"}})
    ctx = context()
    ctx.baselines = [dataclasses.replace(ADOPTED, overrides_path=folder)]
    states = await read_states(ctx, session)
    assert states.overrides["security"].path == folder
    assert states.overrides["security"].files == {
        "conditionalAccessPolicies/mfa.json": serialise({"state": "disabled"})
    }


async def test_a_baseline_not_released_yet_adds_nothing() -> None:
    session, _, _ = tenant()
    ctx = context()
    ctx.baselines = [dataclasses.replace(ADOPTED, revision=None)]
    states = await read_states(ctx, session)
    assert states.origins == {}
    assert states.desired == states.own


async def test_a_released_revision_missing_from_the_repository_stops_the_plan_by_name() -> None:
    session, _, _ = tenant()
    ctx = context()
    ctx.baselines = [
        AdoptedBaseline(
            "security", BaselineRepository(url="/baselines", path="baselines/security"), "deadbeef" * 5
        )
    ]
    with pytest.raises(CodedError) as refused:
        await read_states(ctx, session)
    assert refused.value.code == ErrorCode.REPOSITORY_UNREACHABLE
    assert refused.value.message.startswith(
        "Baseline security: revision deadbeefdead released to this Tenant"
    )


async def test_a_deploying_run_composes_its_baselines_once_for_plan_deploy_and_verify() -> None:
    session, graph, repo = tenant()
    repo.put("main", OVERRIDES, {"ids.json": {"conditionalAccessPolicies/mfa": "live-mfa"}})
    session.baseline_commits["rev1"] = {
        path: content for path, content in session.baseline_commits["rev1"].items() if "block" not in path
    }
    kept = KeptStates()
    ctx = context(spec(resources=[ResourceType.NAMED_LOCATIONS, ResourceType.CONDITIONAL_ACCESS_POLICIES]))
    ctx.baselines = [ADOPTED]
    assert isinstance(await Plan(kept=kept)(ctx, session), Advance)
    assert ctx.status.plan is not None
    ctx.status.approval = ApprovalStatus(
        decision=Decision.APPROVE, decidedAt=NOW, digest=ctx.status.plan.digest
    )
    assert isinstance(await Deploy(kept)(ctx, session), Advance)
    verified = await Verify(kept)(ctx, session)
    assert isinstance(verified, Finish) and verified.phase == RunPhase.SUCCEEDED, verified.message
    assert group_lookups(graph.requests) == 1
