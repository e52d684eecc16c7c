"""Memory per Tenant and at rest, measured in one process: N simulated tenants, each signed in and read
through the operator's real `TenantCache` (MSAL against the simulator's identity platform, httpx
against its Graph), several rounds as scheduled syncs would. Usage::

    .venv/bin/python benchmarks/memory_bench.py [--tenants 200] [--rounds 3] [--concurrency 16] [--top 12]
    .venv/bin/python benchmarks/memory_bench.py --operator [--tenants 300] [--seconds 90]

Prints the RSS of a bare interpreter, after importing the operator, and after each round (so RSS per
Tenant = growth / N), the identity requests of the rounds after the first (tokens are reused, so 0), and
tracemalloc's largest live allocations grouped by traceback. With ``--operator`` it measures the whole
operator instead: N Tenants that never sync (a yearly schedule) are created at once on the local control
plane (hack/local-cluster, with its LOCAL_CLUSTER_* ports), one ``tenantsync run`` takes them on, and its
RSS is printed every few seconds (the burst of creations, then what stays), and its CPU share over the
second half of the time (the idle cost of N Tenants). Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

START_RSS_MIB = 0.0


def rss_mib() -> float:
    return int(re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text())[1]) / 1024  # type: ignore[index]


START_RSS_MIB = rss_mib()

from drift_bench import cpu_seconds  # noqa: E402

from tenantsync.api import SyncRunStatus, TenantSpec  # noqa: E402
from tenantsync.controllers.operator import build_registry  # noqa: E402, F401  (the operator's imports)
from tenantsync.sync import TenantCache  # noqa: E402
from tenantsync.sync.pipeline import RunContext  # noqa: E402
from tenantsync_sim.client import SimulatorClient  # noqa: E402

IMPORTED_RSS_MIB = rss_mib()
NAMESPACE = "bench"
ROOT = Path(__file__).resolve().parents[1]
KUBECONFIG = ROOT / ".cache" / "local-cluster" / "kubeconfig"
KUBECTL = ROOT / ".cache" / "local-cluster" / "bin" / "kubectl"
PERMISSIONS = ["Policy.Read.All", "DeviceManagementConfiguration.ReadWrite.All"]


def log(message: str) -> None:
    print(f"[memory-bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Secrets:
    """The Tenants' Secrets, in memory: this bench measures the operator's side, not the API server."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, bytes]] = {}

    async def read_secret(self, namespace: str, name: str) -> dict[str, bytes]:
        return self.data[name]

    async def write_secret(
        self, namespace: str, name: str, data: dict[str, bytes | None], *, owner: dict[str, Any] | None = None
    ) -> None:
        self.data[name] = {key: value for key, value in data.items() if value is not None}


def start_simulator(state_dir: Path) -> tuple[subprocess.Popen[str], str, str]:
    command = [str(Path(sys.executable).parent / "tenantsync-sim"), "--port", "0", "--seed", "empty",
               "--state-dir", str(state_dir)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("TENANTSYNC_SIM_READY"):
            fields = dict(part.split("=", 1) for part in line.split()[1:])
            threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
            return process, fields["url"], fields["ca"]
    raise SystemExit("tenantsync-sim did not start")


def seed(sim: SimulatorClient, secrets: Secrets, count: int, url: str, ca: str) -> dict[str, TenantSpec]:
    """`count` tenants with an app registration and a few named locations each."""
    secrets.data["sim-ca"] = {"ca.crt": Path(ca).read_bytes()}
    specs = {}
    for index in range(count):
        tenant_id, client_id, secret = str(uuid.uuid4()), str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
        sim.create_tenant(tenant_id, [f"m{tenant_id[:8]}.onmicrosoft.com"])
        sim.create_app(tenant_id, client_id, application_permissions=PERMISSIONS, secret=secret)
        for i in range(5):
            sim.create_object(tenant_id, "namedLocations", {
                "@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": f"Office {i}",
                "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": f"10.0.{i}.0/24"}],
            })  # fmt: skip
        name = f"t{index:04d}"
        secrets.data[f"{name}-sp"] = {"clientSecret": secret.encode()}
        specs[name] = TenantSpec.model_validate({
            "tenantId": tenant_id,
            "endpoints": {"authority": url, "graph": url, "caBundleSecretRef": {"name": "sim-ca"}},
            "servicePrincipal": {"clientId": client_id, "credentialsSecretRef": {"name": f"{name}-sp"}},
            "repository": {"url": "/nowhere", "path": f"tenants/{name}"},
        })  # fmt: skip
    return specs


