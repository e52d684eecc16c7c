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
    Mode,
    ResourceType,
    RunPhase,
)
from tenantsync.auth import ClientSecretCredential, expiry_warning, secret_end
from tenantsync.catalog import (
    CMDLET_SERVICES,
    EXCHANGE_ONLINE_API,
    EXCHANGE_ONLINE_APP_ID,
    EXCHANGE_PERMISSION,
    ROLE_TEMPLATE_IDS,
    Service,
    catalog,
    required_permissions,
    role_needs,
)
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
            asked = set(ctx.status.authentication.missingPermissions) - {EXCHANGE_PERMISSION}
            required = sorted(set(required) | asked)
        missing = missing_permissions(required, token.roles)
        exchange_missing, missing_roles = await self._exchange_access(ctx, session, fresh=waiting_for_consent)
        consent_url = session.endpoints.admin_consent_url(spec.tenantId, spec.servicePrincipal.clientId)
        ctx.status.authentication = AuthenticationStatus(
            servicePrincipal="Authenticated",
            grantedPermissions=sorted(set(required) - set(missing)),
            missingPermissions=missing + exchange_missing,
            missingRoles=[
                f"{' or '.join(alternatives)} (for {', '.join(needed_by)})"
                for alternatives, needed_by in missing_roles
            ],
            adminConsentUrl=consent_url if missing or exchange_missing else None,
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
        if missing or exchange_missing or missing_roles:
            message = _consent_message(
                spec.servicePrincipal.clientId,
                spec.mode,
                missing + exchange_missing,
                missing_roles,
                consent_url,
                every_type=spec.resources is None,
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
    async def _exchange_access(
        ctx: RunContext, session: Session, *, fresh: bool
    ) -> tuple[list[str], list[tuple[tuple[str, ...], tuple[ResourceType, ...]]]]:
        """What the Exchange admin API's types lack: ``Exchange.ManageAsApp`` in the token of an endpoint
        they use, and the Entra roles (the token's ``wids``) they need, each named with its alternatives
        and the types needing it. Nothing is asked of the service when no such type is configured."""
        spec = ctx.tenant
        types = [
            name
            for name in (spec.resources or list(ResourceType))
            if catalog()[name].service in CMDLET_SERVICES
        ]
        if not types:
            return [], []
        principal = await session.service_principal()
        endpoints = session.endpoints
        resources = {
            Service.EXCHANGE: endpoints.exchange_resource,
            Service.COMPLIANCE: endpoints.compliance_resource,
        }
        missing: list[str] = []
        held: set[str] = set()
        for service in sorted({catalog()[name].service for name in types}):
            token = await principal.acquire(fresh=fresh, resource=resources[service])
            held |= token.role_ids
            if EXCHANGE_PERMISSION not in token.roles and EXCHANGE_PERMISSION not in missing:
                missing.append(EXCHANGE_PERMISSION)
        roles = [
            (alternatives, needed_by)
            for alternatives, needed_by in role_needs(types, spec.mode).items()
            if not any(ROLE_TEMPLATE_IDS.get(role) in held for role in alternatives)
        ]
        return missing, roles

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


def _consent_message(
    client_id: str,
    mode: Mode,
    missing: list[str],
    roles: list[tuple[tuple[str, ...], tuple[ResourceType, ...]]],
    consent_url: str,
    every_type: bool,
) -> str:
    """What a Global Administrator must grant: permissions by consent, Exchange.ManageAsApp once the app
    registration lists its API (admin consent grants only what it lists), Entra roles by assignment.

    A Tenant that syncs every type (no ``spec.resources``) and lacks what the Exchange admin API needs was
    most likely installed before those types existed: the message says so, and how to keep it to the
    types it had, instead of leaving the upgrade to look like a broken installation."""
    graph = [name for name in missing if name != EXCHANGE_PERMISSION]
    exchange = EXCHANGE_PERMISSION in missing
    if not roles and not exchange:
        return (
            f"Waiting for admin consent: application {client_id} lacks the application"
            f" permission{'s' if len(graph) > 1 else ''} {', '.join(graph)} that the configured types"
            f" need in {mode} mode. A Global Administrator can grant them at {consent_url};"
            " the sync resumes by itself once consent is granted."
        )
    parts = []
    if graph:
        parts.append(
            f"the application permission{'s' if len(graph) > 1 else ''} {', '.join(graph)} (grant admin"
            f" consent at {consent_url})"
        )
    if exchange:
        parts.append(
            f"the application permission {EXCHANGE_PERMISSION} of the API {EXCHANGE_ONLINE_API}"
            f" ({EXCHANGE_ONLINE_APP_ID}; add it to the app registration under API permissions > APIs my"
            f" organization uses, then grant admin consent at {consent_url})"
        )
    if roles:
        named = "; ".join(
            f"{' or '.join(alternatives)} ({_needed_by(types)})" for alternatives, types in roles
        )
        every = (
            "; status.authentication.missingRoles names every type"
            if any(len(types) > ROLE_TYPES_NAMED for _, types in roles)
            else ""
        )
        parts.append(
            f"the Entra role{'s' if len(roles) > 1 else ''} {named} (assign to the application's service"
            f" principal under Entra ID > Roles and administrators{every})"
        )
    upgrade = ""
    if every_type:
        count = sum(1 for entry in catalog().values() if entry.service in CMDLET_SERVICES)
        upgrade = (
            f" spec.resources is unset, so the Tenant syncs every supported type, the {count} Exchange Online,"
            " Defender for Office 365 and Purview types read through the Exchange admin API included; to"
            " leave them out instead, list the types to keep in spec.resources."
        )
    return (
        f"Waiting for admin consent: application {client_id} lacks {' and '.join(parts)}, which the configured"
        f" types need in {mode} mode.{upgrade} The sync resumes by itself once they are granted; see"
        " docs/install.md#upgrading."
    )


ROLE_TYPES_NAMED = 3
"""Types named per missing role in the message; status.authentication.missingRoles names them all (a
Tenant of every type needs one role for some 40 types, which would bury what to do)."""


def _needed_by(types: tuple[ResourceType, ...]) -> str:
    if len(types) <= ROLE_TYPES_NAMED:
        return f"for {', '.join(types)}"
    return f"for {len(types)} types: {', '.join(types[:ROLE_TYPES_NAMED])} and {len(types) - ROLE_TYPES_NAMED} more"
