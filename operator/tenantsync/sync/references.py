"""Before any write: every object the planned changes point at must exist, or the plan stops.

What points where is catalogue data (`ConfigurationType.references`). A reference to a type the Tenant
syncs is satisfied by the desired state itself (the deploy creates it first); any other is looked up
in the tenant, once per id.
"""

from __future__ import annotations

from tenantsync.api import ChangeAction, PlanChange, ResourceType
from tenantsync.catalog import DirectoryKind, catalog
from tenantsync.graph import GraphClient, GraphNotFound
from tenantsync.sync.diff import Files, document
from tenantsync.sync.layout import object_file


async def missing_references(
    graph: GraphClient, desired: Files, changes: list[PlanChange], synced: set[ResourceType], *, where: str
) -> list[str]:
    """Human-readable descriptions of each missing object, naming the change that refers to it."""
    known: dict[tuple[str, str], bool] = {}
    missing: list[str] = []
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
                if isinstance(target, ResourceType) and target in synced:
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
