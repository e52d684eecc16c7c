"""Approval: nothing touches the tenant until a person annotates the run (or approval is Automatic)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tenantsync.api import (
    APPROVAL,
    APPROVAL_BY,
    APPROVAL_DIGEST,
    FURTHER_APPROVAL_PREFIX,
    Approval,
    ApprovalStatus,
    ConditionReason,
    ConditionType,
    Decision,
    RunPhase,
    approver_handle,
    names_digest,
)
from tenantsync.sync.diff import summary
from tenantsync.sync.layout import is_reserved
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition, Wait
from tenantsync.sync.session import Session

DECISION_POLL_SECONDS = 2.0
UNVERIFIED = "unverified"
"""The approver's name when the admission policy does not record it (recordApprover off)."""


def approvers_of(annotations: Mapping[str, str], digest: str) -> list[str]:
    """Everyone who approved `digest`, once each: the decision's recorded approver, then each further
    approval (`approval.tenantsync.io/<handle>`, see `approver_handle`)."""
    approvers: list[str] = []
    handles: set[str] = set()
    if annotations.get(APPROVAL) == Decision.APPROVE:
        first = annotations.get(APPROVAL_BY) or UNVERIFIED
        approvers.append(first)
        handles.add(approver_handle(first))
    for key, value in sorted(annotations.items()):
        handle = key.removeprefix(FURTHER_APPROVAL_PREFIX)
        if key.startswith(FURTHER_APPROVAL_PREFIX) and names_digest(value, digest) and handle not in handles:
            approvers.append(handle)
            handles.add(handle)
    return approvers


class AwaitApproval:
    condition: ClassVar[ConditionType | None] = None
    activity: ClassVar[str] = "acting on the decision"

    def __init__(self, poll_seconds: float = DECISION_POLL_SECONDS) -> None:
        self._poll_seconds = poll_seconds

    async def __call__(self, ctx: RunContext, session: Session) -> Transition:
        plan = ctx.status.plan
        planned = summary(plan.changes if plan else [])
        digest = (plan.digest if plan else None) or ""
        if ctx.tenant.approval == Approval.AUTOMATIC:
            return Advance(RunPhase.IN_PROGRESS, f"Deploying {planned} (approval: Automatic).")
        annotations = ctx.annotations
        value = annotations.get(APPROVAL)
        if value is None or value not in Decision.__members__.values():
            # No decision yet, or one the controller refused with an event: keep waiting.
            return self._wait(
                f"{planned} wait for approval of plan {digest[:12]}: annotate SyncRun {ctx.run_name} with"
                f" {APPROVAL}=approve, reject or reject-and-revert."
            )
        decision = Decision(value)
        by = annotations.get(APPROVAL_BY) or UNVERIFIED
        when = f"{ctx.now:%Y-%m-%d %H:%M:%S} UTC"
        if decision != Decision.APPROVE:
            ctx.status.approval = ApprovalStatus(
                decision=decision, decidedAt=ctx.now, decidedBy=annotations.get(APPROVAL_BY), digest=digest
            )
            if decision == Decision.REJECT:
                message = (
                    f"Rejected by {by} at {when}: nothing was deployed and the repository is unchanged; the same"
                    " changes come up at the next sync."
                )
                ctx.condition(ConditionType.DENIED, "True", ConditionReason.REJECTED, message)
                return Finish(RunPhase.REJECTED, message)
            return await self._revert(ctx, session, by, when)
        shown = annotations.get(APPROVAL_DIGEST)
        if shown is not None and not names_digest(shown, digest):
            return self._wait(
                f"The approval by {by} was for plan {shown[:12]}, but this run's plan is {digest[:12]}: review it"
                f" (kubectl tenantsync plan {ctx.run_name}) and approve that plan. {planned} wait for approval."
            )
        approvers = approvers_of(annotations, digest)
        needed = ctx.tenant.requiredApprovals
        if len(approvers) < needed:
            return self._wait(
                f"{len(approvers)} of {needed} approvals of plan {digest[:12]} ({', '.join(approvers)}): another"
                f" person approves with kubectl tenantsync approve {ctx.run_name} --digest {digest[:12]}."
            )
        ctx.status.approval = ApprovalStatus(
            decision=decision,
            decidedAt=ctx.now,
            decidedBy=annotations.get(APPROVAL_BY),
            digest=digest,
            approvers=approvers if needed > 1 else [],
        )
        message = f"Approved by {', '.join(approvers)} at {when} for plan {digest[:12]}."
        ctx.condition(ConditionType.APPROVED, "True", ConditionReason.APPROVED, message)
        return Advance(RunPhase.IN_PROGRESS, f"{message} Deploying.")

    def _wait(self, message: str) -> Wait:
        return Wait(self._poll_seconds, RunPhase.PENDING_APPROVAL, message)

    @staticmethod
    async def _revert(ctx: RunContext, session: Session, by: str, when: str) -> Transition:
        """Discard the changes: the tenant's current state (the backup) becomes the desired state."""
        spec = ctx.tenant
        repository = await session.repository()
        live = await repository.read_folder(spec.repository.backupBranch, ctx.repository_path) or {}
        desired = await repository.read_folder(spec.repository.branch, ctx.repository_path) or {}
        commit = await repository.write_folder(
            spec.repository.branch,
            ctx.repository_path,
            {**live, **{file: content for file, content in desired.items() if is_reserved(file)}},
            f"Revert the desired state of Tenant {ctx.namespace}/{ctx.tenant_name} to the tenant's state\n\n"
            f"Rejected and reverted in SyncRun {ctx.run_name}.",
        )
        message = (
            f"Rejected and reverted by {by} at {when}: nothing was deployed; the desired state on branch"
            f" {spec.repository.branch} now matches the tenant{f' (commit {commit[:12]})' if commit else ''}."
        )
        ctx.condition(ConditionType.DENIED, "True", ConditionReason.REJECTED_AND_REVERTED, message)
        return Finish(RunPhase.REJECTED, message)
