"""Deploy: apply the approved plan in dependency order, one recorded change at a time.

Before each change the live object is read again; if it no longer matches what the plan saw, the
change is recorded as a Conflict rather than overwriting someone's newer change. Each result is saved
in status as soon as it is known, so a restarted operator skips what it already applied.
"""

from __future__ import annotations

import json
from typing import Any

from tenantsync.api import ConditionType, ErrorCode, ResourceType, RunPhase, RunStep
from tenantsync.api.syncrun import ChangeResult, DeployStatus, PlanChange
from tenantsync.catalog import ConfigurationType, catalog, deploy_order, normalise, serialise
from tenantsync.graph import GraphClient, GraphError, GraphNotFound
from tenantsync.repository import RepositoryError, TenantRepository
from tenantsync.sync.connections import TenantConnections
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition
from tenantsync.sync.plan import plan_changes, plan_digest

JsonObject = dict[str, Any]
APPLIED, FAILED, CONFLICT = "Applied", "Failed", "Conflict"
APPLYING = "Applying"
"""Saved before a change is sent: after a crash it marks the one change whose fate must be read back."""


def ordered(changes: list[PlanChange]) -> list[PlanChange]:
    """Creates and updates in dependency order, then deletes in reverse (a policy before its location)."""
    rank = {name.value: i for i, name in enumerate(deploy_order(ResourceType(c.type) for c in changes))}
    writes = sorted((c for c in changes if c.action != "delete"), key=lambda c: rank[c.type])
    deletes = sorted((c for c in changes if c.action == "delete"), key=lambda c: -rank[c.type])
    return writes + deletes


def _object_path(entry: ConfigurationType, object_id: str) -> str:
    return entry.path if entry.singleton else f"{entry.path}/{object_id}"


def _writable(entry: ConfigurationType, document: JsonObject) -> JsonObject:
    """The fields a create or update may send: no read-only fields, no sub-resources."""
    skip = entry.read_only_fields | {sub.name for sub in entry.sub_resources}
    return {k: v for k, v in document.items() if k not in skip}


async def read_live(graph: GraphClient, entry: ConfigurationType, object_id: str) -> JsonObject | None:
    """One object as the backup would record it, or None when it no longer exists."""
    path = _object_path(entry, object_id)
    expand = ",".join(sub.expand for sub in entry.sub_resources if sub.expand)
    try:
        obj = await graph.get(path, version=entry.api_version, params={"$expand": expand} if expand else None)
        for sub in entry.sub_resources:
            if not sub.expand:
                obj[sub.name] = await graph.list(f"{path}/{sub.name}", version=entry.api_version)
    except GraphNotFound:
        return None
    return normalise(entry, obj)


