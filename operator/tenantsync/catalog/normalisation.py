"""Normalisation and canonical JSON, so that an unchanged tenant yields a byte-identical backup."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tenantsync.api import ResourceType
from tenantsync.catalog.configuration_types import catalog
from tenantsync.catalog.model import ConfigurationType
from tenantsync.catalog.withheld import withheld, withhold

_KEPT_ANNOTATION = "@odata.type"


def _is_volatile_annotation(key: str) -> bool:
    """``@odata.context``, ``@odata.etag``, ``assignments@odata.context``...: response metadata, not state."""
    return "@odata." in key and key != _KEPT_ANNOTATION


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _clean(
    value: Any,
    unordered: frozenset[str],
    drop: frozenset[str],
    key: str | None = None,
    bound: frozenset[str] = frozenset(),
) -> Any:
    if key in bound and isinstance(value, Mapping):
        return {"id": value.get("id")}
    if isinstance(value, Mapping):
        return {
            k: _clean(v, unordered, drop, k, bound)
            for k, v in sorted(withhold(value).items())
            if k not in drop and not _is_volatile_annotation(k)
        }
    if isinstance(value, list):
        items = [_clean(item, unordered, drop, None, bound) for item in value]
        return sorted(items, key=_canonical) if key in unordered else items
    return value


def normalise(kind: ConfigurationType | ResourceType, obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object as it is kept in Git: read-only and volatile fields dropped, stable order everywhere.

    A collection object keeps its ``id``: the plan matches desired and live objects by it. An expanded
    single-valued navigation (``bound``: a role assignment's ``roleDefinition``) keeps only its id.
    Secrets the service withholds are recorded as withheld (see ``withheld``). A cmdlet's output keeps
    only the type's parameters, reported properties and key: the rest is the service's bookkeeping
    (``WhenChanged``, ``DistinguishedName``...), and parameters it never outputs are withheld. A cmdlet
    prints every property, unset ones as null or an empty list: those are left out, so an absent field
    and an unset one are the same (as for a parameter not passed), and a file holds what was set. A
    reported flag is kept only when true (``IsDefault``): a new object's file need not say it is not built in.
    """
    entry = catalog()[kind] if isinstance(kind, ResourceType) else kind
    top_drop = entry.read_only_fields - {entry.identity_field or ""}
    cmdlets = entry.cmdlets
    if cmdlets is not None:
        kept = cmdlets.kept | {entry.key_field}
        obj = {
            k: v
            for k, v in obj.items()
            if k in kept and v is not None and v != [] and not (v is False and k in cmdlets.reported)
        }
        obj |= {name: withheld() for name in cmdlets.write_only}
    out: dict[str, Any] = {}
    for key, value in sorted(withhold(obj).items()):
        if key in top_drop or _is_volatile_annotation(key):
            continue
        sub = next((s for s in entry.sub_resources if s.name == key), None)
        drop = sub.read_only_fields if sub else frozenset()
        out[key] = _clean(value, entry.unordered_lists, drop, key, entry.bound)
    return out


def serialise(obj: Mapping[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, two-space indent, UTF-8 and a trailing newline."""
    return (json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
