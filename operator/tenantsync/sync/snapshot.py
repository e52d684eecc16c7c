"""The backup's read: read every configured type and hold the tenant's normalised state.

Requests stay few on a large tenant: collections are read page by page with their sub-resources
expanded where Graph expands them on a list, and the rest (settings catalog settings, fields a list
leaves out such as script bodies) through ``$batch``, twenty objects per request.

Per-object reads go through one ``$batch`` call at a time (its chunks still run concurrently): Intune
counts every request inside a batch against its budget of 1,000 per 20 s per app, and many batch calls
at once would starve each other's retries until they give up.

A type the tenant does not license is answered for the whole family with 400/403/404 and a message
saying so; it is reported as unavailable, not as a failure, and leaves no files (so never a deletion).
The Exchange admin API says so by not knowing the cmdlet (Defender for Office 365 without its plan).

Exchange admin API types are read with their ``Get-`` cmdlet, one call (and its pages) per type.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tenantsync.api import ResourceType
from tenantsync.catalog import (
    CMDLET_SERVICES,
    ConfigurationType,
    Service,
    SubResource,
    catalog,
    normalise,
    serialise,
)
from tenantsync.exchange import ExchangeClient
from tenantsync.graph import BatchRequest, BatchResponse, GraphClient, GraphError
from tenantsync.sync.layout import file_for, split_companions
from tenantsync.sync.off_loop import off_loop
from tenantsync.sync.streams import read_streams

JsonObject = dict[str, Any]


@dataclass
class BackupSnapshot:
    """The tenant's state at one point in time, as the backup history keeps it."""

    objects: dict[ResourceType, list[JsonObject]] = field(default_factory=dict)
    skipped: list[ResourceType] = field(default_factory=list)
    unavailable: list[ResourceType] = field(default_factory=list)
    """Types the tenant does not license (Graph said so): not read, and no files recorded for them."""

    def files(self) -> dict[str, bytes]:
        """Repository-relative paths (see `layout`) to their canonical bytes, script bodies beside them."""
        entries = catalog()
        files: dict[str, bytes] = {}
        for kind, items in self.objects.items():
            for obj in items:
                document, companions = split_companions(entries[kind], obj)
                files[file_for(entries[kind], obj)] = serialise(document)
                files.update(companions)
        return files


async def take_snapshot(
    graph: GraphClient,
    types: Sequence[ConfigurationType],
    *,
    admin_api: GraphClient | None = None,
    user_graph: GraphClient | None = None,
    exchange: Mapping[Service, ExchangeClient] | None = None,
) -> BackupSnapshot:
    """Read ``types`` concurrently. Types that need a user are read through ``admin_api`` (a client
    holding a delegated token for the portal's admin API) or, on Graph, ``user_graph`` (the user's Graph
    token), and skipped when there is none; the Exchange admin API's through ``exchange``, its client
    per endpoint.

    Any failure fails the whole snapshot: a partial backup would read as deletions.
    """
    snapshot = BackupSnapshot()
    readers: dict[Service, _Reader | None] = {
        Service.GRAPH: _Reader(graph),
        Service.PORTAL: _Reader(admin_api) if admin_api else None,
    }
    for service, client in (exchange or {}).items():
        readers[service] = _Reader(client)
    as_user = _Reader(user_graph) if user_graph else None
    readable: list[tuple[ConfigurationType, _Reader]] = []
    for entry in types:
        user_only = entry.requires_user and entry.service == Service.GRAPH
        reader = as_user if user_only else readers.get(entry.service)
        if reader is None:
            snapshot.skipped.append(entry.name)
        else:
            readable.append((entry, reader))
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [
                (entry, group.create_task(_read_if_licensed(reader, entry))) for entry, reader in readable
            ]
    except BaseExceptionGroup as failure:
        raise failure.exceptions[0] from None
    read = [(entry, task.result()) for entry, task in tasks]
    for entry, objects in await off_loop(_normalised, read):
        if objects is None:
            snapshot.unavailable.append(entry.name)
        else:
            snapshot.objects[entry.name] = objects
    return snapshot


