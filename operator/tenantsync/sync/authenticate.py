"""Authenticate: sign the service principal in and check that its token carries every permission the
configured types need; when some are missing, wait in PendingAdminConsent and look again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tenantsync.api import ConditionType, ErrorCode, ResourceType, RunPhase, RunStep
from tenantsync.api.syncrun import AuthenticationStatus
from tenantsync.api.tenant import CredentialsStatus
from tenantsync.auth import ClientSecretCredential, CredentialsError
from tenantsync.auth.service_principal import SignInError
from tenantsync.catalog import required_permissions
from tenantsync.graph import GraphError
from tenantsync.sync.connections import TenantConnections
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition, Wait
from tenantsync.sync.preflight import EXPIRY_WARNING
from tenantsync.sync.user_signin import UserSignInStep

ADMIN_CONSENT_POLL_SECONDS = 30.0
CREDENTIAL_ERRORS = {ErrorCode.INVALID_CLIENT_SECRET, ErrorCode.CLIENT_SECRET_EXPIRED}


def missing_permissions(required: list[str], granted: frozenset[str]) -> list[str]:
    """Required permissions the token lacks; a ReadWrite permission grants its Read twin, as in Entra."""
    return sorted(
        name
        for name in required
        if name not in granted and name.replace(".Read.", ".ReadWrite.") not in granted
    )


def secret_end(credentials: list[dict[str, Any]], secret: str) -> datetime | None:
    """The end of the app's password credential that is ours: Entra keeps each secret's first three
    characters as its `hint`; the latest-ending match wins when hints collide."""
    ends = [
        datetime.fromisoformat(c["endDateTime"].replace("Z", "+00:00"))
        for c in credentials
        if c.get("hint") and secret.startswith(c["hint"]) and c.get("endDateTime")
    ]
    return max(ends, default=None)


class Authenticate:
    def __init__(
        self, connections: TenantConnections, consent_poll_seconds: float = ADMIN_CONSENT_POLL_SECONDS
    ) -> None:
        self._connections = connections
        self._consent_poll_seconds = consent_poll_seconds
        self._user_sign_in = UserSignInStep(connections)

    async def __call__(self, ctx: RunContext) -> Transition:
        waiting_for_consent = ctx.status.phase == RunPhase.PENDING_ADMIN_CONSENT
        try:
            principal = await self._connections.service_principal(ctx)
            token = await principal.acquire(fresh=waiting_for_consent)
        except (CredentialsError, SignInError) as error:
            if error.code in CREDENTIAL_ERRORS or isinstance(error, CredentialsError):
                ctx.observations.credentials_valid = ("False", error.code.value, error.message)
            ctx.condition(ConditionType.AUTHENTICATED, "False", error.code.value, error.message)
            return Finish(RunPhase.NEW_ERROR, error.message, ctx.error(error.code, error.message))

        spec = ctx.tenant
        required = required_permissions(spec.resources or list(ResourceType), spec.mode)
        if waiting_for_consent and ctx.status.authentication:
            # Permissions Graph itself asked for (a 403 during backup) count until a token carries them.
            required = sorted(set(required) | set(ctx.status.authentication.missingPermissions))
        missing = missing_permissions(required, token.roles)
        endpoints = self._connections.endpoints(spec)
        consent_url = endpoints.admin_consent_url(spec.tenantId, spec.servicePrincipal.clientId)
        ctx.status.authentication = AuthenticationStatus(
            servicePrincipal="Authenticated",
            grantedPermissions=sorted(set(required) - set(missing)),
            missingPermissions=missing,
            adminConsentUrl=consent_url if missing else None,
            user=ctx.status.authentication.user if ctx.status.authentication else None,
        )
        ctx.condition(
            ConditionType.AUTHENTICATED,
            "True",
            "ServicePrincipalSignedIn",
            "The service principal signed in.",
        )
        if ctx.observations.credentials_valid is None or ctx.observations.credentials_valid[0] != "True":
            ctx.observations.credentials_valid = (
                "True",
                "Valid",
                "The service principal signed in with its credentials.",
            )
        if token.roles & {"Application.Read.All", "Application.ReadWrite.All"}:
            await self._secret_expiry(ctx)
        if missing:
            message = (
                f"Waiting for admin consent: application {spec.servicePrincipal.clientId} lacks the application"
                f" permission{'s' if len(missing) > 1 else ''} {', '.join(missing)} that the configured types"
                f" need in {spec.mode} mode. A Global Administrator can grant them at {consent_url};"
                " the sync resumes by itself once consent is granted."
            )
            ctx.observations.admin_consent = ("False", ErrorCode.ADMIN_CONSENT_REQUIRED.value, message)
            return Wait(self._consent_poll_seconds, RunPhase.PENDING_ADMIN_CONSENT, message)
        ctx.observations.admin_consent = (
            "True",
            "Granted",
            f"The application holds all {len(required)} permissions it needs.",
        )
        waiting = await self._user_sign_in(ctx)
        if waiting is not None:
            return waiting
        return Advance(RunStep.BACKUP, RunPhase.IN_PROGRESS, "Signed in; backing up the tenant.")

    async def _secret_expiry(self, ctx: RunContext) -> None:
        """Show when the client secret expires, read from Graph when the app may read itself."""
        credential = await self._connections.credential(ctx)
        if not isinstance(credential, ClientSecretCredential):
            return
        client_id = ctx.tenant.servicePrincipal.clientId
        try:
            async with await self._connections.graph(ctx) as graph:
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
        secret_name = ctx.tenant.servicePrincipal.credentialsSecretRef.name
        if end - ctx.now <= EXPIRY_WARNING:
            ctx.observations.credentials_valid = (
                "True",
                "ExpiringSoon",
                f"The client secret in Secret {secret_name} expires in {(end - ctx.now).days} days"
                f" ({end:%Y-%m-%d}); create a new one in the app registration and update the Secret.",
            )
