"""Approval: nothing is deployed without a decision; Automatic needs none; revert rewrites the desired state."""

from __future__ import annotations

import pytest

from tenantsync.api import (
    APPROVAL,
    APPROVAL_BY,
    APPROVAL_DIGEST,
    FURTHER_APPROVAL_PREFIX,
    Approval,
    ChangeAction,
    Decision,
    PlanChange,
    PlanStatus,
    ResourceType,
    RunPhase,
    SyncRunStatus,
)
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Wait
from tenantsync.sync.steps.approval import AwaitApproval
from tests.unit.sync.fakes import FakeSession, MemoryFolders, context, spec

DIGEST = "0123456789abcdef" * 4
CHANGE = PlanChange(
    action=ChangeAction.UPDATE, type=ResourceType.NAMED_LOCATIONS, id="a", changedFields=["x"]
)


def pending(annotations: dict[str, str] | None = None, **tenant: object) -> RunContext:
    status = SyncRunStatus(plan=PlanStatus(digest=DIGEST, changeCount=1, changes=[CHANGE]))
    return context(spec(**tenant), status=status, annotations=annotations)


async def test_without_a_decision_the_run_waits_and_says_how_to_decide() -> None:
    transition = await AwaitApproval()(pending(), FakeSession())
    assert isinstance(transition, Wait)
    assert transition.phase == RunPhase.PENDING_APPROVAL
    assert transition.message == (
        "1 change (1 to update) wait for approval of plan 0123456789ab: annotate SyncRun"
        " contoso-20261128-090000 with tenantsync.io/approval=approve, reject or reject-and-revert."
    )


async def test_a_value_that_is_not_a_decision_keeps_the_run_waiting() -> None:
    transition = await AwaitApproval()(pending({APPROVAL: "yes please"}), FakeSession())
    assert isinstance(transition, Wait)


async def test_automatic_approval_deploys_without_a_person() -> None:
    ctx = pending(approval=Approval.AUTOMATIC)
    transition = await AwaitApproval()(ctx, FakeSession())
    assert isinstance(transition, Advance)
    assert ctx.status.approval is None


async def test_approval_records_the_decision_and_who_made_it() -> None:
    ctx = pending({APPROVAL: "approve", APPROVAL_BY: "alice@contoso.com"})
    transition = await AwaitApproval()(ctx, FakeSession())
    assert isinstance(transition, Advance)
    assert ctx.status.approval is not None
    assert (ctx.status.approval.decision, ctx.status.approval.decidedBy) == (
        Decision.APPROVE,
        "alice@contoso.com",
    )
    assert ctx.status.approval.digest == DIGEST
    assert transition.message == (
        "Approved by alice@contoso.com at 2026-11-28 09:00:00 UTC for plan 0123456789ab. Deploying."
    )


async def test_without_a_recorded_approver_the_record_says_unverified() -> None:
    transition = await AwaitApproval()(pending({APPROVAL: "approve"}), FakeSession())
    assert transition.message.startswith("Approved by unverified at")


async def test_an_approval_of_another_plan_is_not_taken() -> None:
    ctx = pending({APPROVAL: "approve", APPROVAL_DIGEST: "fedcba9876", APPROVAL_BY: "alice"})
    transition = await AwaitApproval()(ctx, FakeSession())
    assert isinstance(transition, Wait)
    assert transition.message.startswith(
        "The approval by alice was for plan fedcba9876, but this run's plan is 0123456789ab"
    )
    assert ctx.status.approval is None


@pytest.mark.parametrize("prefix", ["01234567", DIGEST.upper()[:12], DIGEST])
async def test_an_approval_naming_this_plan_is_taken(prefix: str) -> None:
    transition = await AwaitApproval()(pending({APPROVAL: "approve", APPROVAL_DIGEST: prefix}), FakeSession())
    assert isinstance(transition, Advance)


async def test_a_digest_start_shorter_than_eight_characters_names_no_plan() -> None:
    transition = await AwaitApproval()(pending({APPROVAL: "approve", APPROVAL_DIGEST: "0123"}), FakeSession())
    assert isinstance(transition, Wait)


async def test_four_eyes_need_two_distinct_approvers_of_the_same_plan() -> None:
    one = {APPROVAL: "approve", APPROVAL_BY: "alice"}
    waiting = await AwaitApproval()(pending(one, requiredApprovals=2), FakeSession())
    assert isinstance(waiting, Wait)
    assert waiting.message.startswith("1 of 2 approvals of plan 0123456789ab (alice)")
    same_person = {**one, f"{FURTHER_APPROVAL_PREFIX}alice": DIGEST[:12]}
    assert isinstance(await AwaitApproval()(pending(same_person, requiredApprovals=2), FakeSession()), Wait)
    other_plan = {**one, f"{FURTHER_APPROVAL_PREFIX}bob": "fedcba98"}
    assert isinstance(await AwaitApproval()(pending(other_plan, requiredApprovals=2), FakeSession()), Wait)
    ctx = pending({**one, f"{FURTHER_APPROVAL_PREFIX}bob": DIGEST[:12]}, requiredApprovals=2)
    approved = await AwaitApproval()(ctx, FakeSession())
    assert isinstance(approved, Advance)
    assert ctx.status.approval is not None
    assert ctx.status.approval.approvers == ["alice", "bob"]


async def test_with_four_eyes_a_rejection_by_anyone_ends_the_run() -> None:
    annotations = {APPROVAL: "reject", APPROVAL_BY: "carol", f"{FURTHER_APPROVAL_PREFIX}bob": DIGEST[:12]}
    transition = await AwaitApproval()(pending(annotations, requiredApprovals=2), FakeSession())
    assert isinstance(transition, Finish)
    assert transition.phase == RunPhase.REJECTED
    assert transition.message.startswith("Rejected by carol at")


async def test_reject_ends_the_run_and_leaves_the_repository_alone() -> None:
    folders = MemoryFolders()
    folders.put("main", "tenants/contoso", {"namedLocations/a.json": {"id": "a", "x": 1}})
    before = dict(folders.branches)
    transition = await AwaitApproval()(pending({APPROVAL: "reject"}), FakeSession(folders=folders))
    assert isinstance(transition, Finish)
    assert transition.phase == RunPhase.REJECTED
    assert folders.branches == before


async def test_reject_and_revert_makes_the_tenant_the_desired_state_keeping_baseline_overrides() -> None:
    folders = MemoryFolders()
    overrides = {"baselines/security/ids.json": {"conditionalAccessPolicies/mfa": "a"}}
    folders.put("main", "tenants/contoso", {"namedLocations/a.json": {"id": "a", "x": 1}, **overrides})
    folders.put("tenantsync/backup", "tenants/contoso", {"namedLocations/a.json": {"id": "a", "x": 2}})
    transition = await AwaitApproval()(pending({APPROVAL: "reject-and-revert"}), FakeSession(folders=folders))
    assert isinstance(transition, Finish)
    assert transition.phase == RunPhase.REJECTED
    desired = await folders.read_folder("main", "tenants/contoso") or {}
    assert desired.pop("baselines/security/ids.json") is not None
    assert desired == await folders.read_folder("tenantsync/backup", "tenants/contoso")
