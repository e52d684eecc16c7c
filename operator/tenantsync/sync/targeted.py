"""A targeted backup: re-read the types of the objects someone changed, commit only those objects.

Drift seen in the audit logs names the objects changed and who changed them. Each change becomes one
commit on the backup branch that replaces only its object's files (the JSON and its companions) with
the object as Graph now holds it, authored by the person or app that made it, so `git log` and
`git blame` on the backup branch answer "who". Everything else in the folder stays as the last backup
wrote it. Without a backup yet there is nothing to amend: the first sync records the whole tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tenantsync.api import ResourceType
from tenantsync.catalog import as_read, catalog, keep_within_cap
from tenantsync.repository import GitAuthor
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


def _prefix(type_: ResourceType, object_id: str) -> str:
    """The object's files: `<type>/<id>.json` and its companions `<type>/<id>.<...>`."""
    name = str(type_) if catalog()[type_].singleton else object_id
    return f"{type_}/{name}."


async def commit_touched(
    ctx: RunContext, session: Session, touched: Sequence[TouchedObject]
) -> list[str | None]:
    """One commit per touched object, in order; each entry the commit's sha, or None when the backup
    already held the object as it is (or there is no backup yet)."""
    spec = ctx.tenant
    branch, folder = spec.repository.backupBranch, ctx.repository_path
    repository = await session.repository()
    previous = await repository.read_folder(branch, folder)
    if previous is None:
        return [None] * len(touched)
    types = [as_read(catalog()[name], spec.groupMembers) for name in dict.fromkeys(t.type for t in touched)]
    snapshot = await take_snapshot(
        await session.graph(), [entry for entry in types if not entry.requires_user]
    )
    keep_within_cap(snapshot.objects.get(ResourceType.GROUPS, []), spec.groupMembers)
    current = snapshot.files()
    commits: list[str | None] = []
    for change in touched:
        if change.type in snapshot.unavailable:
            commits.append(None)  # unlicensed now: no files to take, and never a deletion
            continue
        prefix = _prefix(change.type, change.object_id)
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
        commits.append(commit)
        previous = files
    return commits
