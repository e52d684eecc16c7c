"""What a Tenant's watched types ask of each look, worked out once per list of types.

The audit logs to read, the application permissions they need and whether the admin audit is searched
all follow from the catalogue and the Tenant's types alone. A fleet's watches look every minute with
types that change only with the spec, and most Tenants share a few lists of types, so each list's
answer is kept (`WATCH_NEEDS_KEPT` lists) instead of walked over every type at each look.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from tenantsync.api import ResourceType
from tenantsync.catalog import (
    AUDIT_LOG_ROLE_NEED,
    AUDIT_LOGS,
    EXCHANGE_PERMISSION,
    AuditSource,
    Service,
    audit_sources,
    drift_permission_needs,
)

WATCH_NEEDS_KEPT = 256
"""Lists of types whose needs are kept, the least recently used going first."""


@dataclass(frozen=True)
class WatchNeeds:
    sources: tuple[AuditSource, ...]
    """The audit logs to read, in a fixed order."""
    graph_permissions: tuple[str, ...]
    """The application permissions in Microsoft Graph's token that reading them needs."""
    admin_audit: bool
    """Whether the Exchange admin audit is searched (its needs are in the Exchange endpoint's token)."""


def watch_needs(types: Iterable[ResourceType]) -> WatchNeeds:
    """The needs of a look at ``types``, from the kept answer for the same types in the same order."""
    return _watch_needs(tuple(types))


@lru_cache(maxsize=WATCH_NEEDS_KEPT)
def _watch_needs(types: tuple[ResourceType, ...]) -> WatchNeeds:
    sources = tuple(audit_sources(types))
    return WatchNeeds(
        sources=sources,
        graph_permissions=tuple(
            p for p in drift_permission_needs(types) if p not in (EXCHANGE_PERMISSION, AUDIT_LOG_ROLE_NEED)
        ),
        admin_audit=any(AUDIT_LOGS[source].service == Service.EXCHANGE for source in sources),
    )
