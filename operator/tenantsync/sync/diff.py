"""Comparing the desired state with the tenant, file by file: the differences, the plan, its digest."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from tenantsync.api import ChangeAction, CodedError, ErrorCode, FieldChange, PlanChange, ResourceType
from tenantsync.catalog import ConfigurationType, catalog, is_withheld
from tenantsync.sync.layout import file_type, is_object_file, join_companions, object_file, parse_file
from tenantsync.sync.streams import described, description, stream_names

Files = dict[str, bytes]
JsonObject = dict[str, Any]


MISSING: Any = object()
"""Stands for a field one side does not have."""
SHOWN_LENGTH = 160
"""Longer values are shortened in the plan, with a marker saying how much was left out."""
INDEX = re.compile(r"\[\d+\]$")
SECRET_FIELD = re.compile(r"(password|secret|sharedkey|privatekey|passphrase)(\[\d+\])?$", re.IGNORECASE)
"""Field names whose values are never shown in a plan (the service withholds most of them anyway): names
that end in the word, so `wifiPassword` is withheld and `passwordMinimumLength` is shown."""


def differences(desired: Any, live: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(path, desired value, live value) where two documents differ; MISSING where desired sets a
    property the live object lacks.

    Paths are dotted, with [i] for list items; lists of different lengths differ as a whole. A
    property the desired document leaves out is no difference: Graph serves whole objects (every
    property of the type, null or its default where unset) and a write leaves out what it does not
    name, so a deploy could never make it absent; a file written by hand names what it sets.
    """
    if isinstance(desired, dict) and isinstance(live, dict):
        found: list[tuple[str, Any, Any]] = []
        for key in sorted(desired):
            child = f"{prefix}.{key}" if prefix else key
            if key not in live:
                if desired[key] is not None:
                    found.append((child, desired[key], MISSING))
            else:
                found += differences(desired[key], live[key], child)
        return found
    if isinstance(desired, list) and isinstance(live, list) and len(desired) == len(live):
        return [
            d
            for i, (wanted, actual) in enumerate(zip(desired, live, strict=True))
            for d in differences(wanted, actual, f"{prefix}[{i}]")
        ]
    return [] if desired == live else [(prefix or ".", desired, live)]


def shown(path: str, value: Any) -> str | None:
    """A value as the approver reads it: compact JSON, shortened when long, secrets withheld."""
    if value is MISSING:
        return None
    name = path.rsplit(".", 1)[-1]
    if is_withheld(value) or SECRET_FIELD.search(name):
        return "(withheld)"
    streams = stream_names()
    value = description(value) if INDEX.sub("", name) in streams else described(value, streams)
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if len(text) > SHOWN_LENGTH:
        return f"{text[:SHOWN_LENGTH]}… (+{len(text) - SHOWN_LENGTH} chars)"
    return text


def field_changes(desired: JsonObject | None, live: JsonObject | None) -> list[FieldChange]:
    """Old and new values per changed field; every field of the object for a create or a delete."""
    if desired is None or live is None:
        whole = desired if desired is not None else live or {}
        found = [
            (key, whole[key] if desired else MISSING, whole[key] if live else MISSING)
            for key in sorted(whole)
        ]
    else:
        found = differences(desired, live)
    return [FieldChange(path=path, new=shown(path, new), old=shown(path, old)) for path, new, old in found]


def document(content: bytes, file: str, *, where: str) -> JsonObject:
    """One object file as JSON; a file that is not a JSON object stops the plan, naming file and line."""
    try:
        parsed = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE, f"{where}: {file} is not UTF-8 text; save it as UTF-8 JSON."
        ) from None
    except json.JSONDecodeError as error:
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE,
            f"{where}: {file} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).",
        ) from None
    if not isinstance(parsed, dict):
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE,
            f"{where}: {file} holds a JSON {type(parsed).__name__}, not an object.",
        )
    return parsed


def object_files(files: Files, types: set[ResourceType], *, where: str) -> Files:
    """The object files of the configured types, script bodies joined from their companion files; a
    file outside the layout stops the plan by name."""
    kept: Files = {}
    for file, content in files.items():
        if is_object_file(file) and file_type(file, where=where) in types:
            kept[file] = content
    return join_companions(kept, where=where)


