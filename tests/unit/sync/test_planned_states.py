"""An approved deploy uses the states its plan read while the desired branch has not moved; a push after
the plan still stops it, and a Tenant changed since (or a restarted operator) reads everything again."""

from __future__ import annotations

import pytest

from tenantsync.api import ApprovalStatus, ChangeOutcome, CodedError, Decision, ErrorCode, RunStep
from tenantsync.sync.pipeline import Advance, RunContext
from tenantsync.sync.steps.deploy import Deploy
from tenantsync.sync.steps.plan import Plan
from tenantsync.sync.steps.planned import PlannedStates
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


async def approved_run(planned: PlannedStates) -> tuple[RunContext, FakeSession, CountedFolders, FakeGraph]:
    """A run whose plan (renaming HQ) was made with `planned` and then approved."""
    graph = FakeGraph()
    graph.add(LOCATIONS, dict(LOCATION))
    repo = CountedFolders()
    repo.put("main", PATH, {FILE: {**LOCATION, "displayName": "HQ Berlin"}})
    repo.put("tenantsync/backup", PATH, {FILE: LOCATION})
    ctx = context()
    session = FakeSession(graph=graph, folders=repo)
    transition = await Plan(planned=planned)(ctx, session)
    assert isinstance(transition, Advance) and transition.step == RunStep.APPROVAL
    assert ctx.status.plan is not None
    ctx.status.approval = ApprovalStatus(
        decision=Decision.APPROVE, decidedAt=NOW, digest=ctx.status.plan.digest
    )
    ctx.status.step = RunStep.DEPLOY
    repo.reads = 0
    return ctx, session, repo, graph


async def test_an_approved_deploy_reads_no_folder_when_the_desired_branch_has_not_moved() -> None:
    planned = PlannedStates()
    ctx, session, repo, graph = await approved_run(planned)
    transition = await Deploy(planned)(ctx, session)
    assert isinstance(transition, Advance)
    assert repo.reads == 0
    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED]
    assert graph.collections[LOCATIONS][str(LOCATION["id"])]["displayName"] == "HQ Berlin"


async def test_a_push_after_the_plan_is_still_refused_as_outdated() -> None:
    planned = PlannedStates()
    ctx, session, repo, graph = await approved_run(planned)
    await repo.write_folder("main", PATH, {FILE: b'{"displayName": "Pushed later"}'}, "A person's push")
    with pytest.raises(CodedError) as refused:
        await Deploy(planned)(ctx, session)
    assert refused.value.code == ErrorCode.PLAN_OUTDATED
    assert repo.reads == 2
    assert graph.writes() == []


async def test_a_tenant_changed_since_the_plan_or_a_restart_reads_both_folders_again() -> None:
    planned = PlannedStates()
    ctx, session, repo, _ = await approved_run(planned)
    ctx.tenant = spec(requiredApprovals=2)
    await Deploy(planned)(ctx, session)
    assert repo.reads == 2

    ctx, session, repo, _ = await approved_run(PlannedStates())
    await Deploy(PlannedStates())(ctx, session)  # a new process: nothing kept
    assert repo.reads == 2


def test_only_the_newest_plans_are_kept() -> None:
    planned = PlannedStates(limit=2)
    ctx = context()
    states = object()
    for run in ("a", "b", "c"):
        ctx.run_name = run
        planned.keep(ctx, "digest", "head", states)  # type: ignore[arg-type]
    kept = []
    for run in ("a", "b", "c"):
        ctx.run_name = run
        kept.append(planned.take(ctx, "digest") is not None)
    assert kept == [False, True, True]
    assert planned.take(ctx, "digest") is None  # taken once
