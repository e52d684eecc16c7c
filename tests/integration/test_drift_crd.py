"""spec.drift on the real API server: its defaults are filled in, and a bad interval is refused by name."""

from __future__ import annotations

import json

import pytest
from kubernetes.client.exceptions import ApiException

from tests.support.cluster import kubectl
from tests.support.resources import Resources, tenant_manifest

pytestmark = pytest.mark.integration


def test_a_tenant_without_drift_gets_the_watch_on_every_minute_reporting(namespace: str) -> None:
    created = Resources(namespace).create("tenants", tenant_manifest("plain"))
    assert created["spec"]["drift"] == {"enabled": True, "interval": "1m", "action": "Report"}


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ("soon", "drift.interval must be a duration such as"),
        ("1m30", "drift.interval must be a duration such as"),
        ("5s", "drift.interval must be between 10s and 24h"),
        ("25h", "drift.interval must be between 10s and 24h"),
        ("9999999h", "drift.interval must be a duration such as"),
    ],
)
def test_a_bad_interval_is_refused_naming_the_field(namespace: str, interval: str, expected: str) -> None:
    with pytest.raises(ApiException) as refused:
        Resources(namespace).create("tenants", tenant_manifest("bad", drift={"interval": interval}))
    assert refused.value.status == 422, refused.value.body
    message = json.loads(refused.value.body or "{}")["message"]
    assert "spec.drift.interval" in message and expected in message, message


def test_a_bad_action_is_refused_and_good_values_pass(namespace: str) -> None:
    with pytest.raises(ApiException) as refused:
        Resources(namespace).create("tenants", tenant_manifest("bad", drift={"action": "Fix"}))
    assert '"Report", "Revert"' in json.loads(refused.value.body or "{}")["message"]
    created = Resources(namespace).create(
        "tenants", tenant_manifest("good", drift={"enabled": False, "interval": "1h30m", "action": "Revert"})
    )
    assert created["spec"]["drift"] == {"enabled": False, "interval": "1h30m", "action": "Revert"}


def test_kubectl_explain_describes_drift(cluster: None) -> None:
    explained = kubectl("explain", "tenants.spec.drift.action").stdout
    assert "Revert also starts a sync whose plan reverts it" in " ".join(explained.split())
