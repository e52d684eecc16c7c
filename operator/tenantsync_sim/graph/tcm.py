"""Tenant Configuration Management's snapshot API at Microsoft's paths (Graph beta):

- ``POST /beta/admin/configurationManagement/configurationSnapshots/createSnapshot`` creates a job;
- ``GET /beta/admin/configurationManagement/configurationSnapshotJobs[/{id}]`` reads jobs;
- ``DELETE`` of a job frees its slot;
- ``GET`` of a finished job's ``resourceLocation`` serves the extracted resources.

A job is ``notStarted`` when created, ``running`` until the tenant's configured delay has passed, then
ends as the tenant's settings say (``succeeded``, ``failed`` or ``partiallySuccessful``, with
``errorDetails``). The resources are captured when the job is created. The service's limits are kept:
at most 12 visible jobs and 20,000 extracted resources a month per tenant; beyond them the create is
refused with 400 and a message naming the limit. Without the TCM service principal in the tenant the
job fails, as the service cannot run it.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tenantsync_sim.graph import errors
from tenantsync_sim.graph.auth import Principal
from tenantsync_sim.state import Tenant

if TYPE_CHECKING:  # the Graph service dispatches here: its request type is only named
    from tenantsync_sim.graph.service import GraphRequest

JsonObject = dict[str, Any]
Answer = tuple[int, JsonObject | None]
"""Status and body, which the Graph service sends as its own response."""
READ = ("ConfigurationMonitoring.Read.All", "ConfigurationMonitoring.ReadWrite.All")
WRITE = ("ConfigurationMonitoring.ReadWrite.All",)
JOBS = "tcm:jobs"
SNAPSHOTS = "tcm:snapshots"
SETTINGS = "tcm:settings"
USAGE = "tcm:usage"
POLICIES = "tcm:"
"""A Teams resource type's objects are the collection ``tcm:<resource type>``, keyed by Identity."""
VISIBLE_JOBS = 12
MONTHLY_RESOURCES = 20_000
DEFAULT_SETTINGS: JsonObject = {
    "delaySeconds": 0,
    "outcome": "succeeded",
    "errorDetails": [],
    "servicePrincipalPresent": True,
}
FINAL = ("succeeded", "failed", "partiallySuccessful")


def policies(tenant: Tenant, resource_type: str) -> dict[str, JsonObject]:
    """The Teams objects of one TCM resource type, by Identity."""
    return tenant.collection(f"{POLICIES}{resource_type.lower()}")


def settings(tenant: Tenant) -> JsonObject:
    return {**DEFAULT_SETTINGS, **tenant.singletons.get(SETTINGS, {})}


def handle(req: GraphRequest, principal: Principal, segments: list[str], now: float) -> Answer:
    """Requests under ``admin/configurationManagement``."""
    if req.version != "beta":
        raise errors.segment_not_found("configurationManagement")
    tenant = principal.tenant
    rest = segments[2:]
    lowered = [s.lower() for s in rest]
    if lowered == ["configurationsnapshots", "createsnapshot"] and req.method == "POST":
        _authorize(principal, WRITE)
        return _create(req, tenant, now)
    if lowered[:1] == ["configurationsnapshotjobs"]:
        if req.method == "GET":
            _authorize(principal, READ)
            if len(rest) == 1:
                jobs = [_render(req, tenant, job, now) for job in tenant.collection(JOBS).values()]
                return 200, {"value": jobs}
            return 200, _render(req, tenant, _job(tenant, rest[1]), now)
        if req.method == "DELETE" and len(rest) == 2:
            _authorize(principal, WRITE)
            _job(tenant, rest[1])
            tenant.collection(JOBS).pop(rest[1], None)
            tenant.collection(SNAPSHOTS).pop(rest[1], None)
            return 204, None
        raise errors.method_not_allowed()
    if len(rest) == 1 and lowered[0].startswith("configurationsnapshots('") and req.method == "GET":
        _authorize(principal, READ)
        snapshot_id = rest[0][len("configurationSnapshots('") :].removesuffix("')")
        content = tenant.collection(SNAPSHOTS).get(snapshot_id)
        if content is None:
            raise errors.not_found("identity", snapshot_id, req.url)
        return 200, content
    raise errors.segment_not_found(rest[-1] if rest else "configurationManagement")


