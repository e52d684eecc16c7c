"""Preflight and Authenticate: credentials checked first, permissions compared with what the types need."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from tenantsync.api import (
    CodedError,
    ConditionType,
    ErrorCode,
    Mode,
    ResourceType,
    RunPhase,
    RunStep,
    find_condition,
)
from tenantsync.auth import AccessToken, secret_end
from tenantsync.sync import RunContext, TenantCache
from tenantsync.sync.pipeline import Advance, Wait, step_after
from tenantsync.sync.steps.authenticate import Authenticate, missing_permissions
from tenantsync.sync.steps.preflight import Preflight
from tests.support.certificates import certificate_pair
from tests.unit.sync.fakes import NOW, FakeSession, Secrets, context, spec

ONLY_LOCATIONS = spec(resources=[ResourceType.NAMED_LOCATIONS], mode=Mode.BACKUP_ONLY)


def test_readwrite_grants_its_read_twin_but_not_other_permissions() -> None:
    granted = frozenset({"DeviceManagementConfiguration.ReadWrite.All", "Policy.ReadWrite.ConditionalAccess"})
    required = [
        "DeviceManagementConfiguration.Read.All",
        "Policy.Read.All",
        "Policy.ReadWrite.ConditionalAccess",
    ]
    assert missing_permissions(required, granted) == ["Policy.Read.All"]


def test_our_secret_is_found_by_its_hint() -> None:
    credentials: list[dict[str, Any]] = [
        {"hint": "abc", "endDateTime": "2027-01-01T00:00:00Z"},
        {"hint": "s8Q", "endDateTime": "2026-12-24T10:00:00Z"},
        {"hint": None, "endDateTime": "2030-01-01T00:00:00Z"},
    ]
    assert secret_end(credentials, "s8Q~rest-of-the-secret") == datetime(2026, 12, 24, 10, tzinfo=UTC)
    assert secret_end(credentials, "zzz") is None


async def test_missing_permissions_wait_for_admin_consent_with_the_url() -> None:
    ctx = context(ONLY_LOCATIONS)
    transition = await Authenticate()(ctx, FakeSession(roles=frozenset()))
    assert isinstance(transition, Wait)
    assert transition.phase == RunPhase.PENDING_ADMIN_CONSENT
    assert "lacks the application permission Policy.Read.All" in transition.message
    assert ctx.status.authentication is not None
    assert ctx.status.authentication.adminConsentUrl == (
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent"
        "?client_id=1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11"
    )


async def test_while_waiting_for_consent_each_look_asks_for_a_fresh_token() -> None:
    ctx = context(ONLY_LOCATIONS)
    ctx.status.phase = RunPhase.PENDING_ADMIN_CONSENT
    session = FakeSession(roles=frozenset({"Policy.Read.All"}))
    transition = await Authenticate()(ctx, session)
    assert isinstance(transition, Advance)
    assert session.principal.fresh_requests == 1


async def test_a_configured_user_signs_in_in_a_step_of_its_own() -> None:
    tenant = spec(
        resources=[ResourceType.NAMED_LOCATIONS],
        mode=Mode.BACKUP_ONLY,
        userAuthentication={
            "clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "tokenSecretRef": {"name": "user"},
        },
    )
    transition = await Authenticate()(context(tenant), FakeSession(roles=frozenset({"Policy.Read.All"})))
    assert isinstance(transition, Advance)
    assert transition.message == "Signed in; signing the delegated user in."
    assert step_after(RunStep.AUTHENTICATE, tenant) == RunStep.USER_SIGN_IN


def real_session_context(tmp_path: Path, secrets: Secrets) -> RunContext:
    """A run whose session is the real TenantSession over a real (local, bare) Git repository."""
    remote = tmp_path / "tenants.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    return context(spec(repository={"url": str(remote)}), secrets=secrets)


async def test_a_deleted_credentials_secret_is_refused_by_name(tmp_path: Path) -> None:
    ctx = real_session_context(tmp_path, Secrets({}))
    async with TenantCache(tmp_path / "work").session(ctx) as session:
        with pytest.raises(CodedError) as refused:
            await Preflight()(ctx, session)
    assert refused.value.code == ErrorCode.CREDENTIALS_SECRET_NOT_FOUND
    assert refused.value.message.startswith("Secret sp named by spec.servicePrincipal.credentialsSecretRef")


@pytest.mark.parametrize(("days", "reason"), [(10, "ExpiringSoon"), (200, "Valid")])
async def test_certificate_expiry_warns_thirty_days_ahead(tmp_path: Path, days: int, reason: str) -> None:
    cert, key = certificate_pair(NOW + timedelta(days=days))
    secrets = Secrets({"sp": {"tls.crt": cert, "tls.key": key}})
    ctx = real_session_context(tmp_path, secrets)
    async with TenantCache(tmp_path / "work").session(ctx) as session:
        transition = await Preflight()(ctx, session)
    assert isinstance(transition, Advance)
    assert ctx.observations.credentials_valid is not None
    assert ctx.observations.credentials_valid[:2] == ("True", reason)
    assert ctx.observations.credentials is not None
    assert ctx.observations.credentials.kind == "Certificate"
    assert secrets.reads == ["sp"], "each Secret is read once per step"


class SlowPrincipal:
    """A sign-in that completes `takes` after the step began (the identity platform retried, say)."""

    def __init__(self, roles: frozenset[str], clock: list[datetime], takes: timedelta) -> None:
        self.roles, self.clock, self.takes = roles, clock, takes

    async def acquire(self, *, fresh: bool = False) -> AccessToken:
        self.clock[0] += self.takes
        return AccessToken(value=SecretStr("token"), roles=self.roles, expires_at=NOW + timedelta(hours=1))


async def test_authenticated_turns_true_when_the_sign_in_completed_not_when_the_step_began() -> None:
    clock = [NOW]
    ctx = context(ONLY_LOCATIONS)
    ctx.clock = lambda: clock[0]
    session = FakeSession(roles=frozenset({"Policy.Read.All"}))
    session.principal = SlowPrincipal(frozenset({"Policy.Read.All"}), clock, timedelta(seconds=16))  # type: ignore[assignment]
    await Authenticate()(ctx, session)
    authenticated = find_condition(ctx.status.conditions, ConditionType.AUTHENTICATED)
    assert authenticated is not None
    assert (authenticated.status, authenticated.reason) == ("True", "ServicePrincipalSignedIn")
    assert authenticated.lastTransitionTime == NOW + timedelta(seconds=16)


async def test_with_a_delegated_user_authenticated_waits_for_them_in_unknown() -> None:
    tenant = spec(
        resources=[ResourceType.NAMED_LOCATIONS],
        mode=Mode.BACKUP_ONLY,
        userAuthentication={
            "clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "tokenSecretRef": {"name": "user"},
        },
    )
    ctx = context(tenant)
    await Authenticate()(ctx, FakeSession(roles=frozenset({"Policy.Read.All"})))
    authenticated = find_condition(ctx.status.conditions, ConditionType.AUTHENTICATED)
    assert authenticated is not None
    assert (authenticated.status, authenticated.reason) == ("Unknown", "WaitingForUserSignIn")
