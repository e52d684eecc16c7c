"""End-to-end fixtures: the operator process, the real control plane, the simulator and a Git repository."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import (
    PASSWORD,
    READ_WRITE_PERMISSIONS,
    SimEndpoint,
    running_simulator,
)
from tests.support.cluster import delete_while_the_operator_runs, kubectl
from tests.support.operator import OperatorProcess
from tests.support.resources import Resources


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimEndpoint]:
    with running_simulator(tmp_path_factory.mktemp("e2e-sim"), "empty") as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def sim(simulator: SimEndpoint) -> Iterator[SimulatorClient]:
    with SimulatorClient(simulator.url, simulator.ca) as client:
        yield client


LOCATION_ID = "11111111-2222-4333-8444-555555555555"


@dataclass
class Workspace:
    """One simulated tenant, its Kubernetes namespace with Secrets, and a Git repository."""

    namespace: str
    resources: Resources
    sim: SimulatorClient
    tenant_id: str
    client_id: str
    secret: str
    public_client_id: str
    admin_upn: str
    repository: Path
    simulator: SimEndpoint

    def tenant(self, name: str = "contoso", **spec: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "tenantId": self.tenant_id,
            "endpoints": {
                "authority": self.simulator.url,
                "graph": self.simulator.url,
                "caBundleSecretRef": {"name": "sim-ca"},
            },
            "servicePrincipal": {"clientId": self.client_id, "credentialsSecretRef": {"name": "contoso-sp"}},
            "repository": {"url": str(self.repository), "path": f"tenants/{name}"},
            "resources": [
                "namedLocations",
                "conditionalAccessPolicies",
                "deviceConfigurations",
                "authorizationPolicy",
            ],
            # Tests of other features count the simulator's requests; drift's own tests turn it on.
            "drift": {"enabled": False},
        }
        body.update(spec)
        return {
            "apiVersion": "tenantsync.io/v1alpha1",
            "kind": "Tenant",
            "metadata": {"name": name},
            "spec": body,
        }

    def clone(self, target: Path) -> Path:
        subprocess.run(["git", "clone", "-q", str(self.repository), str(target)], check=True)
        for key, value in (("user.name", "A Person"), ("user.email", "person@example.com")):
            subprocess.run(["git", "-C", str(target), "config", key, value], check=True)
        return target


def seed_objects(sim: SimulatorClient, tenant_id: str) -> None:
    sim.create_object(tenant_id, "namedLocations", {
        "@odata.type": "#microsoft.graph.ipNamedLocation", "id": LOCATION_ID, "displayName": "Head office",
        "isTrusted": True, "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"}],
    })  # fmt: skip
    for i, state in enumerate(["enabled", "enabledForReportingButNotEnforced"]):
        sim.create_object(tenant_id, "conditionalAccessPolicies", {
            "displayName": f"Require MFA {i}", "state": state,
            "conditions": {
                "users": {"includeUsers": ["All"], "excludeUsers": []},
                "applications": {"includeApplications": ["All"]},
                "clientAppTypes": ["all"],
                "locations": {"includeLocations": ["All"], "excludeLocations": [LOCATION_ID]},
            },
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
        })  # fmt: skip
    sim.create_object(tenant_id, "deviceConfigurations", {
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": "Windows baseline",
        "passwordRequired": True, "passwordMinimumLength": 12,
    })  # fmt: skip


@pytest.fixture
def workspace(
    namespace: str, sim: SimulatorClient, simulator: SimEndpoint, tmp_path: Path
) -> Iterator[Workspace]:
    tenant_id = str(uuid.uuid4())
    domain = f"t{tenant_id[:8]}.onmicrosoft.com"
    sim.create_tenant(tenant_id, [domain], display_name=f"Tenant {tenant_id[:8]}")
    client_id, public_id, secret = str(uuid.uuid4()), str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    sim.create_app(tenant_id, client_id, application_permissions=READ_WRITE_PERMISSIONS, secret=secret)
    sim.create_app(tenant_id, public_id, display_name="tenantsync sign-in", public_client=True,
                   delegated_permissions=["Policy.Read.All", "user_impersonation",
                                          "Policy.ReadWrite.HybridAuthentication",
                                          "TeamworkAppSettings.ReadWrite.All"])  # fmt: skip
    admin = f"admin@{domain}"
    sim.create_user(tenant_id, admin, PASSWORD, is_global_admin=True)
    sim.update_settings(tenant_id, deviceCodeIntervalSeconds=1)
    seed_objects(sim, tenant_id)
    kubectl(
        "create", "secret", "generic", "contoso-sp", "-n", namespace, f"--from-literal=clientSecret={secret}"
    )
    kubectl("create", "secret", "generic", "sim-ca", "-n", namespace, f"--from-file=ca.crt={simulator.ca}")
    yield Workspace(
        namespace, Resources(namespace), sim, tenant_id, client_id, secret, public_id, admin,
        tmp_path / "tenants.git", simulator,
    )  # fmt: skip
    sim.delete_tenant(tenant_id)


@pytest.fixture
def fast_operator(
    namespace: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[OperatorProcess]:
    """The operator with short polls, so waiting states resolve within a test's patience; a test may add
    flags through indirect parametrization."""
    extra: tuple[str, ...] = getattr(request, "param", ())
    process = OperatorProcess(
        namespace, tmp_path / "operator.log", extra_args=("--admin-consent-poll", "1", *extra)
    )
    process.start()
    yield process
    if process.running():
        delete_while_the_operator_runs(namespace)
    process.stop()
