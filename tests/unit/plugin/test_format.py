"""The words `kubectl tenantsync` shows, from objects alone: phase names, ages, plan diff, error, permissions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tenantsync.api import Mode, ResourceType, RunPhase, TenantPhase, human_duration, names_digest
from tenantsync.catalog import ADMIN_API_SCOPE, required_permissions
from tenantsync.cli.plugin_format import (
    PHASE_NAMES,
    PHASE_STYLES,
    age,
    error_code,
    error_text,
    human_phase,
    last_run_line,
    parse_resources,
    permission_report,
    plan_lines,
    sign_in_failed,
    sign_in_succeeded,
    tenant_sync_status,
    timeline,
)
from tenantsync.cli.plugin_output import Terminal

NOW = datetime(2026, 11, 23, 6, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("phase", "words"),
    [
        ("NotRun", "Not run"),
        ("Idle", "Idle"),
        ("Starting", "Starting"),
        ("InProgress", "In progress"),
        ("NewError", "New error"),
        ("PendingAuthentication", "Pending authentication"),
        ("PendingApproval", "Pending approval"),
        ("PartiallySuccessful", "Partially successful"),
        ("PendingAdminConsent", "Pending admin consent"),
        ("Succeeded", "Succeeded"),
        ("Rejected", "Rejected"),
    ],
)
def test_every_phase_has_its_human_name(phase: str, words: str) -> None:
    assert human_phase(phase) == words


def test_the_phase_hints_cover_exactly_the_tenant_and_run_phases() -> None:
    phases = {phase.value for phase in [*TenantPhase, *RunPhase]}
    assert set(PHASE_NAMES) == phases
    assert set(PHASE_STYLES) == phases


def test_missing_and_unknown_phases() -> None:
    assert human_phase(None) == "Unknown"
    assert human_phase("") == "Unknown"
    assert human_phase("SomethingNew") == "SomethingNew"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-5, "<invalid>"), (0, "0s"), (59, "59s"), (119, "119s"), (150, "2m30s"), (600, "10m"),
     (179 * 60, "179m"), (3 * 3600 + 5 * 60, "3h5m"), (8 * 3600, "8h"), (47 * 3600, "47h"),
     (50 * 3600, "2d2h"), (30 * 86400, "30d"), (3 * 365 * 86400, "3y")],
)  # fmt: skip
def test_ages_read_like_kubectl(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_age_of_a_timestamp() -> None:
    assert age("2026-11-23T05:55:00Z", NOW) == "5m ago"
    assert age(None, NOW) == "never"


def test_tenant_row_uses_status_and_human_phase() -> None:
    tenant = {
        "metadata": {"name": "contoso", "namespace": "m365"},
        "status": {
            "phase": "PendingApproval",
            "message": "3 changes wait for approval.",
            "lastSyncRun": "contoso-20261123-060000",
            "lastSyncTime": "2026-11-23T06:00:00Z",
        },
    }
    row = tenant_sync_status(tenant)
    assert row.status == "Pending approval"
    assert row.as_dict()["lastSyncRun"] == "contoso-20261123-060000"
    assert row.last_successful_sync_time is None
    assert tenant_sync_status({"metadata": {"name": "new"}}).status == "Unknown"


def _run(**status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "contoso-1", "namespace": "m365"},
        "spec": {"tenantRef": {"name": "contoso"}},
        "status": status,
    }


DIGEST = "abc1230f9e8d7c6b5a49382716054f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4"
"""A plan's digest as the operator writes it: sha256, in hex."""

PLAN = {
    "digest": DIGEST,
    "changeCount": 3,
    "changes": [
        {"action": "create", "type": "namedLocations", "id": "loc-1", "displayName": "Head office",
         "changedFields": []},
        {"action": "update", "type": "conditionalAccessPolicies", "id": "ca-1", "displayName": "Require MFA",
         "changedFields": ["state", "conditions.users.excludeGroups"]},
        {"action": "delete", "type": "deviceConfigurations", "id": "dc-9", "changedFields": []},
    ],
}  # fmt: skip


