"""Every series that belongs to one Tenant, kept in one record and exported at scrape time.

Holding a Tenant's series together (the way kube-state-metrics renders objects) means a deleted Tenant
is one dictionary entry to drop, and a scrape never shows a phase, type or credential kind that the
Tenant no longer has.

Each family has a series budget per Tenant (docs/metrics.md, "Series per Tenant"), so that 1,000 Tenants
stay a modest Prometheus load: the phase is one series whose label names the current phase, runs and
deployed changes are counted by result only, and objects per configuration type (one series per type)
are exported only with per-type detail; otherwise one series holds the Tenant's total.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
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
class TenantSeries:
    snapshot: TenantSnapshot | None = None
    backup_objects: dict[str, int] | None = None
    """Configuration type -> objects in the latest backup; None before the first backup."""
    expiries: dict[str, float] = field(default_factory=dict)
    """Configuration type -> when what it reports expires (Unix time), as the latest backup read it."""
    unencrypted_secrets: int | None = None
    """Settings Graph serves unencrypted that hold a secret, in the latest backup; None before one."""
    runs: Counter[str] = field(default_factory=Counter)
    """Final phase -> finished runs."""
    schedule_interval: float | None = None
    """Seconds between scheduled syncs; None for manual-only and suspended Tenants."""
    graph_requests: int = 0
    graph_throttled: int = 0
    changes_planned: Counter[str] = field(default_factory=Counter)
    """Action -> changes put in plans."""
    changes_deployed: Counter[str] = field(default_factory=Counter)
    """Result -> deployed changes."""
    last_drift: float | None = None
    """When the audit logs last showed a change made behind tenantsync's back; None before one."""


class TenantSeriesCollector(Collector):
    """Renders the records of every known Tenant; the operator's loop writes, the /metrics thread reads."""

    def __init__(self, *, per_type_detail: bool) -> None:
        """``per_type_detail`` adds ``tenantsync_backup_objects``, one series per configuration type."""
        self._per_type_detail = per_type_detail
        self._lock = threading.Lock()
        self._tenants: dict[TenantKey, TenantSeries] = {}

    @contextmanager
    def edit(self, namespace: str, tenant: str) -> Iterator[TenantSeries]:
        with self._lock:
            series = self._tenants.setdefault((namespace, tenant), TenantSeries())
            yield series

    def forget(self, namespace: str, tenant: str) -> None:
        with self._lock:
            self._tenants.pop((namespace, tenant), None)

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            return _families(self._tenants, per_type_detail=self._per_type_detail)

    def describe(self) -> Iterable[Metric]:
        """The families without samples, so the registry can refuse a second collector of the same names."""
        return _families({}, per_type_detail=self._per_type_detail)


def _families(tenants: dict[TenantKey, TenantSeries], *, per_type_detail: bool) -> list[Metric]:
    tenant_labels = ["namespace", "tenant"]
    phase = GaugeMetricFamily(
        "tenantsync_tenant_phase",
        "The Tenant's sync status: one series, always 1, whose phase label is the current phase.",
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
    backup_total = GaugeMetricFamily(
        "tenantsync_tenant_backup_objects",
        "Objects in the Tenant's latest backup, every configuration type together.",
        labels=tenant_labels,
    )
    backup_by_type = GaugeMetricFamily(
        "tenantsync_backup_objects",
        "Objects of each configuration type in the Tenant's latest backup (per-type detail).",
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
        "Finished SyncRuns of the Tenant by final phase.",
        labels=[*tenant_labels, "result"],
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
        "Planned changes deployed to the Tenant, by result (Applied, Failed, Conflict).",
        labels=[*tenant_labels, "result"],
    )
    last_drift = GaugeMetricFamily(
        "tenantsync_tenant_last_drift_timestamp_seconds",
        "When the audit logs last showed a change to the Tenant made behind tenantsync's back (see"
        " status.drift); absent before the first.",
        labels=tenant_labels,
    )
    for (namespace, tenant), series in sorted(tenants.items()):
        key = [namespace, tenant]
        if series.last_drift is not None:
            last_drift.add_metric(key, series.last_drift)
        if (snapshot := series.snapshot) is not None:
            phase.add_metric([*key, snapshot.phase.value], 1.0)
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
        if series.backup_objects is not None:
            backup_total.add_metric(key, sum(series.backup_objects.values()))
            for type_name, count in sorted(series.backup_objects.items()):
                backup_by_type.add_metric([*key, type_name], count)
        if series.unencrypted_secrets is not None:
            unencrypted_secrets.add_metric(key, series.unencrypted_secrets)
        for result, count in sorted(series.runs.items()):
            runs.add_metric([*key, result], count)
        graph_requests.add_metric(key, series.graph_requests)
        graph_throttled.add_metric(key, series.graph_throttled)
        for action, count in sorted(series.changes_planned.items()):
            changes_planned.add_metric([*key, action], count)
        for result, count in sorted(series.changes_deployed.items()):
            changes_deployed.add_metric([*key, result], count)
    detail: list[Metric] = [backup_by_type] if per_type_detail else []
    return [
        phase, created, schedule_active, schedule_interval, last_success, pending_since, credentials_expiry, service_expiry,
        backup_total, *detail, unencrypted_secrets, runs, graph_requests, graph_throttled, changes_planned,
        changes_deployed, last_drift,
    ]  # fmt: skip