async def sync_once(cache: TenantCache, secrets: Secrets, name: str, spec: TenantSpec) -> None:
    """What a backup asks of the session: a signed-in Graph client and a read of the tenant."""
    ctx = RunContext(
        namespace=NAMESPACE, run_name=f"{name}-run", tenant_name=name, tenant=spec, status=SyncRunStatus(),
        generation=1, now=datetime.now(UTC), docs_base_url="https://example.com", secrets=secrets,
    )  # fmt: skip
    async with cache.session(ctx) as session:
        graph = await session.graph()
        await graph.list("/identity/conditionalAccess/namedLocations")


async def run_round(cache: TenantCache, secrets: Secrets, specs: dict[str, TenantSpec], at_once: int) -> None:
    slots = asyncio.Semaphore(at_once)

    async def one(name: str, spec: TenantSpec) -> None:
        async with slots:
            await sync_once(cache, secrets, name, spec)

    await asyncio.gather(*(one(name, spec) for name, spec in specs.items()))


def identity_requests(sim: SimulatorClient, specs: dict[str, TenantSpec]) -> int:
    return sum(
        1
        for spec in specs.values()
        for request in sim.requests(spec.tenantId)
        if "/oauth2/" in request.get("path", "")
    )


def print_top(snapshot: tracemalloc.Snapshot, baseline: tracemalloc.Snapshot, top: int, tenants: int) -> None:
    """The allocations that grew the most, by the innermost frames of their traceback."""
    stats = snapshot.compare_to(baseline, "traceback")
    print(f"\nlargest growth by traceback (KiB per Tenant; total KiB), top {top}:")
    for stat in stats[:top]:
        print(
            f"  {stat.size_diff / 1024 / tenants:7.1f}  ({stat.size_diff / 1024:8.0f})  {stat.count_diff} blocks"
        )
        for frame in stat.traceback.format(limit=6, most_recent_first=True):
            print(f"        {frame.strip()}")


def kubectl(*args: str, stdin: str | None = None) -> None:
    env = {**os.environ, "KUBECONFIG": str(KUBECONFIG)}
    subprocess.run([str(KUBECTL), *args], input=stdin, capture_output=True, text=True, env=env, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def idle_tenants(namespace: str, indexes: range) -> str:
    """Tenants (and their Secrets) that never sync in a benchmark's time, their audit watch off: the operator's own cost."""
    documents = []
    for index in indexes:
        name = f"t{index:04d}"
        documents += [
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"{name}-sp", "namespace": namespace},
             "stringData": {"clientSecret": "unused"}},
            {"apiVersion": "tenantsync.io/v1alpha1", "kind": "Tenant", "metadata": {"name": name, "namespace": namespace},
             "spec": {"tenantId": str(uuid.uuid4()), "schedule": "0 0 1 1 *", "resources": ["namedLocations"],
                      "drift": {"enabled": False},
                      "servicePrincipal": {"clientId": str(uuid.uuid4()), "credentialsSecretRef": {"name": f"{name}-sp"}},
                      "repository": {"url": "/nonexistent.git", "path": f"tenants/{name}"}}},
        ]  # fmt: skip
    return "\n---\n".join(json.dumps(document) for document in documents)


