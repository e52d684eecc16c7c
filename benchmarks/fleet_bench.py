"""A fleet on one operator: N simulated tenants of ~100 objects, N Tenants in one Git repository (a folder
each), every tenant synced on a compressed schedule, a share of them with a desired-state change that is
approved by annotation as a person would. Usage (`make fleet-bench` runs it with the defaults)::

    .venv/bin/python benchmarks/fleet_bench.py [--tenants 100] [--minutes 12] [--interval-minutes 3]
        [--exchange-types 10] [--exchange-latency-ms 500] [--burst] [--soak-hours H]

With ``--exchange-types`` each Tenant also keeps that many of the Exchange admin API's types (transport
rules, Defender policies, Purview DLP and labels ...; a few objects of its own beside every tenant's
built-ins), each request of that API delayed by ``--exchange-latency-ms``, what the service costs.

It starts the local control plane (hack/local-cluster, with its LOCAL_CLUSTER_* ports), the simulator
and one `tenantsync run` process, and prints the figures of issue 13. Figures are printed, not asserted.

`--burst` schedules every Tenant at the same second of each interval (as MSPs schedule `0 2 * * *` for
all their tenants), so each round starts every sync at once; the RSS after each round is printed.
`--soak-hours H` runs for H hours instead of `--minutes` and samples the operator's RSS, CPU and open
files each minute: a table in the output and `soak.png` (matplotlib) in the benchmark's folder (issue 25).
`--audit` starts the control plane with an audit log of the writes to Tenants, SyncRuns and Events and
prints each kind of write (resource, writer, the status fields it sets, refused or not) per sync; the
control plane must not be running already.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from kubernetes import client, config, watch

from tenantsync.api import RunPhase, RunStep
from tenantsync_sim.client import SimulatorClient

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "hack" / "local-cluster"
KUBECONFIG = ROOT / ".cache" / "local-cluster" / "kubeconfig"
AUDIT_LOG = ROOT / ".cache" / "local-cluster" / "logs" / "audit.log"
AUDIT_POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Request
    verbs: [create, update, patch, delete]
    resources:
      - {group: tenantsync.io, resources: [tenants, tenants/status, syncruns, syncruns/status]}
      - {group: "", resources: [events]}
  - level: None
"""
KUBECTL = ROOT / ".cache" / "local-cluster" / "bin" / "kubectl"
GROUP, VERSION = "tenantsync.io", "v1alpha1"
NAMESPACE = f"fleet-{uuid.uuid4().hex[:6]}"
"""A namespace per run: the Tenants' finalizers outlive the operator process, which would hold up its deletion."""
PERMISSIONS = [
    "Policy.Read.All",
    "Policy.ReadWrite.ConditionalAccess",
    "DeviceManagementConfiguration.ReadWrite.All",
    "Group.ReadWrite.All",
    "Application.Read.All",
    "Agreement.Read.All",
    "DeviceManagementRBAC.Read.All",
]
"""What the three types need in Managed mode (Conditional Access references terms of use, Intune scope tags)."""
RESOURCES = ["namedLocations", "conditionalAccessPolicies", "deviceConfigurations"]
EXCHANGE_RESOURCES = [
    "transportRule", "acceptedDomain", "remoteDomain", "organizationConfig", "antiPhishPolicy",
    "hostedContentFilterPolicy", "malwareFilterPolicy", "quarantinePolicy", "dlpCompliancePolicy",
    "sensitivityLabel", "safeLinksPolicy", "retentionCompliancePolicy",
]  # fmt: skip
"""The Exchange admin API's types a Tenant keeps with --exchange-types N (the first N): eight on the Exchange
Online endpoint and the rest on the compliance one, as an MSP's mail-flow and Defender baseline would."""
EXCHANGE_PATH = "/adminapi/"
OWN_REQUESTS: Counter[tuple[str, str]] = Counter()
"""The benchmark's own API requests (listing runs, approving), left out of the operator's figures."""
FINISHED = {phase.value for phase in RunPhase if phase.finished}
TIMING_LOGGERS = ("tenantsync.controllers.syncruns", "tenantsync.sync.steps.deploy")
"""Their DEBUG lines time the approval path (kopf's delivery, each step, the deploy's reads)."""
OPERATOR = (
    "import logging, os, signal, sys, tracemalloc\n"
    "from tenantsync.cli.main import main\n"
    "if os.environ.get('FLEET_BENCH_SNAPSHOTS'):\n"
    "    tracemalloc.start(int(os.environ.get('FLEET_BENCH_FRAMES', '1')))\n"
    "    taken = iter(range(10**6))\n"
    "    def snapshot(*_):\n"
    "        path = os.path.join(os.environ['FLEET_BENCH_SNAPSHOTS'], f'round-{next(taken):03d}.snapshot')\n"
    "        tracemalloc.take_snapshot().dump(path)\n"
    "    signal.signal(signal.SIGUSR1, snapshot)\n"
    f"for name in {TIMING_LOGGERS!r}:\n"
    "    logging.getLogger(name).setLevel(logging.DEBUG)\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
"""`tenantsync run` with the timing loggers at DEBUG and everything else at INFO, as in production; with
FLEET_BENCH_SNAPSHOTS set, tracing allocations and dumping a tracemalloc snapshot there on SIGUSR1."""
LOG_LINE = re.compile(r"^(\S+Z) DEBUG\s+\S+ \[[^\]]*syncrun=(\S+)\] (.*)$")


def log(message: str) -> None:
    print(f"[fleet-bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def kubectl(*args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "KUBECONFIG": str(KUBECONFIG)}
    return subprocess.run(
        [str(KUBECTL), *args], input=stdin, capture_output=True, text=True, env=env, check=True
    ).stdout


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


def seed_tenant(sim: SimulatorClient, objects: int, exchange: bool = False) -> tuple[str, str, str]:
    """A tenant of `objects` objects across the types, with its own app registration (which the simulator
    gives Exchange.ManageAsApp and the Exchange and Compliance Administrator roles); with `exchange`, three
    transport rules and an anti-phishing policy of its own too."""
    tenant_id = str(uuid.uuid4())
    sim.create_tenant(tenant_id, [f"f{tenant_id[:8]}.onmicrosoft.com"], display_name=f"Fleet {tenant_id[:8]}")
    client_id, secret = str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    sim.create_app(tenant_id, client_id, application_permissions=PERMISSIONS, secret=secret)
    for i in range(objects * 15 // 100):
        sim.create_object(tenant_id, "namedLocations", {
            "@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": f"Office {i}", "isTrusted": True,
            "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": f"10.{i // 250}.{i % 250}.0/24"}],
        })  # fmt: skip
    for i in range(objects * 25 // 100):
        sim.create_object(tenant_id, "conditionalAccessPolicies", {
            "displayName": f"Require MFA {i}", "state": "enabledForReportingButNotEnforced",
            "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
                           "clientAppTypes": ["all"]},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
        })  # fmt: skip
    for i in range(objects - objects * 40 // 100):
        sim.create_object(tenant_id, "deviceConfigurations", {
            "@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": f"Baseline {i}",
            "passwordRequired": True, "passwordMinimumLength": 8 + i % 8,
        })  # fmt: skip
    for i in range(3 if exchange else 0):
        sim.create_object(tenant_id, "transportRule", {
            "Name": f"Stamp external mail {i}", "FromScope": "NotInOrganization",
            "SetHeaderName": f"X-External-{i}", "SetHeaderValue": "yes",
        })  # fmt: skip
    if exchange:
        sim.create_object(tenant_id, "antiPhishPolicy", {"Name": "Executives", "Enabled": True})
    return tenant_id, client_id, secret


def tenant_manifest(
    name: str,
    tenant_id: str,
    client_id: str,
    url: str,
    repo: Path,
    schedule: str,
    resources: list[str],
    history: int,
) -> str:
    return json.dumps({
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "Tenant", "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "tenantId": tenant_id, "schedule": schedule, "resources": resources,
            "endpoints": {"authority": url, "graph": url, "caBundleSecretRef": {"name": "sim-ca"}},
            "servicePrincipal": {"clientId": client_id, "credentialsSecretRef": {"name": f"{name}-sp"}},
            "repository": {"url": str(repo), "path": f"tenants/{name}"},
            "successfulRunsHistoryLimit": history,
        },
    })  # fmt: skip


class Sampler(threading.Thread):
    """RSS and CPU of the operator process every few seconds."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.samples = pid, list[tuple[float, float, float]]()
        self.done = threading.Event()

    def run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        while not self.done.wait(5):
            try:
                rss = int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{self.pid}/status").read_text())[1])  # type: ignore[index]
                fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, TypeError):
                return
            cpu = (int(fields[11]) + int(fields[12])) / tick
            self.samples.append((time.monotonic(), rss / 1024, cpu))


class Soak(threading.Thread):
    """The operator's RSS, CPU share and open files, once a minute (or every `every` seconds)."""

    def __init__(self, pid: int, every: float = 60.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float, float, int]] = []
        """(minutes since start, RSS MiB, CPU % of one core over the last period, open files)."""
        self.done = threading.Event()

    def run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        started, last_cpu, last_at = time.monotonic(), self._cpu_seconds(tick), time.monotonic()
        while not self.done.wait(self.every):
            try:
                rss = int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{self.pid}/status").read_text())[1])  # type: ignore[index]
                files = len(os.listdir(f"/proc/{self.pid}/fd"))
                cpu, now = self._cpu_seconds(tick), time.monotonic()
            except (OSError, TypeError):
                return
            share = 100 * (cpu - last_cpu) / (now - last_at)
            self.samples.append(((now - started) / 60, rss / 1024, share, files))
            last_cpu, last_at = cpu, now

    def _cpu_seconds(self, tick: int) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    def report(self, folder: Path, title: str) -> None:
        """The samples as a table, and as soak.png in `folder`."""
        print("\nsoak, one line a minute:")
        print(f"{'minute':>7} {'RSS MiB':>8} {'CPU %':>6} {'open files':>10}")
        for minute, rss, cpu, files in self.samples:
            print(f"{minute:7.1f} {rss:8.0f} {cpu:6.1f} {files:10d}")
        if not self.samples:
            return
        import matplotlib  # the dev extra; only a soak needs it

        matplotlib.use("Agg")
        from matplotlib import pyplot

        minutes = [sample[0] for sample in self.samples]
        figure, axes = pyplot.subplots(3, 1, sharex=True, figsize=(9, 7))
        labels = ("RSS (MiB)", "CPU (% of a core)", "open files")
        for axis, index, label in zip(axes, (1, 2, 3), labels, strict=True):
            axis.plot(minutes, [sample[index] for sample in self.samples])
            axis.set_ylabel(label)
            axis.grid(True)
        axes[-1].set_xlabel("minutes since the operator started")
        figure.suptitle(title)
        figure.tight_layout()
        figure.savefig(folder / "soak.png", dpi=100)
        pyplot.close(figure)
        print(f"soak plot: {folder / 'soak.png'}")


