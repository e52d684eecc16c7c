"""A targeted backup: re-read the types of the objects someone changed, commit only those objects.

Drift seen in the audit logs names the objects changed and who changed them. Each change becomes one
commit on the backup branch that replaces only its object's files (the JSON and its companions) with
the object as Graph now holds it, authored by the person or app that made it, so `git log` and
`git blame` on the backup branch answer "who". Everything else in the folder stays as the last backup
wrote it. Without a backup yet there is nothing to amend: the first sync records the whole tenant.

The Exchange admin audit names an object as its cmdlet was told to, by name mostly; the backup files
it under its ``Guid``. Such an identity is looked up among the objects as read now, then (a removed
object) as the backup last held them, by ``Name`` or ``Identity``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tenantsync.api import ResourceType
from tenantsync.catalog import CMDLET_SERVICES, as_read, catalog, keep_within_cap
from tenantsync.repository import GitAuthor
from tenantsync.sync.off_loop import off_loop
from tenantsync.sync.pipeline import RunContext
from tenantsync.sync.session import Session
from tenantsync.sync.snapshot import take_snapshot


@dataclass(frozen=True)
class TouchedObject:
    """One object someone changed, and how its commit reads."""

    type: ResourceType
    object_id: str
    author: GitAuthor
    message: str


@dataclass(frozen=True)
class Recorded:
    """A touched object's commit (None: nothing new to record) and its id as the backup keys it."""

    commit: str | None
    object_id: str


def backup_key(type_: ResourceType, identity: str, *folders: Mapping[str, bytes]) -> str:
    """The key under which the backup files the object a cmdlet named ``identity``: itself when a file
    has it, else the key of the object whose ``Name`` or ``Identity`` it is."""
    entry = catalog()[type_]
    if entry.cmdlets is None or entry.singleton:
        return identity
    for files in folders:
        if any(path.startswith(_prefix(type_, identity)) for path in files):
            return identity
    for files in folders:
        for path, data in files.items():
            if not (path.startswith(f"{type_}/") and path.endswith(".json")):
                continue
            try:
                document = json.loads(data)
            except ValueError:
                continue
            if isinstance(document, dict) and identity in (document.get("Name"), document.get("Identity")):
                return path.removeprefix(f"{type_}/").removesuffix(".json")
    return identity


def _prefix(type_: ResourceType, object_id: str) -> str:
    """The object's files: `<type>/<id>.json` and its companions `<type>/<id>.<...>`."""
    name = str(type_) if catalog()[type_].singleton else object_id
    return f"{type_}/{name}."


async def commit_touched(
    ctx: RunContext, session: Session, touched: Sequence[TouchedObject]
) -> list[Recorded]:
    """One commit per touched object, in order; each entry the commit's sha, or None when the backup
    already held the object as it is (or there is no backup yet), with the object's backup key."""
    spec = ctx.tenant
    branch, folder = spec.repository.backupBranch, ctx.repository_path
    repository = await session.repository()
    previous = await repository.read_folder(branch, folder)
    if previous is None:
        return [Recorded(None, t.object_id) for t in touched]
    types = [as_read(catalog()[name], spec.groupMembers) for name in dict.fromkeys(t.type for t in touched)]
    services = sorted({entry.service for entry in types if entry.service in CMDLET_SERVICES})
    snapshot = await take_snapshot(
        await session.graph(),
        [entry for entry in types if not entry.requires_user],
        exchange={service: await session.exchange(service) for service in services},
    )
    keep_within_cap(snapshot.objects.get(ResourceType.GROUPS, []), spec.groupMembers)
    current = await off_loop(snapshot.files)
    recorded: list[Recorded] = []
    for change in touched:
        object_id = backup_key(change.type, change.object_id, current, previous)
        if change.type in snapshot.unavailable:
            recorded.append(Recorded(None, object_id))  # unlicensed now: no files to take, never a deletion
            continue
        prefix = _prefix(change.type, object_id)
        files = {path: data for path, data in previous.items() if not path.startswith(prefix)}
        files.update({path: data for path, data in current.items() if path.startswith(prefix)})
        commit = await repository.write_folder(
            branch,
            folder,
            files,
            change.message,
            protected_branches={spec.repository.branch},
            author=change.author,
        )
        recorded.append(Recorded(commit, object_id))
        previous = files
    return recorded