def test_plan_is_a_diff_of_every_change_with_the_digest() -> None:
    text = "\n".join(line.text for line in plan_lines(_run(phase="PendingApproval", plan=PLAN)))
    assert text.splitlines()[0] == "SyncRun contoso-1 (Tenant contoso) — Pending approval"
    assert '+ create namedLocations "Head office"' in text
    assert "    id: loc-1" in text
    assert '~ update conditionalAccessPolicies "Require MFA"' in text
    assert "      ~ state\n      ~ conditions.users.excludeGroups" in text
    assert '- delete deviceConfigurations "(no display name)"' in text
    assert "    id: dc-9" in text
    assert "Plan: 3 changes (1 to create, 1 to update, 1 to delete)" in text
    assert text.splitlines()[-3:] == [
        f"Digest: {DIGEST}",
        "Approve this plan:",
        "  kubectl tenantsync approve contoso-1 -n m365 --digest abc1230f9e8d",
    ]
    # Order is the plan's own (the deploy order), not re-sorted.
    assert text.index("Head office") < text.index("Require MFA") < text.index("dc-9")


def test_plan_styles_actions() -> None:
    styles = {line.text.split('"')[0].strip(): line.style for line in plan_lines(_run(plan=PLAN))}
    assert "green" in styles["+ create namedLocations"]
    assert "yellow" in styles["~ update conditionalAccessPolicies"]
    assert "red" in styles["- delete deviceConfigurations"]


def test_plan_shows_deploy_results_once_deployed() -> None:
    run = _run(
        phase="PartiallySuccessful",
        plan=PLAN,
        deploy={"results": [
            {"id": "loc-1", "type": "namedLocations", "action": "create", "result": "Applied", "createdId": "new-7"},
            {"id": "ca-1", "type": "conditionalAccessPolicies", "action": "update", "result": "Conflict",
             "message": "changed in the tenant since the plan"},
        ]},
    )  # fmt: skip
    text = "\n".join(line.text for line in plan_lines(run))
    assert "deploy result: Applied (created id new-7)" in text
    assert "deploy result: Conflict — changed in the tenant since the plan" in text


VALUED_PLAN = {
    "digest": "def4560f9e8d7c6b5a49382716054f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4",
    "changeCount": 120,
    "truncated": True,
    "file": "tenants/contoso/plans/contoso-1.json",
    "commit": "5e0c1f7a9d2b",
    "changes": [
        {"action": "create", "type": "namedLocations", "id": "loc-1", "displayName": "Head office",
         "changedFields": ["displayName", "isTrusted"],
         "values": [{"path": "displayName", "new": '"Head office"'}, {"path": "isTrusted", "new": "true"}]},
        {"action": "update", "type": "conditionalAccessPolicies", "id": "ca-1", "displayName": "Require MFA",
         "changedFields": ["state", "conditions.users.excludeGroups"],
         "values": [{"path": "state", "old": '"enabledForReportingButNotEnforced"', "new": '"enabled"'},
                    {"path": "conditions.users.excludeGroups", "old": '["g-1"]'}]},
        {"action": "delete", "type": "deviceConfigurations", "id": "dc-9", "changedFields": ["."],
         "values": [{"path": ".", "old": '{"displayName": "Legacy"}'}]},
    ],
}  # fmt: skip


def test_plan_shows_old_and_new_values() -> None:
    text = "\n".join(line.text for line in plan_lines(_run(phase="PendingApproval", plan=VALUED_PLAN)))
    assert '    fields:\n      + displayName: "Head office"\n      + isTrusted: true\n' in text
    assert (
        '    changed fields:\n      ~ state: "enabledForReportingButNotEnforced" → "enabled"\n'
        '      ~ conditions.users.excludeGroups: ["g-1"] (removed)\n'
    ) in text
    assert '      - .: {"displayName": "Legacy"}' in text


def test_wrapped_values_continue_under_the_value() -> None:
    lines = plan_lines(_run(phase="PendingApproval", plan=VALUED_PLAN))
    state = next(line for line in lines if line.text.startswith("      ~ state: "))
    assert state.indent == len("      ~ state: ")
    assert lines[-1].command and not any(line.command for line in lines[:-1])


ADMIN_CENTRE_PLAN = {
    "digest": DIGEST,
    "changeCount": 1,
    "adminCentreChangeCount": 1,
    "changes": [
        {"action": "update", "type": "teamsMeetingPolicy", "id": "Global", "displayName": "Global",
         "adminCentre": "Teams admin centre > Meetings > Meeting policies",
         "changedFields": ["AllowCloudRecording"],
         "values": [{"path": "AllowCloudRecording", "old": "true", "new": "false"}]},
    ],
}  # fmt: skip
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_an_admin_centre_change_wraps_under_its_page_at_80_columns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {"COLUMNS": "80", "TTY_COMPATIBLE": "1", "NO_COLOR": "1"}.items():
        monkeypatch.setenv(name, value)  # a terminal 80 columns wide, as rich finds one
    Terminal().lines(plan_lines(_run(phase="PendingApproval", plan=ADMIN_CENTRE_PLAN)))
    out = ANSI.sub("", capsys.readouterr().out).splitlines()
    where = next(n for n, line in enumerate(out) if line.startswith("    make this change in: Teams admin"))
    assert [line for line in out if len(line) > 80] == []
    assert out[where + 1] == " " * len("    make this change in: ") + "API can; never deployed)"


