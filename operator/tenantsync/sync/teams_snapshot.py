"""The Teams part of a backup: a Tenant Configuration Management snapshot, taken at most once per
``spec.teams.snapshotInterval`` and otherwise kept as the backup holds it.

A snapshot is a job the service runs on its own time, so the backup creates it, and while it runs the
step waits visibly (``SnapshotWaiting``: the run says which job it waits for) and reads it again at the
next attempt; the job's id is kept in the run's status in between. A finished job is read, then deleted
(the tenant sees at most a dozen jobs). The time a snapshot was taken is recorded beside the objects, in
``teams-snapshot.json`` at the top of the Tenant's backup folder (where people's files are, never read
as an object), so a later run knows whether the interval has passed.

Nothing the backup holds is lost on a refusal: a quota error, a failed or partially successful job, or
a job that did not finish in time keeps the last snapshot's files unchanged and says why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tenantsync.api import ResourceType, SnapshotJobStatus, parse_duration
from tenantsync.catalog import ConfigurationType, normalise, serialise
from tenantsync.graph import (
    GraphClient,
    SnapshotJob,
    SnapshotQuotaExceeded,
    create_snapshot,
    delete_snapshot_job,
    snapshot_job,
    snapshot_name,
    snapshot_resources,
)
from tenantsync.sync.layout import is_object_file, object_file
from tenantsync.sync.pipeline import RunContext
from tenantsync.sync.session import Session

JsonObject = dict[str, Any]
MARKER = "teams-snapshot.json"
WAIT_LIMIT = timedelta(minutes=30)
"""How long a run waits for one snapshot job before it keeps the last snapshot and goes on."""
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
TAG_PREFIX = "Tag:"
"""Teams names a policy ``Tag:<name>`` in some outputs; the file is named after the policy."""


class SnapshotWaiting(Exception):
    """The snapshot job has not finished: the backup step tries again later."""

    def __init__(self, job: SnapshotJobStatus) -> None:
        super().__init__(f"snapshot job {job.id} is {job.status}")
        self.job = job


@dataclass
class TeamsBackup:
    """The Teams types' part of the backup: their objects, their files and the marker, and what happened."""

    objects: dict[ResourceType, list[JsonObject]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    taken: datetime | None = None
    message: str = ""


async def read_teams(
    ctx: RunContext,
    session: Session,
    types: Sequence[ConfigurationType],
    previous: dict[str, bytes],
    *,
    may_snapshot: bool = True,
) -> TeamsBackup:
    """The Teams types as the backup records them this run: a new snapshot when one is due (and
    ``may_snapshot``; the verifying backup after a deploy never starts one), else the last one kept,
    byte for byte, from ``previous`` (the backup folder as the backup read it)."""
    spec = ctx.tenant
    kept = _kept(previous, types)
    marker = _marker(previous.get(MARKER))
    last = marker.get("takenAt")
    wanted = sorted(str(t.snapshot_resource) for t in types)
    graph = await session.graph()
    pending = ctx.status.snapshotJob
    if pending is None:
        due = (
            last is None
            or ctx.now >= last + parse_duration(spec.teams.snapshotInterval)
            or not set(wanted) <= set(marker.get("resources", []))
        )
        if not due or not may_snapshot:
            next_at = (
                f"; the next is due at {last + parse_duration(spec.teams.snapshotInterval):%Y-%m-%d %H:%M} UTC"
                if last
                else ""
            )
            return _keep(kept, last, f"Teams policies as snapshotted at {_at(last)}{next_at}.")
        try:
            job = await create_snapshot(
                graph,
                wanted,
                display_name=snapshot_name(ctx.now),
                description=f"tenantsync backup of Tenant {ctx.namespace}/{ctx.tenant_name}",
            )
        except SnapshotQuotaExceeded as refused:
            return _keep(
                kept,
                last,
                f"Tenant Configuration Management refused a new Teams snapshot for its quota ({refused.status}"
                f" {refused.code}: {refused.message}); the backup keeps the Teams policies as snapshotted at"
                f" {_at(last)}, unchanged. See docs/types.md (Teams) for the limits.",
            )
        pending = ctx.status.snapshotJob = SnapshotJobStatus(id=job.id, status=job.status, createdAt=ctx.now)
        await ctx.save()
        job = await snapshot_job(graph, job.id) or job  # a small snapshot may be done already: no wait then
    else:
        found = await snapshot_job(graph, pending.id)
        if found is None:
            ctx.status.snapshotJob = None
            return _keep(
                kept,
                last,
                f"The Teams snapshot job {pending.id} is gone from the tenant; the backup keeps the Teams"
                f" policies as snapshotted at {_at(last)}, unchanged, and the next sync takes a new one.",
            )
        job = found
    if not job.finished:
        if pending.createdAt is not None and ctx.now - pending.createdAt >= WAIT_LIMIT:
            ctx.status.snapshotJob = None
            await delete_snapshot_job(graph, job.id)
            return _keep(
                kept,
                last,
                f"The Teams snapshot job {job.id} was still {job.status} after {WAIT_LIMIT.seconds // 60} minutes;"
                f" it was deleted and the backup keeps the Teams policies as snapshotted at {_at(last)}, unchanged.",
            )
        pending.status = job.status
        raise SnapshotWaiting(pending)
    ctx.status.snapshotJob = None
    try:
        return await _finished(graph, job, types, kept, last, wanted)
    finally:
        await delete_snapshot_job(graph, job.id)


async def _finished(
    graph: GraphClient,
    job: SnapshotJob,
    types: Sequence[ConfigurationType],
    kept: dict[str, bytes],
    last: datetime | None,
    wanted: list[str],
) -> TeamsBackup:
    """A finished job: its resources become the Teams files, unless it failed even in part (a partial
    snapshot would read as deletions of what it left out)."""
    if job.status != "succeeded" or not job.readable:
        details = "; ".join(job.error_details) or "the service gave no details"
        return _keep(
            kept,
            last,
            f"The Teams snapshot job {job.id} ended {job.status} ({details}); the backup keeps the Teams"
            f" policies as snapshotted at {_at(last)}, unchanged.",
        )
    taken = job.completed or datetime.now().astimezone()
    by_resource = {str(t.snapshot_resource): t for t in types}
    objects: dict[ResourceType, list[JsonObject]] = {t.name: [] for t in types}
    for resource in await snapshot_resources(graph, job):
        entry = by_resource.get(str(resource.get("resourceType", "")).lower())
        if entry is None:
            continue
        objects[entry.name].append(normalise(entry, _object(entry, resource)))
    files: dict[str, bytes] = {}
    for name, items in objects.items():
        entry = next(t for t in types if t.name == name)
        items.sort(key=lambda obj: str(obj.get(entry.key_field, "")))
        if entry.singleton:
            del items[1:]
        for obj in items:
            files[object_file(entry.name, _file_id(str(obj["Identity"])))] = serialise(obj)
    files[MARKER] = _marker_bytes(taken, wanted)
    count = sum(len(items) for items in objects.values())
    return TeamsBackup(objects, files, taken, f"Teams snapshot of {count} policies taken at {_at(taken)}.")


def _object(entry: ConfigurationType, resource: JsonObject) -> JsonObject:
    """A snapshot resource as the object tenantsync keeps: its properties, keyed by their Identity."""
    properties = resource.get("properties")
    obj: JsonObject = dict(properties) if isinstance(properties, dict) else {}
    identity = str(obj.get("Identity") or resource.get("displayName") or "Global")
    obj["Identity"] = "Global" if entry.singleton else identity.removeprefix(TAG_PREFIX)
    return obj


def _file_id(identity: str) -> str:
    """A Teams policy's name as a file name: Teams allows spaces and more in a name, a file name keeps
    letters, digits, ``.``, ``_`` and ``-`` (each run of anything else becomes one ``-``)."""
    return UNSAFE.sub("-", identity).strip("-.") or "policy"


def _kept(previous: dict[str, bytes], types: Sequence[ConfigurationType]) -> dict[str, bytes]:
    names = {str(t.name) for t in types}
    return {
        file: content
        for file, content in previous.items()
        if file == MARKER or (is_object_file(file) and file.partition("/")[0] in names)
    }


def _keep(kept: dict[str, bytes], last: datetime | None, message: str) -> TeamsBackup:
    """The last snapshot's files, unchanged, with their objects for the backup's counts."""
    objects: dict[ResourceType, list[JsonObject]] = {}
    for file, content in kept.items():
        if file != MARKER and file.endswith(".json"):
            objects.setdefault(ResourceType(file.partition("/")[0]), []).append(json.loads(content))
    return TeamsBackup(objects, dict(kept), last, message)


def _marker(content: bytes | None) -> dict[str, Any]:
    """What the last snapshot recorded; an unreadable marker is no snapshot (a new one is taken)."""
    if not content:
        return {}
    try:
        found = json.loads(content)
        taken = datetime.fromisoformat(found["takenAt"])
    except (ValueError, KeyError, TypeError):
        return {}
    resources = found.get("resources")
    return {"takenAt": taken, "resources": resources if isinstance(resources, list) else []}


def _marker_bytes(taken: datetime, resources: list[str]) -> bytes:
    return serialise({"takenAt": taken.isoformat(), "resources": resources})


def _at(when: datetime | None) -> str:
    return f"{when:%Y-%m-%d %H:%M} UTC" if when else "no time yet (no snapshot was ever taken)"
