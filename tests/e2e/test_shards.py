"""Sharding: two operator processes on one control plane, each handling only its shard's Tenants, and a
Tenant moved between them mid-run without two runs at once and without a lost run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, edit_desired, sync, wait_phase
from tests.support.cluster import kubectl, wait_for
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

SHARD = "tenantsync.io/shard"


@pytest.fixture
def shards(namespace: str, tmp_path: Path) -> Iterator[dict[str, OperatorProcess]]:
    """The `blue` shard and the shard of unlabelled Tenants, both watching the test's namespace."""
    processes = {
        "blue": OperatorProcess(namespace, tmp_path / "blue.log", extra_args=("--shard", "blue")),
        "": OperatorProcess(namespace, tmp_path / "unlabelled.log", extra_args=("--shard", "")),
    }
    for process in processes.values():
        process.start()
    yield processes
    kubectl("delete", "tenants", "--all", "-n", namespace, "--timeout=60s", check=False)
    for process in processes.values():
        process.stop()


def create_tenant(ws: Workspace, name: str, shard: str | None) -> None:
    body = ws.tenant(name, repository={"url": str(ws.repository), "path": f"tenants/{name}"})
    if shard is not None:
        body["metadata"]["labels"] = {SHARD: shard}
    ws.resources.create("tenants", body)


def synced(ws: Workspace, name: str) -> dict[str, Any]:
    return wait_phase(ws, sync(ws, "first", name), FINISHED)


def worked_on(run: dict[str, Any]) -> str:
    return f"tenant={run['spec']['tenantRef']['name']} syncrun={run['metadata']['name']}]"


def log_of(process: OperatorProcess) -> str:
    return process.log_path.read_text(errors="replace")


def test_each_shard_handles_only_its_tenants_and_their_runs(
    shards: dict[str, OperatorProcess], workspace: Workspace
) -> None:
    create_tenant(workspace, "contoso", "blue")
    create_tenant(workspace, "fabrikam", None)
    blue, unlabelled = synced(workspace, "contoso"), synced(workspace, "fabrikam")
    assert blue["status"]["phase"] == unlabelled["status"]["phase"] == "Succeeded"
    assert blue["metadata"]["labels"][SHARD] == "blue"
    assert SHARD not in unlabelled["metadata"]["labels"]
    blue_log, unlabelled_log = log_of(shards["blue"]), log_of(shards[""])
    # Our own log lines (not kopf's, which index every run in every shard) name the run they work on.
    blue_run, unlabelled_run = worked_on(blue), worked_on(unlabelled)
    assert blue_run in blue_log
    assert blue_run not in unlabelled_log
    assert unlabelled_run in unlabelled_log
    assert unlabelled_run not in blue_log


def rename_all(folder: Path) -> None:
    for path in (folder / "conditionalAccessPolicies").iterdir():
        document = json.loads(path.read_text())
        document["displayName"] += " (reviewed)"
        path.write_text(json.dumps(document, indent=2))


def test_a_tenant_relabelled_mid_deploy_moves_its_run_to_the_other_shard_between_steps(
    shards: dict[str, OperatorProcess], workspace: Workspace, tmp_path: Path
) -> None:
    create_tenant(workspace, "contoso", "blue")
    assert synced(workspace, "contoso")["status"]["phase"] == "Succeeded"
    edit_desired(workspace, tmp_path, rename_all)
    run = sync(workspace, "move", "contoso")
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
        # The blue shard is in the middle of the deploy step when its Tenant leaves for the unlabelled one.
        workspace.resources.patch("tenants", "contoso", {"metadata": {"labels": {SHARD: None}}})
        done = wait_phase(workspace, run, FINISHED)
    finally:
        workspace.sim.clear_faults()
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert SHARD not in done["metadata"]["labels"]
    handed = wait_for(  # kopf posts events in the background
        lambda: [e for e in workspace.resources.events() if e.reason == "HandedOver"], "the HandedOver event"
    )
    assert [e.involved_object.name for e in handed] == [run]
    assert "handed over to shard (unlabelled)" in handed[0].message
    writes = [
        (r["method"], r["path"])
        for r in workspace.sim.requests(workspace.tenant_id)
        if r["method"] == "PATCH" and r["status"] < 300
    ]
    assert len(writes) == len(set(writes)) == 2, writes
    assert worked_on(done) in log_of(shards[""]), "the unlabelled shard finished the run"
    runs = workspace.resources.list("syncruns")
    assert [r["metadata"]["name"] for r in runs if r["status"].get("phase") not in FINISHED] == []
