"""An audit record read as drift: (type, object id, changed fields) and who, when and what, or nothing.

A record maps to a change to a kept object through the catalogue's audit names (docs/drift.md). It maps
to nothing when it is about an object tenantsync does not keep (users, groups, a type the Tenant does not
sync), when it failed, or when the operator made it (its own application id, during its deploys).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tenantsync.api import DriftActor, DriftChange, ResourceType
from tenantsync.catalog import AuditSource, catalog, named_type

JsonObject = dict[str, Any]

_VERBS = ("add", "update", "delete", "set", "create", "patch", "remove", "restore", "assign")


@dataclass(frozen=True)
class SeenChange:
    """A drift change and the audit record it came from (its id, so a record is counted once)."""

    record_id: str
    change: DriftChange


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


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


def drift_change(
    source: AuditSource, record: JsonObject, types: Iterable[ResourceType], own_app_id: str
) -> SeenChange | None:
    """The change ``record`` shows to an object of ``types`` made by anyone but ``own_app_id``, or None."""
    read = _directory_change if source == AuditSource.DIRECTORY else _intune_change
    change = read(record, types, own_app_id)
    if change is None or not change.objectId:
        return None
    return SeenChange(str(record.get("id") or json.dumps(record, sort_keys=True)), change)
