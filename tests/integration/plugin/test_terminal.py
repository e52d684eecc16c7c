"""`kubectl tenantsync` on a real pseudo-terminal at 80, 120 and 200 columns, against golden output.

The plugin sees the terminal's size as it would in a shell (TIOCSWINSZ on its stdin and stdout). The
golden files hold what a person reads (colour codes removed; that colour is there is checked apart).
TENANTSYNC_UPDATE_GOLDEN=1 rewrites them; review the diff before committing.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from itertools import takewhile

import pytest
from kubernetes import client

from tenantsync.api import Mode, ResourceType
from tenantsync.cli.plugin_format import permission_report
from tenantsync.cli.plugin_table import MIN_PROSE_WIDTH
from tests.integration.plugin.plugin_support import (
    TerminalPlugin,
    assert_golden,
    condition,
    make_run,
    make_tenant,
    on_terminal,
    plugin,
)
from tests.support.resources import Resources

pytestmark = pytest.mark.integration

WIDTHS = [80, 120, 200]
PLACEHOLDER = "t-00000000"
"""Test namespaces are random (`t-` and 8 hex digits): the golden files carry this, of the same width."""

TIMED_OUT = (
    "User authentication failed - Authentication timed out waiting for delegated authentication to complete."
    " Sync again and complete the steps for authentication. Configurations requiring user account"
    " authentication will not be backed up until the Sync authenticates successfully."
)


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def column(screen: str, header: str, row: str) -> str:
    """The text of one column of one row, its wrapped lines joined: what a person reads there."""
    lines = screen.splitlines()
    start = lines[0].index(header)
    after = lines[0][start + len(header) :]
    end = start + len(header) + (len(after) - len(after.lstrip()) if after.strip() else len(after) + 10_000)
    first = next(n for n, line in enumerate(lines) if line.startswith(row + " "))
    parts = [lines[first][start:end].strip()]
    for line in lines[first + 1 :]:
        if line[:start].strip():
            break  # the next row
        parts.append(line[start:end].strip())
    return " ".join(part for part in parts if part)


def fits(screen: str, columns: int) -> None:
    too_long = [line for line in screen.splitlines() if len(line) > columns]
    assert not too_long, f"lines wider than {columns} columns:\n" + "\n".join(too_long)


@pytest.fixture
def tenants(namespace: str) -> Resources:
    """The tenants of the issue's 80-column report: long messages, a long name, every kind of phase."""
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
            "phase": "PartiallySuccessful",
            "message": TIMED_OUT,
            "lastSyncRun": "northwind-20261123-060000",
            "lastSyncTime": ago(hours=20),
            "lastSuccessfulSyncTime": ago(hours=20),
        },
    )
    make_tenant(
        resources,
        "adatum-emea",
        {
            "phase": "PendingAuthentication",
            "message": "Waiting for a user to sign in with code GQ7HW2KXP at https://microsoft.com/devicelogin.",
            "lastSyncRun": "adatum-emea-20261123-060000",
            "lastSyncTime": ago(minutes=12),  # ages under 10 minutes show seconds: not for golden files
        },
        schedule="0 */6 * * *",
        mode="BackupOnly",
    )
    make_tenant(resources, "woodgrove", {"phase": "NotRun", "message": "Never synced."})
    return resources


@pytest.mark.parametrize("columns", WIDTHS)
def test_status_fits_the_terminal(tenants: Resources, namespace: str, columns: int) -> None:
    code, terminal = on_terminal(namespace, "status", columns=columns)
    assert code == 0, terminal.stderr
    screen = terminal.screen
    fits(screen, columns)
    assert "\x1b[" in terminal.raw, "a terminal gets colour"
    # Every name whole, every message whole (wrapped under its column, never one character a line).
    for name in ("contoso", "fabrikam", "northwind", "adatum-emea", "woodgrove"):
        assert any(line.startswith(name + " ") for line in screen.splitlines()), name
    assert column(screen, "MESSAGE", "northwind") == TIMED_OUT
    assert len(screen.splitlines()) < 20
    assert_golden(f"status-{columns}.txt", screen, {namespace: PLACEHOLDER})


