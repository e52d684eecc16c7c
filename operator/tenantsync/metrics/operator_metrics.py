"""The operator's metrics, behind methods the controllers call with what they already know.

Label values are checked against closed sets (phases, error codes, configuration types, actions,
results, credential kinds) so that no secret, object id or free text can ever become a label.
"""

from __future__ import annotations

import collections
import importlib.metadata
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    start_http_server,
)

from tenantsync.api import (
    BaselineStatus,
    BaselineTenantState,
    ChangeAction,
    ChangeOutcome,
    CredentialKind,
    ErrorCode,
    ResourceType,
    RunPhase,
    TenantPhase,
)
from tenantsync.metrics.baseline_series import BaselineSeriesCollector, BaselineSnapshot
from tenantsync.metrics.tenant_series import TenantSeriesCollector, TenantSnapshot

PLAN_ACTIONS = tuple(action.value for action in ChangeAction)
DEPLOY_RESULTS = tuple(outcome.value for outcome in ChangeOutcome if outcome != ChangeOutcome.APPLYING)
"""A change's final results; Applying is a change in flight, never counted."""
CREDENTIAL_KINDS = tuple(kind.value for kind in CredentialKind)
API_SERVICES = ("graph", "portal", "exchange", "compliance")
"""The ``service`` label of the request counters: the catalogue's services (``tenantsync.catalog.Service``,
a sibling layer that metrics does not import; a test keeps the two the same) but Tenant Configuration
Management, whose snapshot jobs are Graph requests, made by the Graph client and counted as graph."""
_RUN_RESULTS = tuple(phase.value for phase in RunPhase if phase.finished)