def test_only_a_plan_waiting_for_approval_says_how_to_approve_it() -> None:
    for phase in ("Succeeded", "Rejected", "InProgress"):
        text = [line.text for line in plan_lines(_run(phase=phase, plan=PLAN))]
        assert text[-1] == f"Digest: {DIGEST}", phase


def test_a_truncated_plan_says_where_the_whole_plan_is() -> None:
    lines = plan_lines(_run(phase="PendingApproval", plan=VALUED_PLAN))
    notice = next(line for line in lines if line.text.startswith("Showing"))
    assert notice.text == (
        "Showing the first 3 of 120 changes. The whole plan is tenants/contoso/plans/contoso-1.json at commit"
        " 5e0c1f7a9d2b of branch tenantsync/plans in the Tenant's repository."
    )
    assert notice.style == "yellow"
    assert "Plan: 120 changes (the 3 shown: 1 to create, 1 to update, 1 to delete)" in [
        line.text for line in lines
    ]
    untruncated = [line.text for line in plan_lines(_run(plan=PLAN))]
    assert not any(text.startswith("Showing") for text in untruncated)


def test_a_digest_start_of_eight_characters_names_the_plan() -> None:
    digest = "5e0c1f7a9d2b4c6e"
    assert names_digest("5e0c1f7a", digest)
    assert names_digest(" 5E0C1F7A9D ", digest)
    assert not names_digest("5e0c1f7", digest)
    assert not names_digest("5e0c1f7b", digest)


def test_empty_plan_and_no_plan() -> None:
    empty = "\n".join(
        line.text for line in plan_lines(_run(phase="Succeeded", plan={"digest": "d", "changes": []}))
    )
    assert "No changes: the tenant matches the desired state." in empty
    assert "Plan: 0 changes" in empty
    none = "\n".join(line.text for line in plan_lines(_run(phase="InProgress", step="Backup")))
    assert "No plan yet: the run is at step Backup." in none


def test_error_text_is_the_whole_error_plain() -> None:
    run = _run(
        phase="NewError",
        message="The client secret expired.",
        error={
            "code": "ClientSecretExpired",
            "message": "The client secret of app 1f0e expired on 2026-11-01. Create a new secret.",
            "troubleshootingUrl": "https://example.com/docs/troubleshooting/ClientSecretExpired.md",
        },
    )
    assert error_text("SyncRun", run) == (
        "SyncRun m365/contoso-1: New error (Tenant contoso)\n"
        "Code: ClientSecretExpired\n"
        "Message: The client secret of app 1f0e expired on 2026-11-01. Create a new secret.\n"
        "Troubleshooting: https://example.com/docs/troubleshooting/ClientSecretExpired.md\n"
    )


def test_error_text_carries_consent_sign_in_and_failed_changes() -> None:
    run = _run(
        phase="PartiallySuccessful",
        message="2 of 3 changes deployed.",
        authentication={
            "missingPermissions": ["Policy.ReadWrite.ConditionalAccess"],
            "adminConsentUrl": "https://login.example/adminconsent?client_id=1f0e",
            "user": {"state": "TimedOut", "message": "User authentication failed - timed out."},
        },
        deploy={"results": [
            {"id": "a", "type": "namedLocations", "action": "create", "result": "Applied"},
            {"id": "b", "type": "conditionalAccessPolicies", "action": "update", "result": "Failed",
             "message": "400 Bad Request"},
        ]},
    )  # fmt: skip
    text = error_text("SyncRun", run)
    assert "Message: 2 of 3 changes deployed." in text
    assert "Missing permissions: Policy.ReadWrite.ConditionalAccess" in text
    assert "Admin consent URL: https://login.example/adminconsent?client_id=1f0e" in text
    assert "User sign-in (TimedOut): User authentication failed - timed out." in text
    assert "Change Failed: update conditionalAccessPolicies b: 400 Bad Request" in text
    assert "namedLocations a" not in text


