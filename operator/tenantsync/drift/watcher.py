"""One Tenant's reading position in its audit logs: each look reads only what is new since the last.

A look is one request per audit log when nothing happened: ``$filter=activityDateTime ge <since>``, its
pages followed when there are more. Records arrive late (Microsoft documents 2 minutes at the 95th
percentile and 5 at the 99th for audit logs) and a late record carries the time of its activity, not of
its arrival: each look therefore reaches back `LOOKBACK` before the last one, and a record already
seen (by id) is not seen again. Nothing older than the watch's start counts: a change made before it
is the last backup's business.

The Exchange and Purview admin audit is read with ``Search-UnifiedAuditLog`` through the Exchange admin
API (``StartDate``/``EndDate``, one record type per request, pages by ``@odata.nextLink``). Its records
are later still (Microsoft: typically 60 to 90 minutes), so it reaches back `ADMIN_LOOKBACK`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsync.api import ResourceType
from tenantsync.catalog import AUDIT_LOGS, AuditSource, Service
from tenantsync.drift.needs import watch_needs
from tenantsync.drift.records import ADMIN_SOURCES, SeenChange, audit_data, drift_change, record_identity
from tenantsync.exchange import ExchangeClient
from tenantsync.graph import GraphClient

LOOKBACK = timedelta(minutes=5)
"""How far each look reaches back before the last: the Graph audit logs' 99th-percentile latency."""
ADMIN_LOOKBACK = timedelta(hours=2)
"""The same for the admin audit: past Microsoft's typical 60 to 90 minutes for Exchange's events. A
record later than this is not drift; the next scheduled backup records the change all the same."""
ADMIN_RESULT_SIZE = 5000
"""``Search-UnifiedAuditLog``'s largest ``ResultSize``."""

ExchangeOpener = Callable[[Service], Awaitable[ExchangeClient]]


def lookback(source: AuditSource) -> timedelta:
    return ADMIN_LOOKBACK if source in ADMIN_SOURCES else LOOKBACK


def odata_time(moment: datetime) -> str:
    """A DateTimeOffset literal as ``$filter`` takes it, unquoted, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class AuditWatch:
    """Where one Tenant's watch stands in each audit log."""

    started: datetime
    """Records of activities before this are not drift (they happened before the watch)."""
    since: dict[AuditSource, datetime] = field(default_factory=dict)
    seen: dict[str, datetime] = field(default_factory=dict)
    """Ids of the records already read, with their activity time, dropped once out of the look-back."""
    requests: int = 0
    """Requests made by looks, for the fleet's cost figures."""

    async def look(
        self,
        graph: GraphClient,
        types: Sequence[ResourceType],
        own_app_id: str,
        now: datetime,
        exchange: ExchangeOpener | None = None,
    ) -> list[SeenChange]:
        """The changes to kept objects recorded since the last look, oldest first. ``exchange`` opens the
        Exchange admin API's client, for the admin audit (needed only when ``types`` has its types)."""
        found: list[SeenChange] = []
        for source in watch_needs(types).sources:
            since = self.since.get(source, self.started) - lookback(source)
            records = await self._read(source, since, now, graph, exchange)
            for record in records:
                record_id, when = record_identity(source, record)
                if not record_id or when is None or record_id in self.seen:
                    continue
                self.seen[record_id] = when
                if when < self.started.replace(microsecond=0):
                    continue  # (to the second: the admin audit's CreationTime has no fraction)
                seen = drift_change(source, record, types, own_app_id)
                if seen is not None:
                    found.append(seen)
            self.since[source] = now
        oldest = min((at - lookback(source) for source, at in self.since.items()), default=now)
        self.seen = {key: when for key, when in self.seen.items() if when >= oldest}
        return sorted(found, key=lambda seen: seen.change.time)

    async def _read(
        self,
        source: AuditSource,
        since: datetime,
        now: datetime,
        graph: GraphClient,
        exchange: ExchangeOpener | None,
    ) -> list[dict[str, Any]]:
        read = AUDIT_LOGS[source]
        if read.service == Service.GRAPH:
            before = graph.stats.requests
            records = await graph.list(
                read.path, params={"$filter": f"activityDateTime ge {odata_time(since)}"}
            )
            self.requests += graph.stats.requests - before
            return records
        if exchange is None:
            return []
        client = await exchange(read.service)
        before = client.stats.requests
        results = await client.invoke(
            read.path,
            {
                "StartDate": odata_time(since),
                "EndDate": odata_time(now),
                "RecordType": source.value,
                "ResultSize": ADMIN_RESULT_SIZE,
                "SessionId": f"tenantsync-{uuid.uuid4()}",
                "SessionCommand": "ReturnLargeSet",
            },
        )
        self.requests += client.stats.requests - before
        return [data for result in results if (data := audit_data(result)) is not None]
