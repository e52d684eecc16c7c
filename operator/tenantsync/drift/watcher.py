"""One Tenant's reading position in its audit logs: each look reads only what is new since the last.

A look is one request per audit log when nothing happened: ``$filter=activityDateTime ge <since>``, its
pages followed when there are more. Records arrive late (Microsoft documents 2 minutes at the 95th
percentile and 5 at the 99th for audit logs) and a late record carries the time of its activity, not of
its arrival: each look therefore reaches back `LOOKBACK` before the last one, and a record already
seen (by id) is not seen again. Nothing older than the watch's start counts: a change made before it
is the last backup's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tenantsync.api import ResourceType
from tenantsync.catalog import AUDIT_LOGS, AuditSource, audit_sources
from tenantsync.drift.records import SeenChange, drift_change, parse_time
from tenantsync.graph import GraphClient

LOOKBACK = timedelta(minutes=5)
"""How far each look reaches back before the last: the audit logs' 99th-percentile latency."""


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
        self, graph: GraphClient, types: Sequence[ResourceType], own_app_id: str, now: datetime
    ) -> list[SeenChange]:
        """The changes to kept objects recorded since the last look, oldest first."""
        found: list[SeenChange] = []
        for source in audit_sources(types):
            since = self.since.get(source, self.started)
            before = graph.stats.requests
            records = await graph.list(
                AUDIT_LOGS[source].path,
                params={"$filter": f"activityDateTime ge {odata_time(since - LOOKBACK)}"},
            )
            self.requests += graph.stats.requests - before
            for record in records:
                record_id = str(record.get("id") or "")
                when = parse_time(record.get("activityDateTime"))
                if not record_id or when is None or record_id in self.seen:
                    continue
                self.seen[record_id] = when
                if when < self.started:
                    continue
                seen = drift_change(source, record, types, own_app_id)
                if seen is not None:
                    found.append(seen)
            self.since[source] = now
        oldest = min(self.since.values(), default=now) - LOOKBACK
        self.seen = {key: when for key, when in self.seen.items() if when >= oldest}
        return sorted(found, key=lambda seen: seen.change.time)
