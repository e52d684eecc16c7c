"""Backing up the simulator's ``large`` tenant (10,002 objects over every type) through the operator.

Every Graph request is delayed by 50 ms and the simulator's default throttling is on (Intune: 1,000
requests per 20 s per app). The backup runs through the operator's own code (MSAL sign-in,
GraphClient, take_snapshot), without Kubernetes. Usage::

    .venv/bin/python benchmarks/backup_bench.py [--latency-ms 50]

Printed: Graph requests per object (the issue's target is at most 0.05), backups that failed from
throttling (target 0) and the 429s retried on the way, identity requests (target at most 2), wall time,
the backup's size in bytes, and objects and requests per family. Figures are printed, not asserted: this is a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from tenantsync.api import TenantSpec
from tenantsync.auth import credential_from_secret
from tenantsync.auth.endpoints import ca_bundle_file, endpoints_for
from tenantsync.auth.service_principal import ServicePrincipal
from tenantsync.catalog import ConfigurationType, catalog
from tenantsync.graph import GraphClient, GraphThrottled
from tenantsync.sync.snapshot import BackupSnapshot, take_snapshot
from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID

FAMILIES = {"deviceAppManagement/": "Intune apps", "deviceManagement/": "Intune"}


def family(entry: ConfigurationType) -> str:
    return next((name for prefix, name in FAMILIES.items() if entry.path.startswith(prefix)), "Entra ID")


def start_simulator(state_dir: Path) -> tuple[subprocess.Popen[str], str, str]:
    command = [str(Path(sys.executable).parent / "tenantsync-sim"), "--port", "0", "--seed", "large",
               "--state-dir", str(state_dir)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("TENANTSYNC_SIM_READY"):
            fields = dict(part.split("=", 1) for part in line.split()[1:])
            return process, fields["url"], fields["ca"]
    raise SystemExit("tenantsync-sim did not start")


async def backup(url: str, verify: str) -> tuple[BackupSnapshot | None, float, Counter[str]]:
    spec = TenantSpec.model_validate({
        "tenantId": DEMO_TENANT_ID, "endpoints": {"authority": url, "graph": url},
        "servicePrincipal": {"clientId": DEMO_CLIENT_ID, "credentialsSecretRef": {"name": "bench"}},
        "repository": {"url": "/tmp/unused"},
    })  # fmt: skip
    credential = credential_from_secret(
        "bench", {"clientSecret": DEMO_CLIENT_SECRET.encode()}, datetime.now(UTC)
    )
    principal = ServicePrincipal(
        endpoints_for(spec), DEMO_TENANT_ID, DEMO_CLIENT_ID, credential, secret_name="bench", verify=verify
    )

    async def token() -> str:
        return (await principal.acquire()).value.get_secret_value()

    types = [entry for entry in catalog().values() if not entry.requires_user]
    outcome: Counter[str] = Counter()
    started = time.perf_counter()
    context = ssl.create_default_context(cafile=verify)
    async with GraphClient(url, token, verify=context, directory_id=DEMO_TENANT_ID) as graph:
        try:
            snapshot: BackupSnapshot | None = await take_snapshot(graph, types)
        except GraphThrottled:
            snapshot = None
            outcome["failed from throttling"] += 1
        outcome["429s retried"] = graph.stats.throttled
    return snapshot, time.perf_counter() - started, outcome


def report(
    snapshot: BackupSnapshot, seconds: float, outcome: Counter[str], log: list[dict[str, str]]
) -> None:
    identity = [r for r in log if "/oauth2/" in r["path"]]
    graph = [r for r in log if "/oauth2/" not in r["path"]]
    objects = sum(len(items) for items in snapshot.objects.values())
    print(f"objects backed up:        {objects} in {len(snapshot.objects)} types")
    print(f"wall time:                {seconds:.1f} s")
    print(f"Graph requests:           {len(graph)} ({len(graph) / objects:.4f} per object)")
    print(f"429s retried:             {outcome['429s retried']}")
    print(f"failed from throttling:   {outcome['failed from throttling']}")
    print(f"identity requests:        {len(identity)}")
    print(f"unavailable types:        {len(snapshot.unavailable)}")
    print(f"backup bytes:             {sum(len(content) for content in snapshot.files().values())}")
    per_family: dict[str, Counter[str]] = {}
    for kind, items in snapshot.objects.items():
        entry = catalog()[kind]
        counts = per_family.setdefault(family(entry), Counter())
        counts["objects"] += len(items)
        counts["types"] += 1
        counts["requests"] += sum(1 for r in graph if f"/{entry.path}" in r["path"].split("?")[0])
    batches = sum(1 for r in graph if r["path"].endswith("$batch"))
    print(f"\n{'family':<12} {'types':>5} {'objects':>8} {'list requests':>14} {'per object':>10}")
    for name, counts in sorted(per_family.items()):
        per_object = counts["requests"] / max(counts["objects"], 1)
        print(
            f"{name:<12} {counts['types']:>5} {counts['objects']:>8} {counts['requests']:>14} {per_object:>10.4f}"
        )
    print(f"$batch requests (all families, 20 reads each): {batches}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        process, url, ca = start_simulator(Path(state))
        try:
            with SimulatorClient(url, ca, timeout=120) as sim:
                for prefix in ("/v1.0/", "/beta/"):
                    sim.add_fault(prefix, latency_ms=args.latency_ms)
                sim.clear_requests(DEMO_TENANT_ID)
                verify = ca_bundle_file(Path(ca).read_bytes())
                assert isinstance(verify, str)
                snapshot, seconds, outcome = asyncio.run(backup(url, verify))
                if snapshot is None:
                    raise SystemExit(f"the backup failed: {dict(outcome)}")
                report(snapshot, seconds, outcome, sim.requests(DEMO_TENANT_ID, limit=1_000_000))
                print(f"(Graph latency {args.latency_ms} ms per request, default throttling)")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
