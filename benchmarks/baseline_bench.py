"""A baseline change rolled out to N tenants in waves, on one operator: the time each wave takes from its
release to its verification, and the Graph requests each tenant received. Usage::

    .venv/bin/python benchmarks/baseline_bench.py [--tenants 20] [--max-parallel 5] [--canary 2]

It starts the local control plane (hack/local-cluster, with its LOCAL_CLUSTER_* ports), the simulator
and one `tenantsync run` process; N simulated tenants each adopt the Baseline `security`. The first
revision is approved and rolled out (the adoption), then a change to the baseline is pushed, approved
once and rolled out: its waves are the figures. Figures are printed, not asserted. A wave that does not
verify within --wave-timeout is reported with the rollout's message, and the benchmark stops there.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tenantsync.api import Mode, ResourceType
from tenantsync.catalog import required_permissions
from tenantsync_sim.client import SimulatorClient

# The sibling benchmark's helpers (cluster, simulator, seeding): this file runs as a script beside it.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fleet_bench import (
    CLUSTER,
    KUBECONFIG,
    ROOT,
    free_port,
    kubectl,
    log,
    seed_tenant,
    start_simulator,
)

NAMESPACE = f"baseline-{uuid.uuid4().hex[:6]}"
BASELINE_PATH = "baselines/security"
RESOURCES = ["namedLocations", "conditionalAccessPolicies", "deviceConfigurations"]


def policy(state: str) -> str:
    return json.dumps({
        "displayName": "Baseline: require MFA for admins", "state": state,
        "conditions": {"users": {"includeRoles": ["62e90394-69f5-4237-9190-012177145e10"]},
                       "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"]},
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }, indent=2)  # fmt: skip


def push_baseline(clone: Path, state: str, message: str) -> str:
    target = clone / BASELINE_PATH / "conditionalAccessPolicies" / "require-mfa-admins.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(policy(state))
    git = ["git", "-C", str(clone), "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", message], check=True)
    for _ in range(10):  # the operator pushes backups to the same repository meanwhile
        if subprocess.run([*git, "push", "-q", "origin", "HEAD:main"], capture_output=True).returncode == 0:
            break
        subprocess.run([*git, "pull", "-q", "--rebase", "origin", "main"], check=True)
    return subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def baseline_status() -> dict[str, Any]:
    status: dict[str, Any] = (
        json.loads(kubectl("get", "baseline", "security", "-n", NAMESPACE, "-o", "json")).get("status") or {}
    )
    return status


def wait_rollout(revision: str, phase: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rollout: dict[str, Any] = baseline_status().get("rollout") or {}
        if rollout.get("revision") == revision and rollout.get("phase") == phase:
            return rollout
        time.sleep(1)
    raise SystemExit(
        f"the rollout of {revision[:12]} never reached {phase}: {baseline_status().get('rollout')}"
    )


def roll_out(revision: str, wave_timeout: float) -> list[tuple[int, int, float]] | None:
    """Approve the revision and follow its waves; (wave, its tenants, seconds from its release until it
    verified) per wave, or None when a wave did not verify in time."""
    rollout = wait_rollout(revision, "PendingApproval", 120)
    kubectl("annotate", "baseline", "security", "-n", NAMESPACE, "tenantsync.io/approval=approve",
            f"tenantsync.io/approval-digest={rollout['digest']}")  # fmt: skip
    figures: list[tuple[int, int, float]] = []
    wave, size, released_before, released_at = 0, 0, 0, time.monotonic()

    def verified() -> None:
        if wave and len(figures) < wave:
            figures.append((wave, size, time.monotonic() - released_at))
            log(f"wave {wave} ({size} tenants) verified after {figures[-1][2]:.1f}s")

    while True:
        status = baseline_status()
        rollout = status.get("rollout") or {}
        if rollout.get("revision") != revision:
            raise SystemExit(f"the rollout was superseded: {rollout}")
        phase, current = rollout.get("phase"), int(rollout.get("wave") or 0)
        if phase == "Halted":
            raise SystemExit(f"the rollout halted: {rollout.get('message')}")
        if phase in ("Complete", "Paused") or current > wave:
            verified()
        if phase == "Complete":
            return figures
        if current > wave:
            released = sum(1 for r in status.get("releases") or [] if r.get("revision") == revision)
            wave, size, released_before = current, released - released_before, released
            released_at = time.monotonic()
        if time.monotonic() - released_at > wave_timeout:
            log(f"wave {wave} did not verify within {wave_timeout:.0f}s: {rollout.get('message')}")
            return None
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--objects", type=int, default=20, help="objects per simulated tenant")
    parser.add_argument("--max-parallel", type=int, default=5)
    parser.add_argument("--canary", type=int, default=2, help="tenants in the canary wave (by name)")
    parser.add_argument("--max-concurrent-syncs", type=int, default=16)
    parser.add_argument("--wave-timeout", type=float, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="baseline-bench-"))
    subprocess.run([str(CLUSTER), "up"], check=True)
    kubectl(
        "apply", "--server-side", "--force-conflicts", "-f", str(ROOT / "crds" / "tenantsync.io_crds.yaml")
    )
    kubectl("create", "namespace", NAMESPACE)
    sim_process, url, ca = start_simulator(work / "sim")
    operator: subprocess.Popen[bytes] | None = None
    try:
        with SimulatorClient(url, ca, timeout=60) as sim:
            repo = work / "tenants.git"
            subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(repo)], check=True)
            clone = work / "person"
            subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True, capture_output=True)
            first = push_baseline(clone, "enabledForReportingButNotEnforced", "Baseline security v1")
            log(f"seeding {args.tenants} simulated tenants of {args.objects} objects")
            tenants = {f"t{i:04d}": seed_tenant(sim, args.objects) for i in range(args.tenants)}
            # What the operator's preflight checks for these types, from the catalog itself.
            for tenant_id, client_id, _ in tenants.values():
                for permission in required_permissions(map(ResourceType, RESOURCES), Mode.MANAGED):
                    sim.grant_permission(tenant_id, client_id, permission)
                sim.grant_consent(tenant_id, client_id)
            kubectl("create", "secret", "generic", "sim-ca", "-n", NAMESPACE, f"--from-file=ca.crt={ca}")
            manifests = []
            for name, (tenant_id, client_id, secret) in tenants.items():
                manifests.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"{name}-sp", "namespace": NAMESPACE},
                                  "stringData": {"clientSecret": secret}})  # fmt: skip
                manifests.append({
                    "apiVersion": "tenantsync.io/v1alpha1", "kind": "Tenant", "metadata": {"name": name, "namespace": NAMESPACE},
                    "spec": {"tenantId": tenant_id, "resources": RESOURCES, "baselines": [{"name": "security"}],
                             "endpoints": {"authority": url, "graph": url, "caBundleSecretRef": {"name": "sim-ca"}},
                             "servicePrincipal": {"clientId": client_id, "credentialsSecretRef": {"name": f"{name}-sp"}},
                             "repository": {"url": str(repo), "path": f"tenants/{name}"}},
                })  # fmt: skip
            manifests.append({
                "apiVersion": "tenantsync.io/v1alpha1", "kind": "Baseline", "metadata": {"name": "security", "namespace": NAMESPACE},
                "spec": {"repository": {"url": str(repo), "path": BASELINE_PATH},
                         "rollout": {"canary": {"tenants": sorted(tenants)[: args.canary]}, "maxParallel": args.max_parallel}},
            })  # fmt: skip
            for chunk in range(0, len(manifests), 100):
                kubectl(
                    "apply",
                    "-f",
                    "-",
                    stdin="\n---\n".join(json.dumps(m) for m in manifests[chunk : chunk + 100]),
                )
            command = [str(Path(sys.executable).parent / "tenantsync"), "run", "--namespace", NAMESPACE,
                       "--metrics-port", str(free_port()), "--liveness", f"http://127.0.0.1:{free_port()}/healthz",
                       "--workdir", str(work / "operator"), "--scheduler-interval", "2", "--baseline-poll", "2",
                       "--max-concurrent-syncs", str(args.max_concurrent_syncs)]  # fmt: skip
            with (work / "operator.log").open("wb") as output:
                operator = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                            env={**os.environ, "KUBECONFIG": str(KUBECONFIG)})  # fmt: skip
            log("rolling out the first revision (the adoption)")
            if roll_out(first, args.wave_timeout) is None:
                return
            for tenant_id, _, _ in tenants.values():
                sim.clear_requests(tenant_id)
            change = push_baseline(clone, "enabled", "Baseline security v2: enforce")
            log("rolling out the change")
            started = time.monotonic()
            figures = roll_out(change, args.wave_timeout)
            if figures is None:
                return
            total = time.monotonic() - started
            requests = sorted(
                sim.counters(tenant_id).get("requests", 0) for tenant_id, _, _ in tenants.values()
            )
            print(f"\nA baseline change rolled out to {args.tenants} tenants (canary {args.canary},"
                  f" maxParallel {args.max_parallel}) in {total:.1f}s")  # fmt: skip
            print(f"{'wave':>4}  {'tenants':>7}  {'seconds':>8}")
            for wave, size, seconds in figures:
                print(f"{wave:>4}  {size:>7}  {seconds:>8.1f}")
            print(f"Graph requests per tenant for the change: min {requests[0]}, median"
                  f" {requests[len(requests) // 2]}, max {requests[-1]}")  # fmt: skip
    finally:
        if operator is not None:
            kubectl("delete", "tenants", "--all", "-n", NAMESPACE, "--timeout=120s")
            operator.terminate()
            operator.wait(timeout=30)
        sim_process.terminate()
        log(f"files kept in {work}")


if __name__ == "__main__":
    main()
