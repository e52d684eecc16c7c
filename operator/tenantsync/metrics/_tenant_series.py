"""Every series that belongs to one Tenant, kept in one record and exported at scrape time.

Holding a Tenant's series together (the way kube-state-metrics renders objects) means a deleted Tenant
is one dictionary entry to drop, and a scrape never shows a phase, type or credential kind that the
Tenant no longer has.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from tenantsync.api import TenantPhase

TenantKey = tuple[str, str]
"""(namespace, name) of a Tenant."""


@dataclass(frozen=True)
class TenantSnapshot:
    """The Tenant's state as its latest reconciliation saw it; times are Unix seconds."""

    phase: TenantPhase
    created: float
    schedule_active: bool
    last_success: float | None
    pending_approval_since: float | None
    credentials: tuple[str, float] | None
    """(kind, expiry) of the service principal's secret or certificate, when the expiry is known."""


@dataclass
class BucketCounts:
    """A histogram's observations, for a histogram whose series come and go with their Tenant."""

    bounds: tuple[float, ...]
    counts: list[int] = field(init=False)
    total: float = 0.0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def cumulative(self) -> list[tuple[str, float]]:
        buckets: list[tuple[str, float]] = []
        running = 0
        for bound, count in zip((*self.bounds, math.inf), self.counts, strict=True):
            running += count
            buckets.append(("+Inf" if bound == math.inf else repr(bound), float(running)))
        return buckets


@dataclass
class TenantSeries:
    snapshot: TenantSnapshot | None
    approval_wait: BucketCounts
    backup_objects: dict[str, int] = field(default_factory=dict)
    expiries: dict[str, float] = field(default_factory=dict)
    """Configuration type -> when what it reports expires (Unix time), as the latest backup read it."""
    unencrypted_secrets: int | None = None
    """Settings Graph serves unencrypted that hold a secret, in the latest backup; None before one."""
    runs: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(result, error code) -> finished runs."""
    schedule_interval: float | None = None
    """Seconds between scheduled syncs; None for manual-only and suspended Tenants."""
    graph_requests: int = 0
    graph_throttled: int = 0
    changes_planned: Counter[str] = field(default_factory=Counter)
    changes_deployed: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(action, result) -> deployed changes."""


class TenantSeriesCollector(Collector):
    """Renders the records of every known Tenant; the operator's loop writes, the /metrics thread reads."""

    def __init__(self, approval_wait_buckets: tuple[float, ...]) -> None:
        self._approval_wait_buckets = approval_wait_buckets
        self._lock = threading.Lock()
        self._tenants: dict[TenantKey, TenantSeries] = {}

    @contextmanager
    def edit(self, namespace: str, tenant: str) -> Iterator[TenantSeries]:
        with self._lock:
            series = self._tenants.get((namespace, tenant))
            if series is None:
                series = TenantSeries(snapshot=None, approval_wait=BucketCounts(self._approval_wait_buckets))
                self._tenants[(namespace, tenant)] = series
            yield series

    def forget(self, namespace: str, tenant: str) -> None:
        with self._lock:
            self._tenants.pop((namespace, tenant), None)

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            return _families(self._tenants)

    def describe(self) -> Iterable[Metric]:
        """The families without samples, so the registry can refuse a second collector of the same names."""
        return _families({})


