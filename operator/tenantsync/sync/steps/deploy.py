"""Deploy: apply the approved plan in dependency order, one recorded change at a time.

Before each change the live object is read again; if it no longer matches what the plan saw, the
change is recorded as a Conflict rather than overwriting someone's newer change. Each result is saved
in status as soon as it is known, so a restarted operator skips what it already applied.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection
from typing import Any, ClassVar

from tenantsync.api import (
    ChangeAction,
    ChangeOutcome,
    ChangeResult,
    CodedError,
    ConditionReason,
    ConditionType,
    DeployStatus,
    ErrorCode,
    PlanChange,
    ResourceType,
    RunPhase,
)
from tenantsync.catalog import (
    ConfigurationType,
    RequestAction,
    Service,
    SubResource,
    SubResourceWrite,
    catalog,
    deploy_order,
    normalise,
    serialise,
    user_graph_scopes,
    without_withheld,
)
from tenantsync.exchange import ExchangeClient
from tenantsync.graph import GraphClient, GraphError, GraphNotFound, GraphUnavailable
from tenantsync.sync import cmdlet_writes, schedule_requests
from tenantsync.sync.diff import Files, deployable, differences, document, plan_changes, plan_digest
from tenantsync.sync.kept import KeptStates, approved_digest
from tenantsync.sync.layout import object_file, parse_file, split_files
from tenantsync.sync.pipeline import Advance, RunContext, Transition
from tenantsync.sync.session import Session
from tenantsync.sync.states import States, record_ids
from tenantsync.sync.streams import read_streams, write_streams

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]
Result = Callable[..., ChangeResult]


NO_USER = (
    "Microsoft grants this type to no application: it is written with a signed-in user's Graph token, and"
    " the Tenant has no usable sign-in (spec.userAuthentication). Sync again once the user has signed in."
)


def ordered(changes: list[PlanChange]) -> list[PlanChange]:
    """Creates and updates in dependency order, then deletes in reverse (a policy before its location)."""
    rank = {name: i for i, name in enumerate(deploy_order(c.type for c in changes))}
    writes = sorted((c for c in changes if c.action != ChangeAction.DELETE), key=lambda c: rank[c.type])
    deletes = sorted((c for c in changes if c.action == ChangeAction.DELETE), key=lambda c: -rank[c.type])
    return writes + deletes


def _object_path(entry: ConfigurationType, object_id: str) -> str:
    return entry.path if entry.singleton else f"{entry.path}/{object_id}"


def _writable(entry: ConfigurationType, document: JsonObject, *, creating: bool = False) -> JsonObject:
    """The fields a create or update may send: no read-only fields, no sub-resources, no withheld
    secrets (left out, the service keeps them); a create of a type whose key the client chooses sends
    the key."""
    skip = entry.read_only_fields | entry.streams | {sub.name for sub in entry.sub_resources}
    if creating and entry.client_key:
        skip = skip - {entry.key_field}
    kept: JsonObject = without_withheld({k: v for k, v in document.items() if k not in skip})
    return kept


def _bindings(graph: GraphClient, entry: ConfigurationType, document: JsonObject) -> JsonObject:
    """``<name>@odata.bind`` for each top-level bound navigation whose id a reference resolves."""
    found: JsonObject = {}
    for reference in entry.references:
        name, _, rest = reference.field.partition(".")
        value = document.get(name)
        if name in _created_inside(entry):
            continue  # sent inline with the create, as {"id": ...}
        if name in entry.bound and rest == "id" and isinstance(value, dict) and value.get("id"):
            target = reference.target
            if isinstance(target, ResourceType):
                path = catalog()[target].path
                found[f"{name}@odata.bind"] = f"{graph.base_url}/{entry.api_version}/{path}('{value['id']}')"
    return found


def _created_inside(entry: ConfigurationType) -> set[str]:
    """Navigations a create sends inside the object: those only a create sets, and those replaced with it
    (by a PUT of the parent, or by a new version of it)."""
    inside = (SubResourceWrite.REPLACE_PARENT, SubResourceWrite.CREATE_ONLY, SubResourceWrite.NEW_VERSION)
    return {sub.name for sub in entry.sub_resources if sub.write in inside}


def _without_read_only(sub: SubResource, value: Any) -> Any:
    """A sub-resource as a write sends it: no read-only fields and no withheld secrets."""
    if not isinstance(value, list):
        return without_withheld(value)
    return [
        without_withheld({k: v for k, v in item.items() if k not in sub.read_only_fields | sub.streams})
        if isinstance(item, dict)
        else item
        for item in value
    ]


async def read_live(graph: GraphClient, entry: ConfigurationType, object_id: str) -> JsonObject | None:
    """One object as the backup would record it, or None when it no longer exists."""
    path = _object_path(entry, object_id)
    expand = ",".join(sub.expand for sub in entry.sub_resources if sub.expand)
    try:
        obj = await graph.get(path, version=entry.api_version, params={"$expand": expand} if expand else None)
        for sub in entry.sub_resources:
            if not sub.expand and not sub.is_field:
                query = dict(part.split("=", 1) for part in sub.query.split("&")) if sub.query else None
                obj[sub.name] = await graph.list(
                    f"{path}/{sub.name}", version=entry.api_version, params=query
                )
        await read_streams(graph, entry, path, obj)
    except GraphNotFound:
        return None
    return normalise(entry, obj)


class Deploy:
    condition: ClassVar[ConditionType | None] = ConditionType.DEPLOYED
    activity: ClassVar[str] = "deploying the approved plan"

    def __init__(self, kept: KeptStates | None = None) -> None:
        self._kept = kept if kept is not None else KeptStates()

    async def __call__(self, ctx: RunContext, session: Session) -> Transition:
        plan = ctx.status.plan
        assert plan is not None
        approved = approved_digest(ctx.status)
        began = time.monotonic()
        states = await self._kept.current(ctx, session, approved)
        log.debug("Deploy: desired state and backup read in %.2fs.", time.monotonic() - began)
        deploy = ctx.status.deploy = ctx.status.deploy or DeployStatus()
        created_ids = {r.id: r.createdId for r in deploy.results if r.createdId}
        # Once every change has its result, only the write-back of created ids (below) is left. That
        # write-back itself changes the desired state: a run stopped after it, before leaving this step,
        # must finish, not find its own commit and call the plan outdated.
        if not _all_recorded(deploy, plan.changeCount - plan.adminCentreChangeCount):
            await self._apply_plan(ctx, session, states, approved, created_ids)
        if created_ids:
            await self._record_created_ids(ctx, session, states, created_ids)
        self._kept.keep(ctx, approved, states)  # recording ids moved the branch: Verify reads again
        failed = [r for r in deploy.results if r.result != ChangeOutcome.APPLIED]
        summary = f"{len(deploy.results) - len(failed)} of {len(deploy.results)} changes applied"
        if failed:
            summary += f"; {len(failed)} not applied ({', '.join(sorted({r.result for r in failed}))})"
        ctx.condition(
            ConditionType.DEPLOYED,
            "False" if failed else "True",
            ConditionReason.PARTIALLY_DEPLOYED if failed else ConditionReason.DEPLOYED,
            summary + ".",
        )
        return Advance(RunPhase.IN_PROGRESS, summary + "; verifying the tenant.")

    async def _apply_plan(
        self,
        ctx: RunContext,
        session: Session,
        states: States,
        approved: str | None,
        created_ids: dict[str, str],
    ) -> None:
        """Apply each change not yet recorded, if the plan is still the approved one."""
        began = time.monotonic()
        desired, live = states.desired, states.live
        changes = plan_changes(desired, live, where=states.where, origins=states.origins)
        if plan_digest(changes, desired) != approved:
            raise CodedError(
                ErrorCode.PLAN_OUTDATED,
                "The desired state or the backup changed after the plan was made, so the approved plan no longer"
                " describes what would be deployed; nothing more was applied. Sync again to plan anew.",
            )
        deploy = ctx.status.deploy
        assert deploy is not None
        recorded = {(r.type, r.id): i for i, r in enumerate(deploy.results)}
        graph = await session.graph()
        log.debug("Deploy: plan checked and Graph client ready in %.2fs.", time.monotonic() - began)
        for change in ordered(deployable(changes)):  # the admin centre's are people's to make
            index = recorded.get((change.type, change.id))
            in_doubt = index is not None and deploy.results[index].result == ChangeOutcome.APPLYING
            if index is not None and not in_doubt:
                continue
            if index is None:
                index = len(deploy.results)
                deploy.results.append(
                    ChangeResult(
                        id=change.id, type=change.type, action=change.action, result=ChangeOutcome.APPLYING
                    )
                )
                await ctx.save()
            entry = catalog()[change.type]
            if entry.requires_user and entry.service == Service.GRAPH:
                as_user = await session.user_graph(user_graph_scopes(c.type for c in changes))
                deploy.results[index] = (
                    await self._apply(as_user, change, desired, live, created_ids, in_doubt=in_doubt)
                    if as_user is not None
                    else ChangeResult(
                        id=change.id,
                        type=change.type,
                        action=change.action,
                        result=ChangeOutcome.FAILED,
                        message=NO_USER,
                    )
                )
            elif entry.cmdlets is None:
                deploy.results[index] = await self._apply(
                    graph, change, desired, live, created_ids, in_doubt=in_doubt
                )
            else:
                client = await session.exchange(entry.service)
                deploy.results[index] = await self._run_cmdlets(
                    client, change, desired, live, created_ids, in_doubt=in_doubt
                )
            await ctx.save()

    async def _apply(
        self,
        graph: GraphClient,
        change: PlanChange,
        desired: Files,
        live: Files,
        created_ids: dict[str, str],
        *,
        in_doubt: bool,
    ) -> ChangeResult:
        """Apply one change. `in_doubt`: it may have been sent before a crash, so first look whether it was."""
        entry = catalog()[change.type]
        file = object_file(change.type, change.id)

        def result(
            outcome: ChangeOutcome, message: str | None = None, created_id: str | None = None
        ) -> ChangeResult:
            return ChangeResult(
                id=change.id,
                type=change.type,
                action=change.action,
                result=outcome,
                message=message,
                createdId=created_id,
            )

        try:
            if change.action == ChangeAction.DELETE:
                return await self._delete(graph, entry, change, live.get(file), result, in_doubt=in_doubt)
            wanted = _resolve(document(desired[file], file, where="desired state"), created_ids)
            if change.action == ChangeAction.CREATE:
                if entry.fixed:
                    return result(
                        ChangeOutcome.FAILED,
                        f"The service makes each {entry.noun} itself and takes no create: only an existing"
                        " one can be changed (its id names it in the backup).",
                    )
                return await self._create(
                    graph, entry, change, wanted, created_ids, result, in_doubt=in_doubt
                )
            current = await read_live(graph, entry, change.id)
            if current is None:
                return result(
                    ChangeOutcome.CONFLICT, "The object was deleted in the tenant after the plan was made."
                )
            planned = document(live[file], file, where="backup") if file in live else {}
            pending = _pending_parts(entry, wanted, planned, current)
            if pending is None:
                return result(
                    ChangeOutcome.CONFLICT,
                    "The object changed in the tenant after the plan was made; it was left as it is.",
                )
            if not pending:
                return result(ChangeOutcome.APPLIED, "The tenant already had the desired state.")
            path = _object_path(entry, change.id)
            if BODY in pending and entry.requests is not None:
                await schedule_requests.submit(graph, entry, RequestAction.UPDATE, {**current, **wanted})
            elif BODY in pending:
                write = graph.replace if entry.update_method == "PUT" else graph.update
                await write(path, _writable(entry, wanted), version=entry.api_version)
            await _write_sub_resources(graph, entry, path, wanted, pending)
            await write_streams(graph, entry, path, wanted, current, rewritten=pending)
            return result(ChangeOutcome.APPLIED)
        except GraphUnavailable:
            if in_doubt:
                raise
            # The answer to a write was lost: it may have landed. Read the tenant back, as after a crash.
            return await self._apply(graph, change, desired, live, created_ids, in_doubt=True)
        except GraphError as error:
            return result(
                ChangeOutcome.FAILED, f"{error.service} answered {error.status} {error.code}: {error.message}"
            )

    async def _run_cmdlets(
        self,
        client: ExchangeClient,
        change: PlanChange,
        desired: Files,
        live: Files,
        created_ids: dict[str, str],
        *,
        in_doubt: bool,
    ) -> ChangeResult:
        """Apply one change of an Exchange admin API type, as ``_apply`` does for Graph: the live object
        read first (a conflict is recorded, never overwritten), only what changed sent, and a write whose
        answer was lost read back instead of being sent again."""
        entry = catalog()[change.type]
        cmdlets = cmdlet_writes.cmdlets_of(entry)
        file = object_file(change.type, change.id)

        def result(
            outcome: ChangeOutcome, message: str | None = None, created_id: str | None = None
        ) -> ChangeResult:
            return ChangeResult(
                id=change.id, type=change.type, action=change.action, result=outcome, message=message,
                createdId=created_id,
            )  # fmt: skip

        try:
            if change.action == ChangeAction.DELETE:
                current = await cmdlet_writes.read_object(client, entry, change.id)
                if current is None:
                    if in_doubt:
                        return result(ChangeOutcome.APPLIED)
                    return result(ChangeOutcome.CONFLICT, "The object was already deleted in the tenant.")
                if serialise(current) != live.get(file):
                    return result(
                        ChangeOutcome.CONFLICT,
                        "The object changed in the tenant after the plan was made; it was left as it is.",
                    )
                await cmdlet_writes.remove(client, entry, change.id)
                return result(ChangeOutcome.APPLIED)
            wanted = normalise(
                entry, _resolve(document(desired[file], file, where="desired state"), created_ids)
            )
            if change.action == ChangeAction.CREATE:
                existing = (
                    await cmdlet_writes.find_named(client, entry, wanted.get("Name")) if in_doubt else None
                )
                if existing is not None:  # the lost New- had landed
                    new_id = str(existing[entry.key_field])
                elif not cmdlets.can_create:
                    return result(
                        ChangeOutcome.FAILED,
                        f"The service has no {cmdlets.new} cmdlet: a {entry.noun} is created in the admin centre,"
                        " after which the next backup records it.",
                    )
                else:
                    new_id = await cmdlet_writes.create(client, entry, wanted)
                created_ids[change.id] = new_id
                return result(ChangeOutcome.APPLIED, f"Created with id {new_id}.", new_id)
            current = await cmdlet_writes.read_object(client, entry, change.id)
            if current is None:
                return result(
                    ChangeOutcome.CONFLICT, "The object was deleted in the tenant after the plan was made."
                )
            if current == wanted:
                return result(ChangeOutcome.APPLIED, "The tenant already had the desired state.")
            planned = document(live[file], file, where="backup") if file in live else {}
            if current != planned:
                return result(
                    ChangeOutcome.CONFLICT,
                    "The object changed in the tenant after the plan was made; it was left as it is.",
                )
            refused = cmdlet_writes.unwritable(entry, wanted, current)
            if refused:
                return result(ChangeOutcome.FAILED, refused)
            await cmdlet_writes.update(client, entry, change.id, wanted, current)
            return result(ChangeOutcome.APPLIED)
        except GraphUnavailable:
            if in_doubt:
                raise
            return await self._run_cmdlets(client, change, desired, live, created_ids, in_doubt=True)
        except GraphError as error:
            return result(
                ChangeOutcome.FAILED, f"{error.service} answered {error.status} {error.code}: {error.message}"
            )

    @staticmethod
    async def _delete(
        graph: GraphClient,
        entry: ConfigurationType,
        change: PlanChange,
        planned: bytes | None,
        result: Result,
        *,
        in_doubt: bool,
    ) -> ChangeResult:
        current = await read_live(graph, entry, change.id)
        if current is None:
            if in_doubt:
                return result(ChangeOutcome.APPLIED)
            return result(ChangeOutcome.CONFLICT, "The object was already deleted in the tenant.")
        if serialise(current) != planned:
            return result(
                ChangeOutcome.CONFLICT,
                "The object changed in the tenant after the plan was made; it was left as it is.",
            )
        if entry.requests is not None:
            await schedule_requests.submit(graph, entry, RequestAction.REMOVE, current)
        else:
            await graph.delete(_object_path(entry, change.id), version=entry.api_version)
        return result(ChangeOutcome.APPLIED)

    @staticmethod
    async def _create(
        graph: GraphClient,
        entry: ConfigurationType,
        change: PlanChange,
        wanted: JsonObject,
        created_ids: dict[str, str],
        result: Result,
        *,
        in_doubt: bool,
    ) -> ChangeResult:
        """Create the object with the sub-resources Graph takes inside it, then the others. After a crash, an object whose own fields match is
        the one this change created (matched as the plan compares: what the desired state leaves out is no
        difference): it is not created twice, and what it still lacks is written."""
        wanted_body = _parts(entry, normalise(entry, wanted))[BODY]
        if in_doubt:
            for existing in await graph.list(entry.path, version=entry.api_version):
                if not differences(wanted_body, _parts(entry, normalise(entry, existing))[BODY]):
                    new_id = str(existing[entry.key_field])
                    created_ids[change.id] = new_id
                    current = await read_live(graph, entry, new_id) or {}
                    pending = [
                        name
                        for name, part in _parts(entry, normalise(entry, wanted)).items()
                        if name != BODY
                        and name in wanted
                        and differences(part, _parts(entry, current).get(name))
                    ]
                    await _write_sub_resources(graph, entry, _object_path(entry, new_id), wanted, pending)
                    return result(ChangeOutcome.APPLIED, f"Created with id {new_id}.", new_id)
        inside = [sub for sub in entry.sub_resources if sub.name in _created_inside(entry)]
        body = (
            _writable(entry, wanted, creating=True)
            | _bindings(graph, entry, wanted)
            | {sub.name: _without_read_only(sub, wanted[sub.name]) for sub in inside if sub.name in wanted}
        )
        if entry.requests is not None:
            new_id = await schedule_requests.submit(graph, entry, RequestAction.ASSIGN, body) or change.id
        else:
            created = await graph.create(entry.path, body, version=entry.api_version)
            new_id = str(created.get(entry.key_field) or body.get(entry.key_field) or change.id)
        created_ids[change.id] = new_id
        subs = [sub.name for sub in entry.sub_resources if sub.name in wanted and sub not in inside]
        await _write_sub_resources(graph, entry, _object_path(entry, new_id), wanted, subs)
        return result(ChangeOutcome.APPLIED, f"Created with id {new_id}.", new_id)

    @staticmethod
    async def _record_created_ids(
        ctx: RunContext, session: Session, states: States, created_ids: dict[str, str]
    ) -> None:
        """Rename the Tenant's own created objects' files to their new ids and point references at them,
        in one commit; record the ids of objects a baseline gave in its overrides folder's `ids.json`."""
        own_created = [f for f in states.own if parse_file(f, where=states.where)[1] in created_ids]
        if own_created:
            files: Files = {}
            for file, content in states.own.items():
                type_, object_id = parse_file(file, where="desired state")
                doc = _resolve(document(content, file, where="desired state"), created_ids)
                if object_id in created_ids:
                    object_id = created_ids[object_id]
                    doc[catalog()[type_].key_field] = object_id
                files[object_file(type_, object_id)] = serialise(doc)
            await (await session.repository()).write_folder(
                ctx.tenant.repository.branch,
                ctx.repository_path,
                {**split_files(files), **states.reserved},
                f"Record the ids of objects created in Tenant {ctx.namespace}/{ctx.tenant_name}\n\nSyncRun: {ctx.run_name}",
            )
        composition = states.composition
        if composition is None:
            return
        ids = {name: dict(recorded) for name, recorded in composition.ids.items()}
        origins = {
            composed.id: (composed.baseline, composed.key) for composed in composition.objects.values()
        }
        changed: set[str] = set()
        for planned_id, new_id in created_ids.items():
            if (
                planned_id in origins
            ):  # a placeholder, or a recorded id whose object was deleted in the tenant
                baseline, key = origins[planned_id]
                ids[baseline][key] = new_id
                changed.add(baseline)
        await record_ids(ctx, session, states, {name: ids[name] for name in sorted(changed)}, "created")


