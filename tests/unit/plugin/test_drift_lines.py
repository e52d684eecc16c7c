"""`kubectl tenantsync status TENANT`'s drift lines: who changed what, newest first; the watch when stuck."""

from __future__ import annotations

from tenantsync.cli.plugin_drift import drift_lines


def _change(upn: str | None, app: str | None, when: str, commit: str | None) -> dict[str, object]:
    return {
        "type": "conditionalAccessPolicies", "objectId": "p-1", "displayName": "Require MFA",
        "actor": {"userPrincipalName": upn, "appDisplayName": app, "appId": "a-1" if app else None},
        "time": when, "activity": "Update conditional access policy", "changedFields": ["state"],
        "source": "directoryAudits", "commit": commit,
    }  # fmt: skip


def test_changes_name_the_person_or_the_app_and_the_commit() -> None:
    tenant = {
        "status": {
            "drift": {
                "watch": "Watching",
                "detected": 3,
                "changes": [
                    _change("alice@contoso.com", None, "2026-12-07T09:40:01Z", "a" * 40),
                    _change(None, "Some script", "2026-12-07T09:30:00Z", None),
                ],
            }
        }
    }
    lines = drift_lines(tenant)
    assert lines[0] == "Changed outside tenantsync (3 seen, newest first):"
    assert lines[1] == (
        "  2026-12-07 09:40:01Z  alice@contoso.com  Update conditional access policy"
        "  conditionalAccessPolicies/p-1 'Require MFA'  fields: state commit aaaaaaaaaaaa"
    )
    assert "Some script (a-1)" in lines[2] and "commit" not in lines[2]


def test_a_watch_waiting_for_consent_says_so_and_nothing_says_nothing() -> None:
    waiting = {"status": {"drift": {"watch": "PendingAdminConsent", "message": "Waiting for admin consent."}}}
    assert drift_lines(waiting) == ["Drift watch: PendingAdminConsent. Waiting for admin consent."]
    assert drift_lines({"status": {}}) == []
    assert drift_lines({"status": {"drift": {"watch": "Watching"}}}) == []
