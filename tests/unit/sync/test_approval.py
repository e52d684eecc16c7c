"""Approval: nothing is deployed without a decision; Automatic needs none; revert rewrites the desired state."""

from __future__ import annotations

from tenantsync.api import (
    APPROVAL,
    APPROVAL_BY,
    Approval,
    ChangeAction,
    Decision,
    PlanChange,
    PlanStatus,
    ResourceType,
    RunPhase,
    RunStep,
    SyncRunStatus,
)
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Wait
from tenantsync.sync.steps.approval import AwaitApproval
from tests.unit.sync.fakes import FakeSession, MemoryFolders, context, spec

CHANGE = PlanChange(
    action=ChangeAction.UPDATE, type=ResourceType.NAMED_LOCATIONS, id="a", changedFields=["x"]
)


def pending(annotations: dict[str, str] | None = None, **tenant: str) -> RunContext:
    status = SyncRunStatus(plan=PlanStatus(digest="d", changeCount=1, changes=[CHANGE]))
    return context(spec(**tenant), status=status, annotations=annotations)


async def test_without_a_decision_the_run_waits_and_says_how_to_decide() -> None:
    transition = await AwaitApproval()(pending(), FakeSession())
    assert isinstance(transition, Wait)
    assert transition.phase == RunPhase.PENDING_APPROVAL
    assert transition.message == (
        "1 change (1 to update) wait for approval: annotate SyncRun contoso-20261128-090000 with"
        " tenantsync.io/approval=approve, reject or reject-and-revert."
    )


async def test_a_value_that_is_not_a_decision_keeps_the_run_waiting() -> None:
    transition = await AwaitApproval()(pending({APPROVAL: "yes please"}), FakeSession())
    assert isinstance(transition, Wait)


async def test_automatic_approval_deploys_without_a_person() -> None:
    ctx = pending(approval=Approval.AUTOMATIC)
    transition = await AwaitApproval()(ctx, FakeSession())
    assert isinstance(transition, Advance)
    assert transition.step == RunStep.DEPLOY
    assert ctx.status.approval is None


async def test_approval_records_the_decision_and_who_made_it() -> None:
    ctx = pending({APPROVAL: "approve", APPROVAL_BY: "alice@contoso.com"})
    transition = await AwaitApproval()(ctx, FakeSession())
    assert isinstance(transition, Advance)
    assert transition.step == RunStep.DEPLOY
    assert ctx.status.approval is not None
    assert (ctx.status.approval.decision, ctx.status.approval.decidedBy) == (
        Decision.APPROVE,
        "alice@contoso.com",
    )


async def test_reject_ends_the_run_and_leaves_the_repository_alone() -> None:
    folders = MemoryFolders()
    folders.put("main", "tenants/contoso", {"namedLocations/a.json": {"id": "a", "x": 1}})
    before = dict(folders.branches)
    transition = await AwaitApproval()(pending({APPROVAL: "reject"}), FakeSession(folders=folders))
    assert isinstance(transition, Finish)
    assert transition.phase == RunPhase.REJECTED
    assert folders.branches == before


async def test_reject_and_revert_makes_the_tenant_the_desired_state() -> None:
    folders = MemoryFolders()
    folders.put("main", "tenants/contoso", {"namedLocations/a.json": {"id": "a", "x": 1}})
    folders.put("tenantsync/backup", "tenants/contoso", {"namedLocations/a.json": {"id": "a", "x": 2}})
    transition = await AwaitApproval()(pending({APPROVAL: "reject-and-revert"}), FakeSession(folders=folders))
    assert isinstance(transition, Finish)
    assert transition.phase == RunPhase.REJECTED
    assert await folders.read_folder("main", "tenants/contoso") == await folders.read_folder(
        "tenantsync/backup", "tenants/contoso"
    )