def _all_recorded(deploy: DeployStatus, change_count: int) -> bool:
    """Every change of the plan has its final result: nothing is left to apply."""
    return len(deploy.results) == change_count and all(
        r.result != ChangeOutcome.APPLYING for r in deploy.results
    )


async def _write_sub_resources(
    graph: GraphClient, entry: ConfigurationType, path: str, document: JsonObject, names: Collection[str]
) -> None:
    """The named sub-resources, each the way its catalogue entry says Graph takes it: those sent through
    one action (a script's two kinds of assignment) or inside the parent go in one request together."""
    subs = [sub for sub in entry.sub_resources if sub.name in names and sub.name in document]
    actions: dict[str, JsonObject] = {}
    versions: dict[str, str] = {}
    replaced: JsonObject = {}
    for sub in subs:
        value = _without_read_only(sub, document[sub.name])
        if sub.write == SubResourceWrite.ACTION:
            body = actions.setdefault(sub.action, {})
            body[sub.body_key] = value
            body.update({name: document[name] for name in sub.action_fields if name in document})
        elif sub.write == SubResourceWrite.REPLACE_PARENT:
            replaced[sub.name] = value
        elif sub.write == SubResourceWrite.NEW_VERSION:
            versions[sub.action] = sub.body_key
        elif sub.write == SubResourceWrite.EACH:
            await _replace_each(graph, entry, f"{path}/{sub.name}", value)
        elif sub.write == SubResourceWrite.EDIT:
            await _edit(graph, entry, sub, path, value)
        elif sub.write == SubResourceWrite.MERGE:
            await _merge(graph, entry, f"{path}/{sub.name}", value)
        elif sub.write == SubResourceWrite.PATCH_EACH:
            await _patch_each(graph, entry, sub, f"{path}/{sub.name}", value)
        elif sub.write == SubResourceWrite.REFERENCES:
            await _link(graph, entry, sub, f"{path}/{sub.name}", value)
        elif sub.write == SubResourceWrite.ADD_REMOVE:
            await _add_remove(graph, entry, sub, path, value)
    for action, body in actions.items():
        await graph.action(f"{path}/{action}", body, version=entry.api_version)
    for action, key in versions.items():
        # A new version is the whole object: every part it carries, not only those that changed.
        whole = {
            sub.name: _without_read_only(sub, document[sub.name])
            for sub in entry.sub_resources
            if sub.write == SubResourceWrite.NEW_VERSION and sub.action == action and sub.name in document
        }
        await graph.action(
            f"{path}/{action}", {key: {**_writable(entry, document), **whole}}, version=entry.api_version
        )
    if replaced:
        await graph.replace(path, {**_writable(entry, document), **replaced}, version=entry.api_version)


