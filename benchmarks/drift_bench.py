"""Portal change -> the Tenant shows it with its actor: latency over many changes, and the watch's idle cost.

One simulated tenant, one Tenant watched every `--interval`, the simulator's audit logs delayed by
`--delay` seconds. A person changes a Conditional Access policy "in the portal" (the control API with an
actor) every `--spacing` seconds, `--changes` times; the latency of each is from the change to the first
moment `status.drift.changes` names its actor. Then the watch is left idle for `--idle` seconds and its
audit-log requests counted. Usage::

    .venv/bin/python benchmarks/drift_bench.py [--changes 50] [--interval 10s] [--delay 5]

It starts the local control plane (hack/local-cluster, with its LOCAL_CLUSTER_* ports), the simulator and
one `tenantsync run` process. Figures are printed, not asserted: the bound is interval + delay, and the
goal p99 <= interval + delay + 15 s (issue 23).

The cost at fleet scale, ``--fleet N``: N Tenants (each its own simulated tenant, `--fleet-resources`
by default a Graph type and an Exchange type, so both the directory audits and the admin audit are
read) left idle, first with drift disabled, then enabled with `--interval` looks (use 1m), each phase
measured for `--measure` seconds once every watch has looked. Printed: Graph and Exchange admin API
requests per Tenant per minute (audit-log reads and all), and the operator's CPU (share of one core)
and RSS in each phase and their difference. Goals (issue 23, at N = 1,000): <= 2 requests per Tenant
per minute idle, <= 10 % of a core and <= 20 MB added::

    .venv/bin/python benchmarks/drift_bench.py --fleet 100 --interval 1m --measure 180
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, cast

from kubernetes import client, config

from tenantsync.api import parse_duration
from tenantsync_sim.client import SimulatorClient

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "hack" / "local-cluster"
KUBECONFIG = ROOT / ".cache" / "local-cluster" / "kubeconfig"
GROUP, VERSION = "tenantsync.io", "v1alpha1"
NAMESPACE = f"drift-{uuid.uuid4().hex[:6]}"
PERMISSIONS = [
    "Policy.Read.All",
    "Policy.ReadWrite.ConditionalAccess",
    "Application.Read.All",
    "Group.Read.All",
    "Agreement.Read.All",
    "AuditLog.Read.All",
]
POLICIES = 5


def log(message: str) -> None:
    print(f"[drift-bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def start_simulator(state_dir: Path, delay: float) -> tuple[subprocess.Popen[str], str, str]:
    command = [str(Path(sys.executable).parent / "tenantsync-sim"), "--port", "0", "--seed", "empty",
               "--state-dir", str(state_dir), "--audit-delay", str(delay)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("TENANTSYNC_SIM_READY"):
            fields = dict(part.split("=", 1) for part in line.split()[1:])
            threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
            return process, fields["url"], fields["ca"]
    raise SystemExit("tenantsync-sim did not start")


def kubectl(*args: str, stdin: str | None = None) -> None:
    env = {**os.environ, "KUBECONFIG": str(KUBECONFIG)}
    kubectl_bin = ROOT / ".cache" / "local-cluster" / "bin" / "kubectl"
    subprocess.run(
        [str(kubectl_bin), *args], input=stdin, capture_output=True, text=True, env=env, check=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


class Watcher(threading.Thread):
    """Polls the Tenant every 100 ms and notes when each actor first appears in status.drift.changes."""

    def __init__(self, api: client.CustomObjectsApi) -> None:
        super().__init__(daemon=True)
        self.api = api
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def tenant(self) -> dict[str, Any]:
        found = self.api.get_namespaced_custom_object(GROUP, VERSION, NAMESPACE, "tenants", "contoso")
        return cast(dict[str, Any], found)

    def run(self) -> None:
        while not self.stop.is_set():
            drift = (self.tenant().get("status") or {}).get("drift") or {}
            now = time.monotonic()
            for change in drift.get("changes") or []:
                upn = change["actor"].get("userPrincipalName")
                if upn and upn not in self.seen:
                    self.seen[upn] = now
            self.stop.wait(0.1)


def wait(what: str, probe: Any, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.25)
    raise SystemExit(f"timed out waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--interval", default="10s", help="spec.drift.interval (10s at least)")
    parser.add_argument(
        "--delay", type=float, default=5.0, help="the simulator's audit ingestion delay, seconds"
    )
    parser.add_argument("--spacing", type=float, default=2.0, help="seconds between two portal changes")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle watching counted")
    parser.add_argument(
        "--fleet", type=int, default=0, help="N idle Tenants: the watch's cost at fleet scale"
    )
    parser.add_argument("--fleet-resources", default="conditionalAccessPolicies,transportRule")
    parser.add_argument("--measure", type=float, default=180.0, help="seconds measured per fleet phase")
    parser.add_argument(
        "--settle", type=float, default=60.0, help="seconds left idle before the first fleet phase"
    )
    args = parser.parse_args()
    interval = parse_duration(args.interval).total_seconds()
    subprocess.run([str(CLUSTER), "up"], check=True, cwd=ROOT)
    config.load_kube_config(str(KUBECONFIG))  # type: ignore[no-untyped-call]
    kubectl(
        "apply", "--server-side", "--force-conflicts", "-f", str(ROOT / "crds" / "tenantsync.io_crds.yaml")
    )
    api = client.CustomObjectsApi()
    with tempfile.TemporaryDirectory(prefix="drift-bench-") as scratch:
        work = Path(scratch)
        sim_process, url, ca = start_simulator(work / "sim", args.delay)
        operator: subprocess.Popen[bytes] | None = None
        try:
            with SimulatorClient(url, ca) as sim:
                if args.fleet:
                    operator = fleet(args, interval, work, sim, url, ca, api)
                else:
                    operator = run(args, interval, work, sim, url, ca, api)
        finally:
            if operator is not None:
                operator.terminate()
                operator.wait(timeout=30)
            sim_process.terminate()
            kubectl("delete", "namespace", NAMESPACE, "--wait=false")


def run(
    args: argparse.Namespace,
    interval: float,
    work: Path,
    sim: SimulatorClient,
    url: str,
    ca: str,
    api: client.CustomObjectsApi,
) -> subprocess.Popen[bytes]:
    tenant_id, client_id, secret = str(uuid.uuid4()), str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    sim.create_tenant(tenant_id, [f"d{tenant_id[:8]}.onmicrosoft.com"])
    sim.create_app(tenant_id, client_id, application_permissions=PERMISSIONS, secret=secret)
    policies = [
        sim.create_object(tenant_id, "conditionalAccessPolicies", {
            "displayName": f"Require MFA {i}", "state": "enabledForReportingButNotEnforced",
            "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
                           "clientAppTypes": ["all"]},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
        })["id"]
        for i in range(POLICIES)
    ]  # fmt: skip
    repo = work / "tenants.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(repo)], check=True)
    kubectl("create", "namespace", NAMESPACE)
    kubectl(
        "create", "secret", "generic", "contoso-sp", "-n", NAMESPACE, f"--from-literal=clientSecret={secret}"
    )
    kubectl("create", "secret", "generic", "sim-ca", "-n", NAMESPACE, f"--from-file=ca.crt={ca}")
    env = {**os.environ, "KUBECONFIG": str(KUBECONFIG)}
    with (work / "operator.log").open("ab") as operator_log:
        operator = subprocess.Popen(
            [str(Path(sys.executable).parent / "tenantsync"), "run", "--namespace", NAMESPACE, "--scheduler-interval",
             "1", "--metrics-port", str(free_port()),
             "--liveness", f"http://127.0.0.1:{free_port()}/healthz", "--workdir", str(work / "operator")],
            stdout=operator_log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
        )  # fmt: skip
    manifest = {
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "Tenant", "metadata": {"name": "contoso", "namespace": NAMESPACE},
        "spec": {
            "tenantId": tenant_id, "resources": ["conditionalAccessPolicies"],
            "endpoints": {"authority": url, "graph": url, "caBundleSecretRef": {"name": "sim-ca"}},
            "servicePrincipal": {"clientId": client_id, "credentialsSecretRef": {"name": "contoso-sp"}},
            "repository": {"url": str(repo), "path": "tenants/contoso"},
            "drift": {"enabled": True, "interval": args.interval},
        },
    }  # fmt: skip
    kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
    kubectl("annotate", "tenant", "contoso", "-n", NAMESPACE, "tenantsync.io/sync-requested-at=first")
    watcher = Watcher(api)
    try:
        wait("the first sync", lambda: (watcher.tenant().get("status") or {}).get("phase") == "Idle")
    except SystemExit:
        log(f"Tenant status: {watcher.tenant().get('status')}")
        log((work / "operator.log").read_text()[-3000:])
        raise
    wait(
        "the audit watch",
        lambda: ((watcher.tenant().get("status") or {}).get("drift") or {}).get("watch") == "Watching",
    )
    log(
        f"watching every {interval:g}s, audit delay {args.delay:g}s; {args.changes} portal changes {args.spacing:g}s apart"
    )
    watcher.start()
    made: dict[str, float] = {}
    for i in range(args.changes):
        actor = f"person{i}@contoso.com"
        made[actor] = time.monotonic()
        sim.drift(tenant_id, "conditionalAccessPolicies", {"displayName": f"Require MFA (edit {i})"},
                  policies[i % POLICIES], actor=actor)  # fmt: skip
        time.sleep(args.spacing)
    wait("every change to show", lambda: set(made) <= set(watcher.seen), timeout=interval + args.delay + 120)
    watcher.stop.set()
    latencies = [watcher.seen[actor] - made[actor] for actor in made]
    bound = interval + args.delay
    log(
        f"portal change -> status.drift names the actor, {len(latencies)} changes: p50 {percentile(latencies, 0.5):.1f}s,"
        f" p99 {percentile(latencies, 0.99):.1f}s, max {max(latencies):.1f}s (bound interval + delay = {bound:g}s,"
        f" goal p99 <= {bound + 15:g}s)"
    )
    sim.clear_requests(tenant_id)
    time.sleep(args.idle)
    audit = [r for r in sim.requests(tenant_id) if "auditLogs" in r["path"] or "auditEvents" in r["path"]]
    everything = sim.requests(tenant_id)
    log(
        f"idle {args.idle:g}s: {len(audit)} audit-log requests ({len(audit) * 60 / args.idle:.1f} per minute at"
        f" interval {interval:g}s, i.e. {len(audit) * interval / args.idle:.2f} per look), {len(everything)} Graph and"
        " token requests in all"
    )
    return operator


def start_operator(work: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KUBECONFIG": str(KUBECONFIG)}
    with (work / "operator.log").open("ab") as operator_log:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "tenantsync"), "run", "--namespace", NAMESPACE, "--scheduler-interval",
             "1", "--metrics-port", str(free_port()),
             "--liveness", f"http://127.0.0.1:{free_port()}/healthz", "--workdir", str(work / "operator")],
            stdout=operator_log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
        )  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """User and system CPU the process has used (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


AUDIT_PATHS = ("auditLogs", "auditEvents", "InvokeCommand")


def phase(
    name: str, seconds: float, sim: SimulatorClient, tenants: list[str], pid: int
) -> tuple[float, float, float, float]:
    """Requests per Tenant per minute (audit reads, all), CPU share of a core and RSS over ``seconds``."""
    for tenant_id in tenants:
        sim.clear_requests(tenant_id)
    started, cpu = time.monotonic(), cpu_seconds(pid)
    time.sleep(seconds)
    elapsed, used = time.monotonic() - started, cpu_seconds(pid) - cpu
    requests = [r for tenant_id in tenants for r in sim.requests(tenant_id)]
    audit = [r for r in requests if any(part in r["path"] for part in AUDIT_PATHS)]
    per_minute = 60 / elapsed / len(tenants)
    figures = (len(audit) * per_minute, len(requests) * per_minute, used / elapsed, rss_mb(pid))
    log(
        f"{name}: {figures[0]:.2f} audit-log requests and {figures[1]:.2f} requests in all per Tenant per minute;"
        f" operator CPU {figures[2] * 100:.1f} % of a core, RSS {figures[3]:.0f} MB ({elapsed:.0f}s measured)"
    )
    return figures


def fleet(
    args: argparse.Namespace,
    interval: float,
    work: Path,
    sim: SimulatorClient,
    url: str,
    ca: str,
    api: client.CustomObjectsApi,
) -> subprocess.Popen[bytes]:
    """N idle Tenants, drift off then on: what the watch adds."""
    kubectl("create", "namespace", NAMESPACE)
    kubectl("create", "secret", "generic", "sim-ca", "-n", NAMESPACE, f"--from-file=ca.crt={ca}")
    resources = [name.strip() for name in args.fleet_resources.split(",") if name.strip()]
    tenants: list[str] = []
    repo = work / "tenants.git"  # never written: the Tenants have no schedule and are never synced
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(repo)], check=True)
    items: list[dict[str, Any]] = []
    for i in range(args.fleet):
        tenant_id, client_id, secret = str(uuid.uuid4()), str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
        sim.create_tenant(tenant_id, [f"d{tenant_id[:8]}.onmicrosoft.com"])
        sim.create_app(tenant_id, client_id, application_permissions=PERMISSIONS, secret=secret)
        tenants.append(tenant_id)
        items += [
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"t{i}-sp", "namespace": NAMESPACE},
             "stringData": {"clientSecret": secret}},
            {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Tenant", "metadata": {"name": f"t{i}", "namespace": NAMESPACE},
             "spec": {
                 "tenantId": tenant_id, "resources": resources,
                 "endpoints": {"authority": url, "graph": url, "caBundleSecretRef": {"name": "sim-ca"}},
                 "servicePrincipal": {"clientId": client_id, "credentialsSecretRef": {"name": f"t{i}-sp"}},
                 "repository": {"url": str(repo), "path": f"tenants/t{i}"},
                 "drift": {"enabled": False, "interval": args.interval},
             }},
        ]  # fmt: skip
    for chunk in range(0, len(items), 200):
        manifest = {"apiVersion": "v1", "kind": "List", "items": items[chunk : chunk + 200]}
        kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
    operator = start_operator(work)

    def statuses() -> list[dict[str, Any]]:
        found = api.list_namespaced_custom_object(GROUP, VERSION, NAMESPACE, "tenants")
        return [item.get("status") or {} for item in cast(dict[str, Any], found)["items"]]

    wait("every Tenant's status", lambda: all(s.get("phase") for s in statuses()), timeout=600)
    wait(
        "every watch to stand disabled",
        lambda: all((s.get("drift") or {}).get("watch") == "Disabled" for s in statuses()),
        timeout=600,
    )
    log(f"{args.fleet} Tenants idle ({', '.join(resources)}); drift disabled; settling for {args.settle:g}s")
    time.sleep(args.settle)  # the start-up's first passes and status writes are not the idle cost
    off = phase("drift disabled", args.measure, sim, tenants, operator.pid)
    for i in range(args.fleet):
        api.patch_namespaced_custom_object(
            GROUP, VERSION, NAMESPACE, "tenants", f"t{i}", {"spec": {"drift": {"enabled": True}}}
        )
    wait(
        "every watch to look",
        lambda: all((s.get("drift") or {}).get("watch") == "Watching" for s in statuses()),
        timeout=600,
    )
    time.sleep(interval)
    log(f"drift enabled, looks every {interval:g}s")
    on = phase("drift enabled", args.measure, sim, tenants, operator.pid)
    log(
        f"added by the watch at N = {args.fleet}: {on[0] - off[0]:.2f} audit-log and {on[1] - off[1]:.2f} requests in"
        f" all per Tenant per minute, CPU {(on[2] - off[2]) * 100:+.1f} % of a core, RSS {on[3] - off[3]:+.0f} MB"
    )
    return operator


if __name__ == "__main__":
    main()
