"""Back up: read every configured type from Graph and commit the tenant's state to the backup history."""

from __future__ import annotations

from typing import ClassVar

from tenantsync.api import (
    AuthenticationStatus,
    ConditionReason,
    ConditionType,
    ErrorCode,
    ResourceType,
    RunPhase,
    RunStep,
)
from tenantsync.catalog import CMDLET_SERVICES, catalog, role_needs
from tenantsync.exchange import ExchangePermissionDenied
from tenantsync.graph import GraphPermissionDenied
from tenantsync.sync.attribution import Attributor
from tenantsync.sync.history import record_backup
from tenantsync.sync.pipeline import Advance, RunContext, Transition, Wait
from tenantsync.sync.session import Session
from tenantsync.sync.teams_snapshot import SnapshotWaiting


class Backup:
    condition: ClassVar[ConditionType | None] = ConditionType.BACKED_UP
    activity: ClassVar[str] = "reading the tenant's configuration"

    def __init__(
        self,
        consent_poll_seconds: float = 30.0,
        attribute: Attributor | None = None,
        snapshot_poll_seconds: float = 15.0,
    ) -> None:
        self._consent_poll_seconds = consent_poll_seconds
        self._attribute = attribute
        self._snapshot_poll_seconds = snapshot_poll_seconds

    async def __call__(self, ctx: RunContext, session: Session) -> Transition:
        try:
            recorded = await record_backup(ctx, session, self._attribute)
        except GraphPermissionDenied as error:
            return self._consent_needed(ctx, session, error)
        except SnapshotWaiting as waiting:
            return Wait(
                self._snapshot_poll_seconds,
                RunPhase.IN_PROGRESS,
                f"Waiting for the Teams snapshot: Tenant Configuration Management job {waiting.job.id} is"
                f" {waiting.job.status}; the backup reads the rest of the tenant once it has finished.",
            )
        ctx.status.backup = recorded.status
        ctx.condition(ConditionType.BACKED_UP, "True", ConditionReason.BACKED_UP, recorded.message)
        return Advance(RunPhase.IN_PROGRESS, recorded.message + " Planning.")

    def _consent_needed(self, ctx: RunContext, session: Session, error: GraphPermissionDenied) -> Transition:
        """Graph refused a permission the token was thought to carry: wait for consent, then sign in
        afresh (Authenticate asks for a new token while PendingAdminConsent) and read again."""
        spec = ctx.tenant
        auth = ctx.status.authentication = ctx.status.authentication or AuthenticationStatus()
        roles = (
            [" or ".join(error.roles)] if isinstance(error, ExchangePermissionDenied) and error.roles else []
        )
        if isinstance(error, ExchangePermissionDenied) and not roles and not error.permissions:
            # The service does not say which role it wanted: every role the configured types need.
            exchange_types = [
                name
                for name in (spec.resources or list(ResourceType))
                if catalog()[name].service in CMDLET_SERVICES
            ]
            roles = [" or ".join(alternatives) for alternatives in role_needs(exchange_types, spec.mode)]
        auth.missingPermissions = error.permissions
        auth.missingRoles = roles
        auth.adminConsentUrl = session.endpoints.admin_consent_url(
            spec.tenantId, spec.servicePrincipal.clientId
        )
        needed = ", ".join(error.permissions) or (
            f"one of the Entra roles {'; '.join(roles)}" if roles else "a permission it did not name"
        )
        message = (
            f"Waiting for admin consent: {error.service} refused to read the tenant's configuration ({error.code}:"
            f" needs {needed}). A Global Administrator can grant it at {auth.adminConsentUrl}; the sync resumes by"
            " itself once consent is granted."
        )
        ctx.observations.admin_consent = ("False", ErrorCode.ADMIN_CONSENT_REQUIRED, message)
        return Wait(
            self._consent_poll_seconds,
            RunPhase.PENDING_ADMIN_CONSENT,
            message,
            resume_at=RunStep.AUTHENTICATE,
        )