class Approver(threading.Thread):
    """Approves each run that waits for approval, as a person would, and notes when (just before the
    annotation is written). It watches the SyncRuns, so it sees a run within moments of its wait, and
    keeps what each failed run said before the Tenant's history limit deletes it."""

    def __init__(self, api: client.CustomObjectsApi) -> None:
        super().__init__(daemon=True)
        self.api, self.approved = api, dict[str, tuple[str, float]]()
        self.failed = dict[str, str]()
        """Run name -> its phase, error code and message, for each run that finished other than Succeeded."""
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            stream = watch.Watch().stream(  # type: ignore[no-untyped-call]
                self.api.list_namespaced_custom_object,
                GROUP,
                VERSION,
                NAMESPACE,
                "syncruns",
                timeout_seconds=30,
            )
            for event in stream:
                run = event["object"]
                name = run["metadata"]["name"]
                status = run.get("status") or {}
                if status.get("phase") in FINISHED - {"Succeeded"} and name not in self.failed:
                    error = status.get("error") or {}
                    self.failed[name] = (
                        f"{status['phase']} {error.get('code', '')}: {status.get('message', '')}"
                    )
                if (run.get("status") or {}).get("phase") == "PendingApproval" and name not in self.approved:
                    self.approved[name] = (run["spec"]["tenantRef"]["name"], time.time())
                    patch = {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}}
                    OWN_REQUESTS[("PATCH", "syncruns")] += 1
                    self.api.patch_namespaced_custom_object(
                        GROUP, VERSION, NAMESPACE, "syncruns", name, patch
                    )
                if self.done.is_set():
                    return


