"""Drift between syncs through the real operator: a change made in the portal by alice@contoso.com is
read from the audit logs, shown with alice as its actor, committed to the backup branch authored by her,
and with `action: Revert` planned back and approved like any plan."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tenantsync.catalog import ROLE_TEMPLATE_IDS
from tenantsync.catalog.audit_names import AUDIT_LOG_ROLE_NEED
from tenantsync_sim.client import SimulatorClient
from tests.e2e.conftest import LOCATION_ID, Workspace
from tests.e2e.test_exchange_sync import RULE
from tests.e2e.test_secret_reads import secret_gets
from tests.e2e.test_sync_lifecycle import FINISHED, first_sync, git, sync, wait_phase
from tests.integration.plugin.plugin_support import plugin
from tests.support.cluster import wait_for
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

ALICE = "alice@contoso.com"
AUDIT_PERMISSIONS = ("AuditLog.Read.All", "DeviceManagementApps.Read.All")
WATCH = {"enabled": True, "interval": "10s"}


@pytest.fixture
def no_ingestion_delay(sim: SimulatorClient) -> Iterator[None]:
    before = sim.audit_delay()
    sim.set_audit_delay(0)
    yield
    sim.set_audit_delay(before)


@pytest.fixture
def auditable(workspace: Workspace, no_ingestion_delay: None) -> Workspace:
    """The workspace's app may read both audit logs."""
    for permission in AUDIT_PERMISSIONS:
        workspace.sim.grant_permission(workspace.tenant_id, workspace.client_id, permission)
    return workspace


def drift_status(ws: Workspace) -> dict[str, Any]:
    status: dict[str, Any] = (ws.resources.get("tenants", "contoso").get("status") or {}).get("drift") or {}
    return status


def watching(ws: Workspace, timeout: float = 60.0) -> dict[str, Any]:
    def started() -> dict[str, Any] | None:
        status = drift_status(ws)
        return status if status.get("watch") == "Watching" else None

    status: dict[str, Any] = wait_for(started, "the audit watch to start", timeout)
    return status


def change_by(ws: Workspace, upn: str) -> dict[str, Any]:
    found: dict[str, Any] = wait_for(
        lambda: next(
            (c for c in drift_status(ws).get("changes", []) if c["actor"].get("userPrincipalName") == upn),
            None,
        ),
        f"the Tenant to show {upn}'s change",
        timeout=90,
    )
    return found


def plugin_status(ws: Workspace) -> str:
    shown = plugin(ws.namespace, "status", "contoso")
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def policy(ws: Workspace) -> dict[str, Any]:
    found: dict[str, Any] = ws.sim.objects(ws.tenant_id, "conditionalAccessPolicies")[0]
    return found


def test_a_portal_change_shows_its_actor_and_is_committed_as_theirs(
    fast_operator: OperatorProcess, auditable: Workspace
) -> None:
    ws = auditable
    assert first_sync(ws, drift=WATCH)["status"]["phase"] == "Succeeded"
    watching(ws)
    target = policy(ws)
    ws.sim.drift(ws.tenant_id, "conditionalAccessPolicies", {"state": "disabled"}, target["id"], actor=ALICE)

    change = change_by(ws, ALICE)
    assert (change["type"], change["objectId"]) == ("conditionalAccessPolicies", target["id"])
    assert change["activity"] == "Update conditional access policy"
    assert change["displayName"] == target["displayName"]
    assert "state" in change["changedFields"]
    assert change["source"] == "directoryAudits"
    status = drift_status(ws)
    assert status["detected"] == 1
    assert ALICE in status["message"]

    shown = plugin_status(ws)
    assert ALICE in shown
    assert f"conditionalAccessPolicies/{target['id']}" in shown

    repo = ws.repository
    commit = change["commit"]
    assert commit, "the change was committed to the backup branch"
    assert git(repo, "log", "-1", "--format=%an <%ae>", commit).strip() == f"{ALICE} <{ALICE}>"
    assert git(repo, "log", "-1", "--format=%cn", commit).strip() == "tenantsync"
    message = git(repo, "log", "-1", "--format=%B", commit)
    assert "Update conditional access policy" in message
    assert f"at {change['time'][:19]}Z" in message
    touched = git(repo, "show", "--name-only", "--format=", commit).split()
    assert touched == [f"tenants/contoso/conditionalAccessPolicies/{target['id']}.json"]
    backed_up = json.loads(
        git(repo, "show", f"{commit}:tenants/contoso/conditionalAccessPolicies/{target['id']}.json")
    )
    assert backed_up["state"] == "disabled"
    assert "tenantsync/backup" in git(repo, "branch", "--contains", commit)


def test_a_portal_change_to_a_transport_rule_is_read_from_the_admin_audit_and_committed_as_theirs(
    fast_operator: OperatorProcess, auditable: Workspace
) -> None:
    ws = auditable
    created = ws.sim.create_object(ws.tenant_id, "transportRule", dict(RULE))
    assert first_sync(ws, resources=["transportRule"], drift=WATCH)["status"]["phase"] == "Succeeded"
    watching(ws)
    ws.sim.drift(ws.tenant_id, "transportRule", {"SetHeaderValue": "no"}, RULE["Name"], actor=ALICE)

    change = change_by(ws, ALICE)
    assert (change["type"], change["objectId"]) == ("transportRule", created["Guid"])
    assert (change["activity"], change["source"]) == ("Set-TransportRule", "ExchangeAdmin")
    assert change["displayName"] == RULE["Name"]
    assert change["changedFields"] == ["SetHeaderValue"]
    assert ALICE in plugin_status(ws)

    repo, commit = ws.repository, change["commit"]
    assert commit, "the change was committed to the backup branch"
    assert git(repo, "log", "-1", "--format=%an <%ae>", commit).strip() == f"{ALICE} <{ALICE}>"
    path = f"tenants/contoso/transportRule/{created['Guid']}.json"
    assert git(repo, "show", "--name-only", "--format=", commit).split() == [path]
    assert json.loads(git(repo, "show", f"{commit}:{path}"))["SetHeaderValue"] == "no"
    assert drift_status(ws)["detected"] == 1, (
        "the operator's own cmdlets (the first backup's reads) are not drift"
    )