def _authorize(principal: Principal, alternatives: tuple[str, ...]) -> None:
    if not principal.satisfies(alternatives):
        raise errors.forbidden("identity", list(alternatives), "")


def _job(tenant: Tenant, job_id: str) -> JsonObject:
    job = tenant.collection(JOBS).get(job_id)
    if job is None:
        raise errors.not_found("identity", job_id, "")
    return job


def _create(req: GraphRequest, tenant: Tenant, now: float) -> Answer:
    body = req.body if isinstance(req.body, dict) else {}
    resources = body.get("resources")
    name = body.get("displayName")
    if not isinstance(name, str) or not name or not all(c.isalnum() or c == " " for c in name):
        raise errors.bad_request("displayName must contain only letters, numbers and spaces.")
    if not isinstance(resources, list) or not resources or not all(isinstance(r, str) for r in resources):
        raise errors.bad_request("resources must name at least one resource type.")
    if len(tenant.collection(JOBS)) >= VISIBLE_JOBS:
        raise errors.bad_request(
            f"The tenant has reached the limit of {VISIBLE_JOBS} snapshot jobs. Delete snapshot jobs that are"
            " no longer needed before creating a new one."
        )
    captured = [
        {"displayName": identity, "resourceType": resource, "properties": copy.deepcopy(item)}
        for resource in resources
        for identity, item in sorted(policies(tenant, resource).items())
    ]
    month = datetime.fromtimestamp(now, UTC).strftime("%Y-%m")
    usage = tenant.singletons.get(USAGE, {})
    used = int(usage.get("resources", 0)) if usage.get("month") == month else 0
    if used + len(captured) > MONTHLY_RESOURCES:
        raise errors.bad_request(
            f"The snapshot would exceed the tenant's limit of {MONTHLY_RESOURCES} resources extracted per"
            f" month ({used} used this month)."
        )
    tenant.singletons[USAGE] = {"month": month, "resources": used + len(captured)}
    job_id = str(uuid.uuid4())
    config = settings(tenant)
    outcome = config["outcome"] if config["servicePrincipalPresent"] else "failed"
    details = list(config["errorDetails"])
    if not config["servicePrincipalPresent"]:
        details = [
            "The Unified Tenant Configuration Management service principal is not present in the tenant."
        ]
    tenant.collection(JOBS)[job_id] = {
        "id": job_id,
        "displayName": name,
        "description": str(body.get("description") or ""),
        "resources": list(resources),
        "createdAt": now,
        "readyAt": now + float(config["delaySeconds"]),
        "outcome": outcome,
        "errorDetails": details if outcome != "succeeded" else [],
    }
    if outcome != "failed":
        kept = captured if outcome == "succeeded" else captured[: len(captured) // 2]
        tenant.collection(SNAPSHOTS)[job_id] = {"id": job_id, "displayName": name, "resources": kept}
    return 201, _render(req, tenant, tenant.collection(JOBS)[job_id], now)


def _render(req: GraphRequest, tenant: Tenant, job: JsonObject, now: float) -> JsonObject:
    """The job as the service shows it now; ``errorDetails`` only when selected, as documented."""
    created = float(job["createdAt"])
    status = "notStarted" if now <= created else "running" if now < float(job["readyAt"]) else job["outcome"]
    done = status in FINAL
    rendered: JsonObject = {
        "@odata.type": "#microsoft.graph.configurationSnapshotJob",
        "id": job["id"],
        "displayName": job["displayName"],
        "description": job["description"],
        "tenantId": tenant.id,
        "status": status,
        "resources": job["resources"],
        "createdDateTime": _iso(created),
        "completedDateTime": _iso(float(job["readyAt"])) if done else None,
        "resourceLocation": (
            f"{req.base}/beta/admin/configurationManagement/configurationSnapshots('{job['id']}')"
            if done and status != "failed"
            else None
        ),
    }
    if "errorDetails" in req.query.get("$select", ""):
        rendered["errorDetails"] = job["errorDetails"] if done else []
    return rendered


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
