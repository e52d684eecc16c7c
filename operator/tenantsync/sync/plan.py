"""Plan: the desired state (repository) against the tenant (the backup just taken), file by file.

Objects are matched by their file, named after the object's id (or the type, for singletons), never by
display name. A first sync into an empty desired folder initialises it from the backup and plans
nothing; reject-and-revert makes the same move on purpose.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tenantsync.api import ConditionType, ErrorCode, Mode, ResourceType, RunPhase, RunStep
from tenantsync.api.syncrun import PlanChange, PlanStatus
from tenantsync.api.tenant import Approval
from tenantsync.graph import GraphClient, GraphError, GraphNotFound
from tenantsync.repository import RepositoryError
from tenantsync.sync.backup import graph_failure
from tenantsync.sync.connections import TenantConnections
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition

Files = dict[str, bytes]


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


def _document(content: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(content)
    return document


def plan_changes(desired: Files, live: Files) -> list[PlanChange]:
    changes = []
    for file in sorted(set(desired) | set(live)):
        type_name, _, file_name = file.partition("/")
        object_id = file_name.removesuffix(".json")
        if file not in live:
            doc = _document(desired[file])
            changes.append(
                PlanChange(action="create", type=type_name, id=object_id, displayName=doc.get("displayName"))
            )
        elif file not in desired:
            doc = _document(live[file])
            changes.append(
                PlanChange(action="delete", type=type_name, id=object_id, displayName=doc.get("displayName"))
            )
        elif desired[file] != live[file]:
            new, old = _document(desired[file]), _document(live[file])
            fields = changed_paths(new, old)
            if fields:
                changes.append(
                    PlanChange(
                        action="update",
                        type=type_name,
                        id=object_id,
                        displayName=new.get("displayName"),
                        changedFields=fields,
                    )
                )
    return changes


def plan_digest(changes: list[PlanChange], desired: Files) -> str:
    """Names exactly what an approval approves: the changes and the desired content they come from."""
    hasher = hashlib.sha256()
    for change in changes:
        hasher.update(change.model_dump_json().encode())
        hasher.update(desired.get(f"{change.type}/{change.id}.json", b""))
    return hasher.hexdigest()


SPECIAL_LOCATIONS = frozenset({"All", "AllTrusted"})


async def missing_references(graph: GraphClient, desired: Files, changes: list[PlanChange]) -> list[str]:
    """Named locations and groups that the Conditional Access policies to deploy point at but do not exist.

    Deploying such a policy would fail half-way (or, worse, apply to nobody), so the plan stops first.
    """
    locations = {
        file.partition("/")[2].removesuffix(".json") for file in desired if file.startswith("namedLocations/")
    }
    missing: list[str] = []
    checked_groups: dict[str, bool] = {}
    for change in changes:
        if change.type != ResourceType.CONDITIONAL_ACCESS_POLICIES or change.action == "delete":
            continue
        conditions = _document(desired[f"{change.type}/{change.id}.json"]).get("conditions") or {}
        where = f"Conditional Access policy {change.displayName or change.id!r}"
        place = conditions.get("locations") or {}
        for location in (place.get("includeLocations") or []) + (place.get("excludeLocations") or []):
            if location not in SPECIAL_LOCATIONS and location not in locations:
                missing.append(f"named location {location} (in {where})")
        users = conditions.get("users") or {}
        for group in (users.get("includeGroups") or []) + (users.get("excludeGroups") or []):
            if group not in checked_groups:
                try:
                    await graph.get(f"groups/{group}", params={"$select": "id"})
                    checked_groups[group] = True
                except GraphNotFound:
                    checked_groups[group] = False
            if not checked_groups[group]:
                missing.append(f"group {group} (in {where})")
    return missing


class Plan:
    def __init__(self, connections: TenantConnections, deletion_guard_ratio: float = 0.2) -> None:
        self._connections = connections
        self._deletion_guard_ratio = deletion_guard_ratio

    async def __call__(self, ctx: RunContext) -> Transition:
        spec = ctx.tenant
        repository = await self._connections.repository(ctx)
        path = ctx.repository_path
        try:
            live = await repository.read_folder(spec.repository.backupBranch, path) or {}
            desired = await repository.read_folder(spec.repository.branch, path)
            if not desired:
                commit = await repository.write_folder(
                    spec.repository.branch, path, live,
                    f"Initialise the desired state of Tenant {ctx.namespace}/{ctx.tenant_name} from its backup\n\nSyncRun: {ctx.run_name}",
                )  # fmt: skip
                message = (
                    f"Initialised the desired state in {path} on branch {spec.repository.branch} from the backup"
                    f" ({len(live)} objects{', commit ' + commit[:12] if commit else ''}); nothing to deploy."
                )
                ctx.status.plan = PlanStatus(digest=plan_digest([], live), changeCount=0)
                ctx.condition(ConditionType.PLANNED, "True", "Initialised", message)
                return Finish(RunPhase.SUCCEEDED, message)
        except RepositoryError as error:
            ctx.condition(ConditionType.PLANNED, "False", error.code.value, error.message)
            return Finish(RunPhase.NEW_ERROR, error.message, ctx.error(error.code, error.message))

        changes = plan_changes(desired, live)
        ctx.status.plan = PlanStatus(
            digest=plan_digest(changes, desired), changeCount=len(changes), changes=changes
        )
        if not changes:
            message = "The tenant matches the desired state; nothing to deploy."
            ctx.condition(ConditionType.PLANNED, "True", "NoChanges", message)
            return Finish(RunPhase.SUCCEEDED, message)
        summary = _summary(changes)
        if spec.mode == Mode.BACKUP_ONLY:
            message = f"Drift: the tenant differs from the desired state in {summary}; BackupOnly never writes to the tenant."
            ctx.condition(ConditionType.PLANNED, "True", "DriftDetected", message)
            return Finish(RunPhase.SUCCEEDED, message)
        try:
            async with await self._connections.graph(ctx) as graph:
                missing = await missing_references(graph, desired, changes)
        except GraphError as error:
            return graph_failure(ctx, error, "checking the groups the plan refers to")
        if missing:
            message = (
                f"The desired state refers to objects that do not exist in the tenant: {'; '.join(missing)}."
                f" Fix the references in {path} (or create the objects first); nothing was applied."
            )
            ctx.condition(ConditionType.PLANNED, "False", ErrorCode.REFERENCED_OBJECT_MISSING.value, message)
            return Finish(
                RunPhase.NEW_ERROR, message, ctx.error(ErrorCode.REFERENCED_OBJECT_MISSING, message)
            )
        deletions = sum(1 for c in changes if c.action == "delete")
        if live and deletions > 1 and deletions / len(live) > self._deletion_guard_ratio:
            message = (
                f"The plan would delete {deletions} of the tenant's {len(live)} objects, more than the"
                f" {self._deletion_guard_ratio:.0%} the deletion guard allows; nothing was applied. If the deletions"
                f" are intended, delete the objects in smaller steps; if not, restore the files in {path}."
            )
            ctx.condition(ConditionType.PLANNED, "False", ErrorCode.DELETION_GUARD.value, message)
            return Finish(RunPhase.NEW_ERROR, message, ctx.error(ErrorCode.DELETION_GUARD, message))
        ctx.condition(ConditionType.PLANNED, "True", "ChangesPlanned", f"Planned {summary}.")
        if spec.approval == Approval.AUTOMATIC:
            return Advance(
                RunStep.DEPLOY, RunPhase.IN_PROGRESS, f"Deploying {summary} (approval: Automatic)."
            )
        return Advance(
            RunStep.APPROVAL,
            RunPhase.PENDING_APPROVAL,
            f"{summary} wait for approval: annotate SyncRun {ctx.run_name} with tenantsync.io/approval=approve,"
            " reject or reject-and-revert.",
        )


def _summary(changes: list[PlanChange]) -> str:
    counts = {
        action: sum(1 for c in changes if c.action == action) for action in ("create", "update", "delete")
    }
    parts = [f"{n} to {action}" for action, n in counts.items() if n]
    return f"{len(changes)} change{'s' if len(changes) != 1 else ''} ({', '.join(parts)})"
