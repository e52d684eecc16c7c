"""The chart's alert rules: valid for promtool, proven by promtool unit tests, documented for people."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.unit.alerts.conftest import ALERTS_DOC, RULES, RULES_TESTS, run_promtool

RUNBOOK = "https://github.com/tenantsync/tenantsync/blob/main/docs/alerts.md#"
SEVERITIES = {"critical", "warning", "info"}
EXPECTED_ALERTS = {
    "TenantsyncSyncFailed",
    "TenantsyncSyncPartiallySuccessful",
    "TenantsyncPendingApprovalTooLong",
    "TenantsyncPendingAuthentication",
    "TenantsyncPendingAdminConsent",
    "TenantsyncDriftDetected",
    "TenantsyncNoRecentSuccessfulSync",
    "TenantsyncCredentialsExpiringSoon",
    "TenantsyncTenantCertificateExpiringSoon",
    "TenantsyncAppCredentialExpiringSoon",
    "TenantsyncUnencryptedSecretsInBackup",
    "TenantsyncOperatorDown",
    "TenantsyncOperatorNotReconciling",
    "TenantsyncBaselineDriftPersisting",
    "TenantsyncBaselineRolloutHalted",
}


def alerts(group_name: str | None = None) -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [
        rule
        for group in groups
        if group_name in (None, group["name"])
        for rule in group["rules"]
        if "alert" in rule
    ]


def test_promtool_check_rules(promtool: str) -> None:
    result = run_promtool(promtool, "check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in result.stdout


def test_promtool_test_rules(promtool: str) -> None:
    """Each alert fires on the series meant to fire it, and on none of the others (see the test file)."""
    result = run_promtool(promtool, "test", "rules", *map(str, RULES_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alerts_are_the_documented_set() -> None:
    assert {rule["alert"] for rule in alerts()} == EXPECTED_ALERTS


def test_every_alert_has_a_firing_case_in_the_promtool_tests() -> None:
    firing: set[str] = set()
    for tests in RULES_TESTS:
        spec = yaml.safe_load(tests.read_text())
        assert [(tests.parent / path).resolve() for path in spec["rule_files"]] == [RULES]
        firing |= {
            case["alertname"]
            for test in spec["tests"]
            for case in test.get("alert_rule_test", [])
            if case.get("exp_alerts")
        }
    assert firing == EXPECTED_ALERTS


@pytest.mark.parametrize("schedule", ["hourly", "daily", "weekly", "manual"])
def test_no_recent_success_is_tested_firing_and_not_for_each_schedule(schedule: str) -> None:
    """Where this alert came from: a healthy weekly Tenant paged six days a week. Each schedule has an
    evaluation where one of its Tenants fires and one where none does; a manual-only Tenant never fires."""
    spec = yaml.safe_load(RULES_TESTS[1].read_text())
    fired_per_case = [
        {alert["exp_labels"]["tenant"] for alert in case["exp_alerts"]}
        for test in spec["tests"]
        if any(f'tenant="{schedule}' in series["series"] for series in test["input_series"])
        for case in test["alert_rule_test"]
        if case["alertname"] == "TenantsyncNoRecentSuccessfulSync"
    ]
    ours = [{tenant for tenant in fired if tenant.startswith(schedule)} for fired in fired_per_case]
    assert set() in ours
    assert any(ours) == (schedule != "manual")


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule["alert"])
def test_alert_labels_and_annotations(rule: dict[str, Any]) -> None:
    assert rule["labels"]["severity"] in SEVERITIES
    annotations = rule["annotations"]
    assert set(annotations) == {"summary", "description", "runbook_url"}
    assert annotations["runbook_url"] == RUNBOOK + rule["alert"].lower()


@pytest.mark.parametrize("rule", alerts("tenantsync.tenants"), ids=lambda rule: rule["alert"])
def test_tenant_alerts_name_the_tenant(rule: dict[str, Any]) -> None:
    for key in ("summary", "description"):
        assert "{{ $labels.namespace }}/{{ $labels.tenant }}" in rule["annotations"][key], key


def test_every_runbook_anchor_is_a_heading_of_docs_alerts() -> None:
    headings = re.findall(r"^## (\S+)$", ALERTS_DOC.read_text(), flags=re.MULTILINE)
    anchors = {heading.lower() for heading in headings}
    for rule in alerts():
        assert rule["annotations"]["runbook_url"].removeprefix(RUNBOOK) in anchors, rule["alert"]
    assert set(headings) == EXPECTED_ALERTS
