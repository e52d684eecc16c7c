"""The drift watch's reading of the audit logs, lent to scheduled backups: which records explain the
changes a backup commits (sync/attribution.py names their actors as co-authors). The watch's own
state is not touched: a backup reads the logs from the last backup's time, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tenantsync.api import ResourceType
from tenantsync.drift.check import author_of, who
from tenantsync.drift.watcher import AuditWatch
from tenantsync.sync import Explanation, RunContext, Session


async def explain_backup(
    ctx: RunContext, session: Session, types: Sequence[ResourceType], since: datetime
) -> list[Explanation] | None:
    """The records since ``since`` about objects of ``types`` by anyone but the operator; None when the
    Tenant's drift watch is off (its permissions are then not asked for)."""
    if not ctx.tenant.drift.enabled:
        return None
    watch = AuditWatch(since)
    seen = await watch.look(
        await session.graph(), types, ctx.tenant.servicePrincipal.clientId, ctx.now, session.exchange
    )
    return [
        Explanation(
            s.change.type,
            s.change.objectId,
            author_of(s.change),
            f"{s.change.activity} by {who(s.change)} at {s.change.time:%Y-%m-%dT%H:%M:%SZ}",
        )
        for s in seen
    ]
