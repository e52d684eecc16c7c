"""Each Tenant's series stay within the budget docs/metrics.md documents, family by family (SPEC §4).

The Tenant below reaches every label value a family can take: every phase in turn, every run result with
every error code, every action and deploy result, both credential kinds in turn, every configuration
type backed up with every expiry a type reports, and a drifting Baseline. What it costs is the most a
Tenant can cost, and the documented table must say exactly that.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from tenantsync.api import (
    BaselineStatus,
    BaselineTenant,
    BaselineTenantState,
    ErrorCode,
    ResourceType,
    RunPhase,
    TenantPhase,
)
from tenantsync.catalog import catalog
from tenantsync.metrics import CREDENTIAL_KINDS, DEPLOY_RESULTS, PLAN_ACTIONS, OperatorMetrics
from tests.support.metrics_budget import (
    METRICS_DOC,
    TENANT_SERIES_LIMIT,
    documented_budget,
    over_budget,
    series_per_tenant,
)

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def busiest_tenant(metrics: OperatorMetrics, namespace: str, tenant: str) -> None:
    """Every method, with every value its labels can take, ending PendingApproval with a secret; the
    Baseline it drifts from is observed with all its Tenants at once, as the operator does."""
    for phase in TenantPhase:
        for kind in CREDENTIAL_KINDS:
            metrics.observe_tenant_phase(
                namespace, tenant, phase, created=CREATED, schedule_active=True,
                last_success=NOW - timedelta(hours=1), pending_approval_since=NOW,
                credentials_expiry=NOW + timedelta(days=30), credential_kind=kind,
            )  # fmt: skip
    metrics.observe_tenant_phase(
        namespace, tenant, TenantPhase.PENDING_APPROVAL, created=CREATED, schedule_active=True,
        last_success=NOW - timedelta(hours=1), pending_approval_since=NOW,
        credentials_expiry=NOW + timedelta(days=30), credential_kind="ClientSecret",
    )  # fmt: skip
    metrics.observe_schedule_interval(namespace, tenant, timedelta(hours=1))
    for final in (phase for phase in RunPhase if phase.finished):
        metrics.observe_run_finished(namespace, tenant, final, None, 10.0)
        for code in ErrorCode:
            metrics.observe_run_finished(namespace, tenant, final, code, 10.0)
    watches = {
        entry.expiry_watch or str(name): str(name) for name, entry in catalog().items() if entry.expiry_fields
    }
    expiring = {name: NOW + timedelta(days=90) for name in watches.values()}  # a backup reports one per watch
    metrics.observe_backup(namespace, tenant, {name.value: 3 for name in ResourceType}, expiring)
    metrics.observe_plan(namespace, tenant, dict.fromkeys(PLAN_ACTIONS, 2))
    for result in DEPLOY_RESULTS:
        metrics.observe_deploy_result(namespace, tenant, result)
    metrics.observe_graph(namespace, tenant, requests=100, throttled=3)
    metrics.observe_approval_wait(600.0)
    metrics.observe_drift(namespace, tenant, [name.value for name in ResourceType], NOW)


def exposition(*, per_type_detail: bool) -> str:
    metrics = OperatorMetrics(
        CollectorRegistry(), version="1", clock=lambda: NOW, per_type_detail=per_type_detail
    )
    tenants = ("contoso", "fabrikam")
    for tenant in tenants:
        busiest_tenant(metrics, "m365", tenant)
    drifting = [
        BaselineTenant(name=tenant, state=BaselineTenantState.DRIFTED, since=NOW) for tenant in tenants
    ]
    metrics.observe_baseline("m365", "security", BaselineStatus(tenants=drifting))
    return generate_latest(metrics.registry).decode()


def test_the_documented_default_budget_is_at_most_25_series_per_tenant() -> None:
    budget = documented_budget()
    assert sum(budget.default.values()) == budget.total_default
    assert sum(budget.per_type_detail.values()) == budget.total_per_type_detail
    assert budget.total_default <= TENANT_SERIES_LIMIT


@pytest.mark.parametrize("per_type_detail", [False, True], ids=["default", "per-type-detail"])
def test_the_busiest_tenant_costs_exactly_its_documented_budget(per_type_detail: bool) -> None:
    budget = documented_budget().of(per_type_detail=per_type_detail)
    counts = series_per_tenant(exposition(per_type_detail=per_type_detail), "m365", "contoso")
    assert over_budget(counts, budget) == {}
    # Reached, not only respected: a table that overstates a family hides what a Tenant really costs.
    assert {name: count for name, count in counts.items() if count} == {
        name: limit for name, limit in budget.items() if limit
    }


def test_per_type_detail_adds_one_series_per_configuration_type_and_nothing_else() -> None:
    default = series_per_tenant(exposition(per_type_detail=False), "m365", "contoso")
    detailed = series_per_tenant(exposition(per_type_detail=True), "m365", "contoso")
    assert detailed - default == {"tenantsync_backup_objects": len(ResourceType)}
    assert default - detailed == {}


def test_a_family_the_table_does_not_list_is_over_budget() -> None:
    """What guards against a new family (or a new label) slipping past the count."""
    counts = series_per_tenant(exposition(per_type_detail=False), "m365", "contoso")
    counts["tenantsync_new_family"] = 1
    counts["tenantsync_runs_total"] += 1
    assert over_budget(counts, documented_budget().default) == {
        "tenantsync_new_family": (1, 0),
        "tenantsync_runs_total": (5, 4),
    }


def test_the_documented_cost_of_a_thousand_tenants_follows_the_table() -> None:
    budget = documented_budget()
    text = " ".join(METRICS_DOC.read_text().split())
    assert f"1,000 Tenants cost at most {budget.total_default * 1000:,} series by default" in text
    assert f"{budget.total_per_type_detail * 1000:,} with per-type detail" in text
