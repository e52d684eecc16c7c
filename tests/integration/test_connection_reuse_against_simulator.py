"""The audit watch's looks keep their HTTPS connections, against the real simulator over TLS: the real
DriftChecker and TenantCache, real MSAL and httpx. The simulator logs which connection (the client's
address and port) carried each request; a second look, and a second Tenant, send over the connection
the first look opened instead of connecting and shaking hands again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tenantsync.api import DriftWatch, TenantSpec
from tenantsync.drift.check import DriftChecker
from tenantsync.sync.session import TenantCache
from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import SimEndpoint
from tests.unit.sync.fakes import Secrets

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PERMISSIONS = ["Policy.Read.All", "AuditLog.Read.All"]
AUDIT_PATHS = ("auditLogs", "InvokeCommand")


def _tenant(sim: SimulatorClient, endpoint: SimEndpoint) -> tuple[TenantSpec, Secrets]:
    """A simulated tenant whose Tenant keeps a Conditional Access type and the transport rules, so each
    look reads the directory audits and searches the admin audit."""
    tenant_id, client_id, secret = str(uuid.uuid4()), str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    sim.create_tenant(tenant_id, [f"d{tenant_id[:8]}.onmicrosoft.com"])
    sim.create_app(tenant_id, client_id, application_permissions=PERMISSIONS, secret=secret)
    spec = TenantSpec.model_validate(
        {
            "tenantId": tenant_id,
            "resources": ["conditionalAccessPolicies", "transportRule"],
            "endpoints": {
                "authority": endpoint.url,
                "graph": endpoint.url,
                "caBundleSecretRef": {"name": "ca"},
            },
            "servicePrincipal": {"clientId": client_id, "credentialsSecretRef": {"name": "sp"}},
            "repository": {"url": "/unused"},
            "drift": {"enabled": True, "interval": "1m"},
        }
    )
    secrets = Secrets(
        {"sp": {"clientSecret": secret.encode()}, "ca": {"ca.crt": Path(endpoint.ca).read_bytes()}}
    )
    return spec, secrets


def _audit_connections(sim: SimulatorClient, tenant_id: str) -> list[str]:
    requests = [r for r in sim.requests(tenant_id) if any(part in r["path"] for part in AUDIT_PATHS)]
    assert requests, "the look read the audit logs"
    return [r["connection"] for r in requests]


async def test_a_second_look_and_another_tenant_reuse_the_first_looks_connection(
    endpoint: SimEndpoint, tmp_path: Path
) -> None:
    cache = TenantCache(tmp_path)
    checker = DriftChecker(cache, "https://docs.example", lambda: datetime.now(UTC))
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        contoso, contoso_secrets = _tenant(sim, endpoint)
        fabrikam, fabrikam_secrets = _tenant(sim, endpoint)
        try:
            first = await checker.look("m365", "contoso", None, contoso, None, contoso_secrets)
            assert first.status.watch == DriftWatch.WATCHING, first.status.message
            opened = set(_audit_connections(sim, contoso.tenantId))
            sim.clear_requests(contoso.tenantId)

            second = await checker.look("m365", "contoso", None, contoso, first.status, contoso_secrets)
            assert second.status.watch == DriftWatch.WATCHING, second.status.message
            assert set(_audit_connections(sim, contoso.tenantId)) <= opened, "no new connection"

            other = await checker.look("m365", "fabrikam", None, fabrikam, None, fabrikam_secrets)
            assert other.status.watch == DriftWatch.WATCHING, other.status.message
            assert set(_audit_connections(sim, fabrikam.tenantId)) <= opened, "shared with another Tenant"
        finally:
            await cache.aclose()