_HOUR = 3600.0
RUN_DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, _HOUR, 6 * _HOUR, 24 * _HOUR)
"""Seconds; a run that waits for approval or a sign-in lasts hours, one that does not lasts seconds."""
APPROVAL_WAIT_BUCKETS = (
    60.0,
    300.0,
    900.0,
    _HOUR,
    4 * _HOUR,
    12 * _HOUR,
    24 * _HOUR,
    72 * _HOUR,
    168 * _HOUR,
)
"""Seconds, from a minute (someone was watching) to a week (a plan nobody reviewed)."""
QUEUE_WAIT_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, _HOUR)
"""Seconds, from none (a free slot) to an hour (a whole fleet asked to sync at once on a small replica)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _one_of(value: str, allowed: tuple[str, ...], label: str) -> str:
    if value not in allowed:
        raise ValueError(f"{label} must be one of {', '.join(allowed)}, not {value!r}")
    return value


class OperatorMetrics:
    """Every tenantsync metric, in a registry of its own that :meth:`serve` exposes on /metrics."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        version: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
        per_type_detail: bool = False,
    ) -> None:
        """``registry`` must be fresh (tests inject one to scrape it); ``version`` defaults to the
        installed distribution's; ``clock`` stamps reconciliations (OperatorSettings.clock fits);
        ``per_type_detail`` adds each Tenant's objects per configuration type, one series per type
        (``--metrics-per-type``), to the per-Tenant totals exported by default."""
        self.registry = registry if registry is not None else CollectorRegistry()
        self._clock = clock
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        Gauge(
            "tenantsync_up", "1 while the operator runs; alerts use its absence.", registry=self.registry
        ).set(1)
        Gauge(
            "tenantsync_build_info",
            "Always 1; the operator's version is in the label.",
            ["version"],
            registry=self.registry,
        ).labels(version or importlib.metadata.version("tenantsync")).set(1)
        self._last_reconcile = Gauge(
            "tenantsync_last_reconcile_timestamp_seconds",
            "When the operator last reconciled any Tenant (Unix time); 0 before the first.",
            registry=self.registry,
        )
        self._run_duration = Histogram(
            "tenantsync_run_duration_seconds",
            "Duration of finished SyncRuns, start to completion, by final phase.",
            ["result"],
            buckets=RUN_DURATION_BUCKETS,
            registry=self.registry,
        )
        for result in _RUN_RESULTS:
            self._run_duration.labels(result)
        self._run_errors = Counter(
            "tenantsync_run_errors",
            "Finished SyncRuns that carry an error code, by final phase and error code, all Tenants"
            " together (the Tenant's SyncRun names its own).",
            ["result", "error_code"],
            registry=self.registry,
        )
        self._api_requests = Counter(
            "tenantsync_api_requests",
            "HTTP requests sent to each service (Microsoft Graph, the portal's admin API, the Exchange admin"
            " API's Exchange Online and compliance endpoints), all Tenants together.",
            ["service"],
            registry=self.registry,
        )
        self._api_throttled = Counter(
            "tenantsync_api_throttled_requests",
            "429 Too Many Requests answers from each service, all Tenants together (Graph's per Tenant in"
            " tenantsync_graph_throttled_requests_total).",
            ["service"],
            registry=self.registry,
        )
        self._drift = Counter(
            "tenantsync_drift_detected",
            "Changes made behind tenantsync's back seen in the audit logs, by configuration type, all"
            " Tenants together (each Tenant's are in its status.drift).",
            ["type"],
            registry=self.registry,
        )
        self._approval_wait = Histogram(
            "tenantsync_approval_wait_seconds",
            "How long plans waited in PendingApproval before a decision, all Tenants together.",
            buckets=APPROVAL_WAIT_BUCKETS,
            registry=self.registry,
        )
        self._queue_wait = Histogram(
            "tenantsync_run_queue_wait_seconds",
            "How long SyncRuns waited before their first step (behind their Tenant's older runs and for a"
            " slot under the cap on concurrent syncs), all Tenants together.",
            buckets=QUEUE_WAIT_BUCKETS,
            registry=self.registry,
        )
        self._tenants = TenantSeriesCollector(per_type_detail=per_type_detail)
        self.registry.register(self._tenants)
        self._baselines = BaselineSeriesCollector()
        self.registry.register(self._baselines)
        self._queued_steps = Gauge(
            "tenantsync_queued_steps",
            "Steps of SyncRuns waiting for a free slot under the operator's cap on concurrent syncs.",
            registry=self.registry,
        )

    def track_queued_steps(self, count: Callable[[], int]) -> None:
        """Read the queue's length at each scrape."""
        self._queued_steps.set_function(count)

    def observe_tenant_phase(
        self,
        namespace: str,
        tenant: str,
        phase: TenantPhase,
        *,
        created: datetime,
        schedule_active: bool,
        last_success: datetime | None = None,
        pending_approval_since: datetime | None = None,
        credentials_expiry: datetime | None = None,
        credential_kind: str | None = None,
    ) -> None:
        """Record the Tenant as its status now stands, replacing what was recorded before.

        Call it on every reconciliation of the Tenant, not only when something changed: it also stamps
        ``tenantsync_last_reconcile_timestamp_seconds``, which tells a stuck operator from an idle one.
        ``pending_approval_since`` is given only while the Tenant is PendingApproval; the credentials
        series needs both the expiry and its kind (ClientSecret or Certificate).
        """
        credentials = None
        if credentials_expiry is not None:
            if credential_kind is None:
                raise ValueError("credential_kind is needed with credentials_expiry")
            kind = _one_of(credential_kind, CREDENTIAL_KINDS, "credential_kind")
            credentials = (kind, credentials_expiry.timestamp())
        snapshot = TenantSnapshot(
            phase=TenantPhase(phase),
            created=created.timestamp(),
            schedule_active=schedule_active,
            last_success=None if last_success is None else last_success.timestamp(),
            pending_approval_since=(
                None if pending_approval_since is None else pending_approval_since.timestamp()
            ),
            credentials=credentials,
        )
        with self._tenants.edit(namespace, tenant) as series:
            series.snapshot = snapshot
        self.observe_idle_pass()

    def observe_idle_pass(self) -> None:
        """A Tenant was looked at and nothing had changed: the operator is idle, not stuck."""
        self._last_reconcile.set(self._clock().timestamp())

    def observe_schedule_interval(self, namespace: str, tenant: str, interval: timedelta | None) -> None:
        """Record how long the Tenant's schedule waits between syncs, or None when nothing is scheduled.

        Alerts count missed syncs in these intervals rather than in days, so a weekly Tenant is not
        late after one day and a manual-only Tenant is never late.
        """
        if interval is not None and interval <= timedelta(0):
            raise ValueError("a schedule interval is positive")
        with self._tenants.edit(namespace, tenant) as series:
            series.schedule_interval = None if interval is None else interval.total_seconds()

    def observe_run_finished(
        self,
        namespace: str,
        tenant: str,
        phase: RunPhase,
        error_code: ErrorCode | None,
        duration_seconds: float,
    ) -> None:
        """Count a SyncRun that reached a final phase; call it once per run, when it finishes."""
        result = RunPhase(phase)
        if not result.finished:
            raise ValueError(f"a run in {result.value} has not finished")
        code = None if error_code is None else ErrorCode(error_code).value
        with self._tenants.edit(namespace, tenant) as series:
            series.runs[result.value] += 1
        if code is not None:
            self._run_errors.labels(result.value, code).inc()
        self._run_duration.labels(result.value).observe(duration_seconds)

    def observe_backup(
        self,
        namespace: str,
        tenant: str,
        objects_by_type: Mapping[str, int],
        expiries: Mapping[str, datetime] | None = None,
        unencrypted_secrets: int = 0,
    ) -> None:
        """Record the latest backup's object count per configuration type, the expiries it read (the
        Apple push certificate's; types left out disappear) and how many unencrypted secrets it found.
        Objects are exported as the Tenant's total, and per type with per-type detail."""
        counts = {ResourceType(name).value: count for name, count in objects_by_type.items()}
        expiring = {ResourceType(name).value: when.timestamp() for name, when in (expiries or {}).items()}
        with self._tenants.edit(namespace, tenant) as series:
            series.backup_objects = counts
            series.expiries = expiring
            series.unencrypted_secrets = unencrypted_secrets

    def observe_plan(self, namespace: str, tenant: str, counts_by_action: Mapping[str, int]) -> None:
        """Add a new plan's changes by action (create, update, delete); call it once per plan."""
        counts = {
            _one_of(action, PLAN_ACTIONS, "action"): count for action, count in counts_by_action.items()
        }
        if any(count < 0 for count in counts.values()):
            raise ValueError("change counts cannot be negative")
        with self._tenants.edit(namespace, tenant) as series:
            series.changes_planned.update(counts)

    def observe_deploy_result(self, namespace: str, tenant: str, result: str) -> None:
        """Count one deployed change by its result (Applied, Failed, Conflict)."""
        key = _one_of(result, DEPLOY_RESULTS, "result")
        with self._tenants.edit(namespace, tenant) as series:
            series.changes_deployed[key] += 1

    def observe_requests(
        self, namespace: str, tenant: str, service: str, requests: int, throttled: int
    ) -> None:
        """Add one service's requests and throttled requests made since the last call (deltas of its
        clients' GraphStats): to the fleet's counters by service, and Microsoft Graph's also to the
        Tenant's own (per Tenant and service they would cost 6 series more than the budget leaves)."""
        key = _one_of(service, API_SERVICES, "service")
        if requests < 0 or throttled < 0:
            raise ValueError("Request counts only grow: pass the increase since the last call")
        self._api_requests.labels(key).inc(requests)
        self._api_throttled.labels(key).inc(throttled)
        if key != "graph":
            return
        with self._tenants.edit(namespace, tenant) as series:
            series.graph_requests += requests
            series.graph_throttled += throttled

    def observe_graph(self, namespace: str, tenant: str, requests: int, throttled: int) -> None:
        """Microsoft Graph's requests and throttled requests since the last call (the audit watch's)."""
        self.observe_requests(namespace, tenant, "graph", requests, throttled)

    def observe_approval_wait(self, seconds: float) -> None:
        """Record how long a plan waited in PendingApproval; call it once, when the decision comes.

        One histogram for all Tenants: per Tenant its buckets would cost a dozen series each, and the
        wait of the plan pending now is ``tenantsync_tenant_pending_approval_since_timestamp_seconds``.
        """
        self._approval_wait.observe(seconds)

    def observe_drift(self, namespace: str, tenant: str, types: Sequence[str], last: datetime) -> None:
        """Count drift changes by type (one family for the fleet: per Tenant and type it would cost up to
        62 series each) and note when the Tenant's newest was seen."""
        for type_name in types:
            self._drift.labels(type_name).inc()
        with self._tenants.edit(namespace, tenant) as series:
            series.last_drift = last.timestamp()

    def observe_queue_wait(self, seconds: float) -> None:
        """Record how long a run waited before its first step (its `status.queuedSeconds`); once per run.

        One histogram for all Tenants, like the run durations: the wait says how saturated the operator
        is, not anything about one Tenant.
        """
        if seconds < 0:
            raise ValueError("a wait cannot be negative")
        self._queue_wait.observe(seconds)

    def forget_tenant(self, namespace: str, tenant: str) -> None:
        """Drop every series of a deleted Tenant, so dashboards and alerts stop showing it."""
        self._tenants.forget(namespace, tenant)

    def observe_baseline(self, namespace: str, name: str, status: BaselineStatus) -> None:
        """The Baseline's conformance counts, its drifting Tenants and its rollout's phase."""
        states = collections.Counter(tenant.state for tenant in status.tenants)
        drifting = {
            tenant.name: tenant.since.timestamp()
            for tenant in status.tenants
            if tenant.state == BaselineTenantState.DRIFTED and tenant.since is not None
        }
        phase = status.rollout.phase if status.rollout is not None else None
        self._baselines.set(namespace, name, BaselineSnapshot(dict(states), drifting, phase))

    def forget_baseline(self, namespace: str, name: str) -> None:
        """Drop every series of a deleted Baseline."""
        self._baselines.forget(namespace, name)

    def serve(self, port: int, host: str = "0.0.0.0") -> WSGIServer:
        """Serve /metrics from a daemon thread; ``shutdown()`` on the returned server stops it."""
        server, _ = start_http_server(port, addr=host, registry=self.registry)
        return server
