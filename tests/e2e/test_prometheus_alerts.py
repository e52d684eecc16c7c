"""A real Prometheus scrapes the operator during a failing sync and fires the chart's alert."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cluster import ROOT, wait_for
from tests.support.operator import OperatorProcess, free_port
from tests.support.resources import Resources, syncrun_manifest, tenant_manifest

pytestmark = pytest.mark.integration

RULES = ROOT / "charts" / "tenantsync" / "files" / "prometheus" / "tenantsync.rules.yaml"


@pytest.fixture
def prometheus(operator: OperatorProcess, tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("prometheus")
    assert binary, "prometheus is not installed: run hack/install-system-packages"
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(json.dumps({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [{
            "job_name": "tenantsync", "honor_labels": True,
            "static_configs": [{"targets": [f"127.0.0.1:{operator.metrics_port}"]}],
        }],
    }))  # fmt: skip
    command = [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
               f"--web.listen-address=127.0.0.1:{port}"]  # fmt: skip
    with (tmp_path / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _get(f"{url}/-/ready") is not None, "Prometheus to be ready")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read()
    except OSError:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body


def _alerts(url: str, name: str) -> list[dict[str, Any]]:
    answer = _get(f"{url}/api/v1/alerts") or {}
    return [a for a in answer.get("data", {}).get("alerts", []) if a["labels"].get("alertname") == name]


def _query(prometheus: str, expression: str) -> list[dict[str, Any]]:
    answer = _get(f"{prometheus}/api/v1/query?query={urllib.parse.quote(expression)}") or {}
    result: list[dict[str, Any]] = answer.get("data", {}).get("result", [])
    return result


def test_sync_failed_alert_fires_for_a_tenant_in_new_error(
    operator: OperatorProcess, prometheus: str, namespace: str
) -> None:
    resources = Resources(namespace)
    resources.create("tenants", tenant_manifest("contoso"))
    resources.create("syncruns", syncrun_manifest("run-1", "contoso"))  # no credentials Secret: NewError
    wait_for(
        lambda: resources.get("tenants", "contoso").get("status", {}).get("phase") == "NewError", "NewError"
    )
    # The Tenant's one phase series carries NewError from the reconciliation after the run ends.
    scraped = wait_for(
        lambda: _query(prometheus, f'tenantsync_tenant_phase{{namespace="{namespace}",phase="NewError"}}'),
        "Prometheus to scrape the Tenant in NewError",
    )
    assert [(series["metric"]["tenant"], series["value"][1]) for series in scraped] == [("contoso", "1")]
    # The phase it left is no series of its own: Prometheus holds one phase per Tenant.
    phases = _query(prometheus, f'tenantsync_tenant_phase{{namespace="{namespace}"}}')
    assert [series["metric"]["phase"] for series in phases] == ["NewError"]
    firing = wait_for(
        lambda: [a for a in _alerts(prometheus, "TenantsyncSyncFailed") if a["state"] == "firing"],
        "TenantsyncSyncFailed to fire (it waits 1m in pending)",
        timeout=150,
    )
    assert firing[0]["labels"]["tenant"] == "contoso"
    assert firing[0]["labels"]["namespace"] == namespace
    assert "contoso" in firing[0]["annotations"]["summary"]
    assert _alerts(prometheus, "TenantsyncSyncPartiallySuccessful") == []


def test_prometheus_sees_each_tenants_schedule_interval_and_none_for_manual_ones(
    operator: OperatorProcess, prometheus: str, namespace: str
) -> None:
    """TenantsyncNoRecentSuccessfulSync counts missed syncs in this interval (promtool-tested in
    tests/unit/alerts); here the running operator exports it for the Tenants it reconciles."""
    resources = Resources(namespace)
    resources.create("tenants", tenant_manifest("weekly", schedule="0 3 * * 0"))
    resources.create("tenants", tenant_manifest("hourly", schedule="0 * * * *"))
    resources.create("tenants", tenant_manifest("manual"))
    resources.create("tenants", tenant_manifest("paused", schedule="0 * * * *", suspend=True))
    selector = f'namespace="{namespace}"'

    def series(metric: str) -> dict[str, str]:
        return {s["metric"]["tenant"]: s["value"][1] for s in _query(prometheus, f"{metric}{{{selector}}}")}

    # Each reconciliation records the interval before the snapshot: once every Tenant's creation time
    # is scraped, so is its interval.
    wait_for(
        lambda: (
            series("tenantsync_tenant_created_timestamp_seconds").keys()
            == {"weekly", "hourly", "manual", "paused"}
        ),
        "Prometheus to scrape the four Tenants",
    )
    assert series("tenantsync_tenant_schedule_interval_seconds") == {
        "weekly": str(7 * 24 * 3600),
        "hourly": "3600",
    }
