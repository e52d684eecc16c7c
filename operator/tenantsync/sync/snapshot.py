"""Step 3 of a sync (SPEC §3): read every configured type and hold the tenant's normalised state.

Requests stay few on a large tenant: collections are read page by page with their sub-resources
expanded where Graph expands them on a list, and the rest (settings catalog settings) through
``$batch``, twenty objects per request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tenantsync.api import ResourceType
from tenantsync.catalog import ConfigurationType, catalog, normalise, serialise
from tenantsync.graph import BatchRequest, GraphClient
from tenantsync.sync.layout import file_for

JsonObject = dict[str, Any]


@dataclass
class BackupSnapshot:
    """The tenant's state at one point in time, as the backup history keeps it."""

    objects: dict[ResourceType, list[JsonObject]] = field(default_factory=dict)
    skipped: list[ResourceType] = field(default_factory=list)

    def files(self) -> dict[str, bytes]:
        """Repository-relative paths (see `layout`) to their canonical bytes."""
        entries = catalog()
        return {
            file_for(entries[kind], obj): serialise(obj)
            for kind, items in self.objects.items()
            for obj in items
        }


async def take_snapshot(
    graph: GraphClient, types: Sequence[ConfigurationType], *, admin_api: GraphClient | None = None
) -> BackupSnapshot:
    """Read ``types`` concurrently. Types that need a user are read through ``admin_api`` (a client
    holding a delegated token for the portal's admin API) and skipped when there is none.

    Any failure fails the whole snapshot: a partial backup would read as deletions.
    """
    snapshot = BackupSnapshot()
    readable: list[tuple[ConfigurationType, GraphClient]] = []
    for entry in types:
        client = admin_api if entry.requires_user else graph
        if client is None:
            snapshot.skipped.append(entry.name)
        else:
            readable.append((entry, client))
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [(entry, group.create_task(_read(client, entry))) for entry, client in readable]
    except BaseExceptionGroup as failure:
        raise failure.exceptions[0] from None
    for entry, task in tasks:
        items = [normalise(entry, obj) for obj in task.result()]
        snapshot.objects[entry.name] = sorted(items, key=lambda obj: str(obj.get("id", "")))
    return snapshot


async def _read(client: GraphClient, entry: ConfigurationType) -> list[JsonObject]:
    params = dict(entry.params)
    if entry.singleton:
        return [await client.get(entry.path, version=entry.api_version, params=params or None)]
    expand = [sub.expand for sub in entry.sub_resources if sub.expand]
    if expand:
        params["$expand"] = ",".join(expand)
    items = await client.list(entry.path, version=entry.api_version, params=params or None)
    for sub in entry.sub_resources:
        if sub.expand is None:
            await _read_per_object(client, entry, sub.name, items)
    return items


async def _read_per_object(
    client: GraphClient, entry: ConfigurationType, name: str, items: list[JsonObject]
) -> None:
    """Fill ``name`` on every item from ``<path>/<id>/<name>``, twenty items per ``$batch``."""
    requests = [BatchRequest("GET", f"/{entry.path}/{item['id']}/{name}") for item in items]
    responses = await client.batch(requests, version=entry.api_version)
    for item, response in zip(items, responses, strict=True):
        response.raise_for_status()
        body = response.body if isinstance(response.body, dict) else {}
        values: list[JsonObject] = list(body.get("value") or [])
        next_link = body.get("@odata.nextLink")
        if next_link:
            values.extend(await client.list(str(next_link)))
        item[name] = values