@pytest.mark.parametrize("state", ["TimedOut", "Blocked", "Failed"])
def test_every_failed_sign_in_is_a_failure_with_its_message(state: str) -> None:
    run = _run(
        phase="PartiallySuccessful",
        message="Backed up without a signed-in user.",
        authentication={"user": {"state": state, "message": f"User authentication failed - {state}."}},
    )
    assert sign_in_failed(state)
    assert not sign_in_succeeded(state)
    assert f"User sign-in ({state}): User authentication failed - {state}." in error_text("SyncRun", run)


@pytest.mark.parametrize("state", ["SignedIn", "SignedInByDeviceCode"])
def test_signed_in_states(state: str) -> None:
    assert sign_in_succeeded(state)
    assert not sign_in_failed(state)


def test_pending_and_unknown_sign_in_states_are_neither() -> None:
    for state in ("Pending", "NotConfigured", None):
        assert not sign_in_succeeded(state)
        assert not sign_in_failed(state)


def test_error_code_names_the_page() -> None:
    assert error_code(
        _run(error={"code": "ClientSecretExpired", "message": "", "troubleshootingUrl": ""})
    ) == ("ClientSecretExpired")
    assert error_code(_run(phase="PartiallySuccessful")) is None


def test_timeline_merges_events_and_conditions_in_time_order() -> None:
    run = _run(
        conditions=[
            {"type": "BackedUp", "status": "True", "reason": "BackedUp", "message": "12 objects",
             "lastTransitionTime": "2026-11-23T06:00:05Z"},
            {"type": "Authenticated", "status": "True", "reason": "SignedIn", "message": "",
             "lastTransitionTime": "2026-11-23T06:00:02Z"},
        ]
    )  # fmt: skip
    events: list[dict[str, Any]] = [
        {"type": "Normal", "reason": "PendingApproval", "message": "waiting",
         "lastTimestamp": "2026-11-23T06:00:09Z", "count": 2},
        {"type": "Normal", "reason": "Starting", "message": "preflight",
         "eventTime": "2026-11-23T06:00:00.123456Z"},
    ]  # fmt: skip
    entries = timeline(run, events)
    assert [e.reason for e in entries] == ["Starting", "SignedIn", "BackedUp", "PendingApproval"]
    assert entries[1].source == "Condition"
    assert entries[1].type == "Authenticated=True"
    assert entries[3].count == 2


def test_permissions_list_exchange_manage_as_app_and_the_entra_role_of_each_type() -> None:
    types = [ResourceType.NAMED_LOCATIONS, ResourceType.TRANSPORT_RULE, ResourceType.SAFE_LINKS_POLICY,
             ResourceType.DLP_COMPLIANCE_POLICY]  # fmt: skip
    managed = permission_report(types, Mode.MANAGED).as_dict()
    assert [p["name"] for p in managed["applicationPermissions"]] == required_permissions(types, Mode.MANAGED)
    assert managed["exchangePermissions"] == [
        {
            "name": "Exchange.ManageAsApp",
            "neededBy": ["transportRule", "safeLinksPolicy", "dlpCompliancePolicy"],
        }
    ]
    assert managed["entraRoles"] == [
        {"name": "Exchange Administrator or Global Administrator", "neededBy": ["transportRule"]},
        {"name": "Security Administrator or Exchange Administrator or Global Administrator",
         "neededBy": ["safeLinksPolicy"]},
        {"name": "Compliance Administrator or Global Administrator", "neededBy": ["dlpCompliancePolicy"]},
    ]  # fmt: skip
    reading = permission_report([ResourceType.SAFE_LINKS_POLICY], Mode.BACKUP_ONLY).as_dict()
    assert reading["entraRoles"][0]["name"].startswith("Security Reader or Global Reader")
    graph_only = permission_report([ResourceType.NAMED_LOCATIONS], Mode.MANAGED).as_dict()
    assert graph_only["exchangePermissions"] == graph_only["entraRoles"] == []


def test_permissions_for_managed_match_the_operator_preflight() -> None:
    types = list(ResourceType)
    report = permission_report(types, Mode.MANAGED)
    assert [p.name for p in report.application] == required_permissions(types, Mode.MANAGED)
    by_name = {p.name: p.needed_by for p in report.application}
    assert by_name["Policy.ReadWrite.ConditionalAccess"] == (
        "conditionalAccessPolicies",
        "namedLocations",
        "authenticationStrengthPolicies",
        "authenticationContextClassReferences",
    )
    assert by_name["Policy.ReadWrite.AuthenticationMethod"] == ("authenticationMethodsPolicy",)
    assert "Policy.ReadWrite.SecurityDefaults" in by_name
    assert [(p.name, p.needed_by) for p in report.delegated] == [
        (ADMIN_API_SCOPE, ("passwordResetPolicy", "b2bPolicy", "enterpriseStateRoaming")),
        ("https://graph.microsoft.com/Policy.ReadWrite.HybridAuthentication", ("featureRolloutPolicies",)),
        ("https://graph.microsoft.com/TeamworkAppSettings.ReadWrite.All", ("teamsAppSettings",)),
    ]