@pytest.mark.parametrize("columns", WIDTHS)
def test_status_wide_shows_every_column(tenants: Resources, namespace: str, columns: int) -> None:
    code, terminal = on_terminal(namespace, "status", "-o", "wide", columns=columns)
    assert code == 0, terminal.stderr
    header = terminal.screen.splitlines()[0].split()
    assert header == [
        "TENANT", "SYNC", "STATUS", "MESSAGE", "LAST", "SYNC", "LAST", "SUCCESS", "LAST", "RUN", "MODE", "APPROVAL",
        "SCHEDULE",
    ]  # fmt: skip
    assert "adatum-emea-20261123-060000" in terminal.screen
    assert_golden(f"status-wide-{columns}.txt", terminal.screen, {namespace: PLACEHOLDER})


def test_status_across_namespaces_at_80_columns_keeps_the_message(tenants: Resources, namespace: str) -> None:
    # -A also lists what other tests left in namespaces still being deleted: those can only go away.
    before = json.loads(plugin(None, "status", "-A", "-o", "json").stdout)["items"]
    code, terminal = on_terminal(None, "status", "-A", columns=80)
    assert code == 0, terminal.stderr
    fits(terminal.screen, 80)
    lines = terminal.screen.splitlines()
    assert lines[0].split()[:4] == ["NAMESPACE", "TENANT", "SYNC", "STATUS"]
    # Other namespaces (the demo's, tenantsync-demo) may make the NAMESPACE column wider than this one.
    rows = {
        name: next((line for line in lines if re.match(rf"{namespace} +{name} ", line)), None)
        for name in ("contoso", "fabrikam", "northwind", "adatum-emea", "woodgrove")
    }
    assert all(rows.values()), rows
    widest = max(len(t["metadata"]["namespace"]) for t in before) + max(
        len(t["metadata"]["name"]) for t in before
    )
    if widest + len("Pending authentication") + 3 * 3 + MIN_PROSE_WIDTH <= 80:
        assert "MESSAGE" in lines[0]
        northwind = str(rows["northwind"])
        assert column(terminal.screen, "MESSAGE", northwind[: northwind.index("northwind") + 9]) == TIMED_OUT
    # A last-run name is shown whole or not at all: never a prefix that names nothing.
    assert "contoso-2026" not in terminal.screen or "contoso-20261123-060000" in terminal.screen


def test_a_name_too_long_for_the_message_keeps_the_name_whole(namespace: str) -> None:
    resources = Resources(namespace)
    long_name = "adatum-corporation-emea-production"
    make_tenant(resources, long_name, {"phase": "PartiallySuccessful", "message": TIMED_OUT})
    code, terminal = on_terminal(namespace, "status", columns=80)
    assert code == 0, terminal.stderr
    # 34 + 22 + gaps leave less than a readable message: the message goes, the name stays whole.
    assert terminal.screen.splitlines() == [
        "TENANT                               SYNC STATUS",
        f"{long_name}   Partially successful",
    ]
    wide = on_terminal(namespace, "status", "-o", "wide", columns=80)[1].screen
    assert column(wide, "MESSAGE", long_name) == TIMED_OUT


def _events(resources: Resources, run: dict[str, object], base: datetime) -> None:
    metadata: dict[str, str] = run["metadata"]  # type: ignore[assignment]
    reference = client.V1ObjectReference(
        api_version="tenantsync.io/v1alpha1",
        kind="SyncRun",
        name=metadata["name"],
        namespace=metadata["namespace"],
        uid=metadata["uid"],
    )
    for seconds, name, reason, kind, message in [
        (0, "e-start", "Starting", "Normal", "Tenant contoso, SyncRun contoso-1: preflight checks."),
        (4, "e-pending", "PendingAuthentication", "Normal",
         "Tenant contoso, SyncRun contoso-1: sign in at https://microsoft.com/devicelogin with code GQ7HW2KXP."),
        (15, "e-throttled", "GraphThrottled", "Warning",
         "Tenant contoso, SyncRun contoso-1: Microsoft Graph asked to retry after 2s (deviceConfigurations)."),
    ]:  # fmt: skip
        at = base + timedelta(seconds=seconds)
        resources.core.create_namespaced_event(
            metadata["namespace"],
            client.CoreV1Event(
                metadata=client.V1ObjectMeta(name=name),
                involved_object=reference,
                reason=reason,
                message=message,
                type=kind,
                first_timestamp=at,
                last_timestamp=at,
                count=1,
                source=client.V1EventSource(component="kopf"),
            ),
        )