class Rounds:
    """Each stretch of work from the first active run to none: how many runs, how long, the RSS at its end."""

    def __init__(self, snapshot_pid: int | None = None) -> None:
        """With `snapshot_pid`, that process is asked for a tracemalloc snapshot after each round."""
        self.snapshot_pid = snapshot_pid
        self.rounds: list[tuple[float, float, int, float, float]] = []
        """(started, ended, runs finished in it, peak RSS MiB, RSS MiB at its end)."""
        self._started: float | None = None
        self._finished_before = 0
        self._peak = 0.0

    def look(self, active: int, finished: int, sampler: Sampler) -> None:
        rss = sampler.samples[-1][1] if sampler.samples else 0.0
        if active and self._started is None:
            self._started, self._peak = time.monotonic(), rss
        if self._started is None:
            self._finished_before = finished
            return
        self._peak = max(self._peak, *(sample[1] for sample in sampler.samples[-2:]), rss)
        if not active:
            runs = finished - self._finished_before
            self.rounds.append((self._started, time.monotonic(), runs, self._peak, rss))
            self._started, self._finished_before = None, finished
            if self.snapshot_pid is not None:
                os.kill(self.snapshot_pid, signal.SIGUSR1)

    def report(self) -> None:
        if not self.rounds:
            return
        print("\nrounds (from the first run seen active to none active, looked at every 10 s):")
        print(f"{'round':>5} {'runs':>5} {'seconds':>8} {'peak RSS MiB':>12} {'RSS after MiB':>13}")
        for number, (started, ended, runs, peak, after) in enumerate(self.rounds, 1):
            print(f"{number:5d} {runs:5d} {ended - started:8.0f} {peak:12.0f} {after:13.0f}")


