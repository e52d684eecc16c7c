"""`${...}` in a baseline's strings: variables of the Tenant and references to objects by display name.

A baseline cannot hold a tenant's ids, so it names what it points at (`${group:All Staff}`,
`${namedLocations:HQ}`) and says what differs per tenant with variables (`${tenant.domain}`,
`${tenant.labels['region']}`); each Tenant's plan puts its own values in. `$${` keeps a literal `${`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tenantsync.api import ResourceType

PLACEHOLDER = re.compile(r"\$(\$?)\{([^{}]*)\}")
GROUP = "group"
"""The directory kind a reference may name besides the configuration types: Entra ID groups."""
_METADATA = re.compile(r"""^tenant\.(labels|annotations)\[(?:'([^']*)'|"([^"]*)")\]$""")


@dataclass(frozen=True)
class TenantFacts:
    """What variables may say of the Tenant."""

    name: str
    domain: str | None = None
    """The tenant's domain; None when no baseline asks for it (finding it costs a Graph request)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ObjectReference:
    """`${<kind>:<display name>}`: a group, or an object of a configuration type."""

    kind: ResourceType | str
    name: str


class UnknownVariable(ValueError):
    """A `${...}` that is neither a known variable nor a reference; its text is the expression."""


Resolver = Callable[[ObjectReference], str]


def expressions(value: Any) -> Iterator[str]:
    """Every `${...}` expression in a JSON value's strings (escaped ones left out)."""
    if isinstance(value, str):
        for match in PLACEHOLDER.finditer(value):
            if not match.group(1):
                yield match.group(2).strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item)


def reference_in(expression: str) -> ObjectReference | None:
    """The object an expression names, or None when it is not a reference (a variable, or unknown)."""
    kind, colon, name = expression.partition(":")
    kind = kind.strip()
    if not colon or not name.strip():
        return None
    if kind == GROUP:
        return ObjectReference(GROUP, name.strip())
    if kind in ResourceType.__members__.values():
        return ObjectReference(ResourceType(kind), name.strip())
    return None


def substitute(value: Any, facts: TenantFacts, resolve: Resolver | None) -> Any:
    """`value` with each `${...}` replaced; without `resolve`, a reference is an unknown variable."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda match: _replacement(match, facts, resolve), value)
    if isinstance(value, dict):
        return {key: substitute(item, facts, resolve) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, facts, resolve) for item in value]
    return value


def _replacement(match: re.Match[str], facts: TenantFacts, resolve: Resolver | None) -> str:
    escaped, expression = match.group(1), match.group(2).strip()
    if escaped:
        return "${" + match.group(2) + "}"
    if expression == "tenant.name":
        return facts.name
    if expression == "tenant.domain" and facts.domain is not None:
        return facts.domain
    if metadata := _METADATA.match(expression):
        values = facts.labels if metadata.group(1) == "labels" else facts.annotations
        key = metadata.group(2) if metadata.group(2) is not None else metadata.group(3)
        if key in values:
            return values[key]
        raise UnknownVariable(f"{expression} (the Tenant has no such {metadata.group(1)[:-1]})")
    reference = reference_in(expression)
    if reference is not None and resolve is not None:
        return resolve(reference)
    raise UnknownVariable(expression)
