"""Whole objects: every structural property of a type's model in each object the simulator serves.

Graph answers a GET with all of a type's properties, null where unset, ``[]`` for a collection and the
service's default for a non-nullable value (``false``, ``0``, an enum's first member ...); the seeds and
the clients' writes hold only some. ``whole`` lays an object over its type's defaults, nested complex
values too, by ``@odata.type`` or the declared type. The defaults come from ``models.json``, which
``hack/graph-model-defaults`` derives from Microsoft's models (msgraph-sdk, msgraph-beta-sdk and the
v1.0 metadata), so a new type in the catalogue gets whole objects by regenerating it, never by hand.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from tenantsync_sim.state import JsonObject

_MAX_DEPTH = 12
"""Nested complex values deeper than this are served as stored (no model nests further in practice)."""


_KEY = "id"
"""Never filled: an entity stored without one is a singleton its path names (``.../default``)."""


@dataclass(frozen=True)
class Model:
    """One type's structural properties with their defaults, base types' first, as Graph orders them."""

    defaults: dict[str, Any]
    complex: dict[str, str]
    """Properties holding complex values (or collections of them), with their declared type."""
    navigation: dict[str, str]
    """Navigation properties, which Graph serves only when expanded, with their entity type."""
    computed: frozenset[str]
    """Properties the service computes (``Org.OData.Core.V1.Computed``): never taken from a write."""
    streams: frozenset[str]
    """Stream properties (branding images): read at their own path, never in the object's JSON."""


@functools.cache
def _table() -> dict[str, Any]:
    text = resources.files("tenantsync_sim.graph").joinpath("models.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


def bare(odata_type: str) -> str:
    """A type's name in the table: ``#microsoft.graph.windows10GeneralConfiguration`` ->
    ``windows10GeneralConfiguration``, ``#microsoft.graph.identityGovernance.workflow`` ->
    ``identityGovernance.workflow`` (a sub-namespace stays: its ``task`` is not Planner's)."""
    return odata_type.lstrip("#").removeprefix("microsoft.graph.")


def sources() -> dict[str, str]:
    """Which models and metadata the table was generated from."""
    return dict(_table()["sources"])


def type_names(version: str) -> frozenset[str]:
    return frozenset(_table()[version])


@functools.cache
def model(version: str, type_name: str) -> Model | None:
    """The type's model in a Graph version, inherited properties included; None when the table lacks it."""
    types: dict[str, Any] = _table()[version]
    chain: list[dict[str, Any]] = []
    name: str | None = bare(type_name)
    while name is not None:
        entry = types.get(name)
        if entry is None:
            return None if not chain else _merge(chain)
        chain.append(entry)
        name = entry["base"]
    return _merge(chain)


def _merge(chain: list[dict[str, Any]]) -> Model:
    defaults: dict[str, Any] = {}
    complex_types: dict[str, str] = {}
    navigation: dict[str, str] = {}
    computed: set[str] = set()
    streams: set[str] = set()
    for entry in reversed(chain):
        defaults.update(entry["properties"])
        complex_types.update(entry.get("complex", {}))
        navigation.update(entry.get("navigation", {}))
        computed.update(entry.get("computed", ()))
        streams.update(entry.get("streams", ()))
    return Model(defaults, complex_types, navigation, frozenset(computed), frozenset(streams))


def _fresh(default: Any, kind: str | None, version: str, depth: int) -> Any:
    """A default value of its own (lists and objects are never shared between responses)."""
    if isinstance(default, list):
        return []
    if isinstance(default, dict):
        return whole({}, kind or "", version, depth + 1)
    return default


def whole(value: JsonObject, declared: str, version: str, depth: int = 0) -> JsonObject:
    """``value`` with every property its type's model has: the stored values over the defaults.

    The type is the object's ``@odata.type`` (a derived type) or ``declared``. Properties the model
    lacks (annotations, expanded navigations) are kept as they are, after the model's.
    """
    odata_type = value.get("@odata.type")
    found = model(version, odata_type) if isinstance(odata_type, str) else None
    if found is None:
        found = model(version, declared)
    if found is None or depth > _MAX_DEPTH:
        return value
    out: JsonObject = {"@odata.type": odata_type} if odata_type is not None else {}
    for key, default in found.defaults.items():
        kind = found.complex.get(key)
        if key not in value:
            if key == _KEY:
                continue
            out[key] = _fresh(default, kind, version, depth)
            continue
        stored = value[key]
        if kind is not None and isinstance(stored, dict):
            stored = whole(stored, kind, version, depth + 1)
        elif kind is not None and isinstance(stored, list):
            stored = [whole(e, kind, version, depth + 1) if isinstance(e, dict) else e for e in stored]
        out[key] = stored
    for key, stored in value.items():
        if key in out:
            continue
        kind = found.navigation.get(key)
        if kind is not None and isinstance(stored, dict):
            stored = whole(stored, kind, version, depth + 1)
        elif kind is not None and isinstance(stored, list):
            stored = [whole(e, kind, version, depth + 1) if isinstance(e, dict) else e for e in stored]
        out[key] = stored
    return out