def test_revert_plans_the_drift_back_and_waits_for_approval(
    fast_operator: OperatorProcess, auditable: Workspace
) -> None:
    ws = auditable
    first_sync(ws, drift={**WATCH, "action": "Revert"})
    watching(ws)
    target = policy(ws)
    before = ws.resources.get("tenants", "contoso")["status"]["lastSyncRun"]
    ws.sim.drift(ws.tenant_id, "conditionalAccessPolicies", {"state": "disabled"}, target["id"], actor=ALICE)
    change_by(ws, ALICE)

    run: str = wait_for(
        lambda: (
            (name := ws.resources.get("tenants", "contoso")["status"].get("lastSyncRun")) != before and name
        ),
        "the revert's run to start",
    )
    pending = wait_phase(ws, run, {"PendingApproval"})
    [planned] = pending["status"]["plan"]["changes"]
    assert (planned["action"], planned["id"], planned["changedFields"]) == ("update", target["id"], ["state"])
    assert ws.sim.object(ws.tenant_id, "conditionalAccessPolicies", target["id"])["state"] == "disabled"

    ws.resources.patch("syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}})
    assert wait_phase(ws, run, FINISHED)["status"]["phase"] == "Succeeded"
    assert ws.sim.object(ws.tenant_id, "conditionalAccessPolicies", target["id"])["state"] == target["state"]

    # The operator's own revert is in the audit log before bob's change: seeing bob's, the watch has read
    # it, and it is not drift.
    ws.sim.drift(
        ws.tenant_id,
        "namedLocations",
        {"displayName": "Head office (moved)"},
        LOCATION_ID,
        actor="bob@contoso.com",
    )
    change_by(ws, "bob@contoso.com")
    assert drift_status(ws)["detected"] == 2


def test_a_missing_audit_permission_waits_for_consent_and_never_fails_a_sync(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    run = first_sync(workspace, drift=WATCH)
    assert run["status"]["phase"] == "Succeeded"
    status = wait_for(
        lambda: (s := drift_status(workspace)).get("watch") == "PendingAdminConsent" and s,
        "the audit watch to wait for consent",
    )
    assert status["missingPermissions"] == sorted(AUDIT_PERMISSIONS)
    assert status["adminConsentUrl"].startswith(workspace.simulator.url)
    assert "syncs go on" in status["message"]
    # Waiting for consent is no reason to read the Secrets again or to rewrite the same status: three
    # looks later the API server has answered no Secret GET and the time of the check is the first one's.
    before = secret_gets()
    time.sleep(3.5 * 10)
    assert secret_gets() == before
    assert drift_status(workspace)["lastCheckTime"] == status["lastCheckTime"]


def test_an_app_without_an_audit_role_syncs_exchange_and_its_watch_waits_for_the_role(
    fast_operator: OperatorProcess, auditable: Workspace
) -> None:
    ws = auditable
    for role in ("Exchange Administrator", "Compliance Administrator"):
        ws.sim.remove_role(ws.tenant_id, ws.client_id, ROLE_TEMPLATE_IDS[role])
    ws.sim.add_role(ws.tenant_id, ws.client_id, ROLE_TEMPLATE_IDS["Global Reader"])  # reads, cannot search
    ws.sim.create_object(ws.tenant_id, "transportRule", dict(RULE))
    run = first_sync(ws, resources=["transportRule"], mode="BackupOnly", drift=WATCH)
    assert run["status"]["phase"] == "Succeeded"
    status = wait_for(
        lambda: (s := drift_status(ws)).get("watch") == "PendingAdminConsent" and s,
        "the audit watch to wait for the role",
    )
    assert status["missingPermissions"] == [AUDIT_LOG_ROLE_NEED]
    assert "Security Reader" in status["message"]

    ws.sim.add_role(ws.tenant_id, ws.client_id, ROLE_TEMPLATE_IDS["Security Reader"])
    # The first new token comes 3 to 5 looks (of 10 s) into the wait, each looking at its Tenant's offset.
    watching(ws, timeout=90.0)


def test_a_sync_after_a_portal_change_names_its_actor_as_co_author_of_the_backup(
    fast_operator: OperatorProcess, auditable: Workspace
) -> None:
    ws = auditable
    # Looks a day apart: the watch looks once at its start, so the sync's backup is the first to see
    # alice's change and must attribute it itself.
    first_sync(ws, mode="BackupOnly", drift={"enabled": True, "interval": "24h"})
    watching(ws)
    target = policy(ws)
    ws.sim.drift(ws.tenant_id, "conditionalAccessPolicies", {"state": "disabled"}, target["id"], actor=ALICE)
    run = wait_phase(ws, sync(ws, "after-portal-change"), FINISHED)
    assert run["status"]["phase"] == "Succeeded", run["status"]

    message = git(ws.repository, "log", "-1", "--format=%B", "tenantsync/backup")
    assert f"conditionalAccessPolicies/{target['id']}: Update conditional access policy by {ALICE}" in message
    trailers = git(
        ws.repository, "log", "-1", "--format=%(trailers:key=Co-authored-by,valueonly)", "tenantsync/backup"
    )
    assert trailers.strip() == f"{ALICE} <{ALICE}>"
