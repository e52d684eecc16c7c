"""An audit record read as drift: (type, object id, changed fields) and who, when and what, or nothing.

Three shapes: Entra's ``directoryAudit``, Intune's ``auditEvent`` and the unified audit log's admin
record (``AuditData`` of ``Search-UnifiedAuditLog``: the cmdlet as ``Operation``, the identity it was given
as ``ObjectId``, its ``Parameters``). An admin record names its object as the cmdlet was told to (a
name, mostly); the commit step finds the object's key, the ``Guid`` the backup files it under. A record maps to a change to a kept object through the catalogue's audit names (docs/drift.md). It maps
to nothing when it is about an object tenantsync does not keep (users, groups, a type the Tenant does not
sync), when it failed, or when the operator made it (its own application id, during its deploys).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tenantsync.api import DriftActor, DriftChange, ResourceType
from tenantsync.catalog import AuditSource, catalog, named_type

JsonObject = dict[str, Any]
ADMIN_SOURCES = frozenset({AuditSource.EXCHANGE_ADMIN, AuditSource.COMPLIANCE_ADMIN})

_VERBS = ("add", "update", "delete", "set", "create", "patch", "remove", "restore", "assign")


@dataclass(frozen=True)
class SeenChange:
    """A drift change and the audit record it came from (its id, so a record is counted once)."""

    record_id: str
    change: DriftChange


_CMDLET_VERBS = ("set", "new", "add", "remove", "enable", "disable")
_USER_TYPE_APPLICATION = (4, 5, 6)
"""The unified audit log's UserType for System, Application and ServicePrincipal."""


def parse_time(value: object) -> datetime | None:
    """An ISO time; the unified audit log's ``CreationTime`` has no zone and is UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def record_identity(source: AuditSource, record: JsonObject) -> tuple[str, datetime | None]:
    """A record's id and the time of its activity."""
    if source in ADMIN_SOURCES:
        return str(record.get("Id") or ""), parse_time(record.get("CreationTime"))
    return str(record.get("id") or ""), parse_time(record.get("activityDateTime"))


def audit_data(result: JsonObject) -> JsonObject | None:
    """The unified audit log record inside a ``Search-UnifiedAuditLog`` result (its ``AuditData``)."""
    raw = result.get("AuditData")
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _field_names(properties: object) -> list[str]:
    if not isinstance(properties, list):
        return []
    names = [str(p.get("displayName")) for p in properties if isinstance(p, dict) and p.get("displayName")]
    return sorted(dict.fromkeys(names))


def _object_id(type_: ResourceType, raw: object) -> str:
    """A singleton's file is named after its type, whatever id the service gives it."""
    return str(type_) if catalog()[type_].singleton else str(raw or "")


def _directory_change(
    record: JsonObject, types: Iterable[ResourceType], own_app_id: str
) -> DriftChange | None:
    activity = str(record.get("activityDisplayName") or "")
    verb, _, model = activity.partition(" ")
    if verb.lower() not in _VERBS or str(record.get("result", "success")).lower() != "success":
        return None
    type_ = named_type(AuditSource.DIRECTORY, model, types)
    targets = [t for t in record.get("targetResources") or [] if isinstance(t, dict)]
    if type_ is None or not targets:
        return None
    initiated = record.get("initiatedBy") or {}
    user = initiated.get("user") or {}
    app = initiated.get("app") or {}
    if not user and str(app.get("appId") or "").lower() == own_app_id.lower():
        return None
    when = parse_time(record.get("activityDateTime"))
    if when is None:
        return None
    target = targets[0]
    return DriftChange(
        type=type_,
        objectId=_object_id(type_, target.get("id")),
        displayName=target.get("displayName") or None,
        actor=DriftActor(
            userPrincipalName=user.get("userPrincipalName") or None,
            appDisplayName=app.get("displayName") or app.get("servicePrincipalName") or None,
            appId=app.get("appId") or None,
        ),
        time=when,
        activity=activity,
        changedFields=_field_names(target.get("modifiedProperties")),
        source=AuditSource.DIRECTORY.value,
    )


def _intune_change(record: JsonObject, types: Iterable[ResourceType], own_app_id: str) -> DriftChange | None:
    if str(record.get("activityResult") or "Success").lower() != "success":
        return None
    wanted = list(types)
    resources = [r for r in record.get("resources") or [] if isinstance(r, dict)]
    found = next(
        (
            (type_, resource)
            for resource in resources
            if (
                type_ := named_type(
                    AuditSource.INTUNE,
                    str(resource.get("auditResourceType") or resource.get("type") or ""),
                    wanted,
                )
            )
            is not None
        ),
        None,
    )
    if found is None:
        return None
    type_, resource = found
    actor = record.get("actor") or {}
    upn = actor.get("userPrincipalName") or None
    app_id = actor.get("applicationId") or None
    if upn is None and str(app_id or "").lower() == own_app_id.lower():
        return None
    when = parse_time(record.get("activityDateTime"))
    if when is None:
        return None
    return DriftChange(
        type=type_,
        objectId=_object_id(type_, resource.get("resourceId")),
        displayName=resource.get("displayName") or None,
        actor=DriftActor(
            userPrincipalName=upn,
            appDisplayName=actor.get("applicationDisplayName") or actor.get("servicePrincipalName") or None,
            appId=app_id,
        ),
        time=when,
        activity=str(record.get("activity") or record.get("displayName") or ""),
        changedFields=_field_names(resource.get("modifiedProperties")),
        source=AuditSource.INTUNE.value,
    )


def _admin_change(
    source: AuditSource, record: JsonObject, types: Iterable[ResourceType], own_app_id: str
) -> DriftChange | None:
    operation = str(record.get("Operation") or "")
    verb, _, noun = operation.partition("-")
    if verb.lower() not in _CMDLET_VERBS or str(record.get("ResultStatus", "True")).lower() not in (
        "true",
        "succeeded",
        "success",
    ):
        return None
    type_ = named_type(source, noun, types)
    if type_ is None:
        return None
    user_id = str(record.get("UserId") or "")
    is_user = "@" in user_id and record.get("UserType") not in _USER_TYPE_APPLICATION
    app_id = str(record.get("AppId") or "") or None
    if not is_user and str(app_id or "").lower() == own_app_id.lower():
        return None
    when = parse_time(record.get("CreationTime"))
    if when is None:
        return None
    parameters = [p for p in record.get("Parameters") or [] if isinstance(p, dict)]
    fields = sorted({str(p.get("Name")) for p in parameters if p.get("Name") not in (None, "Identity")})
    identity = str(record.get("ObjectId") or "")
    return DriftChange(
        type=type_,
        objectId=_object_id(type_, identity),
        displayName=identity or None,
        actor=DriftActor(
            userPrincipalName=user_id if is_user else None,
            appDisplayName=None if is_user else (user_id or None),
            appId=app_id,
        ),
        time=when,
        activity=operation,
        changedFields=fields,
        source=source.value,
    )


def drift_change(
    source: AuditSource, record: JsonObject, types: Iterable[ResourceType], own_app_id: str
) -> SeenChange | None:
    """The change ``record`` shows to an object of ``types`` made by anyone but ``own_app_id``, or None.
    An admin record is its ``AuditData``."""
    if source in ADMIN_SOURCES:
        change = _admin_change(source, record, types, own_app_id)
    elif source == AuditSource.DIRECTORY:
        change = _directory_change(record, types, own_app_id)
    else:
        change = _intune_change(record, types, own_app_id)
    if change is None or not change.objectId:
        return None
    record_id, _ = record_identity(source, record)
    return SeenChange(record_id or json.dumps(record, sort_keys=True), change)