async def _replace_each(graph: GraphClient, entry: ConfigurationType, path: str, wanted: Any) -> None:
    """A contained collection with no action that replaces it: remove what is there, add what is wanted."""
    for item in await graph.list(path, version=entry.api_version):
        await graph.delete(f"{path}/{item['id']}", version=entry.api_version)
    for item in wanted if isinstance(wanted, list) else []:
        await graph.create(path, item, version=entry.api_version)


async def _merge(graph: GraphClient, entry: ConfigurationType, path: str, wanted: Any) -> None:
    """Items the service never deletes: the missing ones created with their id, the changed ones
    patched; one the desired state leaves out is left as it is."""
    live = {str(item["id"]): item for item in await graph.list(path, version=entry.api_version)}
    for item in wanted if isinstance(wanted, list) else []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        current = live.get(str(item["id"]))
        if current is None:
            await graph.create(path, item, version=entry.api_version)
        elif any(current.get(k) != v for k, v in item.items()):
            changes = {k: v for k, v in item.items() if k != "id"}
            await graph.update(f"{path}/{item['id']}", changes, version=entry.api_version)


async def _patch_each(
    graph: GraphClient, entry: ConfigurationType, sub: SubResource, path: str, wanted: Any
) -> None:
    """Items the service made with their parent (a policy's rules): each one that differs (compared as
    the backup keeps them) is PATCHed alone, by its id, as Graph updates them; none is added or deleted."""
    listed = await graph.list(path, version=entry.api_version)
    live = {str(item["id"]): item for item in normalise(entry, {sub.name: listed}).get(sub.name) or []}
    for item in wanted if isinstance(wanted, list) else []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        current = live.get(str(item["id"]))
        if current is not None and differences(item, current):
            changes = {k: v for k, v in item.items() if k != "id"}
            await graph.update(f"{path}/{item['id']}", changes, version=entry.api_version)


