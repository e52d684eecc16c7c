"""Backing up a large simulated tenant: wall time, Graph requests, requests per object, 429s.

The tenant has about 2,000 Entra and Intune objects (copies of the demo seed's shapes), every Graph
request is delayed by 50 ms, and the simulator's default throttling is on. The backup runs through
the operator's own code (MSAL sign-in, GraphClient, take_snapshot), without Kubernetes. Usage::

    .venv/bin/python benchmarks/backup_bench.py [--objects 2000] [--latency-ms 50]

Figures are printed, not asserted: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenantsync.api import ResourceType, TenantSpec
from tenantsync.auth import credential_from_secret
from tenantsync.auth.endpoints import ca_bundle_file, endpoints_for
from tenantsync.auth.service_principal import ServicePrincipal
from tenantsync.catalog import catalog
from tenantsync.graph import GraphClient
from tenantsync.sync.snapshot import take_snapshot
from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.seed import DEMO_TENANT_ID

# Shares of the large tenant per type (the rest are the singletons).
MIX = {
    "namedLocations": 0.10,
    "conditionalAccessPolicies": 0.15,
    "deviceConfigurations": 0.35,
    "deviceCompliancePolicies": 0.15,
    "configurationPolicies": 0.25,  # the simulator's name for the settings catalog
}
PERMISSIONS = ["Policy.Read.All", "DeviceManagementConfiguration.Read.All"]


def start_simulator(state_dir: Path) -> tuple[subprocess.Popen[str], str, str]:
    command = [str(Path(sys.executable).parent / "tenantsync-sim"), "--port", "0", "--seed", "demo",
               "--state-dir", str(state_dir)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("TENANTSYNC_SIM_READY"):
            fields = dict(part.split("=", 1) for part in line.split()[1:])
            return process, fields["url"], fields["ca"]
    raise SystemExit("tenantsync-sim did not start")


def seed_large_tenant(sim: SimulatorClient, objects: int) -> tuple[str, str, str]:
    tenant_id = str(uuid.uuid4())
    sim.create_tenant(tenant_id, [f"bench{tenant_id[:6]}.onmicrosoft.com"], display_name="Large tenant")
    client_id, secret = str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    sim.create_app(tenant_id, client_id, application_permissions=PERMISSIONS, secret=secret)
    for kind, share in MIX.items():
        templates: list[dict[str, Any]] = sim.objects(DEMO_TENANT_ID, kind)
        for i in range(int(objects * share)):
            body = copy.deepcopy(templates[i % len(templates)])
            body.pop("id", None)
            body["displayName"] = f"{body.get('displayName', kind)} #{i}"
            sim.create_object(tenant_id, kind, body)
    return tenant_id, client_id, secret


async def backup(url: str, verify: str, tenant_id: str, client_id: str, secret: str) -> tuple[int, float]:
    spec = TenantSpec.model_validate({
        "tenantId": tenant_id, "endpoints": {"authority": url, "graph": url},
        "servicePrincipal": {"clientId": client_id, "credentialsSecretRef": {"name": "bench"}},
        "repository": {"url": "/tmp/unused"},
    })  # fmt: skip
    credential = credential_from_secret("bench", {"clientSecret": secret.encode()}, datetime.now(UTC))
    principal = ServicePrincipal(
        endpoints_for(spec), tenant_id, client_id, credential, secret_name="bench", verify=verify
    )

    async def token() -> str:
        return (await principal.acquire()).value.get_secret_value()

    types = [catalog()[name] for name in ResourceType]
    started = time.perf_counter()
    async with GraphClient(url, token, verify=ssl.create_default_context(cafile=verify)) as graph:
        snapshot = await take_snapshot(graph, types)
    elapsed = time.perf_counter() - started
    return sum(len(items) for items in snapshot.objects.values()), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        process, url, ca = start_simulator(Path(state))
        try:
            with SimulatorClient(url, ca, timeout=60) as sim:
                tenant_id, client_id, secret = seed_large_tenant(sim, args.objects)
                for prefix in ("/v1.0/", "/beta/"):
                    sim.add_fault(prefix, latency_ms=args.latency_ms)
                sim.clear_requests(tenant_id)
                verify = ca_bundle_file(Path(ca).read_bytes())
                assert isinstance(verify, str)
                objects, seconds = asyncio.run(backup(url, verify, tenant_id, client_id, secret))
                log = sim.requests(tenant_id)
                graph = [r for r in log if not r["path"].endswith("/token")]
                throttled = sum(1 for r in graph if r["status"] == 429)
                print(f"objects backed up:     {objects}")
                print(
                    f"wall time:             {seconds:.1f} s (Graph latency {args.latency_ms} ms per request)"
                )
                print(f"Graph requests:        {len(graph)} ({throttled} answered 429)")
                print(f"requests per object:   {len(graph) / objects:.3f}")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
