"""`kubectl tenantsync status TENANT`'s drift lines: the changes the audit logs showed, and who made them."""

from __future__ import annotations

from typing import Any

from tenantsync.api import DriftStatus, DriftWatch


def drift_lines(tenant: dict[str, Any]) -> list[str]:
    """Lines under the status table for one Tenant: the audit watch when it cannot watch, and the
    newest changes made outside tenantsync, newest first; none when there is nothing to say."""
    raw = (tenant.get("status") or {}).get("drift")
    if not raw:
        return []
    drift = DriftStatus.model_validate(raw)
    lines: list[str] = []
    if drift.watch in (DriftWatch.PENDING_ADMIN_CONSENT, DriftWatch.FAILING) and drift.message:
        lines.append(f"Drift watch: {drift.watch}. {drift.message}")
    if drift.changes:
        lines.append(f"Changed outside tenantsync ({drift.detected} seen, newest first):")
    for change in drift.changes:
        actor = change.actor
        who = actor.userPrincipalName or f"{actor.appDisplayName or 'app'} ({actor.appId or '?'})"
        name = f" {change.displayName!r}" if change.displayName else ""
        fields = ", ".join(change.changedFields) or "-"
        commit = f" commit {change.commit[:12]}" if change.commit else ""
        lines.append(
            f"  {change.time:%Y-%m-%d %H:%M:%SZ}  {who}  {change.activity}  {change.type}/{change.objectId}{name}"
            f"  fields: {fields}{commit}"
        )
    return lines
