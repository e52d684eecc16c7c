"""The OData query options the simulator honours: ``$top``, ``$skiptoken``, ``$select``, ``$filter``.

Paging is offset-based behind an opaque ``$skiptoken``; ``@odata.nextLink`` is absolute and repeats the
caller's other options, as Graph's does. ``$filter`` understands ``eq``/``ne`` on scalar properties,
``startswith()`` and ``and``, which is what configuration backups use.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tenantsync_sim.graph.errors import GraphError, bad_request
from tenantsync_sim.state import JsonObject

MAX_TOP = 999
_LITERAL = r"('(?:[^']|'')*'|true|false|null|-?\d+(?:\.\d+)?)"
_COMPARISON = re.compile(rf"^\s*([A-Za-z@][\w./]*)\s+(eq|ne)\s+{_LITERAL}\s*$")
_STARTSWITH = re.compile(rf"^\s*startswith\(\s*([A-Za-z][\w./]*)\s*,\s*{_LITERAL}\s*\)\s*$", re.IGNORECASE)


def _literal(text: str) -> Any:
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    return json.loads(text)


def _lookup(item: JsonObject, path: str) -> Any:
    value: Any = item
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _clause(text: str) -> Callable[[JsonObject], bool]:
    if match := _COMPARISON.match(text):
        prop, negate, literal = match.group(1), match.group(2) == "ne", _literal(match.group(3))

        def compare(item: JsonObject) -> bool:
            return bool(_lookup(item, prop) == literal) != negate

        return compare
    if match := _STARTSWITH.match(text):
        prop, prefix = match.group(1), str(_literal(match.group(2))).lower()

        def starts(item: JsonObject) -> bool:
            return str(_lookup(item, prop) or "").lower().startswith(prefix)

        return starts
    raise bad_request(f"Invalid filter clause: '{text.strip()}' is not supported.")


def compile_filter(expression: str) -> Callable[[JsonObject], bool]:
    clauses = [_clause(text) for text in re.split(r"\s+and\s+", expression.strip(), flags=re.IGNORECASE)]
    return lambda item: all(clause(item) for clause in clauses)


def select(item: JsonObject, fields: list[str] | None) -> JsonObject:
    if not fields:
        return item
    keep = {f for f in fields} | {"id", "@odata.type"}
    return {k: v for k, v in item.items() if k in keep}


def encode_skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_skiptoken(token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["o"]
    except (ValueError, KeyError, TypeError):
        raise GraphError(400, "BadRequest", "Invalid $skiptoken value.") from None
    if not isinstance(offset, int) or offset < 0:
        raise GraphError(400, "BadRequest", "Invalid $skiptoken value.")
    return offset


@dataclass(frozen=True)
class Page:
    items: list[JsonObject]
    next_link: str | None


def paginate(items: list[JsonObject], query: Mapping[str, str], page_size: int, url: str) -> Page:
    """Cut one page from ``items`` and build the absolute nextLink to the rest."""
    top = page_size
    if "$top" in query:
        try:
            top = int(query["$top"])
        except ValueError:
            raise bad_request(f"Invalid value '{query['$top']}' for $top query option.") from None
        if top < 1 or top > MAX_TOP:
            raise bad_request(
                f"Invalid page size specified: '{top}'. Must be between 1 and {MAX_TOP} inclusive."
            )
    offset = decode_skiptoken(query["$skiptoken"]) if "$skiptoken" in query else 0
    page = items[offset : offset + top]
    if offset + top >= len(items):
        return Page(page, None)
    rest = {k: v for k, v in query.items() if k != "$skiptoken"}
    rest["$top"] = str(top)
    rest["$skiptoken"] = encode_skiptoken(offset + top)
    return Page(page, f"{url}?{urlencode(rest, safe='$,/()')}")
