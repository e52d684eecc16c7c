"""Stream properties (organisational branding's images and custom CSS): bytes that Graph serves apart
from the object's JSON, at ``<object>/<name>``, and takes back with ``PUT`` and their media type.

Between reading and writing, plan and deploy hold a stream as base64 under its name in the object (as
script bodies are held), so one comparison covers the text and the images; the repository keeps each
as a file beside the JSON (`layout`), and a plan shows its size and SHA-256, never its bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Collection
from functools import cache
from typing import Any

from tenantsync.catalog import ConfigurationType, catalog
from tenantsync.graph import GraphClient, StreamContent

JsonObject = dict[str, Any]

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x00\x00\x01\x00", "image/x-icon", ".ico"),
)
"""How an image says what it is in its first bytes, with the file suffix the repository gives it."""
STYLE_SHEET = "customCSS"
"""The one stream that is text: always ``text/css``."""


@cache
def stream_names() -> frozenset[str]:
    """Every stream property the catalogue knows, at any level of any type."""
    return frozenset().union(
        *(entry.streams for entry in catalog().values()),
        *(sub.streams for entry in catalog().values() for sub in entry.sub_resources),
    )


def media_type(name: str, content: bytes) -> str:
    """The media type a ``PUT`` names: from the image's signature (Graph takes PNG, JPEG and icons)."""
    if name == STYLE_SHEET:
        return "text/css"
    return next((kind for magic, kind, _ in _SIGNATURES if content.startswith(magic)), "image/png")


def stream_suffix(name: str, content: bytes) -> str:
    """The file suffix of a stream beside its object: ``.bannerLogo.png``, ``.customCSS.css``."""
    if name == STYLE_SHEET:
        return f".{name}.css"
    return f".{name}" + next((ext for magic, _, ext in _SIGNATURES if content.startswith(magic)), ".bin")


def decoded(value: Any) -> bytes | None:
    """A stream's bytes from the base64 an object holds, or None when it holds something else."""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def described(value: Any, names: Collection[str]) -> Any:
    """A value with each stream in it replaced by its size and digest, as a plan shows it."""
    if isinstance(value, dict):
        return {k: description(v) if k in names else described(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [described(item, names) for item in value]
    return value


def description(value: Any) -> Any:
    """One stream as a plan shows it: ``(69 bytes, sha256 4c1f…)``; anything else as it is."""
    content = decoded(value)
    if content is None:
        return value
    return f"({len(content)} bytes, sha256 {hashlib.sha256(content).hexdigest()[:16]})"


async def read_streams(graph: GraphClient, entry: ConfigurationType, path: str, obj: JsonObject) -> None:
    """Put each stream that is set into the object (and into each item of its sub-resources) as base64."""
    await _read_into(graph, entry, path, obj, entry.streams)
    for sub in entry.sub_resources:
        items = obj.get(sub.name)
        for item in items if sub.streams and isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("id"):
                await _read_into(graph, entry, f"{path}/{sub.name}/{item['id']}", item, sub.streams)


async def _read_into(
    graph: GraphClient, entry: ConfigurationType, path: str, holder: JsonObject, names: frozenset[str]
) -> None:
    for name in sorted(names):
        stream = await graph.read_stream(f"{path}/{name}", version=entry.api_version)
        if stream is not None:
            holder[name] = base64.b64encode(stream.content).decode()


async def write_streams(
    graph: GraphClient,
    entry: ConfigurationType,
    path: str,
    wanted: JsonObject,
    current: JsonObject,
    *,
    rewritten: Collection[str],
) -> None:
    """PUT each desired stream the tenant does not hold; the items of a sub-resource in ``rewritten``
    were created anew, so all their streams are sent."""
    await _write_from(graph, entry, path, wanted, current, entry.streams)
    for sub in entry.sub_resources:
        items = wanted.get(sub.name)
        if not sub.streams or not isinstance(items, list):
            continue
        live = {str(item.get("id")): item for item in current.get(sub.name) or [] if isinstance(item, dict)}
        for item in items:
            if isinstance(item, dict) and item.get("id"):
                held = {} if sub.name in rewritten else live.get(str(item["id"]), {})
                await _write_from(graph, entry, f"{path}/{sub.name}/{item['id']}", item, held, sub.streams)


async def _write_from(
    graph: GraphClient,
    entry: ConfigurationType,
    path: str,
    wanted: JsonObject,
    held: JsonObject,
    names: frozenset[str],
) -> None:
    for name in sorted(names):
        content = decoded(wanted.get(name))
        if content is not None and wanted.get(name) != held.get(name):
            stream = StreamContent(content, media_type(name, content))
            await graph.write_stream(f"{path}/{name}", stream, version=entry.api_version)