def measure_operator(tenants: int, seconds: float) -> None:
    subprocess.run([str(ROOT / "hack" / "local-cluster"), "up"], check=True)
    kubectl(
        "apply", "--server-side", "--force-conflicts", "-f", str(ROOT / "crds" / "tenantsync.io_crds.yaml")
    )
    namespace = f"memory-{uuid.uuid4().hex[:6]}"
    kubectl("create", "namespace", namespace)
    for chunk in range(0, tenants, 100):
        kubectl(
            "apply",
            "-f",
            "-",
            stdin=idle_tenants(namespace, range(chunk, min(chunk + 100, tenants))),
        )
    work = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    command = [str(Path(sys.executable).parent / "tenantsync"), "run", "--namespace", namespace,
               "--metrics-port", str(free_port()), "--workdir", str(work)]  # fmt: skip
    with (work / "operator.log").open("wb") as output:
        operator = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                    env={**os.environ, "KUBECONFIG": str(KUBECONFIG)})  # fmt: skip
    samples: list[float] = []
    cpu: list[tuple[float, float]] = []
    try:
        started = time.monotonic()
        while time.monotonic() - started < seconds and operator.poll() is None:
            time.sleep(5)
            status = Path(f"/proc/{operator.pid}/status").read_text()
            samples.append(int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024)  # type: ignore[index]
            threads = re.search(r"Threads:\s+(\d+)", status)[1]  # type: ignore[index]
            cpu.append((time.monotonic(), cpu_seconds(operator.pid)))
            log(f"{time.monotonic() - started:3.0f} s: RSS {samples[-1]:.1f} MiB, {threads} threads")
    finally:
        operator.terminate()
        operator.wait(60)
    print(f"\noperator with {tenants} new Tenants (namespace {namespace}, log {work / 'operator.log'}):")
    print(f"RSS MiB: peak {max(samples, default=0):.1f}, last {samples[-1] if samples else 0:.1f}")
    if len(cpu) >= 4:
        (begun, used_then), (ended, used_now) = cpu[len(cpu) // 2], cpu[-1]
        print(
            f"CPU over the second half (after start-up): {(used_now - used_then) / (ended - begun):.1%} of a core"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--no-tracemalloc", action="store_true", help="RSS only (tracemalloc adds its own)")
    parser.add_argument("--operator", action="store_true", help="measure `tenantsync run` with idle Tenants")
    parser.add_argument("--seconds", type=float, default=90, help="how long the operator is watched")
    args = parser.parse_args()
    if args.operator:
        measure_operator(args.tenants, args.seconds)
        return
    work = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    process, url, ca = start_simulator(work / "sim")
    try:
        secrets = Secrets()
        with SimulatorClient(url, ca, timeout=60) as sim:
            log(f"seeding {args.tenants} tenants")
            specs = seed(sim, secrets, args.tenants, url, ca)
            for spec in specs.values():
                sim.clear_requests(spec.tenantId)
            cache = TenantCache(work / "operator")
            if not args.no_tracemalloc:
                tracemalloc.start(12)
            ready = rss_mib()
            baseline = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
            rounds = []
            for number in range(1, args.rounds + 1):
                started = time.monotonic()
                asyncio.run(run_round(cache, secrets, specs, args.concurrency))
                rounds.append((rss_mib(), identity_requests(sim, specs), time.monotonic() - started))
                for spec in specs.values():
                    sim.clear_requests(spec.tenantId)
                log(f"round {number}: RSS {rounds[-1][0]:.1f} MiB, {rounds[-1][1]} identity requests")
            snapshot = tracemalloc.take_snapshot() if baseline is not None else None
    finally:
        process.terminate()
    print(f"\ntenants {args.tenants}, rounds {args.rounds}, {args.concurrency} at once")
    print(
        f"RSS MiB: interpreter {START_RSS_MIB:.1f}, operator imported {IMPORTED_RSS_MIB:.1f}, ready {ready:.1f}"
    )
    for number, (rss, identity, seconds) in enumerate(rounds, 1):
        print(
            f"  round {number}: RSS {rss:.1f} MiB ({(rss - ready) * 1024 / args.tenants:.0f} KiB per Tenant),"
            f" identity requests {identity}, {seconds:.1f} s"
        )
    if snapshot is not None and baseline is not None:
        traced = sum(stat.size for stat in snapshot.statistics("filename")) / 1024 / 1024
        print(f"tracemalloc: {traced:.1f} MiB live Python allocations at the end")
        print_top(snapshot, baseline, args.top, args.tenants)


if __name__ == "__main__":
    main()
