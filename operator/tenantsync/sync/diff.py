"""Comparing the desired state with the tenant, file by file: changed paths, the plan, its digest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tenantsync.api import ChangeAction, CodedError, ErrorCode, PlanChange, ResourceType
from tenantsync.sync.layout import is_object_file, object_file, parse_file

Files = dict[str, bytes]
JsonObject = dict[str, Any]


def changed_paths(desired: Any, live: Any, prefix: str = "") -> list[str]:
    """JSON paths (dotted, with [i] for list items) where two documents differ."""
    if isinstance(desired, dict) and isinstance(live, dict):
        paths: list[str] = []
        for key in sorted(set(desired) | set(live)):
            child = f"{prefix}.{key}" if prefix else key
            if key not in desired or key not in live:
                paths.append(child)
            else:
                paths += changed_paths(desired[key], live[key], child)
        return paths
    if isinstance(desired, list) and isinstance(live, list) and len(desired) == len(live):
        return [
            p
            for i, (wanted, actual) in enumerate(zip(desired, live, strict=True))
            for p in changed_paths(wanted, actual, f"{prefix}[{i}]")
        ]
    return [] if desired == live else [prefix or "."]


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
    """The files of the configured types; a file outside the layout stops the plan by name."""
    kept: Files = {}
    for file, content in files.items():
        if is_object_file(file) and parse_file(file, where=where)[0] in types:
            kept[file] = content
    return kept


def plan_changes(desired: Files, live: Files, *, where: str) -> list[PlanChange]:
    """What must change in the tenant for it to match `desired`, one change per differing file."""
    changes = []
    for file in sorted(set(desired) | set(live)):
        type_, object_id = parse_file(file, where=where)
        if file not in live:
            doc = document(desired[file], file, where=where)
            changes.append(
                PlanChange(action=ChangeAction.CREATE, type=type_, id=object_id, displayName=_name(doc))
            )
        elif file not in desired:
            doc = document(live[file], file, where=where)
            changes.append(
                PlanChange(action=ChangeAction.DELETE, type=type_, id=object_id, displayName=_name(doc))
            )
        elif desired[file] != live[file]:
            new, old = document(desired[file], file, where=where), document(live[file], file, where=where)
            fields = changed_paths(new, old)
            if fields:
                changes.append(
                    PlanChange(
                        action=ChangeAction.UPDATE,
                        type=type_,
                        id=object_id,
                        displayName=_name(new),
                        changedFields=fields,
                    )
                )
    return changes


def _name(doc: JsonObject) -> str | None:
    name = doc.get("displayName") or doc.get("name")
    return str(name) if name is not None else None


def plan_digest(changes: list[PlanChange], desired: Files) -> str:
    """Names exactly what an approval approves: the changes and the desired content they come from."""
    hasher = hashlib.sha256()
    for change in changes:
        hasher.update(change.model_dump_json().encode())
        hasher.update(desired.get(object_file(change.type, change.id), b""))
    return hasher.hexdigest()


def summary(changes: list[PlanChange]) -> str:
    """ "3 changes (1 to create, 2 to update)"."""
    counts = {action: sum(1 for c in changes if c.action == action) for action in ChangeAction}
    parts = [f"{n} to {action}" for action, n in counts.items() if n]
    return f"{len(changes)} change{'s' if len(changes) != 1 else ''} ({', '.join(parts)})"