def _normalised(
    read: list[tuple[ConfigurationType, list[JsonObject] | None]],
) -> list[tuple[ConfigurationType, list[JsonObject] | None]]:
    """Each type's objects normalised, in identity order (None: the type is not licensed)."""
    done: list[tuple[ConfigurationType, list[JsonObject] | None]] = []
    for entry, found in read:
        key = entry.identity_field or "id"
        items = None if found is None else [normalise(entry, obj) for obj in found]
        done.append((entry, None if items is None else sorted(items, key=lambda obj: str(obj.get(key, "")))))
    return done


NOT_LICENSED = re.compile(
    r"not licensed|licen[cs]e (is )?required|not found for the segment|not applicable to target tenant"
    r"|is not recognized as the name of a cmdlet",
    re.IGNORECASE,
)
"""How Graph words a refusal for a whole family the tenant has no licence for, and how the Exchange
admin API answers a cmdlet the tenant's plan does not include."""


def is_unavailable(error: GraphError) -> bool:
    """A 400/403/404 that names a missing licence or an unknown segment, not a missing permission."""
    return error.status in (400, 403, 404) and bool(NOT_LICENSED.search(error.message))


@dataclass
class _Reader:
    """One snapshot's client, with the lock that keeps its per-object reads to one ``$batch`` at a time."""

    client: GraphClient
    batches: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def batch(self, requests: list[BatchRequest], version: str) -> list[BatchResponse]:
        async with self.batches:
            return await self.client.batch(requests, version=version)


async def _read_if_licensed(reader: _Reader, entry: ConfigurationType) -> list[JsonObject] | None:
    try:
        return await _read(reader, entry)
    except GraphError as error:
        if is_unavailable(error):
            return None
        raise


async def _read(reader: _Reader, entry: ConfigurationType) -> list[JsonObject]:
    client = reader.client
    if entry.cmdlets is not None:
        assert isinstance(client, ExchangeClient) and entry.service in CMDLET_SERVICES
        found = await client.invoke(entry.cmdlets.get)
        return found[:1] if entry.singleton else found
    params = dict(entry.params)
    if entry.singleton:
        single = await client.get(entry.path, version=entry.api_version, params=params or None)
        for sub in entry.sub_resources:  # a singleton's collections (branding localizations) by their path
            if not sub.is_field:
                single[sub.name] = await client.list(f"{entry.path}/{sub.name}", version=entry.api_version)
        await read_streams(client, entry, entry.path, single)
        return [single]
    expand = [sub.expand for sub in entry.sub_resources if sub.expand]
    if expand:
        params["$expand"] = ",".join(expand)
    items = await client.list(entry.path, version=entry.api_version, params=params or None)
    if entry.list_omits:
        await _read_omitted_fields(reader, entry, items)
    for sub in entry.sub_resources:
        if sub.expand is None and not sub.is_field:
            await _read_per_object(reader, entry, sub, items)
    return items


def _item_path(entry: ConfigurationType, item: JsonObject) -> str:
    return f"/{entry.path}/{item[entry.key_field]}"


async def _read_omitted_fields(reader: _Reader, entry: ConfigurationType, items: list[JsonObject]) -> None:
    """Fill the fields a list leaves out (script bodies) from each object read by id."""
    requests = [
        BatchRequest("GET", f"{_item_path(entry, item)}?$select={','.join(sorted(entry.list_omits))}")
        for item in items
    ]
    responses = await reader.batch(requests, entry.api_version)
    for item, response in zip(items, responses, strict=True):
        response.raise_for_status()
        body = response.body if isinstance(response.body, dict) else {}
        for name in entry.list_omits:  # the object as read by id is the truth: a null in a list is no value
            if name in body:
                item[name] = body[name]
            else:
                item.pop(name, None)


async def _read_per_object(
    reader: _Reader, entry: ConfigurationType, sub: SubResource, items: list[JsonObject]
) -> None:
    """Fill ``sub`` on every item from ``<path>/<id>/<name>``, twenty items per ``$batch``."""
    query = f"?{sub.query}" if sub.query else ""
    requests = [BatchRequest("GET", f"{_item_path(entry, item)}/{sub.name}{query}") for item in items]
    responses = await reader.batch(requests, entry.api_version)
    for item, response in zip(items, responses, strict=True):
        response.raise_for_status()
        body = response.body if isinstance(response.body, dict) else {}
        values: list[JsonObject] = list(body.get("value") or [])
        next_link = body.get("@odata.nextLink")
        if next_link:
            values.extend(await reader.client.list(str(next_link)))
        item[sub.name] = values
