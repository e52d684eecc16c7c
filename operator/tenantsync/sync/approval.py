"""Approval: nothing touches the tenant until a person annotates the run (or approval is Automatic)."""

from __future__ import annotations

from tenantsync.api import ConditionType, RunPhase, RunStep
from tenantsync.api.annotations import APPROVAL, Decision
from tenantsync.api.syncrun import ApprovalStatus
from tenantsync.repository import RepositoryError
from tenantsync.sync.connections import TenantConnections
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition, Wait

DECISION_POLL_SECONDS = 2.0


class AwaitApproval:
    def __init__(self, connections: TenantConnections, poll_seconds: float = DECISION_POLL_SECONDS) -> None:
        self._connections = connections
        self._poll_seconds = poll_seconds

    async def __call__(self, ctx: RunContext) -> Transition:
        value = ctx.annotations.get(APPROVAL)
        if value not in {d.value for d in Decision}:
            # No decision yet, or one the controller refused with an event: keep waiting, same message.
            return Wait(
                self._poll_seconds, RunPhase.PENDING_APPROVAL, ctx.status.message or "Waiting for approval."
            )
        decision = Decision(value)
        ctx.status.approval = ApprovalStatus(
            decision=decision.value, decidedAt=ctx.now, decidedBy=ctx.annotations.get(f"{APPROVAL}-by")
        )
        if decision == Decision.APPROVE:
            ctx.condition(ConditionType.APPROVED, "True", "Approved", "The plan was approved.")
            return Advance(RunStep.DEPLOY, RunPhase.IN_PROGRESS, "Approved; deploying the plan.")
        if decision == Decision.REJECT:
            message = "Rejected: nothing was deployed and the repository is unchanged; the same changes come up at the next sync."
            ctx.condition(ConditionType.DENIED, "True", "Rejected", message)
            return Finish(RunPhase.REJECTED, message)
        return await self._revert(ctx)

    async def _revert(self, ctx: RunContext) -> Transition:
        """Discard the changes: the tenant's current state (the backup) becomes the desired state."""
        spec = ctx.tenant
        repository = await self._connections.repository(ctx)
        try:
            live = await repository.read_folder(spec.repository.backupBranch, ctx.repository_path) or {}
            commit = await repository.write_folder(
                spec.repository.branch,
                ctx.repository_path,
                live,
                f"Revert the desired state of Tenant {ctx.namespace}/{ctx.tenant_name} to the tenant's state\n\n"
                f"Rejected and reverted in SyncRun {ctx.run_name}.",
            )
        except RepositoryError as error:
            return Finish(RunPhase.NEW_ERROR, error.message, ctx.error(error.code, error.message))
        message = (
            "Rejected and reverted: nothing was deployed; the desired state on branch"
            f" {spec.repository.branch} now matches the tenant{f' (commit {commit[:12]})' if commit else ''}."
        )
        ctx.condition(ConditionType.DENIED, "True", "RejectedAndReverted", message)
        return Finish(RunPhase.REJECTED, message)