BASE = datetime(2026, 11, 23, 6, 0, 0, tzinfo=UTC)


def _at(seconds: int) -> str:
    return (BASE + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def run_with_history(namespace: str) -> Resources:
    resources = Resources(namespace)
    make_tenant(resources, "contoso")
    run = make_run(
        resources,
        "contoso-1",
        "contoso",
        {
            "phase": "PendingApproval",
            "step": "Approval",
            "message": "3 changes wait for approval.",
            "startTime": _at(0),
            "conditions": [
                condition("Authenticated", "True", "SignedInByDeviceCode", "The user signed in.", _at(10)),
                condition(
                    "BackedUp", "True", "Committed", "42 objects backed up in commit 5e0c1f7.", _at(20)
                ),
                condition("Planned", "True", "ChangesFound", "3 changes wait for approval.", _at(30)),
            ],
        },
    )
    _events(resources, run, BASE)
    return resources


@pytest.mark.parametrize("columns", WIDTHS)
def test_logs_fit_the_terminal(run_with_history: Resources, namespace: str, columns: int) -> None:
    code, terminal = on_terminal(namespace, "logs", "sr/contoso-1", columns=columns)
    assert code == 0, terminal.stderr
    fits(terminal.screen, columns)
    assert "PendingAuthentication " in terminal.screen, "a reason is never cut"
    assert_golden(f"logs-{columns}.txt", terminal.screen, {namespace: PLACEHOLDER})


def test_status_watch_prints_each_change_until_interrupted(tenants: Resources, namespace: str) -> None:
    watch = TerminalPlugin(namespace, "status", "-w", columns=120)
    try:
        watch.wait_for("woodgrove ")
        before = watch.screen.count("woodgrove ")
        tenants.patch_status("tenants", "woodgrove", {"phase": "Starting", "message": "Preflight checks."})
        watch.wait_for("Preflight checks.")
        lines = watch.screen.splitlines()
        assert lines[-1].split()[:2] == ["woodgrove", "Starting"]
        assert watch.screen.count("woodgrove ") == before + 1
        # A write that changes nothing a row shows prints nothing.
        tenants.patch("tenants", "woodgrove", {"metadata": {"labels": {"team": "identity"}}})
        tenants.patch_status("tenants", "woodgrove", {"phase": "InProgress", "message": "Backing up."})
        watch.wait_for("Backing up.")
        assert watch.screen.count("woodgrove ") == before + 2
        watch.interrupt()
        assert watch.finish(timeout=20) == 130
    finally:
        if watch.process.poll() is None:
            watch.process.kill()
    assert "interrupted" in watch.stderr


def test_logs_follow_prints_new_entries_until_the_run_finishes(
    run_with_history: Resources, namespace: str
) -> None:
    follow = TerminalPlugin(namespace, "logs", "contoso-1", "-f", columns=120)
    try:
        follow.wait_for("GraphThrottled")
        time.sleep(1.5)
        assert follow.process.poll() is None, "logs -f waits while the run goes on"
        run_with_history.patch_status(
            "syncruns",
            "contoso-1",
            {
                "phase": "Succeeded",
                "step": "Done",
                "message": "3 changes deployed.",
                "completionTime": _at(90),
                "conditions": [
                    condition(
                        "Authenticated", "True", "SignedInByDeviceCode", "The user signed in.", _at(10)
                    ),
                    condition(
                        "BackedUp", "True", "Committed", "42 objects backed up in commit 5e0c1f7.", _at(20)
                    ),
                    condition("Planned", "True", "ChangesFound", "3 changes wait for approval.", _at(30)),
                    condition("Deployed", "True", "Applied", "3 changes applied.", _at(80)),
                    condition("Complete", "True", "Succeeded", "The sync succeeded.", _at(90)),
                ],
            },
        )
        assert follow.finish(timeout=30) == 0, follow.stderr
    finally:
        if follow.process.poll() is None:
            follow.process.kill()
    lines = follow.screen.splitlines()
    assert [line.split()[2] for line in lines if "Deployed=True" in line or "Complete=True" in line] == [
        "Applied",
        "Succeeded",
    ]
    assert lines[-1].split()[1:3] == ["Complete=True", "Succeeded"]


POLICY = "5b1a9c3e-7d2f-4e6a-9b8c-0d1e2f3a4b5c"
GROUPS = ["8c2d6a1e-4b3f-4e7a-9c1d-2e3f4a5b6c7d", "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11"]
PLAN_DIGEST = "5e0c1f7a9d2b4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e"
LONG_PLAN = {
    "digest": PLAN_DIGEST,
    "changeCount": 1,
    "changes": [
        {"action": "update", "type": "conditionalAccessPolicies", "id": POLICY,
         "displayName": "Require MFA for admins",
         "changedFields": ["displayName", "conditions.users.excludeGroups"],
         "values": [
             {"path": "displayName", "old": '"Require MFA for admins"',
              "new": '"Require MFA for admins, reviewed by the security team in November"'},
             {"path": "conditions.users.excludeGroups", "old": "[]", "new": json.dumps(GROUPS)},
         ]},
    ],
}  # fmt: skip


@pytest.mark.parametrize("columns", [80, 120])
def test_plan_fits_the_terminal_with_values_continued_under_themselves(namespace: str, columns: int) -> None:
    resources = Resources(namespace)
    make_tenant(resources, "contoso")
    make_run(
        resources,
        "contoso-20261123-060000",
        "contoso",
        {"phase": "PendingApproval", "step": "Approval", "message": "1 change waits.", "plan": LONG_PLAN},
    )
    code, terminal = on_terminal(namespace, "plan", "contoso-20261123-060000", columns=columns)
    assert code == 0, terminal.stderr
    screen = terminal.screen
    fits(screen, columns)
    # What people copy is whole on one line: the ids, the digest; the command that approves pastes back
    # as one (its lines continued with a backslash).
    for whole in (POLICY, *GROUPS, PLAN_DIGEST, f"-n {namespace}"):
        assert whole in screen, whole
    lines = screen.splitlines()
    approve = lines[lines.index("Approve this plan:") + 1 :]
    assert " ".join(approve).replace(" \\", "").split() == [
        "kubectl", "tenantsync", "approve", "contoso-20261123-060000", "-n", namespace, "--digest", PLAN_DIGEST[:12],
    ]  # fmt: skip
    # A value wider than the terminal continues under itself (the next field starts at column 6).
    label = "      ~ conditions.users.excludeGroups: "
    first = next(n for n, line in enumerate(lines) if line.startswith(label))
    continued = list(takewhile(lambda line: line.startswith(" " * 8), lines[first + 1 :]))
    assert continued, "the groups are wider than the terminal"
    indent = min(len(label), columns // 2)
    assert all(line.startswith(" " * indent) and line[indent] != " " for line in continued), continued
    assert_golden(f"plan-{columns}.txt", screen, {namespace: PLACEHOLDER})


def test_permissions_of_every_type_read_at_80_columns(namespace: str) -> None:
    """The Entra role alternatives (up to 77 characters), the delegated scope and the longest application
    permission beside its longest type leave NEEDED BY too little room: each name stands on a line of its
    own, its types wrapped below it, a few a line."""
    resources = Resources(namespace)
    make_tenant(resources, "contoso")
    code, terminal = on_terminal(namespace, "permissions", "contoso", columns=80)
    assert code == 0, terminal.stderr
    fits(terminal.screen, 80)
    lines = terminal.screen.splitlines()
    report = permission_report(list(ResourceType), Mode.MANAGED)
    for need in (*report.application, *report.roles, *report.delegated):
        at = lines.index(need.name)
        below = list(takewhile(lambda line: line.startswith("    "), lines[at + 1 :]))
        assert " ".join(below).split() == ", ".join(need.needed_by).split(), need.name
        assert len(below) <= len(need.needed_by) // 2 + 1, below  # a few types a line, not one
    assert not any(line.startswith(("ROLE ", "SCOPE ")) for line in lines)


def test_permissions_keep_every_id_whole_at_80_columns(namespace: str) -> None:
    resources = Resources(namespace)
    make_tenant(resources, "contoso", resources=["namedLocations"])
    code, terminal = on_terminal(namespace, "permissions", "contoso", columns=80)
    assert code == 0, terminal.stderr
    fits(terminal.screen, 80)
    assert terminal.screen.splitlines()[0].endswith("mode Managed, 1 configuration type.")
    for guid in ("00000003-0000-0000-c000-000000000000", "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11"):
        assert guid in terminal.screen, guid
