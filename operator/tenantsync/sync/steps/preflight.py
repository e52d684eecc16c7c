"""Preflight: refuse to start a sync that cannot succeed, before anything is read or written."""

from __future__ import annotations

from typing import ClassVar

from tenantsync.api import (
    ConditionReason,
    ConditionType,
    CredentialKind,
    CredentialsStatus,
    RunPhase,
)
from tenantsync.auth import expiry_warning
from tenantsync.sync.pipeline import Advance, RunContext, Transition
from tenantsync.sync.session import Session


class Preflight:
    """Credentials Secret present and well-formed, certificate not expired, repository reachable."""

    condition: ClassVar[ConditionType | None] = None
    activity: ClassVar[str] = "checking the credentials and the repository"

    async def __call__(self, ctx: RunContext, session: Session) -> Transition:
        credential = await session.credential()
        secret_name = ctx.tenant.servicePrincipal.credentialsSecretRef.name
        ctx.observations.credentials = CredentialsStatus(
            kind=credential.kind, expiresAt=credential.expires_at
        )
        warning = (
            expiry_warning(credential.kind, secret_name, credential.expires_at, ctx.now)
            if credential.expires_at
            else None
        )
        ctx.observations.credentials_valid = (
            ("True", ConditionReason.EXPIRING_SOON, warning)
            if warning
            else (
                "True",
                ConditionReason.VALID,
                f"Secret {secret_name} holds a usable {'client secret' if credential.kind == CredentialKind.CLIENT_SECRET else 'certificate'}.",
            )
        )
        repository = await session.repository()
        await repository.check_reachable()
        return Advance(RunPhase.IN_PROGRESS, "Preflight passed; authenticating.")
