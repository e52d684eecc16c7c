"""Backing up the simulator's ``large`` tenant through the operator: Graph's types alone, then every
type the service principal reads, Exchange Online, Defender for Office 365 and Purview included.

Every Graph request is delayed by 50 ms and the simulator's default throttling is on (Intune: 1,000
requests per 20 s per app); every Exchange admin API request by 500 ms, what the service costs. The
backup runs through the operator's own code (MSAL sign-in, GraphClient, ExchangeClient per endpoint,
take_snapshot), without Kubernetes. Usage::

    .venv/bin/python benchmarks/backup_bench.py [--seed large|demo] [--latency-ms 50]
        [--exchange-latency-ms 500] [--groups 5000 --applications 500]

``--groups`` and ``--applications`` add that many groups and app registrations (each with its enterprise
application) to the large seed, as a large directory has them (issue 22: 5,000 groups and 500
applications back up in one sync).

Printed for Graph alone, as before: Graph requests per object (the issue's target is at most 0.05),
backups that failed from throttling (target 0) and the 429s retried on the way, identity requests
(target at most 2), wall time, the backup's size in bytes, and objects and requests per family. Then for every type at once:
the Graph figures again (they must not change), the Exchange admin API's requests per type (target at
most 1.1 plus one per further page) and the wall time against its bound, the longest chain of requests
that must follow one another: a type's pages, and each endpoint's requests over the client's three in
flight. Figures are printed, not asserted: this is a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenantsync.api import TenantSpec
from tenantsync.auth import credential_from_secret
from tenantsync.auth.endpoints import ca_bundle_file, endpoints_for
from tenantsync.auth.service_principal import ServicePrincipal
from tenantsync.catalog import CMDLET_SERVICES, ConfigurationType, Service, as_read, catalog
from tenantsync.exchange import ExchangeClient
from tenantsync.exchange.client import MAX_CONCURRENCY, PAGE_SIZE
from tenantsync.graph import GraphClient, GraphThrottled
from tenantsync.sync.snapshot import BackupSnapshot, take_snapshot
from tenantsync_sim import seed
from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID
from tenantsync_sim.state import stable_id

FAMILIES = {"deviceAppManagement/": "Intune apps", "deviceManagement/": "Intune"}
EXCHANGE_PATH = "/adminapi/"


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


def start_simulator(
    state_dir: Path, seed_name: str, state_file: Path | None
) -> tuple[subprocess.Popen[str], str, str]:
    command = [str(Path(sys.executable).parent / "tenantsync-sim"), "--port", "0", "--seed", seed_name,
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


async def backup(
    url: str, verify: str, types: list[ConfigurationType]
) -> tuple[BackupSnapshot | None, float, float, Counter[str]]:
    """The snapshot (None when throttling failed it), when it started (epoch, as the simulator's log
    times requests), how long it took, and what the clients counted."""
    spec = TenantSpec.model_validate({
        "tenantId": DEMO_TENANT_ID, "endpoints": {"authority": url, "graph": url},
        "servicePrincipal": {"clientId": DEMO_CLIENT_ID, "credentialsSecretRef": {"name": "bench"}},
        "repository": {"url": "/tmp/unused"},
    })  # fmt: skip
    credential = credential_from_secret(
        "bench", {"clientSecret": DEMO_CLIENT_SECRET.encode()}, datetime.now(UTC)
    )
    endpoints = endpoints_for(spec)
    principal = ServicePrincipal(
        endpoints, DEMO_TENANT_ID, DEMO_CLIENT_ID, credential, secret_name="bench", verify=verify
    )

    def token_for(resource: str | None) -> Any:
        async def token() -> str:
            return (await principal.acquire(resource=resource)).value.get_secret_value()

        return token

    outcome: Counter[str] = Counter()
    context = ssl.create_default_context(cafile=verify)
    sites = {
        Service.EXCHANGE: (endpoints.exchange_url, endpoints.exchange_resource),
        Service.COMPLIANCE: (endpoints.compliance_url, endpoints.compliance_resource),
    }
    exchange = {
        service: ExchangeClient(base, DEMO_TENANT_ID, token_for(resource), verify=context)
        for service, (base, resource) in sites.items()
        if any(entry.service == service for entry in types)
    }
    started, epoch = time.perf_counter(), time.time()
    async with AsyncExitStack() as stack:
        graph = await stack.enter_async_context(
            GraphClient(url, token_for(None), verify=context, directory_id=DEMO_TENANT_ID)
        )
        for client in exchange.values():
            await stack.enter_async_context(client)
        try:
            snapshot: BackupSnapshot | None = await take_snapshot(graph, types, exchange=exchange)
        except GraphThrottled:
            snapshot = None
            outcome["failed from throttling"] += 1
        outcome["429s retried"] = graph.stats.throttled + sum(c.stats.throttled for c in exchange.values())
        outcome["HTTP requests"] = graph.stats.requests
    return snapshot, epoch, time.perf_counter() - started, outcome


def report_graph(
    snapshot: BackupSnapshot, started: float, seconds: float, outcome: Counter[str], log: list[dict[str, Any]]
) -> None:
    identity = [r for r in log if "/oauth2/" in r["path"]]
    graph = [r for r in log if "/oauth2/" not in r["path"] and not r["path"].startswith(EXCHANGE_PATH)]
    graph_types = {kind: items for kind, items in snapshot.objects.items() if is_graph(catalog()[kind])}
    objects = sum(len(items) for items in graph_types.values())
    print(f"Graph objects backed up:  {objects} in {len(graph_types)} types")
    graph_done = max(r["time"] for r in graph) - started
    print(f"wall time:                {seconds:.1f} s (Graph's last answer after {graph_done:.1f} s)")
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
    for kind, items in graph_types.items():
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


def report_exchange(
    snapshot: BackupSnapshot, seconds: float, log: list[dict[str, Any]], latency: float
) -> None:
    """Requests per type against one plus its further pages, and the wall time against the longest chain
    of requests that cannot overlap: one type's pages, or an endpoint's requests three at a time."""
    calls = Counter(r["cmdlet"] for r in log if r["path"].startswith(EXCHANGE_PATH))
    rows: list[tuple[str, str, int, int, int]] = []
    per_endpoint: Counter[str] = Counter()
    longest_type = 0
    for entry in catalog().values():
        if entry.service not in CMDLET_SERVICES or entry.cmdlets is None:
            continue
        objects = len(snapshot.objects.get(entry.name, []))
        pages = max(1, math.ceil(objects / PAGE_SIZE))
        requests = calls[f"Get-{entry.cmdlets.noun}"]
        rows.append((entry.name, entry.service.value, objects, requests, pages))
        per_endpoint[entry.service.value] += requests
        longest_type = max(longest_type, requests)
    over = [row for row in rows if row[3] > row[4]]
    total = sum(row[3] for row in rows)
    targets = sum(row[4] for row in rows)
    rounds = max(math.ceil(count / MAX_CONCURRENCY) for count in per_endpoint.values())
    bound = max(longest_type, rounds) * latency
    print(f"Exchange admin API types: {len(rows)} ({sum(row[2] for row in rows)} objects,"
          f" {len(snapshot.unavailable)} unavailable)")  # fmt: skip
    print(f"requests:                 {total} for {targets} pages ({total / len(rows):.3f} per type;"
          f" target <= 1.1 plus paging)")  # fmt: skip
    print(f"types over one request per page: {len(over)} {[row[0] for row in over][:10]}")
    for service, count in sorted(per_endpoint.items()):
        print(f"  {service:<11} endpoint: {count} requests, {MAX_CONCURRENCY} in flight")
    print(f"wall time:                {seconds:.1f} s (every type, Graph alongside)")
    print(f"bound:                    {bound:.1f} s = {max(longest_type, rounds)} requests in a row x"
          f" {latency:.1f} s (the longest type: {longest_type}, the busiest endpoint three at a time:"
          f" {rounds})")  # fmt: skip


def is_graph(entry: ConfigurationType) -> bool:
    return entry.service not in CMDLET_SERVICES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", choices=["large", "demo"], default="large")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--exchange-latency-ms", type=int, default=500)
    parser.add_argument("--groups", type=int, default=0, help="groups added to the large seed")
    parser.add_argument("--applications", type=int, default=0, help="app registrations added to it")
    args = parser.parse_args()
    # Teams policies come from snapshot jobs, not from take_snapshot's reads.
    # As a Tenant without spec.groupMembers reads them: groups without their members.
    readable = [
        as_read(entry, None)
        for entry in catalog().values()
        if not entry.requires_user and entry.service != Service.TCM
    ]
    with tempfile.TemporaryDirectory() as state:
        state_file = None
        if args.groups or args.applications:
            state_file = Path(state) / "directory.json"
            directory_state(state_file, args.groups, args.applications)
        process, url, ca = start_simulator(Path(state), args.seed, state_file)
        try:
            with SimulatorClient(url, ca, timeout=120) as sim:
                for prefix in ("/v1.0/", "/beta/"):
                    sim.add_fault(prefix, latency_ms=args.latency_ms)
                sim.add_fault(EXCHANGE_PATH, latency_ms=args.exchange_latency_ms)
                verify = ca_bundle_file(Path(ca).read_bytes())
                assert isinstance(verify, str)
                for title, types in (
                    ("Graph alone", [entry for entry in readable if is_graph(entry)]),
                    ("Every type (Graph and the Exchange admin API)", readable),
                ):
                    sim.clear_requests(DEMO_TENANT_ID)
                    snapshot, started, seconds, outcome = asyncio.run(backup(url, verify, types))
                    if snapshot is None:
                        raise SystemExit(f"the backup failed: {dict(outcome)}")
                    log = sim.requests(DEMO_TENANT_ID, limit=1_000_000)
                    print(f"\n=== {title}")
                    report_graph(snapshot, started, seconds, outcome, log)
                    if len(types) > len([entry for entry in types if is_graph(entry)]):
                        print()
                        report_exchange(snapshot, seconds, log, args.exchange_latency_ms / 1000)
                print(
                    f"\n(seed {args.seed}; Graph latency {args.latency_ms} ms, Exchange admin API"
                    f" {args.exchange_latency_ms} ms per request; default throttling)"
                )
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
