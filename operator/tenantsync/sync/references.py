"""Before any write: every object the planned changes point at must exist, or the plan stops.

What points where is catalogue data (`ConfigurationType.references`). A reference to a type the Tenant
syncs is satisfied by the desired state itself (the deploy creates it first); any other is looked up
in the tenant, once per id. The Exchange admin API's objects name each other by ``Name``: those are
looked for by name, in the desired state or with the target's ``Get-`` cmdlet.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tenantsync.api import ChangeAction, PlanChange, ResourceType
from tenantsync.catalog import DirectoryKind, Reference, Service, catalog
from tenantsync.exchange import ExchangeClient
from tenantsync.graph import GraphClient, GraphNotFound
from tenantsync.sync.diff import Files, document
from tenantsync.sync.layout import object_file, parse_file

Exchange = Callable[[Service], Awaitable[ExchangeClient]]


async def missing_references(
    graph: GraphClient,
    desired: Files,
    changes: list[PlanChange],
    synced: set[ResourceType],
    *,
    where: str,
    exchange: Exchange | None = None,
) -> list[str]:
    """Human-readable descriptions of each missing object, naming the change that refers to it."""
    known: dict[tuple[str, str], bool] = {}
    missing: list[str] = []
    named = _desired_names(desired, where)
    for change in changes:
        if change.action == ChangeAction.DELETE:
            continue
        entry = catalog()[change.type]
        file = object_file(change.type, change.id)
        doc = document(desired[file], file, where=where)
        referrer = f"{entry.noun} {change.displayName or change.id!r}"
        for reference in entry.references:
            target = reference.target
            for value in reference.values(doc):
                if reference.by is not None and isinstance(target, ResourceType):
                    found = await _named(reference, target, value, synced, named, exchange, known)
                elif isinstance(target, ResourceType) and target in synced:
                    found = object_file(target, value) in desired
                else:
                    found = await _exists(graph, target, value, known)
                if not found:
                    noun = target.name if isinstance(target, DirectoryKind) else catalog()[target].noun
                    missing.append(f"{noun} {value} (in {referrer}, {reference.field})")
    return missing


async def _exists(
    graph: GraphClient,
    target: ResourceType | DirectoryKind,
    object_id: str,
    known: dict[tuple[str, str], bool],
) -> bool:
    path, version = (
        (catalog()[target].path, catalog()[target].api_version)
        if isinstance(target, ResourceType)
        else (target.path, target.api_version)
    )
    key = (path, object_id)
    if key not in known:
        try:
            await graph.get(f"{path}/{object_id}", version=version, params={"$select": "id"})
            known[key] = True
        except GraphNotFound:
            known[key] = False
    return known[key]


def _desired_names(desired: Files, where: str) -> dict[ResourceType, set[str]]:
    """The ``Name`` of every desired object of the Exchange admin API's types."""
    names: dict[ResourceType, set[str]] = {}
    for file, content in desired.items():
        type_, _ = parse_file(file, where=where)
        if catalog()[type_].cmdlets is not None:
            name = document(content, file, where=where).get("Name")
            if isinstance(name, str):
                names.setdefault(type_, set()).add(name)
    return names


async def _named(
    reference: Reference,
    target: ResourceType,
    value: str,
    synced: set[ResourceType],
    named: dict[ResourceType, set[str]],
    exchange: Exchange | None,
    known: dict[tuple[str, str], bool],
) -> bool:
    """An object named ``value`` exists: in the desired state when its type is synced, else in the
    tenant (``Get-<Noun> -Identity <name>``)."""
    if target in synced:
        return value in named.get(target, set())
    entry = catalog()[target]
    key = (entry.path, value)
    if key not in known:
        if exchange is None or entry.cmdlets is None:
            return False
        client = await exchange(entry.service)
        try:
            known[key] = bool(await client.invoke(entry.cmdlets.get, {"Identity": value}))
        except GraphNotFound:
            known[key] = False
    return known[key]