def growth(folder: Path, top: int = 15) -> None:
    """What grew between the snapshots taken after each round: after the first round (start-up and the
    first sync of every Tenant) and after the last, by source line; and what grew from each round to the
    next, in total."""
    import tracemalloc

    paths = sorted(folder.glob("round-*.snapshot"))
    if len(paths) < 2:
        print(f"\ntracemalloc: {len(paths)} snapshot(s) in {folder}; two rounds at least are needed")
        return
    ignored = [
        tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
        tracemalloc.Filter(False, tracemalloc.__file__),
    ]
    snapshots = [tracemalloc.Snapshot.load(str(path)).filter_traces(ignored) for path in paths]
    print("\ntracemalloc: traced memory after each round (MiB), and its growth from the round before")
    for number, (before, after) in enumerate(itertools.pairwise(snapshots), 2):
        total = sum(stat.size for stat in after.statistics("filename")) / 2**20
        grown = sum(stat.size_diff for stat in after.compare_to(before, "filename")) / 2**20
        print(f"  round {number}: {total:.1f} MiB ({grown:+.2f})")
    print(f"growth from round 1 to round {len(snapshots)}, top {top} lines:")
    for stat in snapshots[-1].compare_to(snapshots[0], "lineno")[:top]:
        frame = stat.traceback[0]
        print(
            f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {frame.filename}:{frame.lineno}"
        )


def audited_writes(syncs: int, top: int = 30) -> None:
    """Each kind of write but the benchmark's kubectl, per sync: its resource, writer (user agent: the
    operator's own client, kopf, or the benchmark's approvals), the top-level status fields it set (or
    the event's reason), and whether the API server refused it (409)."""
    kinds: Counter[str] = Counter()
    for line in AUDIT_LOG.read_text().splitlines():
        event = json.loads(line)
        if event.get("stage") != "ResponseComplete" or event.get("userAgent", "").startswith("kubectl"):
            continue
        ref, body = event.get("objectRef", {}), event.get("requestObject") or {}
        resource = ref.get("resource", "?") + (f"/{ref['subresource']}" if ref.get("subresource") else "")
        if isinstance(body, list):  # a JSON patch (kopf's)
            what = ",".join(sorted({op.get("path", "?") for op in body}))
        elif resource == "events":
            what = body.get("reason", "?")
        elif ref.get("subresource") == "status":
            what = ",".join(sorted((body.get("status") or {}).keys()))
        else:
            what = ",".join(sorted(body.get("metadata", {}).keys() | (body.keys() - {"metadata"})))
        code = event.get("responseStatus", {}).get("code", 0)
        agent = event.get("userAgent", "").split("/")[0]
        kinds[
            f"{event['verb']} {resource} by {agent} [{what}]{' refused ' + str(code) if code >= 400 else ''}"
        ] += 1
    print(f"API-server writes by kind, per sync ({sum(kinds.values())} in the audit log):")
    for kind, n in kinds.most_common(top):
        print(f"  {n / max(1, syncs):7.2f}  {kind}")


def list_runs(api: client.CustomObjectsApi) -> list[dict[str, Any]]:
    OWN_REQUESTS[("LIST", "syncruns")] += 1
    found = cast(dict[str, Any], api.list_namespaced_custom_object(GROUP, VERSION, NAMESPACE, "syncruns"))
    items: list[dict[str, Any]] = found["items"]
    return items


