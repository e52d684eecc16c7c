"""Approval: nothing touches the tenant until a person annotates the run (or approval is Automatic)."""

from __future__ import annotations

from typing import ClassVar

from tenantsync.api import (
    APPROVAL,
    APPROVAL_BY,
    Approval,
    ApprovalStatus,
    ConditionType,
    Decision,
    RunPhase,
    RunStep,
)
from tenantsync.sync.diff import summary
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition, Wait
from tenantsync.sync.session import Session

DECISION_POLL_SECONDS = 2.0


class AwaitApproval:
    condition: ClassVar[ConditionType | None] = None
    activity: ClassVar[str] = "acting on the decision"

    def __init__(self, poll_seconds: float = DECISION_POLL_SECONDS) -> None:
        self._poll_seconds = poll_seconds

    async def __call__(self, ctx: RunContext, session: Session) -> Transition:
        planned = summary(ctx.status.plan.changes if ctx.status.plan else [])
        if ctx.tenant.approval == Approval.AUTOMATIC:
            return Advance(
                RunStep.DEPLOY, RunPhase.IN_PROGRESS, f"Deploying {planned} (approval: Automatic)."
            )
        value = ctx.annotations.get(APPROVAL)
        if value is None or value not in Decision.__members__.values():
            # No decision yet, or one the controller refused with an event: keep waiting.
            return Wait(
                self._poll_seconds,
                RunPhase.PENDING_APPROVAL,
                f"{planned} wait for approval: annotate SyncRun {ctx.run_name} with {APPROVAL}=approve,"
                " reject or reject-and-revert.",
            )
        decision = Decision(value)
        ctx.status.approval = ApprovalStatus(
            decision=decision, decidedAt=ctx.now, decidedBy=ctx.annotations.get(APPROVAL_BY)
        )
        if decision == Decision.APPROVE:
            ctx.condition(ConditionType.APPROVED, "True", "Approved", "The plan was approved.")
            return Advance(RunStep.DEPLOY, RunPhase.IN_PROGRESS, "Approved; deploying the plan.")
        if decision == Decision.REJECT:
            message = "Rejected: nothing was deployed and the repository is unchanged; the same changes come up at the next sync."
            ctx.condition(ConditionType.DENIED, "True", "Rejected", message)
            return Finish(RunPhase.REJECTED, message)
        return await self._revert(ctx, session)

    @staticmethod
    async def _revert(ctx: RunContext, session: Session) -> Transition:
        """Discard the changes: the tenant's current state (the backup) becomes the desired state."""
        spec = ctx.tenant
        repository = await session.repository()
        live = await repository.read_folder(spec.repository.backupBranch, ctx.repository_path) or {}
        commit = await repository.write_folder(
            spec.repository.branch,
            ctx.repository_path,
            live,
            f"Revert the desired state of Tenant {ctx.namespace}/{ctx.tenant_name} to the tenant's state\n\n"
            f"Rejected and reverted in SyncRun {ctx.run_name}.",
        )
        message = (
            "Rejected and reverted: nothing was deployed; the desired state on branch"
            f" {spec.repository.branch} now matches the tenant{f' (commit {commit[:12]})' if commit else ''}."
        )
        ctx.condition(ConditionType.DENIED, "True", "RejectedAndReverted", message)
        return Finish(RunPhase.REJECTED, message)
