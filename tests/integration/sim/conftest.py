"""Fixtures: one real ``tenantsync-sim`` subprocess per session, a fresh tenant per test."""

from __future__ import annotations

import dataclasses
import ssl
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.graph.resources import RESOURCES
from tests.integration.sim.simtest_support import (
    PASSWORD,
    READ_WRITE_PERMISSIONS,
    SimEndpoint,
    SimTenant,
    app_token,
    running_simulator,
)

ALL_PERMISSIONS = sorted({p for r in RESOURCES for alt in (*r.read, *r.write) for p in alt.split("+")})


@pytest.fixture(scope="session")
def sim_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimEndpoint]:
    with running_simulator(tmp_path_factory.mktemp("sim-state"), "demo") as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def sim(sim_endpoint: SimEndpoint) -> Iterator[SimulatorClient]:
    with SimulatorClient(sim_endpoint.url, sim_endpoint.ca) as client:
        yield client


@pytest.fixture
def tenant(sim: SimulatorClient, sim_endpoint: SimEndpoint) -> Iterator[SimTenant]:
    tenant_id = str(uuid.uuid4())
    domain = f"t{tenant_id[:8]}.onmicrosoft.com"
    sim.create_tenant(tenant_id, [domain], display_name=f"Tenant {tenant_id[:8]}")
    client_id, public_id, secret = str(uuid.uuid4()), str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    sim.create_app(tenant_id, client_id, application_permissions=READ_WRITE_PERMISSIONS, secret=secret)
    sim.create_app(
        tenant_id,
        public_id,
        display_name="tenantsync sign-in",
        public_client=True,
        delegated_permissions=["Policy.Read.All", "user_impersonation"],
    )
    admin = f"admin@{domain}"
    sim.create_user(tenant_id, admin, PASSWORD, is_global_admin=True)
    sim.update_settings(tenant_id, deviceCodeIntervalSeconds=1)
    yield SimTenant(tenant_id, domain, client_id, secret, public_id, admin, sim_endpoint.url, sim_endpoint.ca)
    sim.delete_tenant(tenant_id)


@pytest.fixture
def http(sim_endpoint: SimEndpoint) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sim_endpoint.url, verify=ssl.create_default_context(cafile=sim_endpoint.ca), timeout=15
    ) as client:
        yield client


@pytest.fixture
def full_graph(http: httpx.Client, sim: SimulatorClient, tenant: SimTenant) -> httpx.Client:
    """Graph for the fresh tenant, called by an app that holds every permission in the registry."""
    client_id, secret = str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    sim.create_app(tenant.id, client_id, application_permissions=ALL_PERMISSIONS, secret=secret)
    writer = dataclasses.replace(tenant, client_id=client_id, secret=secret)
    http.headers["Authorization"] = f"Bearer {app_token(http, writer)}"
    return http