async def _link(
    graph: GraphClient, entry: ConfigurationType, sub: SubResource, path: str, wanted: Any
) -> None:
    """Linked objects (a group's owners, an app's token policies): link the missing ones first, then
    unlink the others, so a group that must keep an owner is never left without one in between."""
    live = {str(item["id"]) for item in await graph.list(path, version=entry.api_version)}
    desired = [str(item["id"]) for item in wanted or [] if isinstance(item, dict) and item.get("id")]
    base = f"{graph.base_url}/{entry.api_version}"
    for object_id in desired:
        if object_id not in live:
            body = {"@odata.id": f"{base}/{sub.links_to}/{object_id}"}
            await graph.action(f"{path}/$ref", body, version=entry.api_version)
    for object_id in sorted(live - set(desired)):
        await graph.delete(f"{path}/{object_id}/$ref", version=entry.api_version)


async def _add_remove(
    graph: GraphClient, entry: ConfigurationType, sub: SubResource, parent: str, wanted: Any
) -> None:
    """Items Graph never changes (app role assignments): the missing ones created first, naming their
    parent where Graph wants it, then the ones the desired state leaves out deleted; one in place,
    matched by ``sub.identity``, is left alone."""

    def identity(item: JsonObject) -> tuple[str, ...]:
        return tuple(str(item.get(name, "")).lower() for name in sub.identity)

    path = f"{parent}/{sub.name}"
    owner = {sub.owner_field: parent.rsplit("/", 1)[-1]} if sub.owner_field else {}
    live = {identity(item): item for item in await graph.list(path, version=entry.api_version)}
    desired = [item for item in wanted or [] if isinstance(item, dict)]
    for item in desired:
        if identity(item) not in live:
            await graph.create(path, {**item, **owner}, version=entry.api_version)
    kept = {identity(item) for item in desired}
    for key, item in sorted(live.items()):
        if key not in kept:
            await graph.delete(f"{path}/{item['id']}", version=entry.api_version)


