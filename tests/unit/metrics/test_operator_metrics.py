"""OperatorMetrics, scraped through the Prometheus text format as a real Prometheus would see it."""

from __future__ import annotations

import ast
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from tenantsync.api import ErrorCode, RunPhase, TenantPhase
from tenantsync.catalog import Service
from tenantsync.metrics import API_SERVICES, APPROVAL_WAIT_BUCKETS, QUEUE_WAIT_BUCKETS, OperatorMetrics
from tests.unit.metrics.scrape import NOW, Series, new_metrics, populate, scrape, tenant_series, value

PACKAGE = Path(__file__).resolve().parents[3] / "operator" / "tenantsync" / "metrics"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def test_up_build_info_and_no_global_registry() -> None:
    metrics = new_metrics()
    series = scrape(metrics)
    assert value(series, "tenantsync_up") == 1
    assert value(series, "tenantsync_build_info", version="1.2.3") == 1
    assert value(series, "tenantsync_last_reconcile_timestamp_seconds") == 0
    # A second instance has its own registry: nothing is registered globally.
    assert scrape(new_metrics()).keys() == series.keys()


def phases(series: Series) -> dict[str, float]:
    return {
        dict(labels)["phase"]: v for (name, labels), v in series.items() if name == "tenantsync_tenant_phase"
    }


def test_tenant_phase_is_one_series_labelled_with_the_current_phase() -> None:
    """One series per Tenant rather than one per phase: the budget allows one (docs/metrics.md)."""
    metrics = new_metrics()
    metrics.observe_tenant_phase(
        "m365", "contoso", TenantPhase.NEW_ERROR, created=CREATED, schedule_active=True
    )
    assert phases(scrape(metrics)) == {"NewError": 1}

    metrics.observe_tenant_phase("m365", "contoso", TenantPhase.IDLE, created=CREATED, schedule_active=True)
    assert phases(scrape(metrics)) == {"Idle": 1}


def test_tenant_snapshot_times_and_reconcile_heartbeat() -> None:
    metrics = new_metrics()
    populate(metrics)
    series = scrape(metrics)
    tenant = {"namespace": "m365", "tenant": "contoso"}
    assert value(series, "tenantsync_tenant_created_timestamp_seconds", **tenant) == CREATED.timestamp()
    assert value(series, "tenantsync_tenant_schedule_active", **tenant) == 1
    assert (
        value(series, "tenantsync_tenant_last_success_timestamp_seconds", **tenant)
        == datetime(2026, 11, 22, tzinfo=UTC).timestamp()
    )
    assert (
        value(series, "tenantsync_tenant_pending_approval_since_timestamp_seconds", **tenant)
        == datetime(2026, 11, 23, 5, tzinfo=UTC).timestamp()
    )
    assert (
        value(series, "tenantsync_credentials_expiry_timestamp_seconds", kind="ClientSecret", **tenant)
        == datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    )
    assert value(series, "tenantsync_last_reconcile_timestamp_seconds") == NOW.timestamp()


def test_a_new_snapshot_replaces_the_old_one() -> None:
    """Approval decided, credentials renewed as a certificate: no series of the old state remains."""
    metrics = new_metrics()
    populate(metrics)
    metrics.observe_tenant_phase(
        "m365",
        "contoso",
        TenantPhase.IDLE,
        created=CREATED,
        schedule_active=False,
        credentials_expiry=datetime(2027, 6, 1, tzinfo=UTC),
        credential_kind="Certificate",
    )
    names = tenant_series(scrape(metrics), "m365", "contoso")
    assert "tenantsync_tenant_pending_approval_since_timestamp_seconds" not in names
    assert "tenantsync_tenant_last_success_timestamp_seconds" not in names
    expiry = [
        labels
        for name, labels in scrape(metrics)
        if name == "tenantsync_credentials_expiry_timestamp_seconds"
    ]
    assert [dict(labels)["kind"] for labels in expiry] == ["Certificate"]
    assert (
        value(scrape(metrics), "tenantsync_tenant_schedule_active", namespace="m365", tenant="contoso") == 0
    )


def test_schedule_interval_is_exported_only_while_something_is_scheduled() -> None:
    """Alerts count missed syncs in this interval; a Tenant without one (manual-only, suspended) has none."""
    metrics = new_metrics()
    tenant = {"namespace": "m365", "tenant": "contoso"}
    metrics.observe_schedule_interval("m365", "contoso", timedelta(days=7))
    assert value(scrape(metrics), "tenantsync_tenant_schedule_interval_seconds", **tenant) == 7 * 24 * 3600
    metrics.observe_schedule_interval("m365", "contoso", None)
    assert "tenantsync_tenant_schedule_interval_seconds" not in tenant_series(scrape(metrics), **tenant)


