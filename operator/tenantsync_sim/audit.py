"""The audit records a tenant keeps of every change: Entra's directory audits and Intune's audit events.

Each write through Graph, and each "portal" change made through the control API with an actor, leaves one
record, in the shape of Microsoft's models (``microsoft.graph.directoryAudit`` for Entra's objects,
``microsoft.graph.auditEvent`` for Intune's). A record becomes visible only after the ingestion delay,
as the real service publishes them minutes after the change: Microsoft's "Azure AD reporting latencies"
page gave 2 minutes at the 95th percentile and 5 at the 99th for audit logs, so the default is
120 seconds, configurable down to 0 for tests (``--audit-delay``, or the control API).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from tenantsync_sim.state import JsonObject

DEFAULT_INGESTION_DELAY_SECONDS = 120.0
"""Microsoft's figure for audit logs at the 95th percentile (see the module's docstring)."""
ADMIN_INGESTION_DELAY_SECONDS = 3600.0
"""The Exchange and Purview admin audit: the low end of Microsoft's "typically 60 to 90 minutes" for
Exchange's audit events (the Office 365 Management Activity API's troubleshooting page)."""

AuditSource = Literal["directory", "intune"]
Operation = Literal["Add", "Update", "Delete"]


@dataclass(frozen=True)
class Actor:
    """Who made a change: a signed-in user, or an application acting as itself."""

    user_id: str | None = None
    user_principal_name: str | None = None
    user_display_name: str | None = None
    app_id: str | None = None
    app_display_name: str | None = None
    service_principal_id: str | None = None
    ip_address: str = "203.0.113.10"


@dataclass(frozen=True)
class Change:
    """One change to one object: which type (the model's ``@odata.type`` name), which object, which
    properties, before and after."""

    source: AuditSource
    entity: str
    object_id: str
    display_name: str
    operation: Operation
    modified: tuple[tuple[str, Any, Any], ...] = ()


def _words(entity: str) -> str:
    """``conditionalAccessPolicy`` -> ``conditional access policy``, as Entra's activity names read."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", entity).lower()


def _timestamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _value(value: Any) -> str:
    """Old and new values as the audit logs carry them: JSON text."""
    return json.dumps(value, separators=(",", ":"))


# Only properties both msgraph-sdk (v1.0) and the beta SDK model, as both versions serve the same record
# (tests/integration/sim/test_sim_audit_conformance.py).
def _directory_audit(change: Change, actor: Actor, moment: dt.datetime) -> JsonObject:
    activity = f"{change.operation} {_words(change.entity)}"
    initiated: JsonObject = {"user": None, "app": None}
    if actor.user_id is not None:
        initiated["user"] = {
            "id": actor.user_id,
            "displayName": actor.user_display_name,
            "userPrincipalName": actor.user_principal_name,
            "ipAddress": actor.ip_address,
        }
    else:
        initiated["app"] = {
            "appId": actor.app_id,
            "displayName": actor.app_display_name,
            "servicePrincipalId": actor.service_principal_id,
            "servicePrincipalName": actor.app_display_name,
        }
    return {
        "id": f"Directory_{uuid.uuid4()}",
        "category": "Policy",
        "correlationId": str(uuid.uuid4()),
        "result": "success",
        "resultReason": "",
        "activityDisplayName": activity,
        "activityDateTime": _timestamp(moment),
        "loggedByService": "Core Directory",
        "operationType": change.operation,
        "initiatedBy": initiated,
        "targetResources": [
            {
                "id": change.object_id,
                "displayName": change.display_name,
                "type": "Policy",
                "userPrincipalName": None,
                "groupType": None,
                "modifiedProperties": [
                    {"displayName": name, "oldValue": _value(old), "newValue": _value(new)}
                    for name, old, new in change.modified
                ],
            }
        ],
        "additionalDetails": [],
    }


def _intune_event(change: Change, actor: Actor, moment: dt.datetime) -> JsonObject:
    resource_type = change.entity[:1].upper() + change.entity[1:]
    is_user = actor.user_id is not None
    activity = f"{'Create' if change.operation == 'Add' else change.operation} {resource_type}"
    return {
        "@odata.type": "#microsoft.graph.auditEvent",
        "id": str(uuid.uuid4()),
        "displayName": activity,
        "componentName": "DeviceConfiguration",
        "actor": {
            "@odata.type": "microsoft.graph.auditActor",
            "auditActorType": "ItPro" if is_user else "Application",
            "userPermissions": ["*"],
            "applicationId": actor.app_id,
            "applicationDisplayName": actor.app_display_name,
            "userPrincipalName": actor.user_principal_name,
            "servicePrincipalName": None if is_user else actor.app_display_name,
            "ipAddress": actor.ip_address,
            "userId": actor.user_id,
        },
        "activity": activity,
        "activityDateTime": _timestamp(moment),
        "activityType": activity,
        "activityOperationType": {"Add": "Create", "Update": "Patch", "Delete": "Delete"}[change.operation],
        "activityResult": "Success",
        "correlationId": str(uuid.uuid4()),
        "resources": [
            {
                "@odata.type": "microsoft.graph.auditResource",
                "displayName": change.display_name,
                "modifiedProperties": [
                    {
                        "@odata.type": "microsoft.graph.auditProperty",
                        "displayName": name,
                        "oldValue": _value(old),
                        "newValue": _value(new),
                    }
                    for name, old, new in change.modified
                ],
                "auditResourceType": resource_type,
                "resourceId": change.object_id,
            }
        ],
        "category": "DeviceConfiguration",
    }


@dataclass
class _Entry:
    recorded_at: float
    record: JsonObject


@dataclass
class AuditLog:
    """Every tenant's records, oldest first, each with the moment it becomes visible to readers."""

    ingestion_delay_seconds: float = DEFAULT_INGESTION_DELAY_SECONDS
    admin_ingestion_delay_seconds: float = ADMIN_INGESTION_DELAY_SECONDS
    """The Exchange and Purview admin audit's own delay (tenantsync_sim.exchange.admin_audit)."""
    max_entries: int = 10000
    _entries: dict[tuple[str, AuditSource], list[_Entry]] = field(default_factory=dict)
    _admin: dict[str, list[_Entry]] = field(default_factory=dict)

    def record(self, tenant_id: str, change: Change, actor: Actor, now: float) -> JsonObject:
        moment = dt.datetime.fromtimestamp(now, dt.UTC)
        shape = _directory_audit if change.source == "directory" else _intune_event
        record = shape(change, actor, moment)
        entries = self._entries.setdefault((tenant_id, change.source), [])
        entries.append(_Entry(now, record))
        del entries[: max(0, len(entries) - self.max_entries)]
        return record

    def visible(self, tenant_id: str, source: AuditSource, now: float) -> list[JsonObject]:
        """The records ingested by ``now``, newest first as Graph lists them. The delay applies when
        read, so a test that lowers it sees what was held back."""
        entries = self._entries.get((tenant_id, source), [])
        ingested = now - self.ingestion_delay_seconds
        return [entry.record for entry in reversed(entries) if entry.recorded_at <= ingested]

    def record_admin(self, tenant_id: str, record: JsonObject, now: float) -> None:
        """An Exchange or Purview admin audit record, made whole by its service's shape."""
        entries = self._admin.setdefault(tenant_id, [])
        entries.append(_Entry(now, record))
        del entries[: max(0, len(entries) - self.max_entries)]

    def visible_admin(self, tenant_id: str, now: float) -> list[JsonObject]:
        """The admin audit records ingested by ``now``, newest first as the search returns them."""
        ingested = now - self.admin_ingestion_delay_seconds
        entries = self._admin.get(tenant_id, [])
        return [entry.record for entry in reversed(entries) if entry.recorded_at <= ingested]

    def clear(self, tenant_id: str) -> None:
        for key in [key for key in self._entries if key[0] == tenant_id]:
            del self._entries[key]
        self._admin.pop(tenant_id, None)
