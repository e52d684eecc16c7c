"""Per-tenant request log and counters, read by tests through the control API."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from tenantsync_sim.state import SimModel


class LoggedRequest(SimModel):
    time: float
    method: str
    path: str
    status: int
    app_id: str | None
    duration_ms: float
    lost: bool = False
    """The request was applied but the client never got the answer (a lost-response fault)."""
    batched: bool = False
    """A sub-request of a ``$batch``; its path is the one the batch named."""
    cmdlet: str | None = None
    """The cmdlet an Exchange admin API request ran (its path is the same for every cmdlet)."""
    connection: str | None = None
    """The client's address and port, which name the TCP connection that carried the request while it is
    open: two requests with the same one came over one kept-alive connection, one TLS handshake."""


@dataclass
class RequestLog:
    """Bounded memory: the newest entries per tenant, plus counters that never drop."""

    max_entries: int = 5000
    _entries: dict[str, deque[LoggedRequest]] = field(default_factory=dict)
    _counters: dict[str, Counter[str]] = field(default_factory=dict)

    def record(self, tenant_id: str, entry: LoggedRequest) -> None:
        self._entries.setdefault(tenant_id, deque(maxlen=self.max_entries)).append(entry)
        counters = self._counters.setdefault(tenant_id, Counter())
        if entry.batched:
            # Sub-requests have their own counters: "requests" and "status:NNN" count HTTP exchanges.
            counters["batchedRequests"] += 1
            counters[f"batched:status:{entry.status}"] += 1
            return
        counters["requests"] += 1
        counters[f"status:{entry.status}"] += 1
        counters[f"method:{entry.method}"] += 1
        if entry.status == 429:
            counters["throttled"] += 1
        if entry.lost:
            counters["lostResponses"] += 1

    def entries(self, tenant_id: str, limit: int | None = None) -> list[LoggedRequest]:
        items = list(self._entries.get(tenant_id, ()))
        return items[-limit:] if limit else items

    def counters(self, tenant_id: str) -> dict[str, int]:
        return dict(self._counters.get(tenant_id, Counter()))

    def clear(self, tenant_id: str) -> None:
        self._entries.pop(tenant_id, None)
        self._counters.pop(tenant_id, None)