def test_runs_by_tenant_and_result_and_errors_and_duration_for_all_tenants() -> None:
    metrics = new_metrics()
    metrics.observe_run_finished("m365", "contoso", RunPhase.NEW_ERROR, ErrorCode.CLIENT_SECRET_EXPIRED, 3.0)
    metrics.observe_run_finished("m365", "contoso", RunPhase.NEW_ERROR, ErrorCode.CLIENT_SECRET_EXPIRED, 4.0)
    metrics.observe_run_finished("m365", "contoso", RunPhase.SUCCEEDED, None, 90.0)
    series = scrape(metrics)
    runs = {"namespace": "m365", "tenant": "contoso"}
    assert value(series, "tenantsync_runs_total", result="NewError", **runs) == 2
    assert value(series, "tenantsync_runs_total", result="Succeeded", **runs) == 1
    errors = {
        frozenset(labels): v for (name, labels), v in series.items() if name == "tenantsync_run_errors_total"
    }
    assert errors == {frozenset({"result": "NewError", "error_code": "ClientSecretExpired"}.items()): 2}
    assert value(series, "tenantsync_run_duration_seconds_count", result="NewError") == 2
    assert value(series, "tenantsync_run_duration_seconds_sum", result="NewError") == 7.0
    assert value(series, "tenantsync_run_duration_seconds_bucket", result="Succeeded", le="60.0") == 0
    assert value(series, "tenantsync_run_duration_seconds_bucket", result="Succeeded", le="120.0") == 1
    # Every final phase has a duration series from the start, so rates see the first run.
    for result in ("Succeeded", "Rejected", "PartiallySuccessful"):
        assert value(series, "tenantsync_run_duration_seconds_count", result=result) >= 0


def test_a_run_that_has_not_finished_is_refused() -> None:
    with pytest.raises(ValueError, match="has not finished"):
        new_metrics().observe_run_finished("m365", "contoso", RunPhase.PENDING_APPROVAL, None, 1.0)


def test_backup_objects_are_one_total_per_tenant_by_default() -> None:
    metrics = new_metrics()
    tenant = {"namespace": "m365", "tenant": "contoso"}
    assert "tenantsync_tenant_backup_objects" not in tenant_series(scrape(metrics), **tenant)
    metrics.observe_backup("m365", "contoso", {"conditionalAccessPolicies": 12, "namedLocations": 3})
    series = scrape(metrics)
    assert value(series, "tenantsync_tenant_backup_objects", **tenant) == 15
    assert "tenantsync_backup_objects" not in {name for name, _ in series}
    metrics.observe_backup("m365", "contoso", {})  # every type skipped: a backup of nothing
    assert value(scrape(metrics), "tenantsync_tenant_backup_objects", **tenant) == 0


def test_backup_objects_per_type_follow_the_latest_backup_with_per_type_detail() -> None:
    metrics = new_metrics(per_type_detail=True)
    metrics.observe_backup("m365", "contoso", {"conditionalAccessPolicies": 12, "namedLocations": 3})
    metrics.observe_backup("m365", "contoso", {"conditionalAccessPolicies": 13})
    series = scrape(metrics)
    tenant = {"namespace": "m365", "tenant": "contoso"}
    assert value(series, "tenantsync_backup_objects", type="conditionalAccessPolicies", **tenant) == 13
    assert (
        "tenantsync_backup_objects",
        frozenset({**tenant, "type": "namedLocations"}.items()),
    ) not in series
    assert value(series, "tenantsync_tenant_backup_objects", **tenant) == 13


def test_the_apple_push_certificate_expiry_follows_the_latest_backup() -> None:
    metrics = new_metrics()
    expires = datetime(2026, 3, 1, 9, tzinfo=UTC)
    metrics.observe_backup(
        "m365",
        "contoso",
        {"applePushNotificationCertificate": 1},
        {"applePushNotificationCertificate": expires},
    )
    tenant = {"namespace": "m365", "tenant": "contoso", "type": "applePushNotificationCertificate"}
    name = "tenantsync_tenant_service_expiry_timestamp_seconds"
    assert value(scrape(metrics), name, **tenant) == expires.timestamp()
    metrics.observe_backup("m365", "contoso", {"namedLocations": 3})
    assert (name, frozenset(tenant.items())) not in scrape(metrics)


