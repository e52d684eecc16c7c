"""Scrape an OperatorMetrics the way Prometheus does: its text exposition, parsed back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tenantsync.api import (
    BaselineStatus,
    BaselineTenant,
    BaselineTenantState,
    ErrorCode,
    RolloutPhase,
    RolloutStatus,
    RunPhase,
    TenantPhase,
)
from tenantsync.metrics import OperatorMetrics

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def new_metrics(*, per_type_detail: bool = False) -> OperatorMetrics:
    return OperatorMetrics(
        CollectorRegistry(), version="1.2.3", clock=lambda: NOW, per_type_detail=per_type_detail
    )


def scrape(metrics: OperatorMetrics) -> Series:
    text = generate_latest(metrics.registry).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(series: Series, name: str, **labels: str) -> float:
    return series[(name, frozenset(labels.items()))]


def tenant_series(series: Series, namespace: str, tenant: str) -> list[str]:
    wanted = {("namespace", namespace), ("tenant", tenant)}
    return sorted(name for name, labels in series if wanted <= labels)


def populate(metrics: OperatorMetrics, namespace: str = "m365", tenant: str = "contoso") -> None:
    """Feed every method, so that every metric has series (the dashboard and alert tests use it too)."""
    metrics.observe_tenant_phase(
        namespace,
        tenant,
        TenantPhase.PENDING_APPROVAL,
        created=datetime(2026, 1, 1, tzinfo=UTC),
        schedule_active=True,
        last_success=datetime(2026, 11, 22, tzinfo=UTC),
        pending_approval_since=datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
        credentials_expiry=datetime(2026, 12, 1, tzinfo=UTC),
        credential_kind="ClientSecret",
    )
    metrics.observe_schedule_interval(namespace, tenant, timedelta(hours=6))
    metrics.observe_run_finished(namespace, tenant, RunPhase.NEW_ERROR, ErrorCode.CLIENT_SECRET_EXPIRED, 3.5)
    metrics.observe_run_finished(namespace, tenant, RunPhase.SUCCEEDED, None, 42.0)
    metrics.observe_backup(
        namespace,
        tenant,
        {"conditionalAccessPolicies": 12, "namedLocations": 3, "applePushNotificationCertificate": 1},
        {"applePushNotificationCertificate": datetime(2027, 3, 1, tzinfo=UTC)},
    )
    metrics.observe_plan(namespace, tenant, {"create": 1, "update": 2, "delete": 0})
    metrics.observe_deploy_result(namespace, tenant, "Applied")
    metrics.observe_deploy_result(namespace, tenant, "Conflict")
    metrics.observe_graph(namespace, tenant, requests=40, throttled=2)
    metrics.observe_approval_wait(1800.0)
    metrics.observe_drift(
        namespace, tenant, ["conditionalAccessPolicies"], datetime(2026, 11, 23, 5, 30, tzinfo=UTC)
    )
    metrics.observe_baseline(
        namespace,
        "security",
        BaselineStatus(
            rollout=RolloutStatus(revision="a" * 40, phase=RolloutPhase.PROGRESSING),
            tenants=[BaselineTenant(name=tenant, state=BaselineTenantState.DRIFTED, since=NOW)],
        ),
    )
