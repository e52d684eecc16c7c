"""An approved deploy uses the states its plan read while the desired branch has not moved, and the verify
those the deploy used, with the backup it has just taken; a push after the plan still stops the deploy,
and a Tenant changed since (or a restarted operator) reads everything again."""

from __future__ import annotations

import pytest

from tenantsync.api import (
    ApprovalStatus,
    ChangeOutcome,
    CodedError,
    Decision,
    ErrorCode,
    ResourceType,
    RunPhase,
    RunStep,
    TenantSpec,
)
from tenantsync.catalog import serialise
from tenantsync.sync.kept import KeptStates
from tenantsync.sync.pipeline import Advance, Finish, RunContext
from tenantsync.sync.states import States
from tenantsync.sync.steps.deploy import Deploy
from tenantsync.sync.steps.plan import Plan
from tenantsync.sync.steps.verify import Verify
from tests.unit.sync.fakes import NOW, FakeGraph, FakeSession, MemoryFolders, context, spec

PATH = "tenants/contoso"
LOCATIONS = "identity/conditionalAccess/namedLocations"
LOCATION = {
    "@odata.type": "#microsoft.graph.ipNamedLocation",
    "id": "11111111-1111-4111-8111-111111111111",
    "displayName": "HQ",
    "ipRanges": [],
}
FILE = f"namedLocations/{LOCATION['id']}.json"


class CountedFolders(MemoryFolders):
    """Counts the folder reads (each a fetch of the remote in the real repository)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def read_folder(self, branch: str, path: str) -> dict[str, bytes] | None:
        self.reads += 1
        return await super().read_folder(branch, path)


async def approved_run(
    kept: KeptStates, tenant: TenantSpec | None = None
) -> tuple[RunContext, FakeSession, CountedFolders, FakeGraph]:
    """A run whose plan (renaming HQ) was made with `kept` and then approved."""
    graph = FakeGraph()
    graph.add(LOCATIONS, dict(LOCATION))
    repo = CountedFolders()
    repo.put("main", PATH, {FILE: {**LOCATION, "displayName": "HQ Berlin"}})
    repo.put("tenantsync/backup", PATH, {FILE: LOCATION})
    ctx = context(tenant)
    session = FakeSession(graph=graph, folders=repo)
    transition = await Plan(kept=kept)(ctx, session)
    assert isinstance(transition, Advance)
    assert ctx.status.plan is not None
    ctx.status.approval = ApprovalStatus(
        decision=Decision.APPROVE, decidedAt=NOW, digest=ctx.status.plan.digest
    )
    ctx.status.step = RunStep.DEPLOY
    repo.reads = 0
    return ctx, session, repo, graph


async def test_an_approved_deploy_reads_no_folder_when_the_desired_branch_has_not_moved() -> None:
    kept = KeptStates()
    ctx, session, repo, graph = await approved_run(kept)
    transition = await Deploy(kept)(ctx, session)
    assert isinstance(transition, Advance)
    assert repo.reads == 0
    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED]
    assert graph.collections[LOCATIONS][str(LOCATION["id"])]["displayName"] == "HQ Berlin"


async def test_a_push_after_the_plan_is_still_refused_as_outdated() -> None:
    kept = KeptStates()
    ctx, session, repo, graph = await approved_run(kept)
    await repo.write_folder("main", PATH, {FILE: b'{"displayName": "Pushed later"}'}, "A person's push")
    with pytest.raises(CodedError) as refused:
        await Deploy(kept)(ctx, session)
    assert refused.value.code == ErrorCode.PLAN_OUTDATED
    assert repo.reads == 2
    assert graph.writes() == []


async def test_a_tenant_changed_since_the_plan_or_a_restart_reads_both_folders_again() -> None:
    kept = KeptStates()
    ctx, session, repo, _ = await approved_run(kept)
    ctx.tenant = spec(requiredApprovals=2)
    await Deploy(kept)(ctx, session)
    assert repo.reads == 2

    ctx, session, repo, _ = await approved_run(KeptStates())
    await Deploy(KeptStates())(ctx, session)  # a new process: nothing kept
    assert repo.reads == 2


def test_only_the_newest_states_are_kept() -> None:
    kept = KeptStates(limit=2)
    ctx = context()
    states = States({}, {}, "here", True, desired_head="main@1")
    for run in ("a", "b", "c"):
        ctx.run_name = run
        kept.keep(ctx, "digest", states)
    found = []
    for run in ("a", "b", "c"):
        ctx.run_name = run
        found.append(kept.take(ctx, "digest") is not None)
    assert found == [False, True, True]
    assert kept.take(ctx, "digest") is None  # taken once


def test_states_are_kept_for_one_plan_and_only_when_read_at_a_known_commit() -> None:
    kept = KeptStates()
    ctx = context()
    kept.keep(ctx, "digest", States({}, {}, "here", True, desired_head="main@1"))
    assert kept.take(ctx, "another digest") is None
    assert kept.take(ctx, "digest") is not None
    kept.keep(ctx, "digest", States({}, {}, "here", True, desired_head=None))
    assert kept.take(ctx, "digest") is None, "states read at no known commit are never kept"


async def deployed_run(kept: KeptStates) -> tuple[RunContext, FakeSession, CountedFolders, FakeGraph]:
    ctx, session, repo, graph = await approved_run(kept, spec(resources=[ResourceType.NAMED_LOCATIONS]))
    assert isinstance(await Deploy(kept)(ctx, session), Advance)
    ctx.status.step = RunStep.VERIFY
    repo.reads = 0
    return ctx, session, repo, graph


async def test_the_verify_reads_no_folder_when_the_desired_branch_has_not_moved() -> None:
    kept = KeptStates()
    ctx, session, repo, graph = await deployed_run(kept)
    graph.requests.clear()
    transition = await Verify(kept)(ctx, session)
    assert isinstance(transition, Finish)
    assert (transition.phase, transition.message) == (
        RunPhase.SUCCEEDED,
        "Deployed 1 change; the tenant matches the desired state.",
    )
    assert repo.reads == 0


async def test_the_verify_compares_with_a_desired_state_pushed_after_the_deploy() -> None:
    kept = KeptStates()
    ctx, session, repo, _ = await deployed_run(kept)
    pushed = {**LOCATION, "displayName": "HQ Munich"}
    await repo.write_folder("main", PATH, {FILE: serialise(pushed)}, "A person's push")
    transition = await Verify(kept)(ctx, session)
    assert isinstance(transition, Finish)
    assert transition.phase == RunPhase.PARTIALLY_SUCCESSFUL
    assert "still differs from the desired state in 1 objects" in transition.message
    assert repo.reads == 2