def test_permissions_for_backup_only_are_read_only() -> None:
    report = permission_report(
        [ResourceType.NAMED_LOCATIONS, ResourceType.DEVICE_CONFIGURATIONS], Mode.BACKUP_ONLY
    )
    assert [(p.name, p.needed_by) for p in report.application] == [
        ("DeviceManagementConfiguration.Read.All", ("deviceConfigurations",)),
        ("Policy.Read.All", ("namedLocations",)),
    ]
    assert report.delegated == ()
    # Creating a Teams snapshot job is the one write a backup makes, and Graph grants it with nothing less.
    assert [
        p.name
        for p in permission_report(list(ResourceType), Mode.BACKUP_ONLY).application
        if "ReadWrite" in p.name
    ] == ["ConfigurationMonitoring.ReadWrite.All"]


def test_permissions_name_the_tenant_configuration_management_permission_for_teams_types() -> None:
    report = permission_report(
        [ResourceType.TEAMS_MEETING_POLICY, ResourceType.NAMED_LOCATIONS], Mode.MANAGED
    )
    assert ("ConfigurationMonitoring.ReadWrite.All", ("teamsMeetingPolicy",)) in [
        (p.name, p.needed_by) for p in report.application
    ]
    assert [(p.name, p.needed_by) for p in report.snapshots] == [
        ("03b07b79-c5bc-4b5e-9bfa-13acf4a99998 with Global Reader", ("teamsMeetingPolicy",))
    ]
    assert permission_report([ResourceType.NAMED_LOCATIONS], Mode.MANAGED).snapshots == ()


def test_parse_resources() -> None:
    assert parse_resources("namedLocations, b2bPolicy") == [
        ResourceType.NAMED_LOCATIONS,
        ResourceType.B2B_POLICY,
    ]
    with pytest.raises(
        ValueError, match="unknown resource type\\(s\\): nope; valid: conditionalAccessPolicies"
    ):
        parse_resources("namedLocations,nope")


@pytest.mark.parametrize(
    ("status", "line"),
    [
        (
            {"queuedSeconds": 42.5, "startTime": "2026-11-23T06:00:43Z", "duration": "3m12s"},
            "Last run contoso-1: took 3m12s, after 42s in the queue.",
        ),
        (
            {"queuedSeconds": 0.4, "startTime": "2026-11-23T06:00:01Z"},
            "Last run contoso-1: working since 2026-11-23T06:00:01Z, after 0s in the queue.",
        ),
        ({"duration": "1m"}, "Last run contoso-1: took 1m."),
        (
            {"queuedSeconds": 7.0, "completionTime": "2026-11-23T06:00:07Z"},
            "Last run contoso-1: ended before its first step, after 7s in the queue.",
        ),
        ({}, "Last run contoso-1: waiting in the queue."),
    ],
)
def test_the_last_run_line_puts_the_queue_wait_beside_the_work(status: dict[str, Any], line: str) -> None:
    assert last_run_line({"metadata": {"name": "contoso-1"}, "status": status}) == line


def test_a_change_only_the_admin_centre_can_make_says_where() -> None:
    plan = {
        "digest": DIGEST,
        "changeCount": 2,
        "adminCentreChangeCount": 1,
        "changes": [
            {"action": "update", "type": "teamsMeetingPolicy", "id": "Global", "changedFields": ["AllowCloudRecording"],
             "adminCentre": "Teams admin centre > Meetings > Meeting policies"},
            {"action": "create", "type": "namedLocations", "id": "loc-1", "displayName": "Head office"},
        ],
    }  # fmt: skip
    lines = plan_lines(_run(phase="PendingApproval", plan=plan))
    text = [line.text for line in lines]
    where = "    make this change in: Teams admin centre > Meetings > Meeting policies (no API can; never deployed)"
    assert text.index(where) == text.index("    id: Global") + 1
    assert text.count(where) == 1  # the named location's change is deployed as usual
    assert (
        "1 of them must be made by a person in the admin centre each names; an approval deploys only the others."
        in text
    )
