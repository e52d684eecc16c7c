"""High availability: two replicas elect one active with a Lease; killing the active one mid-run lets the
standby take over and finish the run, with nothing applied twice and no work done by the standby before."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_shards import rename_all, worked_on
from tests.e2e.test_sync_lifecycle import FINISHED, edit_desired, first_sync, sync, wait_phase
from tests.support.cluster import kubectl, kubectl_json, wait_for
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

LEASE_SECONDS = 6


def lease(namespace: str) -> dict[str, Any]:
    found = kubectl("get", "lease", "tenantsync", "-n", namespace, "-o", "json", check=False)
    return (
        kubectl_json("get", "lease", "tenantsync", "-n", namespace)["spec"] if found.returncode == 0 else {}
    )


@pytest.fixture
def replicas(namespace: str, tmp_path: Path) -> Iterator[list[OperatorProcess]]:
    args = (
        "--leader-election",
        "--leader-election-namespace",
        namespace,
        "--lease-duration",
        str(LEASE_SECONDS),
    )
    processes = [OperatorProcess(namespace, tmp_path / f"replica-{i}.log", extra_args=args) for i in range(2)]
    processes[0].start()
    wait_for(lambda: lease(namespace).get("holderIdentity"), "the first replica to take the Lease")
    processes[1].start()
    yield processes
    kubectl("delete", "tenants", "--all", "-n", namespace, "--timeout=60s", check=False)
    for process in processes:
        process.stop()


def test_the_standby_takes_over_a_run_when_the_active_replica_is_killed(
    replicas: list[OperatorProcess], workspace: Workspace, tmp_path: Path
) -> None:
    active, standby = replicas
    leader = lease(workspace.namespace)["holderIdentity"]
    first = first_sync(workspace)
    assert first["status"]["phase"] == "Succeeded"
    assert worked_on(first) in active.log_path.read_text()
    edit_desired(workspace, tmp_path, rename_all)
    run = sync(workspace, "ha")
    wait_phase(workspace, run, {"PendingApproval"})
    workspace.sim.clear_requests(workspace.tenant_id)
    workspace.sim.add_fault("/v1.0/identity/conditionalAccess/policies/", latency_ms=2000, method="PATCH")
    try:
        workspace.resources.patch(
            "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}}
        )
        wait_for(
            lambda: (workspace.resources.get("syncruns", run)["status"].get("deploy") or {}).get("results"),
            "the first change to be deployed",
        )
        assert "tenant=contoso" not in standby.log_path.read_text(), "the standby worked before taking over"
        active.kill()
        killed = time.monotonic()
        new_leader = wait_for(
            lambda: (holder := lease(workspace.namespace).get("holderIdentity")) != leader and holder,
            "the standby to take the Lease",
        )
        print(f"standby took over {time.monotonic() - killed:.1f}s after the kill (Lease {LEASE_SECONDS}s)")
        done = wait_phase(workspace, run, FINISHED)
    finally:
        workspace.sim.clear_faults()
    assert new_leader != leader
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert worked_on(done) in standby.log_path.read_text()
    writes = [
        (r["method"], r["path"])
        for r in workspace.sim.requests(workspace.tenant_id)
        if r["method"] == "PATCH" and r["status"] < 300
    ]
    assert len(writes) == len(set(writes)) == 2, writes
