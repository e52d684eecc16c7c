"""The two states a plan compares, read from the repository: the desired folder and the backup folder.

A Tenant that adopts baselines has a composed desired state: each baseline's folder at the revision
released to it, with the Tenant's overrides applied and its variables and references put in, on top of
the Tenant's own objects (see `tenantsync.baselines`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tenantsync.api import CodedError, ErrorCode, PlannedBaseline, ResourceType
from tenantsync.baselines import (
    IDS_FILE,
    BaselineFolder,
    Composition,
    ObjectKey,
    TenantFacts,
    compose,
    lookups,
)
from tenantsync.catalog import serialise
from tenantsync.graph import GraphClient
from tenantsync.sync.diff import Files, display_name, document, object_files
from tenantsync.sync.layout import is_reserved, object_file, parse_file
from tenantsync.sync.pipeline import AdoptedBaseline, RunContext
from tenantsync.sync.session import Session


@dataclass(frozen=True)
class OverridesFolder:
    """A Tenant's overrides of one baseline, where they live and what they hold."""

    path: str
    files: Files


@dataclass(frozen=True)
class States:
    desired: Files
    """The desired state's object files of the configured types (with the baselines' objects)."""
    live: Files
    """The newest backup's object files of the configured types."""
    where: str
    """Where the desired state lives, as messages name it."""
    initialised: bool
    """The desired folder holds anything at all (an empty one is initialised from the backup)."""
    own: Files = field(default_factory=dict)
    """The Tenant's own object files (without the baselines' objects)."""
    reserved: Files = field(default_factory=dict)
    """The files of the Tenant folder's `baselines/` folder, carried over when the folder is written."""
    origins: dict[str, str] = field(default_factory=dict)
    """Desired file -> the Baseline it comes from."""
    composition: Composition | None = None
    overrides: dict[str, OverridesFolder] = field(default_factory=dict)
    """Per adopted baseline, its overrides folder (where `ids.json` is recorded)."""
    desired_head: str | None = None
    """The desired branch's commit the desired folder was read at; while the branch's head is still this
    commit, nothing can have changed the desired state, and the states (their composition) still hold."""

    @property
    def planned_baselines(self) -> list[PlannedBaseline]:
        return self.composition.planned if self.composition else []


async def read_states(ctx: RunContext, session: Session) -> States:
    spec = ctx.tenant
    repository = await session.repository()
    path = ctx.repository_path
    types = set(spec.resources or ResourceType)
    where = f"{path} on branch {spec.repository.branch}"
    desired_head, folder = await repository.read_folder_at_head(spec.repository.branch, path) or (None, {})
    backup = await repository.read_folder(spec.repository.backupBranch, path) or {}
    own = object_files(folder, types, where=where)
    live = object_files(backup, types, where=f"{path} on branch {spec.repository.backupBranch}")
    reserved = {file: content for file, content in folder.items() if is_reserved(file)}
    initialised = any(not is_reserved(file) for file in folder)
    if not ctx.baselines:
        return States(own, live, where, initialised, own=own, reserved=reserved, desired_head=desired_head)
    overrides = {adopted.name: await _overrides(ctx, session, adopted, folder) for adopted in ctx.baselines}
    folders = [
        await _baseline(ctx, session, adopted, overrides[adopted.name], types) for adopted in ctx.baselines
    ]
    wanted = lookups(folders)
    graph = await session.graph() if wanted.groups or wanted.domain else None
    facts = TenantFacts(
        name=ctx.tenant_name,
        domain=await _domain(ctx, graph) if wanted.domain and graph else None,
        labels=ctx.tenant_labels,
        annotations=ctx.tenant_annotations,
    )
    groups = {name: await _group_ids(graph, name) for name in sorted(wanted.groups)} if graph else {}
    composition = compose(
        folders, own=_names(own, where), live=_names(live, where), facts=facts, groups=groups
    )
    superseded = set(composition.superseded)
    desired = {
        file: content for file, content in own.items() if parse_file(file, where=where) not in superseded
    }
    origins: dict[str, str] = {}
    for composed in composition.objects.values():
        file = object_file(composed.type, composed.id)
        desired[file] = serialise(composed.document)
        origins[file] = composed.baseline
    return States(
        desired, live, where, initialised, own=own, reserved=reserved, origins=origins,
        composition=composition, overrides=overrides, desired_head=desired_head,
    )  # fmt: skip