def plan_changes(
    desired: Files, live: Files, *, where: str, origins: Mapping[str, str] | None = None
) -> list[PlanChange]:
    """What must change in the tenant for it to match `desired`, one change per differing file; a change
    to an object a baseline gives (`origins`: file -> Baseline) names the baseline.

    Types the service only reports (``writable`` False in the catalogue) are never planned, and neither is
    the deletion of an object the service never lets go (see ``lasting``). A difference in a type no API
    writes (``admin_centre``: Teams policies) is planned as a change a person makes there (``manual``)."""
    changes = []
    for file in sorted(set(desired) | set(live)):
        type_, object_id = parse_file(file, where=where)
        entry = catalog()[type_]
        if not entry.writable:
            continue
        if desired.get(file) == live.get(file):
            continue  # byte-identical: the common case, never parsed
        new = document(desired[file], file, where=where) if file in desired else None
        old = document(live[file], file, where=where) if file in live else None
        if new is None and old is not None and lasting(entry, old):
            continue
        action = (
            ChangeAction.CREATE
            if old is None
            else ChangeAction.DELETE
            if new is None
            else ChangeAction.UPDATE
        )
        values = field_changes(*(_planned_part(entry, doc) for doc in (new, old)))
        if action == ChangeAction.UPDATE and not values:
            continue  # the same document, written differently
        changes.append(
            PlanChange(
                action=action,
                type=type_,
                id=object_id,
                displayName=display_name(new if new is not None else old or {}),
                changedFields=[v.path for v in values] if action == ChangeAction.UPDATE else [],
                values=values,
                baseline=(origins or {}).get(file) if new is not None else None,
                adminCentre=entry.admin_centre,
            )
        )
    return changes


def _planned_part(entry: ConfigurationType, doc: JsonObject | None) -> JsonObject | None:
    """What a plan compares of a document: all but the fields the service reports and no deploy writes
    (an app's credential metadata, which a rotation changes)."""
    if doc is None or not entry.reported_fields:
        return doc
    return {k: v for k, v in doc.items() if k not in entry.reported_fields}


def lasting(entry: ConfigurationType, doc: JsonObject) -> bool:
    """An object no deploy can delete: a built-in one (the ``Default`` anti-spam policy), one of a
    type whose service has no ``Remove-`` cmdlet (accepted domains, DKIM configurations), or one the
    service makes itself (``fixed``: a directory role's management policy)."""
    if entry.fixed:
        return True
    cmdlets = entry.cmdlets
    return cmdlets is not None and (not cmdlets.can_remove or cmdlets.builtin.matches(doc))


def display_name(doc: JsonObject) -> str | None:
    """What people call an object: its displayName, or its name where the type has no displayName
    (``Name`` for the Exchange admin API's objects, ``Identity`` for a Teams policy)."""
    name = doc.get("displayName") or doc.get("name") or doc.get("Name") or doc.get("Identity")
    return str(name) if name is not None else None


def plan_digest(changes: list[PlanChange], desired: Files) -> str:
    """Names exactly what an approval approves: the changes and the desired content they come from."""
    hasher = hashlib.sha256()
    for change in changes:
        hasher.update(change.model_dump_json().encode())
        hasher.update(desired.get(object_file(change.type, change.id), b""))
    return hasher.hexdigest()


def manual(change: PlanChange) -> bool:
    """A change no deploy can make: a person makes it in the admin centre the change names."""
    return change.adminCentre is not None


def deployable(changes: list[PlanChange]) -> list[PlanChange]:
    """The changes a deploy makes; the others are reported for people (``manual``)."""
    return [change for change in changes if not manual(change)]


def admin_centre_summary(changes: list[PlanChange]) -> str:
    """ "2 changes to make in the Teams admin centre: update teamsMeetingPolicy Global (Teams admin centre >
    Meetings > Meeting policies: AllowCloudRecording) ..." — each manual change, where and what."""
    found = [change for change in changes if manual(change)]
    shown = [
        f"{change.action} {change.type} {change.displayName or change.id} ({change.adminCentre}"
        + (f": {', '.join(change.changedFields[:5])}" if change.changedFields else "")
        + ")"
        for change in found[:5]
    ]
    more = f" and {len(found) - len(shown)} more" if len(found) > len(shown) else ""
    return (
        f"{len(found)} change{'s' if len(found) != 1 else ''} no API can make, to be made by a person in the"
        f" admin centre: {'; '.join(shown)}{more}"
    )


def summary(changes: list[PlanChange]) -> str:
    """ "3 changes (1 to create, 2 to update)"."""
    counts = {action: sum(1 for c in changes if c.action == action) for action in ChangeAction}
    parts = [f"{n} to {action}" for action, n in counts.items() if n]
    return f"{len(changes)} change{'s' if len(changes) != 1 else ''} ({', '.join(parts)})"
