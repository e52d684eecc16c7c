"""The OData query options the simulator honours: ``$top``, ``$skiptoken``, ``$select``, ``$filter``.

Paging is offset-based behind an opaque ``$skiptoken``; ``@odata.nextLink`` is absolute and repeats the
caller's other options, as Graph's does. ``$filter`` understands the forms backup tools send: comparisons, ``and``/``or``/``not``,
parentheses, ``startswith``/``endswith``/``contains``, ``isof``, type casts and unquoted
DateTimeOffset literals (the audit logs' ``activityDateTime ge 2026-12-07T09:00:00Z``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tenantsync_sim.graph.errors import GraphError, bad_request
from tenantsync_sim.graph.types import is_of
from tenantsync_sim.state import JsonObject

MAX_TOP = 999
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')"
    r"|(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))"
    r"|(?P<open>\()|(?P<close>\))|(?P<comma>,)"
    r"|(?P<word>[A-Za-z@_$][\w.@$]*(?:/[A-Za-z_][\w.]*)*)|(?P<number>-?\d+(?:\.\d+)?))"
)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: bool(a == b),
    "ne": lambda a, b: bool(a != b),
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}
_KEYWORDS = {"true": True, "false": False, "null": None}
_TEXT_FUNCTIONS: dict[str, Callable[[str, str], bool]] = {
    "startswith": lambda value, arg: value.startswith(arg),
    "endswith": lambda value, arg: value.endswith(arg),
    "contains": lambda value, arg: arg in value,
}
Predicate = Callable[[JsonObject], bool]


def _lookup(item: JsonObject, path: str) -> Any:
    """A property path's value; a qualified segment (``microsoft.graph.managedApp``) is a type cast,
    null for an object of another type, as OData evaluates ``(microsoft.graph.managedApp/appAvailability)``."""
    value: Any = item
    for part in path.split("/"):
        if not isinstance(value, dict):
            return None
        if "." in part and not part.startswith("@"):
            if not is_of(str(value.get("@odata.type", "")), part):
                return None
            continue
        value = value.get(part) if part in value else _case_insensitive(value, part)
    return value


def _instant(value: Any) -> dt.datetime | None:
    """A DateTimeOffset (an unquoted literal, or a property's text) as an instant, so that
    ``activityDateTime ge 2026-12-07T09:00:00Z`` compares times, not strings."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _case_insensitive(item: JsonObject, name: str) -> Any:
    lowered = name.lower()
    return next((v for k, v in item.items() if k.lower() == lowered), None)


class _FilterParser:
    """``$filter`` as OData reads it: ``or`` binds looser than ``and``, ``not``, parentheses,
    comparisons ``eq ne gt ge lt le`` against literals, ``startswith``/``endswith``/``contains``,
    ``isof('type')`` and type-cast paths."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(expression):
            match = _TOKEN.match(expression, position)
            if match is None or match.end() == position:
                if expression[position:].strip():
                    raise self.error()
                break
            kind = match.lastgroup
            assert kind is not None
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.index = 0

    def error(self) -> GraphError:
        return bad_request(f"Invalid filter clause: '{self.expression.strip()}' is not supported.")

    def peek(self, offset: int = 0) -> tuple[str, str]:
        at = self.index + offset
        return self.tokens[at] if at < len(self.tokens) else ("end", "")

    def take(self, kind: str, text: str | None = None) -> str:
        token_kind, token_text = self.peek()
        if token_kind != kind or (text is not None and token_text.lower() != text):
            raise self.error()
        self.index += 1
        return token_text

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek()[0] != "end":
            raise self.error()
        return predicate

    def disjunction(self) -> Predicate:
        terms = [self.conjunction()]
        while self.peek()[0] == "word" and self.peek()[1].lower() == "or":
            self.index += 1
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else (lambda item: any(term(item) for term in terms))

    def conjunction(self) -> Predicate:
        terms = [self.unary()]
        while self.peek()[0] == "word" and self.peek()[1].lower() == "and":
            self.index += 1
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else (lambda item: all(term(item) for term in terms))

    def unary(self) -> Predicate:
        kind, text = self.peek()
        if kind == "word" and text.lower() == "not":
            self.index += 1
            inner = self.unary()
            return lambda item: not inner(item)
        if kind == "open":
            # "(path) eq literal" names an operand; any other parenthesis groups an expression.
            if self.peek(1)[0] == "word" and self.peek(2)[0] == "close" and self._is_operator(self.peek(3)):
                self.index += 1
                path = self.take("word")
                self.take("close")
                return self.comparison(path)
            self.index += 1
            inner = self.disjunction()
            self.take("close")
            return inner
        if kind == "word" and self.peek(1)[0] == "open":
            return self.function(text)
        if kind == "word":
            self.index += 1
            return self.comparison(text)
        raise self.error()

    @staticmethod
    def _is_operator(token: tuple[str, str]) -> bool:
        return token[0] == "word" and token[1].lower() in _COMPARE

    def comparison(self, path: str) -> Predicate:
        operator = self.take("word").lower()
        if operator not in _COMPARE:
            raise self.error()
        literal = self.literal()
        compare = _COMPARE[operator]

        def check(item: JsonObject) -> bool:
            value = _lookup(item, path)
            if isinstance(literal, dt.datetime):
                value = _instant(value)
            try:
                return compare(value, literal)
            except TypeError:
                return False

        return check

    def literal(self) -> Any:
        kind, text = self.peek()
        self.index += 1
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return json.loads(text)
        if kind == "datetime":
            return _instant(text)
        if kind == "word" and text.lower() in _KEYWORDS:
            return _KEYWORDS[text.lower()]
        raise self.error()

    def function(self, name: str) -> Predicate:
        self.index += 1
        self.take("open")
        lowered = name.lower()
        if lowered == "isof":
            path = None
            if self.peek()[0] == "word":
                path = self.take("word")
                self.take("comma")
            type_name = str(self.literal())
            self.take("close")
            return lambda item: (
                isinstance(target := item if path is None else _lookup(item, path), dict)
                and (is_of(str(target.get("@odata.type", "")), type_name))
            )
        if lowered not in _TEXT_FUNCTIONS:
            raise self.error()
        path = self.take("word")
        self.take("comma")
        argument = str(self.literal()).lower()
        self.take("close")
        test = _TEXT_FUNCTIONS[lowered]
        return lambda item: test(str(_lookup(item, path) or "").lower(), argument)


def compile_filter(expression: str) -> Predicate:
    return _FilterParser(expression).parse()


def select(item: JsonObject, fields: list[str] | None) -> JsonObject:
    """``$select``: the named properties, matched case-insensitively as Graph matches them."""
    if not fields:
        return item
    keep = {f.lower() for f in fields} | {"id", "@odata.type"}
    return {k: v for k, v in item.items() if k.lower() in keep}


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
