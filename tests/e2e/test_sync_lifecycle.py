"""A sync from start to end: the operator process, the control plane, the simulator and real Git."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.support.cluster import kubectl_json, wait_for
from tests.support.metrics_budget import (
    TENANT_SERIES_LIMIT,
    documented_budget,
    over_budget,
    series_per_tenant,
)
from tests.support.operator import OperatorProcess
from tests.support.resources import condition

pytestmark = pytest.mark.integration

FINISHED = {"Succeeded", "Rejected", "PartiallySuccessful", "NewError"}


def sync(ws: Workspace, value: str, tenant: str = "contoso") -> str:
    """Sync now, and return the name of the run it started."""
    before = (ws.resources.get("tenants", tenant).get("status") or {}).get("lastSyncRun")
    ws.resources.patch(
        "tenants", tenant, {"metadata": {"annotations": {"tenantsync.io/sync-requested-at": value}}}
    )
    started: str = wait_for(
        lambda: (
            (name := (ws.resources.get("tenants", tenant).get("status") or {}).get("lastSyncRun")) != before
            and name
        ),
        "the requested run to start",
    )
    return started


def wait_phase(ws: Workspace, run: str, phases: set[str], timeout: float = 90) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def probe() -> dict[str, Any] | None:
        seen.update(ws.resources.get("syncruns", run))
        return seen if seen.get("status", {}).get("phase") in phases else None

    try:
        return wait_for(probe, f"SyncRun {run} to reach {sorted(phases)}", timeout=timeout)
    except AssertionError as timeout_error:
        raise AssertionError(f"{timeout_error}; its status: {seen.get('status')}") from None


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def tenant_writes(ws: Workspace) -> list[dict[str, Any]]:
    """Requests that changed the simulated tenant, from its request log."""
    return [r for r in ws.sim.requests(ws.tenant_id) if r["method"] in {"PATCH", "PUT", "DELETE"}]


def first_sync(ws: Workspace, tenant: str = "contoso", **spec: Any) -> dict[str, Any]:
    ws.resources.create("tenants", ws.tenant(tenant, **spec))
    run = sync(ws, "first", tenant)
    return wait_phase(ws, run, FINISHED)


def edit_desired(ws: Workspace, tmp_path: Path, change: Any, message: str = "Change by pull request") -> None:
    clone = ws.clone(tmp_path / "person")
    change(clone / "tenants" / "contoso")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", message)
    git(clone, "push", "-q", "origin", "main")


def ca_policy_file(folder: Path) -> Path:
    return sorted((folder / "conditionalAccessPolicies").iterdir())[0]


def rename_policy(folder: Path) -> None:
    path = ca_policy_file(folder)
    document = json.loads(path.read_text())
    document["displayName"] = "Require MFA (reviewed)"
    path.write_text(json.dumps(document, indent=2))


def test_first_sync_backs_up_and_initialises_the_desired_state(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    run = first_sync(workspace)
    status = run["status"]
    assert status["phase"] == "Succeeded", status
    assert "Initialised the desired state" in status["message"]
    assert status["backup"]["objectsByType"] == {
        "namedLocations": 1, "conditionalAccessPolicies": 2, "deviceConfigurations": 1, "authorizationPolicy": 1,
    }  # fmt: skip
    for kind in ("Authenticated", "BackedUp", "Planned", "Complete"):
        assert condition(run, kind)["status"] == "True", kind  # type: ignore[index]
    tenant = workspace.resources.get("tenants", "contoso")
    assert tenant["status"]["phase"] == "Idle"
    assert condition(tenant, "Ready")["status"] == "True"  # type: ignore[index]
    assert condition(tenant, "AdminConsentGranted")["status"] == "True"  # type: ignore[index]
    repo = workspace.repository
    assert "Backup of Tenant" in git(repo, "log", "-1", "--format=%B", "tenantsync/backup")
    assert run["metadata"]["name"] in git(repo, "log", "-1", "--format=%B", "tenantsync/backup")
    desired = git(repo, "ls-tree", "-r", "--name-only", "main").split()
    backup = git(repo, "ls-tree", "-r", "--name-only", "tenantsync/backup").split()
    assert desired == backup
    assert len(desired) == 5
    assert "tenants/contoso/authorizationPolicy/authorizationPolicy.json" in desired
    # The API server names the operator as the writer of the statuses (kubectl --show-managed-fields).
    for kind, name in (("syncrun", run["metadata"]["name"]), ("tenant", "contoso")):
        shown = kubectl_json("get", kind, name, "-n", workspace.namespace, "--show-managed-fields")
        writers = {
            f["manager"] for f in shown["metadata"]["managedFields"] if f.get("subresource") == "status"
        }
        assert writers == {"tenantsync"}, (kind, writers)


def tenant_series_once(
    operator: OperatorProcess, namespace: str, ready: Callable[[Counter[str]], bool]
) -> Counter[str]:
    """The Tenant's series by name, as the operator's /metrics serves them once they are `ready`."""
    url = f"http://127.0.0.1:{operator.metrics_port}/metrics"

    def scrape() -> Counter[str] | None:
        with urllib.request.urlopen(url, timeout=10) as response:
            counts = series_per_tenant(response.read().decode(), namespace, "contoso")
        return counts if ready(counts) else None

    return wait_for(scrape, "the operator to export the Tenant's new state")


@pytest.mark.parametrize(
    "fast_operator", [(), ("--metrics-per-type",)], ids=["default", "per-type-detail"], indirect=True
)
def test_a_tenants_series_stay_within_the_documented_budget(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    """SPEC §4: a Tenant that failed once, synced, waited for approval and deployed costs no family more
    than docs/metrics.md allows, and at most 25 series by default."""
    per_type = "--metrics-per-type" in fast_operator.extra_args
    documented = documented_budget()
    budget = documented.of(per_type_detail=per_type)
    limit = documented.total_per_type_detail if per_type else TENANT_SERIES_LIMIT
    secret = {"stringData": {"clientSecret": "not-the-secret"}}
    workspace.resources.core.patch_namespaced_secret("contoso-sp", workspace.namespace, secret)
    assert first_sync(workspace)["status"]["phase"] == "NewError"
    secret = {"stringData": {"clientSecret": workspace.secret}}
    workspace.resources.core.patch_namespaced_secret("contoso-sp", workspace.namespace, secret)
    assert wait_phase(workspace, sync(workspace, "fixed"), FINISHED)["status"]["phase"] == "Succeeded"
    edit_desired(workspace, tmp_path, rename_policy)
    run = sync(workspace, "after-pr")
    wait_phase(workspace, run, {"PendingApproval"})
    # The Tenant's series follow its status at its next reconciliation.
    pending = "tenantsync_tenant_pending_approval_since_timestamp_seconds"
    waiting = tenant_series_once(fast_operator, workspace.namespace, lambda counts: counts[pending] == 1)
    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}}
    )
    assert wait_phase(workspace, run, FINISHED)["status"]["phase"] == "Succeeded"
    deployed = tenant_series_once(
        fast_operator,
        workspace.namespace,
        lambda counts: counts["tenantsync_changes_deployed_total"] == 1 and counts[pending] == 0,
    )
    for counts in (waiting, deployed):
        assert over_budget(counts, budget) == {}, counts
        assert sum(counts.values()) <= limit, counts
    assert waiting["tenantsync_tenant_phase"] == 1
    assert waiting["tenantsync_runs_total"] == 2, waiting  # NewError and Succeeded
    assert deployed["tenantsync_tenant_backup_objects"] == 1
    assert deployed["tenantsync_backup_objects"] == (4 if per_type else 0)  # the Tenant's four types


def test_unchanged_tenant_gives_a_byte_identical_backup_and_no_commit(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    first_sync(workspace)
    head = git(workspace.repository, "rev-parse", "tenantsync/backup")
    second = wait_phase(workspace, sync(workspace, "again"), FINISHED)
    assert second["status"]["phase"] == "Succeeded"
    assert second["status"]["message"] == "The tenant matches the desired state; nothing to deploy."
    assert git(workspace.repository, "rev-parse", "tenantsync/backup") == head
    assert second["status"]["backup"]["commit"] == head.strip()


def test_approved_change_is_deployed_and_verified(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace)
    edit_desired(workspace, tmp_path, rename_policy)
    run = sync(workspace, "after-pr")
    pending = wait_phase(workspace, run, {"PendingApproval"})
    plan = pending["status"]["plan"]
    assert plan["changeCount"] == 1
    change = plan["changes"][0]
    assert (change["action"], change["type"], change["changedFields"]) == (
        "update",
        "conditionalAccessPolicies",
        ["displayName"],
    )
    assert len(plan["digest"]) == 64
    assert "1 change (1 to update) wait for approval" in pending["status"]["message"]
    assert workspace.resources.get("tenants", "contoso")["status"]["phase"] == "PendingApproval"
    untouched = workspace.sim.object(workspace.tenant_id, "conditionalAccessPolicies", change["id"])
    assert untouched["displayName"] != "Require MFA (reviewed)"

    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}}
    )
    done = wait_phase(workspace, run, FINISHED)
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert done["status"]["deploy"]["results"] == [
        {"action": "update", "id": change["id"], "result": "Applied", "type": "conditionalAccessPolicies"}
    ]
    assert condition(done, "Approved")["status"] == "True"  # type: ignore[index]
    assert condition(done, "Deployed")["status"] == "True"  # type: ignore[index]
    live = workspace.sim.object(workspace.tenant_id, "conditionalAccessPolicies", change["id"])
    assert live["displayName"] == "Require MFA (reviewed)"
    assert workspace.resources.get("tenants", "contoso")["status"]["phase"] == "Idle"


def test_created_object_gets_its_new_id_written_back(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace, approval="Automatic")

    def add_location(folder: Path) -> None:
        (folder / "namedLocations" / "branch-office.json").write_text(json.dumps({
            "@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Branch office", "isTrusted": False,
            "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "198.51.100.0/24"}],
        }))  # fmt: skip

    edit_desired(workspace, tmp_path, add_location)
    done = wait_phase(workspace, sync(workspace, "add"), FINISHED)
    assert done["status"]["phase"] == "Succeeded", done["status"]
    result = done["status"]["deploy"]["results"][0]
    assert (result["action"], result["id"], result["result"]) == ("create", "branch-office", "Applied")
    new_id = result["createdId"]
    names = [o["displayName"] for o in workspace.sim.objects(workspace.tenant_id, "namedLocations")]
    assert sorted(names) == ["Branch office", "Head office"]
    files = git(workspace.repository, "ls-tree", "-r", "--name-only", "main")
    assert f"namedLocations/{new_id}.json" in files
    assert "branch-office.json" not in files
    # The next sync finds nothing to do: no duplicate is created.
    again = wait_phase(workspace, sync(workspace, "again"), FINISHED)
    assert again["status"]["message"] == "The tenant matches the desired state; nothing to deploy."


def test_reject_deploys_nothing_and_the_change_comes_back(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace)
    edit_desired(workspace, tmp_path, rename_policy)
    run = sync(workspace, "r1")
    wait_phase(workspace, run, {"PendingApproval"})
    head = git(workspace.repository, "rev-parse", "main")
    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "reject"}}}
    )
    rejected = wait_phase(workspace, run, FINISHED)
    assert rejected["status"]["phase"] == "Rejected"
    assert condition(rejected, "Denied")["status"] == "True"  # type: ignore[index]
    assert git(workspace.repository, "rev-parse", "main") == head
    assert workspace.resources.get("tenants", "contoso")["status"]["phase"] == "Idle"
    next_run = sync(workspace, "r2")
    assert wait_phase(workspace, next_run, {"PendingApproval"})["status"]["plan"]["changeCount"] == 1


def test_reject_and_revert_makes_the_tenant_the_desired_state(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace)
    edit_desired(workspace, tmp_path, rename_policy)
    run = sync(workspace, "r1")
    wait_phase(workspace, run, {"PendingApproval"})
    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "reject-and-revert"}}}
    )
    reverted = wait_phase(workspace, run, FINISHED)
    assert reverted["status"]["phase"] == "Rejected"
    assert "Rejected and reverted" in reverted["status"]["message"]
    assert "Revert the desired state" in git(workspace.repository, "log", "-1", "--format=%s", "main")
    again = wait_phase(workspace, sync(workspace, "r2"), FINISHED)
    assert again["status"]["message"] == "The tenant matches the desired state; nothing to deploy."


def test_drift_in_backup_only_mode_is_reported_and_nothing_is_written(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    first_sync(workspace, mode="BackupOnly")
    policy = workspace.sim.objects(workspace.tenant_id, "conditionalAccessPolicies")[0]
    workspace.sim.drift(workspace.tenant_id, "conditionalAccessPolicies", {"state": "disabled"}, policy["id"])
    workspace.sim.clear_requests(workspace.tenant_id)
    drift = wait_phase(workspace, sync(workspace, "drift"), FINISHED)
    assert drift["status"]["phase"] == "Succeeded"
    assert "Drift" in drift["status"]["message"]
    assert drift["status"]["plan"]["changes"][0]["changedFields"] == ["state"]
    methods = {r["method"] for r in workspace.sim.requests(workspace.tenant_id)}
    assert methods <= {"GET", "POST"}  # POST only for the token and $batch reads
    assert tenant_writes(workspace) == []


def test_conflicting_change_in_the_tenant_is_not_overwritten(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace)
    edit_desired(workspace, tmp_path, rename_policy)
    run = sync(workspace, "c1")
    pending = wait_phase(workspace, run, {"PendingApproval"})
    policy_id = pending["status"]["plan"]["changes"][0]["id"]
    workspace.sim.drift(
        workspace.tenant_id, "conditionalAccessPolicies", {"displayName": "Changed in the portal"}, policy_id
    )
    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}}
    )
    done = wait_phase(workspace, run, FINISHED)
    assert done["status"]["phase"] == "PartiallySuccessful", done["status"]
    assert done["status"]["deploy"]["results"][0]["result"] == "Conflict"
    live = workspace.sim.object(workspace.tenant_id, "conditionalAccessPolicies", policy_id)
    assert live["displayName"] == "Changed in the portal"
    assert workspace.resources.get("tenants", "contoso")["status"]["phase"] == "PartiallySuccessful"


def test_deletion_guard_refuses_a_plan_that_deletes_most_of_the_tenant(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace)

    def delete_policies(folder: Path) -> None:
        for path in (folder / "conditionalAccessPolicies").iterdir():
            path.unlink()

    edit_desired(workspace, tmp_path, delete_policies)
    refused = wait_phase(workspace, sync(workspace, "delete"), FINISHED)
    assert refused["status"]["phase"] == "NewError"
    assert refused["status"]["error"]["code"] == "DeletionGuard"
    assert "would delete 2 of the tenant's 5 objects" in refused["status"]["message"]
    assert len(workspace.sim.objects(workspace.tenant_id, "conditionalAccessPolicies")) == 2


@pytest.mark.parametrize(
    ("breakage", "code"),
    [
        ("wrong-secret", "InvalidClientSecret"),
        ("expired-secret", "ClientSecretExpired"),
        ("unknown-tenant", "TenantNotFound"),
    ],
)
def test_sign_in_failures_are_new_errors_with_their_code(
    fast_operator: OperatorProcess, workspace: Workspace, breakage: str, code: str
) -> None:
    spec: dict[str, Any] = {}
    if breakage == "wrong-secret":
        workspace.resources.core.patch_namespaced_secret(
            "contoso-sp", workspace.namespace, {"stringData": {"clientSecret": "not-the-secret"}}
        )
    elif breakage == "expired-secret":
        workspace.sim.expire_secrets(workspace.tenant_id, workspace.client_id)
    else:
        spec["tenantId"] = "fabrikam.onmicrosoft.com"
    failed = first_sync(workspace, **spec)
    assert failed["status"]["phase"] == "NewError"
    assert failed["status"]["error"]["code"] == code
    assert failed["status"]["error"]["troubleshootingUrl"].endswith(f"/{code}.md")
    assert workspace.secret not in json.dumps(failed)
    tenant = workspace.resources.get("tenants", "contoso")
    assert tenant["status"]["phase"] == "NewError"
    assert not workspace.repository.exists() or "tenantsync/backup" not in git(
        workspace.repository, "branch", "-a"
    )


def test_missing_permission_waits_for_admin_consent_and_resumes(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    workspace.sim.revoke_permission(
        workspace.tenant_id, workspace.client_id, "Policy.ReadWrite.ConditionalAccess"
    )
    workspace.resources.create("tenants", workspace.tenant())
    run = sync(workspace, "consent")
    waiting = wait_phase(workspace, run, {"PendingAdminConsent"})
    auth = waiting["status"]["authentication"]
    assert auth["missingPermissions"] == ["Policy.ReadWrite.ConditionalAccess"]
    assert (
        auth["adminConsentUrl"]
        == f"{workspace.simulator.url}/{workspace.tenant_id}/adminconsent?client_id={workspace.client_id}"
    )
    tenant = workspace.resources.get("tenants", "contoso")
    assert tenant["status"]["phase"] == "PendingAdminConsent"
    assert condition(tenant, "AdminConsentGranted")["status"] == "False"  # type: ignore[index]
    workspace.sim.grant_permission(
        workspace.tenant_id, workspace.client_id, "Policy.ReadWrite.ConditionalAccess"
    )
    done = wait_phase(workspace, run, FINISHED)
    assert done["status"]["phase"] == "Succeeded", done["status"]


def test_rotated_secret_is_used_by_the_next_sync(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    first_sync(workspace)
    workspace.sim.add_secret(
        workspace.tenant_id, workspace.client_id, "s8Q~rotated-secret-value", replace_existing=True
    )
    workspace.resources.core.patch_namespaced_secret(
        "contoso-sp", workspace.namespace, {"stringData": {"clientSecret": "s8Q~rotated-secret-value"}}
    )
    workspace.sim.clear_requests(workspace.tenant_id)
    ok = wait_phase(workspace, sync(workspace, "new-secret"), FINISHED)
    assert ok["status"]["phase"] == "Succeeded", ok["status"]
    token_requests = [
        r for r in workspace.sim.requests(workspace.tenant_id) if r["path"].endswith("/oauth2/v2.0/token")
    ]
    assert [r["status"] for r in token_requests] == [200]
    tenant = workspace.resources.get("tenants", "contoso")
    assert condition(tenant, "CredentialsValid")["status"] == "True"  # type: ignore[index]


def test_bad_or_early_decisions_are_refused_with_an_event(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace)
    edit_desired(workspace, tmp_path, rename_policy)
    run = sync(workspace, "d1")
    wait_phase(workspace, run, {"PendingApproval"})
    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "yes please"}}}
    )
    refused = wait_for(
        lambda: [e for e in workspace.resources.events() if e.reason == "InvalidApproval"], "an event"
    )
    assert refused[0].type == "Warning"
    assert "'yes please' is not one of approve, reject, reject-and-revert" in refused[0].message
    assert f"SyncRun {run}" in refused[0].message
    assert workspace.resources.get("syncruns", run)["status"]["phase"] == "PendingApproval"

    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "reject"}}}
    )
    wait_phase(workspace, run, {"Rejected"})
    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}}
    )
    ignored = wait_for(
        lambda: [e for e in workspace.resources.events() if e.reason == "DecisionIgnored"], "an event"
    )
    assert "ignored because the run is Rejected" in ignored[0].message
    assert workspace.resources.get("syncruns", run)["status"]["phase"] == "Rejected"
    assert (
        workspace.sim.object(workspace.tenant_id, "conditionalAccessPolicies", ca_id(workspace))[
            "displayName"
        ]
        != "Require MFA (reviewed)"
    )


def ca_id(ws: Workspace) -> str:
    return str(sorted(p["id"] for p in ws.sim.objects(ws.tenant_id, "conditionalAccessPolicies"))[0])


def test_a_scheduled_tick_during_an_active_run_is_skipped_and_recorded(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace)
    edit_desired(workspace, tmp_path, rename_policy)
    run = sync(workspace, "s1")
    wait_phase(workspace, run, {"PendingApproval"})
    workspace.resources.patch("tenants", "contoso", {"spec": {"schedule": "* * * * * *"}})
    tenant = wait_for(
        lambda: (
            (t := workspace.resources.get("tenants", "contoso"))["status"].get("lastSkippedScheduleTime")
            and t
        ),
        "a skipped tick",
    )
    assert tenant["status"]["lastSyncRun"] == run
    active = [r for r in workspace.resources.list("syncruns") if r["status"].get("phase") not in FINISHED]
    assert [r["metadata"]["name"] for r in active] == [run]
    skipped = wait_for(
        lambda: [e for e in workspace.resources.events() if e.reason == "ScheduleSkipped"], "an event"
    )
    assert f"SyncRun {run} is still running" in skipped[0].message


def test_a_hand_made_run_waits_for_the_active_one(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace)
    edit_desired(workspace, tmp_path, rename_policy)
    run = sync(workspace, "q1")
    wait_phase(workspace, run, {"PendingApproval"})
    workspace.resources.create("syncruns", {"apiVersion": "tenantsync.io/v1alpha1", "kind": "SyncRun",
                                            "metadata": {"name": "by-hand"}, "spec": {"tenantRef": {"name": "contoso"}}})  # fmt: skip
    queued = wait_for(
        lambda: (
            (r := workspace.resources.get("syncruns", "by-hand"))
            .get("status", {})
            .get("message", "")
            .startswith("Waiting for SyncRun")
            and r
        ),
        "the second run to queue",
    )
    assert queued["status"]["phase"] == "Starting"
    assert run in queued["status"]["message"]
    assert "startTime" not in queued["status"], "a run waiting in the queue has not started"
    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "reject"}}}
    )
    by_hand = wait_phase(workspace, "by-hand", {"PendingApproval"})["status"]
    blocker_done = datetime.fromisoformat(
        workspace.resources.get("syncruns", run)["status"]["completionTime"]
    )
    created = datetime.fromisoformat(queued["metadata"]["creationTimestamp"])
    # Its work began once the run ahead of it had finished; all the time before that is its queue wait
    # (the creation time is whole seconds and kopf delivers the run a moment later: two seconds' allowance).
    assert datetime.fromisoformat(by_hand["startTime"]) >= blocker_done
    assert by_hand["queuedSeconds"] > 0
    assert by_hand["queuedSeconds"] >= (blocker_done - created).total_seconds() - 2


def test_policy_naming_a_missing_group_or_location_stops_the_plan(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace)

    def point_at_missing_objects(folder: Path) -> None:
        path = ca_policy_file(folder)
        document = json.loads(path.read_text())
        document["conditions"]["users"]["excludeGroups"] = ["99999999-9999-4999-8999-999999999999"]
        document["conditions"]["locations"]["excludeLocations"] = ["88888888-8888-4888-8888-888888888888"]
        path.write_text(json.dumps(document, indent=2))

    edit_desired(workspace, tmp_path, point_at_missing_objects)
    refused = wait_phase(workspace, sync(workspace, "refs"), FINISHED)
    assert refused["status"]["phase"] == "NewError"
    assert refused["status"]["error"]["code"] == "ReferencedObjectMissing"
    message = refused["status"]["message"]
    assert "group 99999999-9999-4999-8999-999999999999" in message
    assert "named location 88888888-8888-4888-8888-888888888888" in message
    assert tenant_writes(workspace) == []


def test_operator_killed_mid_deploy_resumes_without_applying_anything_twice(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    first_sync(workspace)

    def rename_all(folder: Path) -> None:
        for path in (folder / "conditionalAccessPolicies").iterdir():
            document = json.loads(path.read_text())
            document["displayName"] += " (reviewed)"
            path.write_text(json.dumps(document, indent=2))
        location = next((folder / "namedLocations").iterdir())
        document = json.loads(location.read_text())
        document["displayName"] = "Head office (reviewed)"
        location.write_text(json.dumps(document, indent=2))

    edit_desired(workspace, tmp_path, rename_all)
    run = sync(workspace, "crash")
    wait_phase(workspace, run, {"PendingApproval"})
    workspace.sim.clear_requests(workspace.tenant_id)
    slow = workspace.sim.add_fault(
        "/v1.0/identity/conditionalAccess/policies/", latency_ms=3000, method="PATCH"
    )
    try:
        workspace.resources.patch(
            "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}}
        )
        wait_for(
            lambda: (
                len(
                    (workspace.resources.get("syncruns", run)["status"].get("deploy") or {}).get(
                        "results", []
                    )
                )
                >= 1
            ),
            "the first change to be recorded",
        )
        fast_operator.kill()
    finally:
        workspace.sim.clear_faults()
    assert slow["id"]
    fast_operator.start()
    done = wait_phase(workspace, run, FINISHED)
    assert done["status"]["phase"] == "Succeeded", done["status"]
    results = done["status"]["deploy"]["results"]
    assert [r["type"] for r in results] == [
        "namedLocations",
        "conditionalAccessPolicies",
        "conditionalAccessPolicies",
    ]
    writes = [
        (r["method"], r["path"])
        for r in workspace.sim.requests(workspace.tenant_id)
        if r["method"] == "PATCH" and r["status"] < 300
    ]
    assert len(writes) == 3, writes
    assert len(set(writes)) == 3, writes


def test_client_secret_expiry_is_read_from_graph_and_warned_30_days_ahead(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    expires = (datetime.now(UTC) + timedelta(days=12)).replace(microsecond=0)
    added = workspace.sim.add_secret(
        workspace.tenant_id, workspace.client_id, expires=expires, replace_existing=True
    )
    secret = added["secretText"]
    workspace.resources.core.patch_namespaced_secret(
        "contoso-sp", workspace.namespace, {"stringData": {"clientSecret": secret}}
    )
    first_sync(workspace)
    tenant = workspace.resources.get("tenants", "contoso")
    assert tenant["status"]["credentials"]["kind"] == "ClientSecret"
    assert datetime.fromisoformat(tenant["status"]["credentials"]["expiresAt"]) == expires
    valid = condition(tenant, "CredentialsValid")
    assert valid is not None
    assert (valid["status"], valid["reason"]) == ("True", "ExpiringSoon")
    assert "expires in 11 days" in valid["message"] or "expires in 12 days" in valid["message"]
    assert secret not in json.dumps(tenant)


def test_graph_refusing_a_read_waits_for_consent_and_resumes(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    workspace.resources.create("tenants", workspace.tenant())
    workspace.sim.add_fault("/v1.0/identity/conditionalAccess/namedLocations", status=403)
    try:
        run = sync(workspace, "forbidden")
        waiting = wait_phase(workspace, run, {"PendingAdminConsent"})
        assert "Graph refused to read the tenant's configuration" in waiting["status"]["message"]
        assert waiting["status"]["step"] == "Authenticate"
        assert workspace.resources.get("tenants", "contoso")["status"]["phase"] == "PendingAdminConsent"
    finally:
        workspace.sim.clear_faults()
    done = wait_phase(workspace, run, FINISHED)
    assert done["status"]["phase"] == "Succeeded", done["status"]
