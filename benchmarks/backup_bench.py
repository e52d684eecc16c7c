"""Backing up the simulator's ``large`` tenant (10,002 objects over every type) through the operator.

Every Graph request is delayed by 50 ms and the simulator's default throttling is on (Intune: 1,000
requests per 20 s per app). The backup runs through the operator's own code (MSAL sign-in,
GraphClient, take_snapshot), without Kubernetes. Usage::

    .venv/bin/python benchmarks/backup_bench.py [--latency-ms 50] [--groups 5000 --applications 500]

``--groups`` and ``--applications`` add that many groups and app registrations (each with its enterprise
application) to the seed, as a large directory has them (issue 22: 5,000 groups and 500 applications
back up in one sync).

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
from tenantsync_sim import seed
from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID
from tenantsync_sim.state import stable_id

FAMILIES = {"deviceAppManagement/": "Intune apps", "deviceManagement/": "Intune"}


def family(entry: ConfigurationType) -> str:
    return next((name for prefix, name in FAMILIES.items() if entry.path.startswith(prefix)), "Entra ID")


def directory_state(path: Path, groups: int, applications: int) -> None:
    """The large seed with ``groups`` more groups and ``applications`` more apps (and their enterprise
    applications), each a copy of a demo one with its own id and name, saved where the simulator loads it."""
    state = seed.large()
    tenant = state.tenants[DEMO_TENANT_ID]
    for kind, count in (
        ("groups", groups),
        ("applications", applications),
        ("servicePrincipals", applications),
    ):
        collection = tenant.collection(kind)
        originals = [
            item for item in collection.values() if str(item.get("displayName", "")).startswith("Contoso")
        ]
        originals = originals or list(collection.values())
        for index in range(count):
            item = dict(originals[index % len(originals)])
            item["id"] = stable_id("bench", kind, str(index))
            item["displayName"] = f"{item['displayName']} (bench {index})"
            if kind != "groups":
                item["appId"] = stable_id("bench", "appId", str(index))
            collection[item["id"]] = item
    state.save(path)


def start_simulator(state_dir: Path, state_file: Path | None) -> tuple[subprocess.Popen[str], str, str]:
    command = [str(Path(sys.executable).parent / "tenantsync-sim"), "--port", "0", "--seed", "large",
               "--state-dir", str(state_dir)]  # fmt: skip
    if state_file is not None:
        command += ["--state-file", str(state_file)]
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
        outcome["HTTP requests"] = graph.stats.requests
    return snapshot, time.perf_counter() - started, outcome


def report(
    snapshot: BackupSnapshot, seconds: float, outcome: Counter[str], log: list[dict[str, str]]
) -> None:
    identity = [r for r in log if "/oauth2/" in r["path"]]
    graph = [r for r in log if "/oauth2/" not in r["path"]]
    objects = sum(len(items) for items in snapshot.objects.values())
    print(f"objects backed up:        {objects} in {len(snapshot.objects)} types")
    print(f"wall time:                {seconds:.1f} s")
    requests = outcome["HTTP requests"]
    print(f"Graph HTTP requests:      {requests} ({requests / objects:.4f} per object; $batch counts once)")
    print(f"Graph requests logged:    {len(graph)} ($batch sub-requests each, the log keeps the last 5,000)")
    print(f"429s retried:             {outcome['429s retried']}")
    print(f"failed from throttling:   {outcome['failed from throttling']}")
    print(f"identity requests:        {len(identity)}")
    print(f"unavailable types:        {len(snapshot.unavailable)}")
    print(f"backup bytes:             {sum(len(content) for content in snapshot.files().values())}")
    if len(log) >= 5_000:
        print("(per-family figures left out: the simulator's log kept only the last 5,000 requests)")
        return
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
    parser.add_argument("--groups", type=int, default=0, help="groups added to the large seed")
    parser.add_argument("--applications", type=int, default=0, help="app registrations added to it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        state_file = None
        if args.groups or args.applications:
            state_file = Path(state) / "directory.json"
            directory_state(state_file, args.groups, args.applications)
        process, url, ca = start_simulator(Path(state), state_file)
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
