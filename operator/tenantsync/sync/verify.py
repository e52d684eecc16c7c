"""Verify: back the tenant up again and check it now matches the desired state."""

from __future__ import annotations

from tenantsync.api import RunPhase
from tenantsync.repository import RepositoryError
from tenantsync.sync.backup import Backup
from tenantsync.sync.connections import TenantConnections
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition, Wait
from tenantsync.sync.plan import plan_changes


class Verify:
    def __init__(self, connections: TenantConnections) -> None:
        self._connections = connections
        self._backup = Backup(connections)

    async def __call__(self, ctx: RunContext) -> Transition:
        transition = await self._backup(ctx)
        if isinstance(transition, Wait):  # Graph refused a read: the deploy stands, unverified
            return Finish(
                RunPhase.PARTIALLY_SUCCESSFUL,
                f"The changes were deployed, but the verifying backup could not read the tenant: {transition.message}",
            )
        if not isinstance(transition, Advance):
            return transition
        spec = ctx.tenant
        try:
            repository = await self._connections.repository(ctx)
            desired = await repository.read_folder(spec.repository.branch, ctx.repository_path) or {}
            live = await repository.read_folder(spec.repository.backupBranch, ctx.repository_path) or {}
        except RepositoryError as error:
            return Finish(RunPhase.NEW_ERROR, error.message, ctx.error(error.code, error.message))
        results = ctx.status.deploy.results if ctx.status.deploy else []
        not_applied = [r for r in results if r.result != "Applied"]
        remaining = plan_changes(desired, live)
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
                f" {len(remaining)} objects after deploying; see the backup commit {ctx.status.backup.commit if ctx.status.backup else ''}.",
            )
        return Finish(
            RunPhase.SUCCEEDED,
            f"Deployed {len(results)} change{'s' if len(results) != 1 else ''}; the tenant matches the desired state.",
        )
