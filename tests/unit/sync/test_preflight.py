"""The pipeline's first step with a Secret reader stub (the real API server is in tests/integration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tenantsync.api import (
    ConditionType,
    ErrorCode,
    RunPhase,
    RunStep,
    SyncRunStatus,
    TenantSpec,
    find_condition,
)
from tenantsync.kube import NotFoundError
from tenantsync.sync import Advance, Finish, Pipeline, RunContext
from tenantsync.sync.preflight import check_credentials
from tests.support.certificates import certificate_pair

NOW = datetime.now(UTC)
SPEC = TenantSpec.model_validate(
    {
        "tenantId": "contoso.onmicrosoft.com",
        "servicePrincipal": {
            "clientId": "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11",
            "credentialsSecretRef": {"name": "sp"},
        },
        "repository": {"url": "/tmp/repo"},
    }
)


class Secrets:
    def __init__(self, data: dict[str, bytes] | None) -> None:
        self.data = data

    async def read_secret(self, namespace: str, name: str) -> dict[str, bytes]:
        if self.data is None:
            raise NotFoundError(name)
        return self.data


def _ctx(data: dict[str, bytes] | None) -> RunContext:
    return RunContext(
        namespace="m365", run_name="r1", tenant_name="contoso", tenant=SPEC, status=SyncRunStatus(),
        generation=1, now=NOW, docs_base_url="https://docs.example/troubleshooting", secrets=Secrets(data),
    )  # fmt: skip


async def test_missing_secret_ends_the_run_with_a_stable_code_and_page() -> None:
    ctx = _ctx(None)
    transition = await Pipeline({RunStep.PREFLIGHT: check_credentials}).advance(ctx)
    assert isinstance(transition, Finish)
    assert ctx.status.phase == RunPhase.NEW_ERROR
    assert ctx.status.step == RunStep.DONE
    assert ctx.status.error is not None
    assert ctx.status.error.code == ErrorCode.CREDENTIALS_SECRET_NOT_FOUND
    assert (
        ctx.status.error.troubleshootingUrl
        == "https://docs.example/troubleshooting/CredentialsSecretNotFound.md"
    )
    failed = find_condition(ctx.status.conditions, ConditionType.FAILED)
    assert failed is not None
    assert failed.reason == "CredentialsSecretNotFound"
    assert ctx.observations.credentials_valid is not None
    assert ctx.observations.credentials_valid[0] == "False"


async def test_valid_secret_moves_on_to_authentication() -> None:
    ctx = _ctx({"clientSecret": b"value"})
    transition = await Pipeline({RunStep.PREFLIGHT: check_credentials}).advance(ctx)
    assert isinstance(transition, Advance)
    assert ctx.status.step == RunStep.AUTHENTICATE
    assert ctx.status.phase == RunPhase.IN_PROGRESS
    assert ctx.status.startTime == NOW


@pytest.mark.parametrize(("days", "reason"), [(10, "ExpiringSoon"), (200, "Valid")])
async def test_certificate_expiry_warns_thirty_days_ahead(days: int, reason: str) -> None:
    cert, key = certificate_pair(NOW + timedelta(days=days))
    ctx = _ctx({"tls.crt": cert, "tls.key": key})
    await check_credentials(ctx)
    assert ctx.observations.credentials_valid is not None
    assert ctx.observations.credentials_valid[:2] == ("True", reason)
    assert ctx.observations.credentials is not None
    assert ctx.observations.credentials.kind == "Certificate"