class Deploy:
    def __init__(self, connections: TenantConnections) -> None:
        self._connections = connections

    async def __call__(self, ctx: RunContext) -> Transition:
        spec = ctx.tenant
        try:
            repository = await self._connections.repository(ctx)
            desired = await repository.read_folder(spec.repository.branch, ctx.repository_path) or {}
            live = await repository.read_folder(spec.repository.backupBranch, ctx.repository_path) or {}
        except RepositoryError as error:
            return Finish(RunPhase.NEW_ERROR, error.message, ctx.error(error.code, error.message))
        plan = ctx.status.plan
        assert plan is not None
        if plan_digest(plan_changes(desired, live), desired) != plan.digest:
            message = (
                "The desired state or the backup changed after the plan was made, so the approved plan no longer"
                " describes what would be deployed; nothing more was applied. Sync again to plan anew."
            )
            return Finish(RunPhase.NEW_ERROR, message, ctx.error(ErrorCode.PLAN_OUTDATED, message))

        deploy = ctx.status.deploy = ctx.status.deploy or DeployStatus()
        recorded = {(r.type, r.id): i for i, r in enumerate(deploy.results)}
        created_ids = {r.id: r.createdId for r in deploy.results if r.createdId}
        async with await self._connections.graph(ctx) as graph:
            for change in ordered(plan.changes):
                index = recorded.get((change.type, change.id))
                in_doubt = index is not None and deploy.results[index].result == APPLYING
                if index is not None and not in_doubt:
                    continue
                if index is None:
                    index = len(deploy.results)
                    deploy.results.append(
                        ChangeResult(id=change.id, type=change.type, action=change.action, result=APPLYING)
                    )
                    await ctx.save()
                deploy.results[index] = await self._apply(
                    graph, change, desired, live, created_ids, in_doubt=in_doubt
                )
                await ctx.save()
        if created_ids:
            try:
                await self._record_created_ids(ctx, repository, desired, created_ids)
            except RepositoryError as error:
                return Finish(RunPhase.NEW_ERROR, error.message, ctx.error(error.code, error.message))
        failed = [r for r in deploy.results if r.result != APPLIED]
        summary = f"{len(deploy.results) - len(failed)} of {len(deploy.results)} changes applied"
        if failed:
            summary += f"; {len(failed)} not applied ({', '.join(sorted({r.result for r in failed}))})"
        ctx.condition(
            ConditionType.DEPLOYED,
            "False" if failed else "True",
            "PartiallyDeployed" if failed else "Deployed",
            summary + ".",
        )
        return Advance(RunStep.VERIFY, RunPhase.IN_PROGRESS, summary + "; verifying the tenant.")

    async def _apply(
        self,
        graph: GraphClient,
        change: PlanChange,
        desired: dict[str, bytes],
        live: dict[str, bytes],
        created_ids: dict[str, str],
        *,
        in_doubt: bool,
    ) -> ChangeResult:
        """Apply one change. `in_doubt`: it may have been sent before a crash, so first look whether it was."""
        entry = catalog()[ResourceType(change.type)]
        file = f"{change.type}/{change.id}.json"

        def result(outcome: str, message: str | None = None, created_id: str | None = None) -> ChangeResult:
            return ChangeResult(
                id=change.id,
                type=change.type,
                action=change.action,
                result=outcome,
                message=message,
                createdId=created_id,
            )

        try:
            document = _resolve(json.loads(desired[file]), created_ids) if change.action != "delete" else {}
            wanted = _without_id(normalise(entry, document)) if document else None
            if change.action == "create" and in_doubt:
                for existing in await graph.list(entry.path, version=entry.api_version):
                    if _without_id(normalise(entry, existing)) == wanted:
                        created_ids[change.id] = str(existing["id"])
                        return result(APPLIED, f"Created with id {existing['id']}.", str(existing["id"]))
            if change.action != "create":
                current = await read_live(graph, entry, change.id)
                if change.action == "delete" and current is None and in_doubt:
                    return result(APPLIED)
                if current is not None and wanted is not None and _without_id(current) == wanted:
                    return result(APPLIED, "The tenant already had the desired state.")
                if current is None or serialise(current) != live.get(file):
                    return result(
                        CONFLICT,
                        "The object changed in the tenant after the plan was made; it was left as it is.",
                    )
            path = _object_path(entry, change.id)
            if change.action == "delete":
                await graph.delete(path, version=entry.api_version)
                return result(APPLIED)
            body = _writable(entry, document)
            if change.action == "create":
                created = await graph.create(entry.path, body, version=entry.api_version)
                new_id = str(created["id"])
                created_ids[change.id] = new_id
                await self._sub_resources(graph, entry, _object_path(entry, new_id), document)
                return result(APPLIED, f"Created with id {new_id}.", new_id)
            if any(
                not field.startswith(tuple(s.name for s in entry.sub_resources))
                for field in change.changedFields
            ):
                await graph.update(path, body, version=entry.api_version)
            await self._sub_resources(graph, entry, path, document)
            return result(APPLIED)
        except GraphError as error:
            return result(FAILED, f"Graph answered {error.status} {error.code}: {error.message}")

    @staticmethod
    async def _record_created_ids(
        ctx: RunContext, repository: TenantRepository, desired: dict[str, bytes], created_ids: dict[str, str]
    ) -> None:
        """Rename created objects' files to their new ids and point references at them, in one commit."""
        files: dict[str, bytes] = {}
        for file, content in desired.items():
            type_name, _, name = file.partition("/")
            object_id = name.removesuffix(".json")
            document = _resolve(json.loads(content), created_ids)
            if object_id in created_ids:
                object_id = created_ids[object_id]
                document["id"] = object_id
            files[f"{type_name}/{object_id}.json"] = serialise(document)
        await repository.write_folder(
            ctx.tenant.repository.branch,
            ctx.repository_path,
            files,
            f"Record the ids of objects created in Tenant {ctx.namespace}/{ctx.tenant_name}\n\nSyncRun: {ctx.run_name}",
        )

    @staticmethod
    async def _sub_resources(
        graph: GraphClient, entry: ConfigurationType, path: str, document: JsonObject
    ) -> None:
        """Assignments go through the type's assign action; settings catalog settings are replaced whole."""
        for sub in entry.sub_resources:
            if sub.name not in document:
                continue
            items = [
                {k: v for k, v in item.items() if k not in sub.read_only_fields}
                for item in document[sub.name]
            ]
            if sub.name == "assignments":
                await graph.action(f"{path}/assign", {"assignments": items}, version=entry.api_version)
            else:
                await graph.replace(
                    path, {**_writable(entry, document), sub.name: items}, version=entry.api_version
                )


def _without_id(document: JsonObject) -> JsonObject:
    return {k: v for k, v in document.items() if k != "id"}


def _resolve(document: JsonObject, created_ids: dict[str, str]) -> JsonObject:
    """Point references to objects created earlier in this deploy at their new ids."""
    text = json.dumps(document)
    for placeholder, new_id in created_ids.items():
        text = text.replace(f'"{placeholder}"', f'"{new_id}"')
    resolved: JsonObject = json.loads(text)
    return resolved
