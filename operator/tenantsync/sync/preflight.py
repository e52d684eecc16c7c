"""Preflight: refuse to start a sync that cannot succeed, before anything is read or written."""

from __future__ import annotations

from datetime import timedelta

from tenantsync.api import ConditionType, ErrorCode, RunPhase, RunStep
from tenantsync.api.tenant import CredentialsStatus
from tenantsync.auth import CredentialsError, credential_from_secret
from tenantsync.kube import NotFoundError
from tenantsync.repository import RepositoryError
from tenantsync.sync.connections import TenantConnections
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition

EXPIRY_WARNING = timedelta(days=30)


class Preflight:
    """Credentials Secret present and well-formed, certificate not expired, repository reachable."""

    def __init__(self, connections: TenantConnections) -> None:
        self._connections = connections

    async def __call__(self, ctx: RunContext) -> Transition:
        transition = await check_credentials(ctx)
        if not isinstance(transition, Advance):
            return transition
        try:
            repository = await self._connections.repository(ctx)
            await repository.check_reachable()
        except RepositoryError as error:
            return Finish(RunPhase.NEW_ERROR, error.message, ctx.error(error.code, error.message))
        return transition


async def check_credentials(ctx: RunContext) -> Transition:
    secret_name = ctx.tenant.servicePrincipal.credentialsSecretRef.name
    try:
        data = await ctx.secrets.read_secret(ctx.namespace, secret_name)
        credential = credential_from_secret(secret_name, data, ctx.now)
    except NotFoundError:
        return _credentials_failed(
            ctx,
            ErrorCode.CREDENTIALS_SECRET_NOT_FOUND,
            f"Secret {secret_name} named by spec.servicePrincipal.credentialsSecretRef does not exist in"
            f" namespace {ctx.namespace}. Create it with the app registration's clientSecret (or tls.crt"
            " and tls.key).",
        )
    except CredentialsError as error:
        return _credentials_failed(ctx, error.code, error.message)

    ctx.observations.credentials = CredentialsStatus(kind=credential.kind, expiresAt=credential.expires_at)
    expires_at = credential.expires_at
    if expires_at is not None and expires_at - ctx.now <= EXPIRY_WARNING:
        days = (expires_at - ctx.now).days
        ctx.observations.credentials_valid = (
            "True",
            "ExpiringSoon",
            f"The {credential.kind.lower()} in Secret {secret_name} expires in {days} days"
            f" ({expires_at:%Y-%m-%d}); rotate it before then.",
        )
    else:
        ctx.observations.credentials_valid = (
            "True",
            "Valid",
            f"Secret {secret_name} holds a usable {credential.kind.lower()}.",
        )
    return Advance(RunStep.AUTHENTICATE, RunPhase.IN_PROGRESS, "Preflight passed; authenticating.")


def _credentials_failed(ctx: RunContext, code: ErrorCode, message: str) -> Transition:
    ctx.observations.credentials_valid = ("False", code.value, message)
    ctx.condition(ConditionType.AUTHENTICATED, "False", code.value, message)
    return Finish(RunPhase.NEW_ERROR, message, ctx.error(code, message))
