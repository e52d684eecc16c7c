"""Verify: back the tenant up again and check it now matches the desired state."""

from __future__ import annotations

from typing import ClassVar

from tenantsync.api import ChangeOutcome, ConditionType, RunPhase
from tenantsync.graph import GraphPermissionDenied
from tenantsync.sync.diff import plan_changes
from tenantsync.sync.history import record_backup
from tenantsync.sync.pipeline import Finish, RunContext, Transition
from tenantsync.sync.session import Session
from tenantsync.sync.states import read_states


class Verify:
    condition: ClassVar[ConditionType | None] = ConditionType.BACKED_UP
    activity: ClassVar[str] = "reading the tenant back after the deploy"

    async def __call__(self, ctx: RunContext, session: Session) -> Transition:
        try:
            ctx.status.backup, message = await record_backup(ctx, session)
        except GraphPermissionDenied as error:  # the deploy stands, unverified
            return Finish(
                RunPhase.PARTIALLY_SUCCESSFUL,
                "The changes were deployed, but the verifying backup could not read the tenant: Graph refused"
                f" with 403 {error.code}: {error.message}",
            )
        ctx.condition(ConditionType.BACKED_UP, "True", "BackedUp", message)
        states = await read_states(ctx, session)
        results = ctx.status.deploy.results if ctx.status.deploy else []
        not_applied = [r for r in results if r.result != ChangeOutcome.APPLIED]
        remaining = plan_changes(states.desired, states.live, where=states.where)
        if not_applied:
            details = "; ".join(f"{r.action} {r.type}/{r.id}: {r.result} ({r.message})" for r in not_applied)
            return Finish(
                RunPhase.PARTIALLY_SUCCESSFUL,
                f"{len(results) - len(not_applied)} of {len(results)} changes applied; not applied: {details}",
            )
        if remaining:
            return Finish(
                RunPhase.PARTIALLY_SUCCESSFUL,
                f"All {len(results)} changes were applied, but the tenant still differs from the desired state in"
                f" {len(remaining)} objects after deploying; see the backup commit {ctx.status.backup.commit}.",
            )
        return Finish(
            RunPhase.SUCCEEDED,
            f"Deployed {len(results)} change{'s' if len(results) != 1 else ''}; the tenant matches the desired state.",
        )