def test_unencrypted_secrets_are_one_series_per_tenant_following_the_latest_backup() -> None:
    metrics = new_metrics()
    name = "tenantsync_backup_unencrypted_secrets"
    tenant = {"namespace": "m365", "tenant": "contoso"}
    assert (name, frozenset(tenant.items())) not in scrape(metrics), "absent before the first backup"
    metrics.observe_backup("m365", "contoso", {"deviceConfigurations": 40}, unencrypted_secrets=3)
    series = scrape(metrics)
    assert value(series, name, **tenant) == 3
    assert [labels for n, labels in series if n == name] == [frozenset(tenant.items())]
    metrics.observe_backup("m365", "contoso", {"deviceConfigurations": 40})
    assert value(scrape(metrics), name, **tenant) == 0


def test_plan_and_deploy_counters() -> None:
    metrics = new_metrics()
    metrics.observe_plan("m365", "contoso", {"create": 1, "update": 2})
    metrics.observe_plan("m365", "contoso", {"update": 1, "delete": 1})
    metrics.observe_deploy_result("m365", "contoso", "Applied")
    metrics.observe_deploy_result("m365", "contoso", "Applied")
    metrics.observe_deploy_result("m365", "contoso", "Failed")
    metrics.observe_deploy_result("m365", "contoso", "Conflict")
    series = scrape(metrics)
    tenant = {"namespace": "m365", "tenant": "contoso"}
    planned = {
        a: value(series, "tenantsync_changes_planned_total", action=a, **tenant)
        for a in ("create", "update", "delete")
    }
    assert planned == {"create": 1, "update": 3, "delete": 1}
    deployed = {
        r: value(series, "tenantsync_changes_deployed_total", result=r, **tenant)
        for r in ("Applied", "Failed", "Conflict")
    }
    assert deployed == {"Applied": 2, "Failed": 1, "Conflict": 1}


def test_graph_counters_add_deltas() -> None:
    metrics = new_metrics()
    metrics.observe_graph("m365", "contoso", requests=10, throttled=1)
    metrics.observe_graph("m365", "contoso", requests=5, throttled=0)
    series = scrape(metrics)
    assert value(series, "tenantsync_graph_requests_total", namespace="m365", tenant="contoso") == 15
    assert value(series, "tenantsync_graph_throttled_requests_total", namespace="m365", tenant="contoso") == 1
    with pytest.raises(ValueError, match="increase since the last call"):
        metrics.observe_graph("m365", "contoso", requests=-1, throttled=0)


def test_each_service_counts_in_the_fleets_counters_and_graph_alone_in_the_tenants() -> None:
    """The Exchange admin API's 429s are not Graph's: tenantsync_graph_* per Tenant count Microsoft Graph
    only, as docs/metrics.md says, and every service is counted apart in the fleet's families."""
    metrics = new_metrics()
    metrics.observe_requests("m365", "contoso", "graph", requests=10, throttled=1)
    metrics.observe_requests("m365", "contoso", Service.EXCHANGE, requests=7, throttled=3)
    metrics.observe_requests("m365", "fabrikam", Service.COMPLIANCE, requests=2, throttled=2)
    series = scrape(metrics)
    tenant = {"namespace": "m365", "tenant": "contoso"}
    assert value(series, "tenantsync_graph_requests_total", **tenant) == 10
    assert value(series, "tenantsync_graph_throttled_requests_total", **tenant) == 1
    fleet = {
        service: value(series, "tenantsync_api_throttled_requests_total", service=service)
        for service in ("graph", "exchange", "compliance")
    }
    assert fleet == {"graph": 1, "exchange": 3, "compliance": 2}
    assert value(series, "tenantsync_api_requests_total", service="exchange") == 7
    with pytest.raises(ValueError, match="service must be one of"):
        metrics.observe_requests("m365", "contoso", "outlook", requests=1, throttled=0)


def test_the_service_label_takes_the_catalogues_services() -> None:
    # Tenant Configuration Management's snapshot jobs are Graph requests, made by the Graph client.
    assert set(API_SERVICES) == {service.value for service in Service if service is not Service.TCM}


def test_approval_wait_histogram_for_all_tenants() -> None:
    metrics = new_metrics()
    metrics.observe_approval_wait(120.0)
    metrics.observe_approval_wait(7200.0)
    series = scrape(metrics)
    assert value(series, "tenantsync_approval_wait_seconds_count") == 2
    assert value(series, "tenantsync_approval_wait_seconds_sum") == 7320.0
    assert value(series, "tenantsync_approval_wait_seconds_bucket", le="60.0") == 0
    assert value(series, "tenantsync_approval_wait_seconds_bucket", le="300.0") == 1
    assert value(series, "tenantsync_approval_wait_seconds_bucket", le="14400.0") == 2
    assert value(series, "tenantsync_approval_wait_seconds_bucket", le="+Inf") == 2
    buckets = [labels for name, labels in series if name == "tenantsync_approval_wait_seconds_bucket"]
    assert len(buckets) == len(APPROVAL_WAIT_BUCKETS) + 1