def apiserver_requests() -> Counter[tuple[str, str]]:
    """apiserver_request_total by (verb, resource) for our kinds, Secrets and Events."""
    counts: Counter[tuple[str, str]] = Counter()
    for line in kubectl("get", "--raw", "/metrics").splitlines():
        if line.startswith("apiserver_request_total{"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
            if labels.get("resource") in {"tenants", "syncruns", "secrets", "events"}:
                resource = labels["resource"] + (
                    f"/{labels['subresource']}" if labels.get("subresource") else ""
                )
                counts[(labels["verb"], resource)] += int(float(line.rsplit(" ", 1)[1]))
    return counts - OWN_REQUESTS


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


STEP_LINE = re.compile(r"Step Approval -> Deploy: ([\d.]+)s in all; .* ([\d.]+)s in the step\.")
WRITES_LINE = re.compile(
    r"Status after the step written in ([\d.]+)s \(([\d.]+)s of it mirroring to the Tenant\)\."
)
PHASES = (
    "kopf delivers the annotation", "handler -> approval step begins", "approval step",
    "status writes after it (overlap deploy)", "  of which mirror to Tenant", "-> deploy step begins",
    "deploy: Git reads", "deploy: plan check + Graph client", "-> first write reaches the tenant", "total",
)  # fmt: skip


def approval_breakdown(
    operator_log: Path, approved: dict[str, tuple[str, float]], first_write: dict[str, float]
) -> dict[str, list[float]]:
    """Per phase, its duration for each approved run whose whole path shows in the operator's DEBUG lines."""
    lines: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for line in operator_log.read_text(errors="replace").splitlines():
        if match := LOG_LINE.match(line):
            at = datetime.fromisoformat(match[1].replace("Z", "+00:00")).timestamp()
            lines[match[2]].append((at, match[3]))
    phases: dict[str, list[float]] = defaultdict(list)
    for run, (_, approved_at) in approved.items():
        if run not in first_write:
            continue
        after = [(at, text) for at, text in lines.get(run, []) if at >= approved_at - 0.005]
        noticed = next((at for at, text in after if text.startswith("Decision 'approve' noticed")), None)
        stepped = next(((at, m) for at, text in after if (m := STEP_LINE.match(text))), None)
        if noticed is None or stepped is None:
            continue
        ended, step = stepped
        total, in_step = (float(x) for x in step.groups())
        written = next((m for at, text in after if at >= ended and (m := WRITES_LINE.match(text))), None)
        read = next(
            ((at, float(text.split(" in ")[1][:-2])) for at, text in after
             if at >= ended and text.startswith("Deploy: desired state and backup read")),
            None,
        )  # fmt: skip
        ready = next(
            (at for at, text in after if at >= ended and text.startswith("Deploy: plan checked")), None
        )
        if read is None or ready is None or written is None:
            continue
        read_at, git = read
        write, mirror = (float(x) for x in written.groups())
        durations = (
            noticed - approved_at, ended - total - noticed, in_step, write, mirror,
            read_at - git - ended, git, ready - read_at, first_write[run] - ready,
            first_write[run] - approved_at,
        )  # fmt: skip
        for phase, duration in zip(PHASES, durations, strict=True):
            phases[phase].append(duration)
    return phases


def change_desired_state(repo: Path, names: list[str], work: Path, review: int) -> None:
    clone = work / f"person-{review}"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    for name in names:
        path = sorted((clone / "tenants" / name / "conditionalAccessPolicies").iterdir())[0]
        document = json.loads(path.read_text())
        document["displayName"] = f"{document['displayName'].split(' (review')[0]} (review {review})"
        path.write_text(json.dumps(document, indent=2))
    git = ["git", "-C", str(clone), "-c", "user.name=A Person", "-c", "user.email=person@example.com"]
    subprocess.run([*git, "commit", "-qam", "Reviewed changes"], check=True)
    # The operator pushes backups to the same repository meanwhile: a person pulls and pushes again.
    for _ in range(10):
        if subprocess.run([*git, "push", "-q", "origin", "HEAD"], capture_output=True).returncode == 0:
            return
        subprocess.run([*git, "pull", "-q", "--rebase", "origin", "main"], check=True)
    raise SystemExit("could not push the desired-state change: the repository kept moving")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--objects", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=12)
    parser.add_argument("--interval-minutes", type=int, default=3)
    parser.add_argument("--approval-share", type=float, default=0.1)
    parser.add_argument("--max-concurrent-syncs", type=int, default=16)
    parser.add_argument("--exchange-types", type=int, default=0, choices=range(len(EXCHANGE_RESOURCES) + 1))
    parser.add_argument("--exchange-latency-ms", type=int, default=500)
    parser.add_argument(
        "--burst", action="store_true", help="every Tenant's sync at the same second of each interval"
    )
    parser.add_argument(
        "--history-limit",
        type=int,
        default=20,
        help="each Tenant's successfulRunsHistoryLimit (3 by default in a Tenant): the runs kopf keeps in memory",
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="a tracemalloc snapshot of the operator after each round"
    )
    parser.add_argument(
        "--audit", action="store_true", help="count each kind of write from the API server's audit log"
    )
    parser.add_argument(
        "--soak-hours",
        type=float,
        default=0.0,
        help="run this long instead of --minutes, sampling each minute",
    )
    args = parser.parse_args()
    if args.soak_hours:
        args.minutes = args.soak_hours * 60
    work = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    cluster_env = dict(os.environ)
    if args.audit:
        (work / "audit-policy.yaml").write_text(AUDIT_POLICY)
        cluster_env["LOCAL_CLUSTER_AUDIT_POLICY"] = str(work / "audit-policy.yaml")
        AUDIT_LOG.unlink(missing_ok=True)
    subprocess.run([str(CLUSTER), "up"], check=True, env=cluster_env)
    if args.audit and not AUDIT_LOG.exists():
        raise SystemExit("--audit needs a control plane started by this run: stop the running one first")
    kubectl(
        "apply", "--server-side", "--force-conflicts", "-f", str(ROOT / "crds" / "tenantsync.io_crds.yaml")
    )
    kubectl("create", "namespace", NAMESPACE)
    sim_process, url, ca = start_simulator(work / "sim")
    try:
        with SimulatorClient(url, ca, timeout=60) as sim:
            run_fleet(args, work, sim, url, ca)
    finally:
        sim_process.terminate()
        log(f"files kept in {work}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_fleet(args: argparse.Namespace, work: Path, sim: SimulatorClient, url: str, ca: str) -> None:
    repo = work / "tenants.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(repo)], check=True)
    seed = work / "seed"
    subprocess.run(["git", "init", "-q", "-b", "main", str(seed)], check=True)
    (seed / "README.md").write_text("One folder per tenant.\n")
    git = ["git", "-C", str(seed), "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "Fleet repository"], check=True)
    subprocess.run([*git, "push", "-q", str(repo), "main"], check=True)

    log(f"seeding {args.tenants} simulated tenants of {args.objects} objects")
    started = time.monotonic()
    exchange = EXCHANGE_RESOURCES[: args.exchange_types]
    tenants = {f"t{i:04d}": seed_tenant(sim, args.objects, bool(exchange)) for i in range(args.tenants)}
    if exchange:
        sim.add_fault(EXCHANGE_PATH, latency_ms=args.exchange_latency_ms)
    log(f"seeded in {time.monotonic() - started:.0f}s")
    kubectl("create", "secret", "generic", "sim-ca", "-n", NAMESPACE, f"--from-file=ca.crt={ca}")
    manifests = []
    for index, (name, (tenant_id, client_id, secret)) in enumerate(tenants.items()):
        secret_manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"{name}-sp", "namespace": NAMESPACE},
                           "stringData": {"clientSecret": secret}}  # fmt: skip
        # Spread over the interval as an MSP's schedules are: ~N/interval syncs start every minute; or, in
        # a burst, all at the same second.
        minute = (index // 60) % args.interval_minutes
        schedule = (
            f"0 */{args.interval_minutes} * * * *"
            if args.burst
            else f"{index % 60} {minute}-59/{args.interval_minutes} * * * *"
        )
        manifests += [
            json.dumps(secret_manifest),
            tenant_manifest(
                name, tenant_id, client_id, url, repo, schedule, RESOURCES + exchange, args.history_limit
            ),
        ]
    config.load_kube_config(str(KUBECONFIG))  # type: ignore[no-untyped-call]
    api = client.CustomObjectsApi()
    for chunk in range(0, len(manifests), 100):
        kubectl("apply", "-f", "-", stdin="\n---\n".join(manifests[chunk : chunk + 100]))
    before = apiserver_requests()
    command = [sys.executable, "-c", OPERATOR, "run", "--namespace", NAMESPACE,
               "--metrics-port", str(free_port()), "--liveness", f"http://127.0.0.1:{free_port()}/healthz",
               "--workdir", str(work / "operator"), "--max-concurrent-syncs", str(args.max_concurrent_syncs)]  # fmt: skip
    operator_log = work / "operator.log"
    with operator_log.open("wb") as output:
        snapshots = work / "snapshots"
        tracing = {"FLEET_BENCH_SNAPSHOTS": str(snapshots)} if args.tracemalloc else {}
        snapshots.mkdir()
        operator = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                    env={**os.environ, "KUBECONFIG": str(KUBECONFIG), **tracing})  # fmt: skip
    try:
        sampler = Sampler(operator.pid)
        sampler.start()
        soak = Soak(operator.pid)
        if args.soak_hours:
            soak.start()
        rounds = Rounds(operator.pid if args.tracemalloc else None)
        bench_start, wall_start = time.monotonic(), time.time()
        approver = Approver(api)
        approver.start()
        reviews, last_review = 0, 0.0
        share = sorted(tenants)[:: max(1, round(1 / args.approval_share))] if args.approval_share else []
        while time.monotonic() - bench_start < args.minutes * 60:
            time.sleep(10)
            if operator.poll() is not None:
                raise SystemExit(f"the operator exited with {operator.returncode}; log: {operator_log}")
            runs = list_runs(api)
            done = [r for r in runs if (r.get("status") or {}).get("phase") in FINISHED]
            rounds.look(len(runs) - len(done), len(done), sampler)
            log(f"{len(done)} runs finished, {len(runs) - len(done)} active, RSS {sampler.samples[-1][1]:.0f} MiB"
                if sampler.samples else f"{len(done)} runs finished")  # fmt: skip
            initialised = {
                r["spec"]["tenantRef"]["name"] for r in done if r["status"]["phase"] == "Succeeded"
            }
            # A change a round, once every tenant of the share has a folder and none of theirs is deploying
            # the last one (a person does not rewrite what is being deployed): n approvals = share x rounds.
            due = time.monotonic() - last_review >= args.interval_minutes * 60
            deciding = {RunStep.APPROVAL, RunStep.DEPLOY, RunStep.VERIFY}
            statuses = [(r["spec"]["tenantRef"]["name"], r.get("status") or {}) for r in runs]
            busy = {
                name
                for name, st in statuses
                if st.get("phase") not in FINISHED and st.get("step") in deciding
            }
            busy &= set(share)
            if share and due and set(share) <= initialised and not busy:
                reviews += 1
                change_desired_state(repo, share, work, reviews)
                last_review = time.monotonic()
                log(f"desired-state change {reviews} pushed for {len(share)} tenants")
        approver.done.set()
        sampler.done.set()
        soak.done.set()
        after = apiserver_requests()
        runs = list_runs(api)
        report(args, runs, tenants, sim, sampler, approver, before, after, repo, operator_log, wall_start)
        rounds.report()
        if args.tracemalloc:
            time.sleep(5)  # the last snapshot is being written
            growth(snapshots)
        if args.soak_hours:
            shape = "burst" if args.burst else "spread"
            soak.report(
                work,
                f"tenantsync soak: {args.tenants} Tenants, {shape} every {args.interval_minutes} min,"
                f" {args.soak_hours:g} h",
            )
    finally:
        operator.terminate()
        operator.wait(60)


def report(
    args: argparse.Namespace,
    runs: list[dict[str, Any]],
    tenants: dict[str, tuple[str, str, str]],
    sim: SimulatorClient,
    sampler: Sampler,
    approver: Approver,
    before: Counter[tuple[str, str]],
    after: Counter[tuple[str, str]],
    repo: Path,
    operator_log: Path,
    wall_start: float,
) -> None:
    finished = [r for r in runs if (r.get("status") or {}).get("phase") in FINISHED]
    phases = Counter(r["status"]["phase"] for r in finished)
    duration_min = args.minutes
    interval = args.interval_minutes * 60
    inside = 0
    by_tenant: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for run in finished:
        start = datetime.fromisoformat(run["metadata"]["creationTimestamp"])
        end = datetime.fromisoformat(run["status"]["completionTime"])
        inside += (end - start).total_seconds() <= interval
        by_tenant[run["spec"]["tenantRef"]["name"]].append(
            (
                datetime.fromisoformat(
                    run["status"].get("startTime") or run["metadata"]["creationTimestamp"]
                ),
                end,
            )
        )
    now = time.time()
    spans = [
        (datetime.fromisoformat(r["metadata"]["creationTimestamp"]).timestamp(),
         datetime.fromisoformat(r["status"]["completionTime"]).timestamp() if (r.get("status") or {}).get("phase") in FINISHED else now)
        for r in runs
    ]  # fmt: skip
    overlaps = 0
    for tenant_spans in by_tenant.values():
        tenant_spans.sort()
        overlaps += sum(1 for a, b in itertools.pairwise(tenant_spans) if b[0] < a[1])
    graph = identity = exchange = 0
    latencies: list[float] = []
    writes_at: dict[str, list[float]] = defaultdict(list)
    for name, (tenant_id, _, _) in tenants.items():
        for request in sim.requests(tenant_id):
            if "/oauth2/" in request["path"] or "openid-configuration" in request["path"]:
                identity += 1
            elif request["path"].startswith(EXCHANGE_PATH):
                exchange += 1
            else:
                graph += 1
                if request["method"] in {"PATCH", "POST", "DELETE"}:
                    writes_at[name].append(request["time"])
    busy: list[int] = []
    """How many runs were in flight when each approval was given: the load it had to go ahead of."""
    first_write: dict[str, float] = {}
    for run_name, (tenant, approved_at) in approver.approved.items():
        after_approval = [at for at in writes_at[tenant] if at >= approved_at]
        if after_approval:
            latencies.append(min(after_approval) - approved_at)
            first_write[run_name] = min(after_approval)
        busy.append(sum(1 for started, ended in spans if started <= approved_at < ended))
    commits = int(subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "--all"],
                                 capture_output=True, text=True, check=True).stdout)  # fmt: skip
    retries = operator_log.read_text(errors="replace").count("moved while writing")
    writes = {
        k: after[k] - before[k]
        for k in after
        if k[0] in {"POST", "PATCH", "DELETE", "PUT"} and after[k] > before[k]
    }
    reads = {k: after[k] - before[k] for k in after if k[0] in {"GET", "LIST"} and after[k] > before[k]}
    count = max(1, len(finished))
    rss = [s[1] for s in sampler.samples]
    cpu = (
        (sampler.samples[-1][2] - sampler.samples[0][2]) / (sampler.samples[-1][0] - sampler.samples[0][0])
        if len(sampler.samples) > 1
        else 0.0
    )
    steady = rss[len(rss) // 2 :] or [0.0]
    print()
    print(f"fleet: {args.tenants} tenants x {args.objects} objects, one repository, schedule every {args.interval_minutes} min,"
          f" {duration_min:g} min, one operator (--max-concurrent-syncs {args.max_concurrent_syncs}), {os.cpu_count()} cores shared")  # fmt: skip
    print(
        f"syncs finished:              {len(finished)} ({len(finished) / duration_min:.1f}/min); phases {dict(phases)}"
    )
    print(f"finished inside interval:    {inside / count:.0%}")
    print(
        f"operator RSS MiB:            peak {max(rss, default=0):.0f}, steady (median of 2nd half) {statistics.median(steady):.0f}"
    )
    print(f"operator CPU:                {cpu:.0%} of one core (mean)")
    print(f"approval -> first write:     n={len(latencies)} p50 {percentile(latencies, 0.5):.2f}s p99 {percentile(latencies, 0.99):.2f}s"
          f" (approved {len(approver.approved)}, {len(approver.approved) - len(latencies)} with no write yet;"
          f" runs in flight at approval: median {statistics.median(busy or [0]):g}, max {max(busy, default=0)})")  # fmt: skip
    breakdown = approval_breakdown(operator_log, approver.approved, first_write)
    for phase in PHASES:
        values = breakdown.get(phase, [])
        print(
            f"  {phase + ':':<36} n={len(values)} p50 {percentile(values, 0.5):.2f}s p99 {percentile(values, 0.99):.2f}s"
        )
    print(
        f"Graph requests per sync:     {graph / count:.1f}; identity requests per sync {identity / count:.2f}"
    )
    if args.exchange_types:
        print(
            f"Exchange admin API:          {args.exchange_types} types per Tenant at {args.exchange_latency_ms} ms a"
            f" request; {exchange / count:.1f} requests per sync"
        )
    durations = [
        (datetime.fromisoformat(r["status"]["completionTime"])
         - datetime.fromisoformat(r["status"].get("startTime") or r["metadata"]["creationTimestamp"])).total_seconds()
        for r in finished
    ]  # fmt: skip
    print(
        f"sync duration:               p50 {percentile(durations, 0.5):.1f}s p99 {percentile(durations, 0.99):.1f}s"
    )
    print(f"Git: commits {commits} ({commits / count:.2f} per sync), push retries {retries}")
    print(f"API-server writes per sync:  {sum(writes.values()) / count:.1f}  {dict(sorted(writes.items()))}")
    print(f"API-server reads per sync:   {sum(reads.values()) / count:.1f}  {dict(sorted(reads.items()))}")
    print(
        f"failures: {sum(v for k, v in phases.items() if k != 'Succeeded')}; overlapping runs of one tenant: {overlaps}"
    )
    if args.audit:
        audited_writes(count)
    for name, what in sorted(approver.failed.items()):
        print(f"  failed {name}: {what}")
    print(f"(wall-clock start {datetime.fromtimestamp(wall_start):%H:%M:%S}; operator log {operator_log})")


if __name__ == "__main__":
    main()
