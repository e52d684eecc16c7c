"""Which Tenants and SyncRuns this operator handles: the shard named by its `--shard` flag.

Sharding works the way Flux's does: a Tenant carries the `tenantsync.io/shard` label, its SyncRuns carry
a copy of it, and every Tenant and SyncRun handler is filtered by it. An operator without `--shard`
handles everything; `--shard ""` handles the objects without the label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import kopf

from tenantsync.controllers.constants import FINALIZER, SHARD_LABEL


def shard_filter(shard: str | None) -> dict[str, Any] | None:
    """kopf's `labels=` filter for one shard (None: no filter, every object)."""
    if shard is None:
        return None
    return {SHARD_LABEL: shard if shard else kopf.ABSENT}


def shard_of(labels: Mapping[str, str] | None) -> str | None:
    """The shard an object's labels put it in (None: the unlabelled shard)."""
    return (labels or {}).get(SHARD_LABEL) or None


def shard_labels(tenant_labels: Mapping[str, str] | None) -> dict[str, str]:
    """The label a SyncRun copies from its Tenant, so it is handled by the Tenant's shard."""
    shard = shard_of(tenant_labels)
    return {SHARD_LABEL: shard} if shard else {}


def shard_finalizer(shard: str | None) -> str:
    """A finalizer per shard: kopf removes its finalizer from objects none of its handlers match, so with
    one shared name each shard would take off the finalizer the other has just put on."""
    return f"{FINALIZER}-{shard}" if shard else FINALIZER
