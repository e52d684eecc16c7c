"""`kubectl tenantsync` status, plan, error, logs and permissions against the real API server.

No operator runs here: the tests write status through the status subresource as the operator would,
and nothing overwrites it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from tenantsync.api import Mode, ResourceType
from tenantsync.catalog import ADMIN_API_SCOPE, Service, catalog, required_permissions
from tenantsync.cli.plugin_pages import PAGES
from tests.integration.plugin.plugin_support import (
    PLUGIN,
    RunningPlugin,
    condition,
    make_run,
    make_tenant,
    plugin,
)
from tests.support.cluster import KUBECONFIG, KUBECTL
from tests.support.resources import Resources

pytestmark = pytest.mark.integration

TROUBLESHOOTING = "https://github.com/tenantsync/tenantsync/blob/main/docs/troubleshooting"


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def row(stdout: str, first_cell: str) -> list[str]:
    """The cells of the table row that starts with `first_cell` (columns are separated by 2+ spaces)."""
    for line in stdout.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{stdout}")


@pytest.fixture
def tenants(namespace: str) -> Resources:
    resources = Resources(namespace)
    make_tenant(
        resources,
        "contoso",
        {
            "phase": "Idle",
            "message": "The tenant matches the desired state.",
            "lastSyncRun": "contoso-20261123-060000",
            "lastSyncTime": ago(minutes=15),
            "lastSuccessfulSyncTime": ago(minutes=15),
            "conditions": [
                condition("Ready", "True", "Succeeded", "The last sync succeeded.", ago(minutes=15))
            ],
        },
    )
    make_tenant(
        resources,
        "fabrikam",
        {
            "phase": "PendingApproval",
            "message": "3 changes wait for approval: kubectl tenantsync plan fabrikam-20261123-060000",
            "lastSyncRun": "fabrikam-20261123-060000",
            "lastSyncTime": ago(minutes=30),
            "lastSuccessfulSyncTime": ago(hours=50),
        },
    )
    make_tenant(
        resources,
        "northwind",
        {
            "phase": "NewError",
            "message": "The client secret of application 1f0e2c4a expired. Create a new secret.",
            "lastSyncRun": "northwind-20261123-060000",
            "lastSyncTime": ago(hours=20),
        },
    )
    make_tenant(resources, "woodgrove", {"phase": "NotRun", "message": "Never synced."})
    return resources


def test_status_shows_every_tenant_in_human_words(tenants: Resources, namespace: str) -> None:
    result = plugin(namespace, "status")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "TENANT",
        "SYNC",
        "STATUS",
        "MESSAGE",
        "LAST",
        "SYNC",
        "LAST",
        "SUCCESS",
        "LAST",
        "RUN",
    ]
    assert row(result.stdout, "contoso") == [
        "contoso", "Idle", "The tenant matches the desired state.", "15m ago", "15m ago", "contoso-20261123-060000",
    ]  # fmt: skip
    fabrikam = row(result.stdout, "fabrikam")
    assert fabrikam[1:3] == [
        "Pending approval",
        "3 changes wait for approval: kubectl tenantsync plan fabrikam-20261123-060000",
    ]
    assert fabrikam[3:5] == ["30m ago", "2d2h ago"]
    assert row(result.stdout, "northwind")[1:5] == [
        "New error",
        "The client secret of application 1f0e2c4a expired. Create a new secret.",
        "20h ago",
        "never",
    ]
    assert row(result.stdout, "woodgrove")[1:5] == ["Not run", "Never synced.", "never", "never"]
    assert "\x1b[" not in result.stdout, "no colour codes when stdout is not a terminal"


def test_status_of_one_tenant_and_machine_readable(tenants: Resources, namespace: str) -> None:
    one = plugin(namespace, "status", "tenant/fabrikam")
    assert one.returncode == 0, one.stderr
    assert "Pending approval" in one.stdout
    assert "contoso" not in one.stdout

    # kubectl's shapes: several objects are a v1 List of the objects as the API server serves them.
    as_json = json.loads(plugin(namespace, "status", "-o", "json").stdout)
    assert (as_json["apiVersion"], as_json["kind"]) == ("v1", "List")
    by_name = {item["metadata"]["name"]: item for item in as_json["items"]}
    assert sorted(by_name) == ["contoso", "fabrikam", "northwind", "woodgrove"]
    assert {(item["apiVersion"], item["kind"]) for item in as_json["items"]} == {
        ("tenantsync.io/v1alpha1", "Tenant")
    }
    assert by_name["northwind"]["status"]["phase"] == "NewError"
    assert by_name["contoso"]["status"]["lastSyncRun"] == "contoso-20261123-060000"

    as_yaml = yaml.safe_load(plugin(namespace, "status", "woodgrove", "-o", "yaml").stdout)
    assert (as_yaml["kind"], as_yaml["metadata"]["namespace"]) == ("Tenant", namespace)
    assert (as_yaml["status"]["phase"], as_yaml["status"]["message"]) == ("NotRun", "Never synced.")

    names = plugin(namespace, "status", "-o", "name")
    assert names.stdout.splitlines() == [
        f"tenant.tenantsync.io/{name}" for name in ("contoso", "fabrikam", "northwind", "woodgrove")
    ]
    wide = plugin(namespace, "status", "-o", "wide")
    assert wide.stdout.splitlines()[0].split()[-3:] == ["MODE", "APPROVAL", "SCHEDULE"]
    assert row(wide.stdout, "contoso")[-3:] == ["Managed", "Manual", "-"]


def test_status_of_one_tenant_shows_its_last_run_s_queue_wait_beside_its_work(
    tenants: Resources, namespace: str
) -> None:
    make_run(
        tenants,
        "contoso-20261123-060000",
        "contoso",
        {
            "phase": "Succeeded",
            "queuedSeconds": 42.5,
            "startTime": ago(minutes=18),
            "completionTime": ago(minutes=15),
            "duration": "3m12s",
        },
    )
    one = plugin(namespace, "status", "contoso")
    assert one.returncode == 0, one.stderr
    assert "Last run contoso-20261123-060000: took 3m12s, after 42s in the queue." in one.stdout.splitlines()
    # fabrikam's run is gone (pruned): its row alone, no error.
    gone = plugin(namespace, "status", "fabrikam")
    assert gone.returncode == 0, gone.stderr
    assert "Last run" not in gone.stdout
    # The list of every Tenant stays one row each.
    assert "Last run" not in plugin(namespace, "status").stdout


def test_global_flags_before_the_command(tenants: Resources, namespace: str) -> None:
    result = subprocess.run(
        [PLUGIN, "-n", namespace, "--kubeconfig", str(KUBECONFIG), "status", "-o", "name"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "tenant.tenantsync.io/fabrikam" in result.stdout.splitlines()


def test_kubectl_runs_the_plugin_with_its_flags(tenants: Resources, namespace: str) -> None:
    # kubectl finds `kubectl-tenantsync` on PATH and hands it every argument after `tenantsync`.
    path = f"{Path(PLUGIN).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(
        [
            str(KUBECTL),
            "tenantsync",
            "-n",
            namespace,
            "--kubeconfig",
            str(KUBECONFIG),
            "status",
            "-o",
            "name",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"tenant.tenantsync.io/{name}" for name in ("contoso", "fabrikam", "northwind", "woodgrove")
    ]


@pytest.mark.parametrize("output", ["name", "yaml"])
def test_status_watch_streams_names_and_documents(tenants: Resources, namespace: str, output: str) -> None:
    watch = RunningPlugin(namespace, "status", "woodgrove", "-w", "-o", output)
    try:
        watch.wait_for_output("woodgrove")
        tenants.patch_status("tenants", "woodgrove", {"phase": "Starting", "message": "Preflight checks."})
        watch.wait_for_output(
            "tenant.tenantsync.io/woodgrove\ntenant" if output == "name" else "phase: Starting"
        )
    finally:
        watch.kill()
    if output == "name":
        assert "".join(watch.stdout).splitlines() == ["tenant.tenantsync.io/woodgrove"] * 2
    else:
        documents = list(yaml.safe_load_all("".join(watch.stdout)))
        assert [d["status"]["phase"] for d in documents] == ["NotRun", "Starting"]


def test_as_impersonates_the_user(tenants: Resources, namespace: str) -> None:
    denied = plugin(namespace, "--as", "system:serviceaccount:default:nobody", "status")
    assert denied.returncode == 1
    assert 'User "system:serviceaccount:default:nobody" cannot list resource "tenants"' in denied.stderr


def test_status_across_namespaces_names_the_namespace(tenants: Resources, namespace: str) -> None:
    result = plugin(None, "status", "-A")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split()[:2] == ["NAMESPACE", "TENANT"]
    ours = [line.split() for line in result.stdout.splitlines() if line.startswith(f"{namespace} ")]
    assert sorted(cells[1] for cells in ours) == ["contoso", "fabrikam", "northwind", "woodgrove"]
    # -A -o json: the v1 List kubectl prints, every item with its apiVersion, kind and namespace.
    every = json.loads(plugin(None, "status", "-A", "-o", "json").stdout)
    assert (every["apiVersion"], every["kind"]) == ("v1", "List")
    mine = [item for item in every["items"] if item["metadata"]["namespace"] == namespace]
    assert sorted(item["metadata"]["name"] for item in mine) == [
        "contoso",
        "fabrikam",
        "northwind",
        "woodgrove",
    ]
    assert all(item["kind"] == "Tenant" for item in every["items"])


def test_namespace_defaults_to_the_kubeconfig_context(
    tenants: Resources, namespace: str, tmp_path: Path
) -> None:
    kubeconfig = yaml.safe_load(KUBECONFIG.read_text())
    for context in kubeconfig["contexts"]:
        context["context"]["namespace"] = namespace
    # Relative certificate paths would resolve against the copy's folder: keep the original's.
    for cluster in kubeconfig["clusters"]:
        cert = cluster["cluster"].get("certificate-authority")
        if cert and not Path(cert).is_absolute():
            cluster["cluster"]["certificate-authority"] = str(KUBECONFIG.parent / cert)
    for user in kubeconfig["users"]:
        for key in ("client-certificate", "client-key"):
            path = user["user"].get(key)
            if path and not Path(path).is_absolute():
                user["user"][key] = str(KUBECONFIG.parent / path)
    # A second context on the same cluster whose namespace is `default`, for --context.
    current = next(c for c in kubeconfig["contexts"] if c["name"] == kubeconfig["current-context"])
    kubeconfig["contexts"].append(
        {"name": "elsewhere", "context": {**current["context"], "namespace": "default"}}
    )
    copy = tmp_path / "kubeconfig"
    copy.write_text(yaml.safe_dump(kubeconfig))

    via_env = subprocess.run(
        [PLUGIN, "status"],
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECONFIG": str(copy)},
        check=False,
    )
    assert via_env.returncode == 0, via_env.stderr
    assert "fabrikam" in via_env.stdout
    empty = subprocess.run(
        [PLUGIN, "status", "--kubeconfig", str(copy), "-n", "default"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert empty.returncode == 0, empty.stderr
    assert "fabrikam" not in empty.stdout
    for where in (["--context", "elsewhere", "status"], ["status", "--context=elsewhere"]):
        other = subprocess.run(
            [PLUGIN, "--kubeconfig", str(copy), *where], capture_output=True, text=True, check=False
        )
        assert other.returncode == 0, other.stderr
        assert "fabrikam" not in other.stdout
        assert "No tenants found in namespace 'default'." in other.stderr


def test_status_of_a_missing_tenant_fails_clearly(namespace: str) -> None:
    result = plugin(namespace, "status", "nope")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: Tenant \"nope\" not found in namespace '{namespace}'"


DIGEST = "5e0c1f7a9d2b4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e"
"""As the operator writes it: sha256 in hex, what `approve --digest` takes the start of."""

PLAN = {
    "digest": DIGEST,
    "changeCount": 3,
    "changes": [
        {"action": "create", "type": "namedLocations", "id": "8c2d6a1e-0000-4000-8000-000000000001",
         "displayName": "Head office", "changedFields": []},
        {"action": "update", "type": "conditionalAccessPolicies", "id": "5b1a9c3e-0000-4000-8000-000000000002",
         "displayName": "Require MFA for admins",
         "changedFields": ["state", "conditions.locations.excludeLocations"],
         "values": [{"path": "state", "old": '"enabledForReportingButNotEnforced"', "new": '"enabled"'},
                    {"path": "conditions.locations.excludeLocations", "old": "[]",
                     "new": '["8c2d6a1e-0000-4000-8000-000000000001"]'}]},
        {"action": "delete", "type": "deviceCompliancePolicies", "id": "2f4e6d8c-0000-4000-8000-000000000003",
         "displayName": "Legacy Windows 8 compliance", "changedFields": []},
    ],
}  # fmt: skip


def test_plan_is_a_readable_diff(namespace: str) -> None:
    resources = Resources(namespace)
    make_tenant(resources, "contoso")
    make_run(
        resources,
        "contoso-20261123-060000",
        "contoso",
        {
            "phase": "PendingApproval",
            "step": "Approval",
            "message": "3 changes wait for approval.",
            "plan": PLAN,
        },
    )
    result = plugin(namespace, "plan", "contoso-20261123-060000")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == "SyncRun contoso-20261123-060000 (Tenant contoso) — Pending approval"
    assert '+ create namedLocations "Head office"\n    id: 8c2d6a1e-0000-4000-8000-000000000001\n' in out
    assert (
        '~ update conditionalAccessPolicies "Require MFA for admins"\n'
        "    id: 5b1a9c3e-0000-4000-8000-000000000002\n"
        "    changed fields:\n"
        '      ~ state: "enabledForReportingButNotEnforced" → "enabled"\n'
        '      ~ conditions.locations.excludeLocations: [] → ["8c2d6a1e-0000-4000-8000-000000000001"]\n'
    ) in out
    assert '- delete deviceCompliancePolicies "Legacy Windows 8 compliance"' in out
    assert "Plan: 3 changes (1 to create, 1 to update, 1 to delete)" in out
    assert out.splitlines()[-3:] == [
        f"Digest: {DIGEST}",
        "Approve this plan:",
        f"  kubectl tenantsync approve contoso-20261123-060000 -n {namespace} --digest 5e0c1f7a9d2b",
    ]

    as_json = json.loads(plugin(namespace, "plan", "contoso-20261123-060000", "-o", "json").stdout)
    # The plan as status holds it (the API server adds its defaults, e.g. truncated: false).
    assert {key: as_json["plan"][key] for key in PLAN} == PLAN
    assert as_json["plan"]["truncated"] is False
    assert (as_json["tenant"], as_json["phase"]) == ("contoso", "PendingApproval")

    # TYPE/NAME as kubectl spells it; tenant/NAME is that Tenant's newest run.
    for reference in ("syncrun/contoso-20261123-060000", "sr/contoso-20261123-060000", "tenant/contoso"):
        same = plugin(namespace, "plan", reference)
        assert (same.returncode, same.stdout) == (0, out), same.stderr
    name = plugin(namespace, "plan", "tenant/contoso", "-o", "name")
    assert name.stdout == "syncrun.tenantsync.io/contoso-20261123-060000\n"


def test_plan_of_a_run_without_one_fails(namespace: str) -> None:
    resources = Resources(namespace)
    make_tenant(resources, "contoso")
    make_run(
        resources, "contoso-1", "contoso", {"phase": "InProgress", "step": "Backup", "message": "Backing up."}
    )
    result = plugin(namespace, "plan", "contoso-1")
    assert result.returncode == 1
    assert "SyncRun contoso-1 has no plan yet: it is In progress (step Backup)." in result.stderr
    missing = plugin(namespace, "plan", "nope")
    assert missing.returncode == 1
    assert 'SyncRun "nope" not found' in missing.stderr
    a_tenant = plugin(namespace, "plan", "contoso")
    assert a_tenant.returncode == 1
    assert "Tenant contoso exists: tenant/contoso names its current SyncRun" in a_tenant.stderr
    bad_type = plugin(namespace, "plan", "pod/contoso-1")
    assert bad_type.returncode == 2
    assert "expected NAME or TYPE/NAME" in bad_type.stderr


SECRET_EXPIRED = {
    "code": "ClientSecretExpired",
    "message": "The client secret in Secret contoso-sp expired on 2026-11-01 (AADSTS7000222). Create a new"
    " client secret for application 1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11 and update the Secret.",
    "troubleshootingUrl": f"{TROUBLESHOOTING}/ClientSecretExpired.md",
}


def test_error_prints_the_whole_error_plain(namespace: str) -> None:
    resources = Resources(namespace)
    make_tenant(
        resources,
        "contoso",
        {"phase": "NewError", "message": SECRET_EXPIRED["message"], "lastSyncRun": "contoso-20261123-060000"},
    )
    make_run(
        resources,
        "contoso-20261123-060000",
        "contoso",
        {
            "phase": "NewError",
            "step": "Preflight",
            "message": SECRET_EXPIRED["message"],
            "error": SECRET_EXPIRED,
        },
    )
    expected = (
        f"SyncRun {namespace}/contoso-20261123-060000: New error (Tenant contoso)\n"
        "Code: ClientSecretExpired\n"
        f"Message: {SECRET_EXPIRED['message']}\n"
        f"Troubleshooting: {TROUBLESHOOTING}/ClientSecretExpired.md\n"
    )
    # Then the code's troubleshooting page, from the installed package: it needs no network.
    page = (PAGES / "ClientSecretExpired.md").read_text()
    by_run = plugin(namespace, "error", "contoso-20261123-060000")
    assert (by_run.returncode, by_run.stdout) == (0, expected + "\n" + page), by_run.stderr
    assert "## How to fix it" in by_run.stdout
    brief = plugin(namespace, "error", "sr/contoso-20261123-060000", "--brief")
    assert (brief.returncode, brief.stdout) == (0, expected), brief.stderr
    # A Tenant's name leads to its newest run's error.
    by_tenant = plugin(namespace, "error", "contoso", "--brief")
    assert (by_tenant.returncode, by_tenant.stdout) == (0, expected), by_tenant.stderr
    assert plugin(namespace, "error", "tenant/contoso", "--brief").stdout == expected
    assert plugin(namespace, "error", "tenant/contoso", "-o", "name").stdout == (
        "syncrun.tenantsync.io/contoso-20261123-060000\n"
    )
    as_json = json.loads(plugin(namespace, "error", "syncrun/contoso-20261123-060000", "-o", "json").stdout)
    assert as_json["error"] == SECRET_EXPIRED


def test_error_of_a_tenant_itself_and_of_a_healthy_run(namespace: str) -> None:
    resources = Resources(namespace)
    invalid_schedule = {
        "code": "InvalidSchedule",
        "message": "'61 * * * *' is not a valid cron expression. Fix spec.schedule.",
        "troubleshootingUrl": f"{TROUBLESHOOTING}/InvalidSchedule.md",
    }
    make_tenant(
        resources,
        "contoso",
        {"phase": "NewError", "message": invalid_schedule["message"], "error": invalid_schedule},
    )
    result = plugin(namespace, "error", "contoso")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:5] == [
        f"Tenant {namespace}/contoso: New error",
        "Code: InvalidSchedule",
        f"Message: {invalid_schedule['message']}",
        f"Troubleshooting: {TROUBLESHOOTING}/InvalidSchedule.md",
        "",
    ]
    assert result.stdout.splitlines()[5].startswith("# InvalidSchedule")
    make_run(resources, "contoso-ok", "contoso", {"phase": "Succeeded", "message": "No changes."})
    healthy = plugin(namespace, "error", "contoso-ok")
    assert healthy.returncode == 0
    assert healthy.stdout == "SyncRun contoso-ok has no error: it is Succeeded. No changes.\n"
    reverted = (
        "Rejected and reverted by unverified at 2026-11-23 06:00:00 UTC: nothing was deployed; the desired"
        " state on branch main now matches the tenant (commit 0123456789ab)."
    )
    make_run(resources, "contoso-no", "contoso", {"phase": "Rejected", "message": reverted})
    rejected = plugin(namespace, "error", "contoso-no")
    assert rejected.returncode == 0
    assert rejected.stdout == f"SyncRun contoso-no has no error: it is Rejected. {reverted}\n"
    missing = plugin(namespace, "error", "nope")
    assert missing.returncode == 1
    assert f"no SyncRun or Tenant named \"nope\" in namespace '{namespace}'" in missing.stderr


def _event(
    run: dict[str, Any], name: str, reason: str, message: str, at: datetime, type_: str = "Normal"
) -> Any:
    return client.CoreV1Event(
        metadata=client.V1ObjectMeta(name=name),
        involved_object=client.V1ObjectReference(
            api_version="tenantsync.io/v1alpha1",
            kind="SyncRun",
            name=run["metadata"]["name"],
            namespace=run["metadata"]["namespace"],
            uid=run["metadata"]["uid"],
        ),
        reason=reason,
        message=message,
        type=type_,
        first_timestamp=at,
        last_timestamp=at,
        count=1,
        source=client.V1EventSource(component="kopf"),
    )


def test_logs_is_a_timeline_of_events_and_conditions(namespace: str) -> None:
    resources = Resources(namespace)
    make_tenant(resources, "contoso")
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)

    def at(seconds: int) -> str:
        return (base + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

    run = make_run(
        resources,
        "contoso-1",
        "contoso",
        {
            "phase": "PendingApproval",
            "step": "Approval",
            "message": "3 changes wait for approval.",
            "startTime": at(0),
            "conditions": [
                condition("Planned", "True", "ChangesFound", "3 changes.", at(30)),
                condition("Authenticated", "True", "ServicePrincipal", "Signed in.", at(10)),
                condition("BackedUp", "True", "Committed", "42 objects backed up.", at(20)),
            ],
        },
    )
    other = make_run(resources, "contoso-2", "contoso")
    # Created out of order; one belongs to another run.
    resources.core.create_namespaced_event(
        namespace, _event(run, "e-approval", "PendingApproval", "Tenant contoso, SyncRun contoso-1: 3 changes wait.",
                          base + timedelta(seconds=31))
    )  # fmt: skip
    resources.core.create_namespaced_event(
        namespace, _event(run, "e-start", "Starting", "Tenant contoso, SyncRun contoso-1: preflight.", base)
    )
    resources.core.create_namespaced_event(
        namespace, _event(other, "e-other", "Starting", "belongs to contoso-2", base + timedelta(seconds=5))
    )
    resources.core.create_namespaced_event(
        namespace,
        _event(run, "e-throttled", "GraphThrottled", "Graph asked to retry after 2s.", base + timedelta(seconds=15),
               type_="Warning"),
    )  # fmt: skip

    result = plugin(namespace, "logs", "contoso-1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"SyncRun contoso-1 (Tenant contoso): Pending approval, started {at(0)}"
    assert lines[1].split() == ["TIME", "TYPE", "REASON", "MESSAGE"]
    body = [line.split(None, 3) for line in lines[2:]]
    assert [(cells[1], cells[2]) for cells in body] == [
        ("Normal", "Starting"),
        ("Authenticated=True", "ServicePrincipal"),
        ("Warning", "GraphThrottled"),
        ("BackedUp=True", "Committed"),
        ("Planned=True", "ChangesFound"),
        ("Normal", "PendingApproval"),
    ]
    assert "belongs to contoso-2" not in result.stdout
    wide = plugin(namespace, "logs", "syncrun/contoso-1", "-o", "wide").stdout.splitlines()
    assert wide[1].split() == ["TIME", "SOURCE", "TYPE", "REASON", "MESSAGE"]
    assert [line.split()[1] for line in wide[2:]] == [
        "Event",
        "Condition",
        "Event",
        "Condition",
        "Condition",
        "Event",
    ]

    # The run and its Events, as objects, in a v1 List (the conditions are in the run's status).
    as_json = json.loads(plugin(namespace, "logs", "contoso-1", "-o", "json").stdout)
    assert (as_json["apiVersion"], as_json["kind"]) == ("v1", "List")
    assert [(item["kind"], item.get("reason")) for item in as_json["items"]] == [
        ("SyncRun", None),
        ("Event", "Starting"),
        ("Event", "GraphThrottled"),
        ("Event", "PendingApproval"),
    ]
    assert as_json["items"][1]["apiVersion"] == "v1"
    names = plugin(namespace, "logs", "tenant/contoso", "-o", "name").stdout.splitlines()
    # tenant/NAME is the Tenant's newest run: contoso-2, with its one event.
    assert names == ["syncrun.tenantsync.io/contoso-2", "event/e-other"]


def test_permissions_of_a_tenant(namespace: str) -> None:
    resources = Resources(namespace)
    make_tenant(
        resources,
        "contoso",
        mode="BackupOnly",
        resources=["namedLocations", "deviceConfigurations", "b2bPolicy"],
    )
    result = plugin(namespace, "permissions", "contoso")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert (
        out.splitlines()[0]
        == f"Permissions for Tenant {namespace}/contoso: mode BackupOnly, 3 configuration types."
    )
    assert "of app registration 1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11" in out
    assert row(out, "DeviceManagementConfiguration.Read.All") == [
        "DeviceManagementConfiguration.Read.All", "deviceConfigurations",
    ]  # fmt: skip
    assert row(out, "Policy.Read.All") == ["Policy.Read.All", "namedLocations"]
    assert "ReadWrite" not in out
    assert row(out, ADMIN_API_SCOPE) == [ADMIN_API_SCOPE, "b2bPolicy"]
    assert "Warning: the Tenant has no spec.userAuthentication" in out

    as_json = json.loads(plugin(namespace, "permissions", "contoso", "-o", "json").stdout)
    types = [ResourceType.NAMED_LOCATIONS, ResourceType.DEVICE_CONFIGURATIONS, ResourceType.B2B_POLICY]
    assert [p["name"] for p in as_json["applicationPermissions"]] == required_permissions(
        types, Mode.BACKUP_ONLY
    )
    assert as_json["delegatedScopes"] == [{"name": ADMIN_API_SCOPE, "neededBy": ["b2bPolicy"]}]


def test_permissions_of_a_managed_tenant_with_every_type(namespace: str) -> None:
    resources = Resources(namespace)
    make_tenant(
        resources,
        "contoso",
        userAuthentication={
            "clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "tokenSecretRef": {"name": "contoso-user-token"},
        },
    )
    as_json = json.loads(plugin(namespace, "permissions", "contoso", "-o", "json").stdout)
    assert as_json["mode"] == "Managed"
    assert as_json["resources"] == [r.value for r in ResourceType]
    assert [p["name"] for p in as_json["applicationPermissions"]] == required_permissions(
        list(ResourceType), Mode.MANAGED
    )
    assert as_json["userAuthenticationClientId"] == "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
    human = plugin(namespace, "permissions", "contoso").stdout
    assert "public client 04b07795-8ddb-461a-bbee-02f9e1bf7b46" in human
    assert "Warning" not in human
    assert as_json["snapshotServicePrincipal"] == [
        {
            "name": "03b07b79-c5bc-4b5e-9bfa-13acf4a99998 with Global Reader",
            "neededBy": [kind.value for kind, entry in catalog().items() if entry.service == Service.TCM],
        }
    ]
    assert "Tenant Configuration Management's service principal" in " ".join(human.split())
    one = plugin(namespace, "permissions", "--resources", "namedLocations").stdout
    assert one.splitlines()[0] == "Permissions for these types: mode Managed, 1 configuration type."


def test_permissions_without_a_tenant_need_no_cluster() -> None:
    result = plugin(
        None, "permissions", "--resources", "conditionalAccessPolicies,passwordResetPolicy", "--mode", "Managed",
        env={"KUBECONFIG": "/nonexistent"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert row(result.stdout, "Policy.ReadWrite.ConditionalAccess") == [
        "Policy.ReadWrite.ConditionalAccess", "conditionalAccessPolicies",
    ]  # fmt: skip
    assert row(result.stdout, ADMIN_API_SCOPE) == [ADMIN_API_SCOPE, "passwordResetPolicy"]
    for mode, permission in (
        ("Managed", "LifecycleWorkflows.ReadWrite.All"),
        ("BackupOnly", "LifecycleWorkflows.Read.All"),
    ):
        workflows = plugin(
            None, "permissions", "--resources", "lifecycleWorkflows", "--mode", mode,
            env={"KUBECONFIG": "/nonexistent"},
        )  # fmt: skip
        assert workflows.returncode == 0, workflows.stderr
        assert row(workflows.stdout, permission) == [permission, "lifecycleWorkflows"]
    bad = plugin(None, "permissions", "--resources", "namedLocation")
    assert bad.returncode == 1
    assert "unknown resource type(s): namedLocation" in bad.stderr


def test_baseline_plan_gives_the_approve_command_that_works_as_printed(namespace: str) -> None:
    resources = Resources(namespace)
    resources.create(
        "baselines",
        {
            "apiVersion": "tenantsync.io/v1alpha1",
            "kind": "Baseline",
            "metadata": {"name": "security"},
            "spec": {
                "repository": {"url": "https://git.example.com/msp/tenants.git", "path": "baselines/security"}
            },
        },
    )
    revision = "7f3a9c21e0b84d5c6a7b8c9d0e1f2a3b4c5d6e7f"
    digest = "5be1f0c3a9d24e6f8a0b1c2d3e4f5a6b7c8d9e0f"
    resources.patch_status(
        "baselines",
        "security",
        {
            "revision": revision,
            "rollout": {
                "revision": revision,
                "digest": digest,
                "phase": "PendingApproval",
                "changedFiles": ["A conditionalAccessPolicies/block-legacy-auth.json"],
            },
        },
    )
    shown = plugin(namespace, "baseline", "plan", "security")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[-2:] == [
        "Approve:",
        f"  kubectl tenantsync baseline approve security -n {namespace} --digest {digest[:12]}",
    ]
    # Typed as printed, from a shell whose context has another namespace: it approves this Baseline.
    typed = lines[-1].split()[2:]
    approved = plugin(None, *typed)
    assert approved.returncode == 0, approved.stderr
    annotations = resources.get("baselines", "security")["metadata"]["annotations"]
    assert (annotations["tenantsync.io/approval"], annotations["tenantsync.io/approval-digest"]) == (
        "approve",
        digest[:12],
    )