def test_forget_tenant_removes_every_series_of_that_tenant_only() -> None:
    metrics = new_metrics()
    populate(metrics, "m365", "contoso")
    populate(metrics, "m365", "fabrikam")
    before = scrape(metrics)
    assert len(tenant_series(before, "m365", "contoso")) > 10

    metrics.forget_tenant("m365", "contoso")
    after = scrape(metrics)
    assert tenant_series(after, "m365", "contoso") == []
    assert tenant_series(after, "m365", "fabrikam") == tenant_series(before, "m365", "fabrikam")
    assert not any(("tenant", "contoso") in labels for _, labels in after)
    metrics.forget_tenant("m365", "contoso")  # forgetting twice is harmless (a retried delete handler)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.observe_plan("ns", "t", {"patch": 1}), "action must be one of"),
        (lambda m: m.observe_plan("ns", "t", {"create": -1}), "cannot be negative"),
        (lambda m: m.observe_deploy_result("ns", "t", "Skipped"), "result must be one of"),
        (lambda m: m.observe_backup("ns", "t", {"00000000-guid-of-a-policy": 1}), "is not a valid ResourceType"),
        (lambda m: m.observe_schedule_interval("ns", "t", timedelta(0)), "interval is positive"),
        (
            lambda m: m.observe_tenant_phase(
                "ns", "t", TenantPhase.IDLE, created=CREATED, schedule_active=True,
                credentials_expiry=NOW, credential_kind="s3cr3t-value",
            ),
            "credential_kind must be one of",
        ),
        (
            lambda m: m.observe_tenant_phase(
                "ns", "t", TenantPhase.IDLE, created=CREATED, schedule_active=True, credentials_expiry=NOW
            ),
            "credential_kind is needed",
        ),
    ],
)  # fmt: skip
def test_label_values_outside_their_closed_sets_are_refused(
    call: Callable[[OperatorMetrics], None], message: str
) -> None:
    """Only bounded values reach a label: anything else is a programming error, caught here."""
    metrics = new_metrics()
    with pytest.raises(ValueError, match=message):
        call(metrics)
    assert tenant_series(scrape(metrics), "ns", "t") == []


def test_registry_is_injectable_and_refuses_a_second_set_of_the_same_metrics() -> None:
    registry = CollectorRegistry()
    OperatorMetrics(registry, version="1")
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        OperatorMetrics(registry, version="1")


def test_version_defaults_to_the_installed_distribution() -> None:
    metrics = OperatorMetrics(CollectorRegistry())
    assert b'tenantsync_build_info{version="' in generate_latest(metrics.registry)


def test_serve_exposes_this_registry_on_http() -> None:
    metrics = new_metrics()
    populate(metrics)
    server = metrics.serve(0, host="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=10) as response:
            body = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "tenantsync_up 1.0" in body
    assert 'tenantsync_tenant_phase{namespace="m365",phase="PendingApproval",tenant="contoso"} 1.0' in body


def test_metrics_package_imports_only_the_api_layer_and_never_kopf() -> None:
    """tenantsync.metrics sits beside auth, graph and kube: above api, below sync and controllers."""
    imported: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    ours = {name for name in imported if name.split(".")[0] == "tenantsync"}
    assert {name for name in ours if not name.startswith(("tenantsync.api", "tenantsync.metrics"))} == set()
    assert not any(name.split(".")[0] == "kopf" for name in imported)


def test_queue_wait_histogram_for_all_tenants() -> None:
    metrics = new_metrics()
    metrics.observe_queue_wait(0.0)
    metrics.observe_queue_wait(42.5)
    series = scrape(metrics)
    assert value(series, "tenantsync_run_queue_wait_seconds_count") == 2
    assert value(series, "tenantsync_run_queue_wait_seconds_sum") == 42.5
    assert value(series, "tenantsync_run_queue_wait_seconds_bucket", le="0.1") == 1
    assert value(series, "tenantsync_run_queue_wait_seconds_bucket", le="30.0") == 1
    assert value(series, "tenantsync_run_queue_wait_seconds_bucket", le="60.0") == 2
    buckets = [labels for name, labels in series if name == "tenantsync_run_queue_wait_seconds_bucket"]
    assert len(buckets) == len(QUEUE_WAIT_BUCKETS) + 1
    with pytest.raises(ValueError, match="negative"):
        metrics.observe_queue_wait(-1.0)
