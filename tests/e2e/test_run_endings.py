"""Every run ends: a failure between steps finishes the run NewError once, with its code; and a backup
asks the identity platform once per Tenant, not once per request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, edit_desired, first_sync, rename_policy, sync, wait_phase
from tests.support.cluster import kubectl_json, wait_for
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration


def identity_requests(ws: Workspace) -> list[dict[str, Any]]:
    """OpenID discovery and token requests for the Tenant's directory, from the simulator's log."""
    return [
        r
        for r in ws.sim.requests(ws.tenant_id)
        if "/oauth2/" in r["path"] or "/.well-known/openid-configuration" in r["path"]
    ]


def warnings_for(ws: Workspace, run: str) -> list[dict[str, Any]]:
    events = kubectl_json(
        "get", "events", "-n", ws.namespace, "--field-selector", f"involvedObject.name={run}"
    )
    return [e for e in events["items"] if e["type"] == "Warning"]


def pending_change(ws: Workspace, tmp_path: Path) -> str:
    """A run waiting for approval of one change to the desired state."""
    first_sync(ws)
    edit_desired(ws, tmp_path, rename_policy)
    run = sync(ws, "after-pr")
    wait_phase(ws, run, {"PendingApproval"})
    return run


def approve(ws: Workspace, run: str) -> None:
    ws.resources.patch("syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}})


def test_one_discovery_and_one_token_request_serve_a_backup_and_the_next_runs(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    workspace.sim.clear_requests(workspace.tenant_id)
    assert first_sync(workspace)["status"]["phase"] == "Succeeded"
    first = identity_requests(workspace)
    tokens = [r for r in first if "/oauth2/" in r["path"]]
    discoveries = [r for r in first if "openid-configuration" in r["path"]]
    assert (len(discoveries), len(tokens)) == (1, 1), [r["path"] for r in first]
    second = wait_phase(workspace, sync(workspace, "again"), FINISHED)
    assert second["status"]["phase"] == "Succeeded"
    assert identity_requests(workspace) == first, "a later run reuses the token until it nears expiry"


def test_a_credentials_secret_deleted_before_the_deploy_ends_the_run_once(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    run = pending_change(workspace, tmp_path)
    workspace.resources.delete_secret("contoso-sp")
    approve(workspace, run)
    ended = wait_phase(workspace, run, FINISHED)["status"]
    assert ended["phase"] == "NewError", ended
    assert ended["error"]["code"] == "CredentialsSecretNotFound"
    assert ended["message"].startswith(
        "Secret contoso-sp named by spec.servicePrincipal.credentialsSecretRef"
    )
    wait_for(lambda: warnings_for(workspace, run), "the run's Warning event")
    assert [e["reason"] for e in warnings_for(workspace, run)] == ["CredentialsSecretNotFound"]
    assert [r for r in workspace.sim.requests(workspace.tenant_id) if r["method"] == "PATCH"] == []


def test_an_identity_platform_failing_between_steps_ends_the_run_with_authentication_failed(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    run = pending_change(workspace, tmp_path)
    fast_operator.kill()  # forgets the token: the deploy must sign in again
    workspace.sim.add_fault(f"/{workspace.tenant_id}/", status=500)
    try:
        fast_operator.start()
        approve(workspace, run)
        ended = wait_phase(workspace, run, FINISHED)["status"]
    finally:
        workspace.sim.clear_faults()
    assert ended["phase"] == "NewError", ended
    assert ended["error"]["code"] == "AuthenticationFailed"
    assert "The identity platform at" in ended["message"] and "4 tries over" in ended["message"], ended
    assert "each got HTTP 500" in ended["message"]
    wait_for(lambda: warnings_for(workspace, run), "the run's Warning event")
    assert [e["reason"] for e in warnings_for(workspace, run)] == ["AuthenticationFailed"]
    later = wait_phase(workspace, sync(workspace, "after-the-outage"), FINISHED | {"PendingApproval"})
    assert later["status"]["phase"] == "PendingApproval", "a later sync is not blocked by the failed one"


def events_for(ws: Workspace, run: str, reason: str) -> list[dict[str, Any]]:
    events = kubectl_json(
        "get", "events", "-n", ws.namespace, "--field-selector", f"involvedObject.name={run}"
    )
    return [e for e in events["items"] if e["reason"] == reason]


def test_a_finished_run_always_posts_its_final_event(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    succeeded = first_sync(workspace)["metadata"]["name"]
    [event] = wait_for(lambda: events_for(workspace, succeeded, "Succeeded"), "the Succeeded event")
    assert event["source"]["component"] == "tenantsync"
    edit_desired(workspace, tmp_path, rename_policy)
    run = sync(workspace, "after-pr")
    wait_phase(workspace, run, {"PendingApproval"})
    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "reject"}}}
    )
    assert wait_phase(workspace, run, FINISHED)["status"]["phase"] == "Rejected"
    [rejected] = wait_for(lambda: events_for(workspace, run, "Rejected"), "the Rejected event")
    assert "Rejected by unverified" in rejected["message"]


def test_a_long_retry_after_is_a_visible_wait_not_a_silent_hold(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    """Graph asks for 15 minutes: the run says so in its status (reason, attempt, next try) at once."""
    ws = workspace
    first_sync(ws)
    ws.sim.add_fault(
        "/v1.0/identity/conditionalAccess/policies", status=429, retry_after_seconds=900, method="GET"
    )
    try:
        run = sync(ws, "throttled")

        def retrying() -> dict[str, Any] | None:
            status: dict[str, Any] = ws.resources.get("syncruns", run).get("status") or {}
            return status if status.get("retry") else None

        status = wait_for(retrying, "the run to show its retry", timeout=60)
    finally:
        ws.sim.clear_faults()
    retry = status["retry"]
    assert (status["phase"], status["step"]) == ("InProgress", "Backup"), status
    assert retry["attempt"] == 1
    assert retry["reason"].startswith("Graph answered 429"), retry
    next_try = datetime.fromisoformat(retry["nextAttemptTime"])
    assert timedelta(minutes=14) < next_try - datetime.now(UTC) <= timedelta(minutes=15), retry
    assert f"Trying again at {next_try:%H:%M:%S} UTC (attempt 2 of" in status["message"]
