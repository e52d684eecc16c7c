"""Verify: back the tenant up again and check it now matches the desired state."""

from __future__ import annotations

from typing import ClassVar

from tenantsync.api import ChangeOutcome, ConditionReason, ConditionType, ResourceType, RunPhase
from tenantsync.graph import GraphPermissionDenied
from tenantsync.sync.diff import deployable, object_files, plan_changes
from tenantsync.sync.history import record_backup
from tenantsync.sync.kept import KeptStates, approved_digest
from tenantsync.sync.pipeline import Finish, RunContext, Transition
from tenantsync.sync.session import Session


class Verify:
    condition: ClassVar[ConditionType | None] = ConditionType.BACKED_UP
    activity: ClassVar[str] = "reading the tenant back after the deploy"

    def __init__(self, kept: KeptStates | None = None) -> None:
        self._kept = kept if kept is not None else KeptStates()

    async def __call__(self, ctx: RunContext, session: Session) -> Transition:
        try:
            recorded = await record_backup(ctx, session, may_snapshot=False)
        except GraphPermissionDenied as error:  # the deploy stands, unverified
            return Finish(
                RunPhase.PARTIALLY_SUCCESSFUL,
                "The changes were deployed, but the verifying backup could not read the tenant: Graph refused"
                f" with 403 {error.code}: {error.message}",
            )
        ctx.status.backup = recorded.status
        ctx.condition(ConditionType.BACKED_UP, "True", ConditionReason.BACKED_UP, recorded.message)
        # The desired state the deploy used while its branch has not moved; the tenant as just backed up.
        states = await self._kept.current(ctx, session, approved_digest(ctx.status))
        spec = ctx.tenant
        live = object_files(
            recorded.files,
            set(spec.resources or ResourceType),
            where=f"{ctx.repository_path} on branch {spec.repository.backupBranch}",
        )
        results = ctx.status.deploy.results if ctx.status.deploy else []
        not_applied = [r for r in results if r.result != ChangeOutcome.APPLIED]
        remaining = deployable(plan_changes(states.desired, live, where=states.where))
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
                f" {len(remaining)} objects after deploying; see the backup commit {recorded.status.commit}.",
            )
        by_hand = ctx.status.plan.adminCentreChangeCount if ctx.status.plan else 0
        if by_hand:
            return Finish(
                RunPhase.SUCCEEDED,
                f"Deployed {len(results)} change{'s' if len(results) != 1 else ''}; {by_hand} more must be made by a"
                " person in the admin centre each names (see the plan); no API can make them.",
            )
        return Finish(
            RunPhase.SUCCEEDED,
            f"Deployed {len(results)} change{'s' if len(results) != 1 else ''}; the tenant matches the desired state.",
        )
