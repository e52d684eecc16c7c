"""Authenticate: sign the service principal in and check that its token carries every permission the
configured types need; when some are missing, wait in PendingAdminConsent and look again."""

from __future__ import annotations

from typing import ClassVar

from tenantsync.api import (
    AuthenticationStatus,
    ConditionReason,
    ConditionType,
    CredentialsStatus,
    ErrorCode,
    ResourceType,
    RunPhase,
)
from tenantsync.auth import ClientSecretCredential, expiry_warning, secret_end
from tenantsync.catalog import required_permissions
from tenantsync.graph import GraphError
from tenantsync.sync.pipeline import Advance, RunContext, Transition, Wait
from tenantsync.sync.session import Session

ADMIN_CONSENT_POLL_SECONDS = 30.0
APPLICATION_READERS = frozenset({"Application.Read.All", "Application.ReadWrite.All"})


def missing_permissions(required: list[str], granted: frozenset[str]) -> list[str]:
    """Required permissions the token lacks; a ReadWrite permission grants its Read twin, as in Entra."""
    return sorted(
        name
        for name in required
        if name not in granted and name.replace(".Read.", ".ReadWrite.") not in granted
    )


class Authenticate:
    condition: ClassVar[ConditionType | None] = ConditionType.AUTHENTICATED
    activity: ClassVar[str] = "signing the service principal in"

    def __init__(self, consent_poll_seconds: float = ADMIN_CONSENT_POLL_SECONDS) -> None:
        self._consent_poll_seconds = consent_poll_seconds

    async def __call__(self, ctx: RunContext, session: Session) -> Transition:
        waiting_for_consent = ctx.status.phase == RunPhase.PENDING_ADMIN_CONSENT
        principal = await session.service_principal()
        token = await principal.acquire(fresh=waiting_for_consent)
        signed_in_at = ctx.clock()

        spec = ctx.tenant
        required = required_permissions(spec.resources or list(ResourceType), spec.mode)
        if waiting_for_consent and ctx.status.authentication:
            # Permissions Graph itself asked for (a 403 during backup) count until a token carries them.
            required = sorted(set(required) | set(ctx.status.authentication.missingPermissions))
        missing = missing_permissions(required, token.roles)
        consent_url = session.endpoints.admin_consent_url(spec.tenantId, spec.servicePrincipal.clientId)
        ctx.status.authentication = AuthenticationStatus(
            servicePrincipal="Authenticated",
            grantedPermissions=sorted(set(required) - set(missing)),
            missingPermissions=missing,
            adminConsentUrl=consent_url if missing else None,
            user=ctx.status.authentication.user if ctx.status.authentication else None,
        )
        if spec.userAuthentication is None:
            ctx.condition(
                ConditionType.AUTHENTICATED,
                "True",
                ConditionReason.SERVICE_PRINCIPAL_SIGNED_IN,
                "The service principal signed in.",
                at=signed_in_at,
            )
        else:  # True once the user has signed in too (or the run goes on without them): see UserSignInStep
            ctx.condition(
                ConditionType.AUTHENTICATED,
                "Unknown",
                ConditionReason.WAITING_FOR_USER_SIGN_IN,
                "The service principal signed in; the delegated user signs in next.",
                at=signed_in_at,
            )
        if ctx.observations.credentials_valid is None or ctx.observations.credentials_valid[0] != "True":
            ctx.observations.credentials_valid = (
                "True",
                ConditionReason.VALID,
                "The service principal signed in with its credentials.",
            )
        if token.roles & APPLICATION_READERS:
            await self._secret_expiry(ctx, session)
        if missing:
            message = (
                f"Waiting for admin consent: application {spec.servicePrincipal.clientId} lacks the application"
                f" permission{'s' if len(missing) > 1 else ''} {', '.join(missing)} that the configured types"
                f" need in {spec.mode} mode. A Global Administrator can grant them at {consent_url};"
                " the sync resumes by itself once consent is granted."
            )
            ctx.observations.admin_consent = ("False", ErrorCode.ADMIN_CONSENT_REQUIRED, message)
            return Wait(self._consent_poll_seconds, RunPhase.PENDING_ADMIN_CONSENT, message)
        ctx.observations.admin_consent = (
            "True",
            ConditionReason.GRANTED,
            f"The application holds all {len(required)} permissions it needs.",
        )
        if spec.userAuthentication is None:
            ctx.observations.user_authenticated = (
                "True",
                ConditionReason.NOT_REQUIRED,
                "No delegated user is configured.",
            )
            return Advance(RunPhase.IN_PROGRESS, "Signed in; backing up the tenant.")
        return Advance(RunPhase.IN_PROGRESS, "Signed in; signing the delegated user in.")

    @staticmethod
    async def _secret_expiry(ctx: RunContext, session: Session) -> None:
        """Show when the client secret expires, read from Graph when the app may read itself."""
        credential = await session.credential()
        if not isinstance(credential, ClientSecretCredential):
            return
        client_id = ctx.tenant.servicePrincipal.clientId
        try:
            graph = await session.graph()
            application = await graph.get(
                f"applications(appId='{client_id}')", params={"$select": "passwordCredentials"}
            )
        except GraphError:
            return  # the expiry is information; not knowing it must not stop a sync
        end = secret_end(
            application.get("passwordCredentials") or [], credential.client_secret.get_secret_value()
        )
        if end is None:
            return
        ctx.observations.credentials = CredentialsStatus(kind=credential.kind, expiresAt=end)
        warning = expiry_warning(
            credential.kind, ctx.tenant.servicePrincipal.credentialsSecretRef.name, end, ctx.now
        )
        if warning:
            ctx.observations.credentials_valid = ("True", ConditionReason.EXPIRING_SOON, warning)
