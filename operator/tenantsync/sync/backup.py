"""Back up: read every configured type from Graph and commit the tenant's state to the backup history."""

from __future__ import annotations

from tenantsync.api import ConditionType, ErrorCode, ResourceType, RunPhase, RunStep
from tenantsync.api.syncrun import AuthenticationStatus, BackupStatus
from tenantsync.catalog import catalog
from tenantsync.graph import GraphError, GraphPermissionDenied
from tenantsync.repository import RepositoryError
from tenantsync.sync.connections import TenantConnections
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition, Wait
from tenantsync.sync.snapshot import take_snapshot


def graph_failure(ctx: RunContext, error: GraphError, doing: str) -> Finish:
    """A Graph error stops the run with what happened; a 403 names the permission to consent."""
    if isinstance(error, GraphPermissionDenied):
        code = ErrorCode.ADMIN_CONSENT_REQUIRED
        message = (
            f"Graph refused {doing} with 403 {error.code}: {error.message} Grant the application the"
            " permission and admin consent, then sync again."
        )
    else:
        code = ErrorCode.GRAPH_REQUEST_FAILED
        message = f"Graph answered {error.status} {error.code} while {doing}: {error.message}"
    return Finish(RunPhase.NEW_ERROR, message, ctx.error(code, message))


def _user_signed_in(ctx: RunContext) -> bool:
    user = ctx.status.authentication.user if ctx.status.authentication else None
    return user is not None and user.state in ("SignedIn", "SignedInByDeviceCode")


class Backup:
    def __init__(self, connections: TenantConnections, consent_poll_seconds: float = 30.0) -> None:
        self._connections = connections
        self._consent_poll_seconds = consent_poll_seconds

    def _consent_needed(self, ctx: RunContext, error: GraphPermissionDenied) -> Transition:
        """Graph refused a permission the token was thought to carry: wait for consent, then sign in
        afresh (Authenticate asks for a new token while PendingAdminConsent) and read again."""
        spec = ctx.tenant
        auth = ctx.status.authentication = ctx.status.authentication or AuthenticationStatus()
        auth.missingPermissions = error.permissions
        auth.adminConsentUrl = self._connections.endpoints(spec).admin_consent_url(
            spec.tenantId, spec.servicePrincipal.clientId
        )
        needed = ", ".join(error.permissions) or "a permission it did not name"
        message = (
            f"Waiting for admin consent: Graph refused to read the tenant's configuration ({error.code}: needs"
            f" {needed}). A Global Administrator can grant it at {auth.adminConsentUrl}; the sync resumes by"
            " itself once consent is granted."
        )
        ctx.observations.admin_consent = ("False", ErrorCode.ADMIN_CONSENT_REQUIRED.value, message)
        return Wait(
            self._consent_poll_seconds,
            RunPhase.PENDING_ADMIN_CONSENT,
            message,
            resume_at=RunStep.AUTHENTICATE,
        )

    async def __call__(self, ctx: RunContext) -> Transition:
        spec = ctx.tenant
        types = [catalog()[name] for name in (spec.resources or list(ResourceType))]
        try:
            admin_api = await self._connections.admin_api(ctx) if _user_signed_in(ctx) else None
            try:
                async with await self._connections.graph(ctx) as graph:
                    snapshot = await take_snapshot(graph, types, admin_api=admin_api)
            finally:
                if admin_api is not None:
                    await admin_api.aclose()
        except GraphPermissionDenied as error:
            return self._consent_needed(ctx, error)
        except GraphError as error:
            finish = graph_failure(ctx, error, "reading the tenant's configuration")
            ctx.condition(
                ConditionType.BACKED_UP,
                "False",
                finish.error.code.value if finish.error else "",
                finish.message,
            )
            return finish
        files = snapshot.files()
        try:
            repository = await self._connections.repository(ctx)
            commit = await repository.write_folder(
                spec.repository.backupBranch,
                ctx.repository_path,
                files,
                f"Backup of Tenant {ctx.namespace}/{ctx.tenant_name}\n\nSyncRun: {ctx.run_name}",
            )
        except RepositoryError as error:
            ctx.condition(ConditionType.BACKED_UP, "False", error.code.value, error.message)
            return Finish(RunPhase.NEW_ERROR, error.message, ctx.error(error.code, error.message))
        by_type = {name.value: len(objects) for name, objects in snapshot.objects.items()}
        ctx.status.backup = BackupStatus(
            commit=commit or await repository.head(spec.repository.backupBranch),
            objects=sum(by_type.values()),
            objectsByType=by_type,
            skippedTypes=[name.value for name in snapshot.skipped],
        )
        changed = f"committed {commit[:12]}" if commit else "unchanged since the last backup"
        message = f"Backed up {ctx.status.backup.objects} objects ({changed})."
        if snapshot.skipped:
            message += f" Skipped (need a signed-in user): {', '.join(n.value for n in snapshot.skipped)}."
        ctx.condition(ConditionType.BACKED_UP, "True", "BackedUp", message)
        return Advance(RunStep.PLAN, RunPhase.IN_PROGRESS, message + " Planning.")