async def _edit(
    graph: GraphClient, entry: ConfigurationType, sub: SubResource, path: str, wanted: Any
) -> None:
    """One action replaces a contained collection: the live items deleted by id, the desired ones added
    with their bound navigations named by URL (``definition@odata.bind``), as Graph requires."""
    live = await graph.list(f"{path}/{sub.name}", version=entry.api_version)
    added = [_bound(graph, entry, sub, item) for item in wanted if isinstance(item, dict)] if wanted else []
    body = {"added": added, "updated": [], "deletedIds": [str(item["id"]) for item in live]}
    await graph.action(f"{path}/{sub.action}", body, version=entry.api_version)


def _bound(graph: GraphClient, entry: ConfigurationType, sub: SubResource, item: JsonObject) -> JsonObject:
    """An item with each ``{"id": ...}`` its catalogue entry binds replaced by ``<name>@odata.bind``."""
    base = f"{graph.base_url}/{entry.api_version}"
    names = {bind.field: _bound_id(item.get(bind.field)) for bind in sub.binds if "[]" not in bind.field}
    out = dict(item)
    for bind in sub.binds:
        holder, _, name = bind.field.rpartition("[].")
        targets = [out] if not holder else out.get(holder) or []
        if holder:
            out[holder] = targets = [dict(target) for target in targets if isinstance(target, dict)]
        for target in targets:
            target_id = _bound_id(target.pop(name, None))
            if target_id:
                url = bind.url.format(**{k: v for k, v in names.items() if v}, id=target_id)
                target[f"{name}@odata.bind"] = f"{base}/{url}"
    return out


