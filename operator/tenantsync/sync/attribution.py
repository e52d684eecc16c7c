"""Who made the changes a scheduled backup records: its commit names them as co-authors.

A backup that changes objects asks the audit logs (through an `Attributor`, the drift watch's reading,
docs/drift.md) which records explain them since the backup before. Each explained object is listed
with its actor and activity and each actor becomes a ``Co-authored-by:`` trailer; an object no record
explains is listed as unattributed (a change the audit logs do not cover, a record not ingested yet, or
one made by the operator's own deploys is never drift). A backup without an attributor, or of a Tenant
whose drift watch is off, commits as before; one whose logs cannot be read marks its changes
unattributed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tenantsync.api import ResourceType
from tenantsync.catalog import catalog
from tenantsync.repository import GitAuthor
from tenantsync.sync.pipeline import RunContext
from tenantsync.sync.session import Session
from tenantsync.sync.targeted import backup_key


@dataclass(frozen=True)
class Explanation:
    """An audit record about one object: who (as a commit author) and a line saying what and when."""

    type: ResourceType
    identity: str
    """The object as the record names it (an Exchange cmdlet's identity may be its name)."""
    author: GitAuthor
    line: str


Attributor = Callable[
    [RunContext, Session, Sequence[ResourceType], datetime], Awaitable[list[Explanation] | None]
]
"""The records since a moment about objects of some types, by anyone but the operator; None when the
Tenant's audit logs are not read (its drift watch is off), so the commit lists nothing."""


def changed_objects(
    before: Mapping[str, bytes], after: Mapping[str, bytes]
) -> list[tuple[ResourceType, str]]:
    """The (type, object id) whose files differ between two backups, in path order."""
    types = {str(name): name for name in catalog()}
    changed: dict[tuple[ResourceType, str], None] = {}
    for path in sorted(before.keys() | after.keys()):
        if before.get(path) == after.get(path):
            continue
        folder, _, file = path.partition("/")
        if folder in types and file:
            changed[(types[folder], file.split(".", 1)[0])] = None
    return list(changed)


def attributed_message(
    base: str,
    changed: Sequence[tuple[ResourceType, str]],
    explanations: Sequence[Explanation],
    *folders: Mapping[str, bytes],
) -> str:
    """``base`` with each changed object's actors (or "unattributed") and the co-author trailers."""
    by_object: dict[tuple[ResourceType, str], list[Explanation]] = {}
    for found in explanations:
        key = (found.type, backup_key(found.type, found.identity, *folders))
        by_object.setdefault(key, []).append(found)
    lines: list[str] = []
    authors: dict[str, GitAuthor] = {}
    for type_, object_id in changed:
        found_for = by_object.get((type_, object_id), [])
        if not found_for:
            lines.append(f"{type_}/{object_id}: unattributed (no audit record explains it)")
        for found in found_for:
            lines.append(f"{type_}/{object_id}: {found.line}")
            authors.setdefault(found.author.email, found.author)
    if not lines:
        return base
    trailers = "".join(f"Co-authored-by: {a.name} <{a.email}>\n" for a in authors.values())
    return f"{base}\n\nChanges:\n" + "\n".join(lines) + "\n" + (f"\n{trailers}" if trailers else "")
