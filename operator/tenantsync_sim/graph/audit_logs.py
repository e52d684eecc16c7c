"""The two audit logs Graph serves: ``auditLogs/directoryAudits`` and ``deviceManagement/auditEvents``.

Read-only lists of the records :mod:`tenantsync_sim.audit` holds, newest first, with ``$filter`` (on
``activityDateTime`` above all), ``$top`` and paging. Each has its documented permissions: the directory
audits ``AuditLog.Read.All`` (Microsoft's "List directoryAudits"), Intune's audit events
``DeviceManagementApps.Read.All`` (Microsoft's "List auditEvents"). The directory audits sit behind the
identity and access reports' own limit of 5 requests per 10 seconds per app and tenant (Microsoft Graph's
throttling limits); Intune's audit events share Intune's buckets.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenantsync_sim.audit import AuditSource
from tenantsync_sim.graph.errors import Service
from tenantsync_sim.state import ServiceThrottle


@dataclass(frozen=True)
class AuditLogPath:
    name: str
    """The path as Graph spells it in ``@odata.context``."""
    source: AuditSource
    entity: str
    service: Service
    throttle: str
    """The key of the tenant's throttle buckets it draws from."""
    read: tuple[str, ...]


AUDIT_LOGS = (
    AuditLogPath(
        "auditLogs/directoryAudits",
        "directory",
        "directoryAudit",
        "directory",
        "reports",
        ("AuditLog.Read.All",),
    ),
    AuditLogPath(
        "deviceManagement/auditEvents",
        "intune",
        "auditEvent",
        "intune",
        "intune",
        ("DeviceManagementApps.Read.All", "DeviceManagementApps.ReadWrite.All"),
    ),
)

REPORTS_THROTTLE = ServiceThrottle(
    tenant_capacity=5, tenant_refill_per_second=0.5, app_capacity=5, app_refill_per_second=0.5
)
"""Identity and access reports: 5 requests per 10 seconds (unless the tenant's settings name ``reports``)."""


def match_audit_log(segments: list[str]) -> tuple[AuditLogPath, list[str]] | None:
    """The audit log a path names, and what follows it (a record's id)."""
    lowered = [s.lower() for s in segments]
    for log in AUDIT_LOGS:
        path = log.name.lower().split("/")
        if lowered[: len(path)] == path:
            return log, segments[len(path) :]
    return None