def _bound_id(value: Any) -> str | None:
    return str(value["id"]) if isinstance(value, dict) and value.get("id") else None


BODY = ""
"""The object's own fields, as opposed to its sub-resources: each is written by a request of its own."""


def _parts(entry: ConfigurationType, document: JsonObject) -> dict[str, Any]:
    """A document split the way a deploy writes it: its own writable fields, then each sub-resource."""
    subs = {sub.name for sub in entry.sub_resources}
    body = {k: v for k, v in document.items() if k not in subs and k not in entry.read_only_fields}
    return {BODY: body, **{name: document.get(name) for name in subs}}


def _pending_parts(
    entry: ConfigurationType, wanted: JsonObject, planned: JsonObject, current: JsonObject
) -> list[str] | None:
    """The parts still to write: each part of the live object must be as desired (done) or as it was
    when the plan was made (to do); anything else was changed by someone else (None: a conflict).

    So an update that a crash interrupted between its PATCH and its assign resumes with the assign.
    """
    want, was, now = (_parts(entry, normalise(entry, doc)) for doc in (wanted, planned, current))
    pending = []
    for name, part in want.items():
        if name != BODY and (name not in wanted or name in entry.reported_fields):
            continue  # the desired state says nothing of this sub-resource, or no deploy writes it
        # As the plan compares (sync/diff.py): what a part leaves out is no difference, since the
        # service serves whole objects (an assignment read back carries properties nobody sent).
        if not differences(part, now.get(name)):
            continue
        if differences(was.get(name), now.get(name)):
            return None
        pending.append(name)
    return pending


def _resolve(document: JsonObject, created_ids: dict[str, str]) -> JsonObject:
    """Point references to objects created earlier in this deploy at their new ids."""
    text = json.dumps(document)
    for placeholder, new_id in created_ids.items():
        text = text.replace(f'"{placeholder}"', f'"{new_id}"')
    resolved: JsonObject = json.loads(text)
    return resolved