async def _overrides(
    ctx: RunContext, session: Session, adopted: AdoptedBaseline, folder: Files
) -> OverridesFolder:
    """The Tenant's overrides: from the folder already read when they live inside it (the default)."""
    path = ctx.overrides_path(adopted)
    inside = f"{ctx.repository_path}/"
    if path.startswith(inside):
        prefix = f"{path.removeprefix(inside)}/"
        files = {
            file.removeprefix(prefix): content for file, content in folder.items() if file.startswith(prefix)
        }
    else:
        repository = await session.repository()
        files = await repository.read_folder(ctx.tenant.repository.branch, path) or {}
    return OverridesFolder(path, files)


async def _baseline(
    ctx: RunContext,
    session: Session,
    adopted: AdoptedBaseline,
    overrides: OverridesFolder,
    types: set[ResourceType],
) -> BaselineFolder:
    if adopted.repository is None:
        raise CodedError(
            ErrorCode.BASELINE_NOT_FOUND,
            f"Tenant {ctx.tenant_name} adopts Baseline {adopted.name} (spec.baselines), which does not exist in"
            f" namespace {ctx.namespace}. Create the Baseline or remove it from spec.baselines; nothing was"
            " planned.",
        )
    source = adopted.repository
    where = f"Baseline {adopted.name} ({source.path} at {(adopted.revision or '')[:12]})"
    overrides_where = f"{overrides.path} on branch {ctx.tenant.repository.branch}"
    if adopted.revision is None:
        return BaselineFolder(adopted.name, None, where=where, overrides_where=overrides_where)
    files = await session.baseline_folder(source, adopted.revision)
    if files is None:
        raise CodedError(
            ErrorCode.REPOSITORY_UNREACHABLE,
            f"Baseline {adopted.name}: revision {adopted.revision[:12]} released to this Tenant is not in"
            f" {source.url} (was branch {source.branch} rewritten?). Roll the baseline out again; nothing was"
            " planned.",
        )
    return BaselineFolder(
        adopted.name,
        adopted.revision,
        objects=object_files(files, types, where=where),
        overrides=overrides.files,
        where=where,
        overrides_where=overrides_where,
    )


def _names(files: Files, where: str) -> dict[ObjectKey, str | None]:
    return {
        parse_file(file, where=where): display_name(document(content, file, where=where))
        for file, content in files.items()
    }


async def _domain(ctx: RunContext, graph: GraphClient) -> str:
    """`${tenant.domain}`: the Tenant's tenantId when it is a domain, else the tenant's initial domain."""
    if "." in ctx.tenant.tenantId:
        return ctx.tenant.tenantId
    for organization in await graph.list("organization", params={"$select": "verifiedDomains"}):
        for domain in organization.get("verifiedDomains") or []:
            if domain.get("isInitial") and domain.get("name"):
                return str(domain["name"])
    raise CodedError(
        ErrorCode.GRAPH_REQUEST_FAILED,
        "A baseline uses ${tenant.domain}, but Graph's organization lists no initial domain for the tenant.",
    )


async def _group_ids(graph: GraphClient, name: str) -> list[str]:
    """The ids of the groups named `name` (Graph compares display names without regard to case)."""
    quoted = name.replace("'", "''")
    params = {"$filter": f"displayName eq '{quoted}'", "$select": "id,displayName"}
    found = await graph.list("groups", params=params)
    return [
        str(group["id"])
        for group in found
        if group.get("id") and str(group.get("displayName", "")).casefold() == name.casefold()
    ]


async def record_ids(
    ctx: RunContext, session: Session, states: States, ids: Mapping[str, Mapping[str, str]], why: str
) -> None:
    """Write `ids.json` in the overrides folder of each baseline whose ids changed, so later syncs match
    the baseline's objects by id, whatever their names become."""
    repository = await session.repository()
    for name, recorded in ids.items():
        folder = states.overrides[name]
        content = serialise(dict(recorded))
        if folder.files.get(IDS_FILE) != content:
            await repository.write_folder(
                ctx.tenant.repository.branch,
                folder.path,
                {**folder.files, IDS_FILE: content},
                f"Record the ids Baseline {name}'s objects have in Tenant {ctx.namespace}/{ctx.tenant_name}"
                f" ({why})\n\nSyncRun: {ctx.run_name}",
            )
