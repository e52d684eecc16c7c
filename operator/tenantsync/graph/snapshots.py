"""Tenant Configuration Management's snapshot jobs, through the Graph client (its retries and throttling).

A snapshot is asynchronous: ``createSnapshot`` answers with a job, the job runs in the service (as TCM's
own service principal) and, once ``succeeded`` or ``partiallySuccessful``, names in ``resourceLocation``
where the extracted resources are read. A finished job is deleted: the tenant sees at most a dozen jobs,
and one left behind would take a slot from the next sync's snapshot.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tenantsync.graph.client import GraphClient
from tenantsync.graph.errors import GraphError, GraphNotFound, GraphTransientError

VERSION = "beta"
CREATE_PATH = "admin/configurationManagement/configurationSnapshots/createSnapshot"
JOBS_PATH = "admin/configurationManagement/configurationSnapshotJobs"
JOB_FIELDS = "id,status,resourceLocation,errorDetails,createdDateTime,completedDateTime,resources"
"""``errorDetails`` is returned only when selected."""
FINISHED = frozenset({"succeeded", "failed", "partiallySuccessful"})
READABLE = frozenset({"succeeded", "partiallySuccessful"})
QUOTA = re.compile(r"quota|limit", re.IGNORECASE)
"""How the service words a refusal of a snapshot for its limits (jobs visible, resources a month)."""
DISPLAY_NAME = re.compile(r"[^A-Za-z0-9 ]")
"""The service accepts letters, digits and spaces in a snapshot's name."""


class SnapshotQuotaExceeded(Exception):
    """The service refused a new snapshot for its quota; ``message`` is its own words."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SnapshotJob:
    """A snapshot job as the service reports it."""

    id: str
    status: str
    resource_location: str | None
    error_details: tuple[str, ...]
    completed: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def readable(self) -> bool:
        return self.status in READABLE and bool(self.resource_location)


def snapshot_name(when: datetime) -> str:
    """A name the service accepts, saying who took the snapshot and when."""
    return DISPLAY_NAME.sub("", f"tenantsync {when:%Y%m%d %H%M%S}")


async def create_snapshot(
    graph: GraphClient, resources: Sequence[str], *, display_name: str, description: str
) -> SnapshotJob:
    """Ask for a snapshot of ``resources`` (TCM resource types); a refusal for quota is raised as
    :class:`SnapshotQuotaExceeded`, other refusals as Graph errors."""
    body = {"displayName": display_name, "description": description, "resources": list(resources)}
    try:
        answer = await graph.action(CREATE_PATH, body, version=VERSION)
    except GraphTransientError:
        raise
    except GraphError as error:
        if error.status in (400, 403, 409, 429) and QUOTA.search(error.message):
            raise SnapshotQuotaExceeded(error.status, error.code, error.message) from None
        raise
    return _job(answer or {})


async def snapshot_job(graph: GraphClient, job_id: str) -> SnapshotJob | None:
    """The job as it stands now; None when the service no longer has it (deleted or expired)."""
    try:
        found = await graph.get(f"{JOBS_PATH}/{job_id}", version=VERSION, params={"$select": JOB_FIELDS})
    except GraphNotFound:
        return None
    return _job(found)


async def snapshot_resources(graph: GraphClient, job: SnapshotJob) -> list[dict[str, Any]]:
    """The resources a finished job extracted (``resourceType``, ``displayName``, ``properties``)."""
    assert job.resource_location is not None
    content = await graph.get(job.resource_location, version=VERSION)
    return [item for item in content.get("resources") or [] if isinstance(item, dict)]


async def delete_snapshot_job(graph: GraphClient, job_id: str) -> None:
    """Free the job's slot; one already gone is no failure."""
    with contextlib.suppress(GraphNotFound):
        await graph.delete(f"{JOBS_PATH}/{job_id}", version=VERSION)


def _job(body: dict[str, Any]) -> SnapshotJob:
    completed = body.get("completedDateTime")
    details = body.get("errorDetails") or []
    return SnapshotJob(
        id=str(body.get("id", "")),
        status=str(body.get("status") or "notStarted"),
        resource_location=body.get("resourceLocation") or None,
        error_details=tuple(str(d) for d in details if d),
        completed=_when(completed),
    )


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