def _families(tenants: dict[TenantKey, TenantSeries]) -> list[Metric]:
    tenant_labels = ["namespace", "tenant"]
    phase = GaugeMetricFamily(
        "tenantsync_tenant_phase",
        "The Tenant's sync status: 1 for its current phase, 0 for the others.",
        labels=[*tenant_labels, "phase"],
    )
    created = GaugeMetricFamily(
        "tenantsync_tenant_created_timestamp_seconds",
        "When the Tenant was created (Unix time).",
        labels=tenant_labels,
    )
    schedule_active = GaugeMetricFamily(
        "tenantsync_tenant_schedule_active",
        "1 when the Tenant has a schedule and is not suspended, else 0.",
        labels=tenant_labels,
    )
    schedule_interval = GaugeMetricFamily(
        "tenantsync_tenant_schedule_interval_seconds",
        "The longest wait between two scheduled syncs of the Tenant in the coming week; absent for"
        " manual-only and suspended Tenants.",
        labels=tenant_labels,
    )
    last_success = GaugeMetricFamily(
        "tenantsync_tenant_last_success_timestamp_seconds",
        "When a sync of the Tenant last finished successfully (Unix time); absent before the first.",
        labels=tenant_labels,
    )
    pending_since = GaugeMetricFamily(
        "tenantsync_tenant_pending_approval_since_timestamp_seconds",
        "When the Tenant's current plan began waiting for a decision (Unix time); absent when none waits.",
        labels=tenant_labels,
    )
    credentials_expiry = GaugeMetricFamily(
        "tenantsync_credentials_expiry_timestamp_seconds",
        "When the service principal's client secret or certificate expires (Unix time), when known.",
        labels=[*tenant_labels, "kind"],
    )
    service_expiry = GaugeMetricFamily(
        "tenantsync_tenant_service_expiry_timestamp_seconds",
        "When a credential the tenant's services depend on expires (Unix time), by the configuration type"
        " that reports it (the Apple push certificate, the earliest Apple DEP token), as the latest backup"
        " read it.",
        labels=[*tenant_labels, "type"],
    )
    backup_objects = GaugeMetricFamily(
        "tenantsync_backup_objects",
        "Objects of each configuration type in the Tenant's latest backup.",
        labels=[*tenant_labels, "type"],
    )
    unencrypted_secrets = GaugeMetricFamily(
        "tenantsync_backup_unencrypted_secrets",
        "Settings in the Tenant's latest backup that Graph serves unencrypted and whose value looks like a"
        " secret (see status.backup.unencryptedSecrets); absent before the first backup.",
        labels=tenant_labels,
    )
    runs = CounterMetricFamily(
        "tenantsync_runs_total",
        "Finished SyncRuns by final phase and error code (empty when the run has no error).",
        labels=[*tenant_labels, "result", "error_code"],
    )
    graph_requests = CounterMetricFamily(
        "tenantsync_graph_requests_total",
        "HTTP requests sent to Microsoft Graph for the Tenant (a $batch is one request).",
        labels=tenant_labels,
    )
    graph_throttled = CounterMetricFamily(
        "tenantsync_graph_throttled_requests_total",
        "429 Too Many Requests answers from Graph for the Tenant, single requests inside a $batch included.",
        labels=tenant_labels,
    )
    changes_planned = CounterMetricFamily(
        "tenantsync_changes_planned_total",
        "Changes put in plans for the Tenant, by action (create, update, delete).",
        labels=[*tenant_labels, "action"],
    )
    changes_deployed = CounterMetricFamily(
        "tenantsync_changes_deployed_total",
        "Planned changes deployed to the Tenant, by action and result (Applied, Failed, Conflict).",
        labels=[*tenant_labels, "action", "result"],
    )
    approval_wait = HistogramMetricFamily(
        "tenantsync_approval_wait_seconds",
        "How long plans waited in PendingApproval before a decision.",
        labels=tenant_labels,
    )
    for (namespace, tenant), series in sorted(tenants.items()):
        key = [namespace, tenant]
        if (snapshot := series.snapshot) is not None:
            for each in TenantPhase:
                phase.add_metric([*key, each.value], 1.0 if each == snapshot.phase else 0.0)
            created.add_metric(key, snapshot.created)
            schedule_active.add_metric(key, 1.0 if snapshot.schedule_active else 0.0)
            if snapshot.last_success is not None:
                last_success.add_metric(key, snapshot.last_success)
            if snapshot.pending_approval_since is not None:
                pending_since.add_metric(key, snapshot.pending_approval_since)
            if snapshot.credentials is not None:
                kind, expiry = snapshot.credentials
                credentials_expiry.add_metric([*key, kind], expiry)
        if series.schedule_interval is not None:
            schedule_interval.add_metric(key, series.schedule_interval)
        for type_name, when in sorted(series.expiries.items()):
            service_expiry.add_metric([*key, type_name], when)
        for type_name, count in sorted(series.backup_objects.items()):
            backup_objects.add_metric([*key, type_name], count)
        if series.unencrypted_secrets is not None:
            unencrypted_secrets.add_metric(key, series.unencrypted_secrets)
        for (result, code), count in sorted(series.runs.items()):
            runs.add_metric([*key, result, code], count)
        graph_requests.add_metric(key, series.graph_requests)
        graph_throttled.add_metric(key, series.graph_throttled)
        for action, count in sorted(series.changes_planned.items()):
            changes_planned.add_metric([*key, action], count)
        for (action, result), count in sorted(series.changes_deployed.items()):
            changes_deployed.add_metric([*key, action, result], count)
        approval_wait.add_metric(key, series.approval_wait.cumulative(), series.approval_wait.total)
    return [
        phase, created, schedule_active, schedule_interval, last_success, pending_since, credentials_expiry, service_expiry,
        backup_objects, unencrypted_secrets, runs, graph_requests, graph_throttled, changes_planned, changes_deployed, approval_wait,
    ]  # fmt: skip
