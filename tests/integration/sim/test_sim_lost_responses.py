"""The lost-response fault: a write is applied, then the client never sees the answer.

For each write kind a client makes (PATCH, POST create, assign, PUT of settings, DELETE) the fault
is armed through the control client; the client gets a dropped connection, a 5xx or a timeout, and
the tenant's state shows the write applied exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import SimTenant

pytestmark = pytest.mark.integration

POLICIES = "/beta/deviceManagement/configurationPolicies"
GROUP = "ba8e7ded-8b0f-4836-ba06-8ff1ecc5c8ba"


def _setting(value: int) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "device_vendor_msft_policy_config_defender_avgcpuloadfactor",
            "simpleSettingValue": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
                "value": value,
            },
        },
    }


POLICY = {"name": "Defender", "platforms": "windows10", "technologies": "mdm", "settings": [_setting(30)]}


def _policy(graph: httpx.Client) -> str:
    created = graph.post(POLICIES, json=POLICY)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


Write = Callable[[httpx.Client, str], httpx.Response]
Check = Callable[[SimulatorClient, str, str], None]


def _patch(graph: httpx.Client, policy: str) -> httpx.Response:
    return graph.patch(f"{POLICIES}/{policy}", json={"description": "changed"})


def _patched(sim: SimulatorClient, tenant: str, policy: str) -> None:
    assert sim.object(tenant, "configurationPolicies", policy)["description"] == "changed"


def _create(graph: httpx.Client, policy: str) -> httpx.Response:
    return graph.post(POLICIES, json={**POLICY, "name": "Created blind"})


def _created(sim: SimulatorClient, tenant: str, policy: str) -> None:
    names = [p["name"] for p in sim.objects(tenant, "configurationPolicies")]
    assert names.count("Created blind") == 1


def _assign(graph: httpx.Client, policy: str) -> httpx.Response:
    target = {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": GROUP}
    return graph.post(f"{POLICIES}/{policy}/assign", json={"assignments": [{"target": target}]})


def _assigned(sim: SimulatorClient, tenant: str, policy: str) -> None:
    assignments = sim.object(tenant, "configurationPolicies", policy)["assignments"]
    assert [a["target"]["groupId"] for a in assignments] == [GROUP]


def _put_settings(graph: httpx.Client, policy: str) -> httpx.Response:
    return graph.put(f"{POLICIES}/{policy}", json={**POLICY, "settings": [_setting(45)]})


def _settings_put(sim: SimulatorClient, tenant: str, policy: str) -> None:
    settings = sim.object(tenant, "configurationPolicies", policy)["settings"]
    assert [s["settingInstance"]["simpleSettingValue"]["value"] for s in settings] == [45]


def _delete(graph: httpx.Client, policy: str) -> httpx.Response:
    return graph.delete(f"{POLICIES}/{policy}")


def _deleted(sim: SimulatorClient, tenant: str, policy: str) -> None:
    assert policy not in {p["id"] for p in sim.objects(tenant, "configurationPolicies")}


WRITES: dict[str, tuple[str, Callable[[str], str], Write, Check]] = {
    "patch": ("PATCH", lambda policy: f"{POLICIES}/{policy}", _patch, _patched),
    "create": ("POST", lambda policy: POLICIES, _create, _created),
    "assign": ("POST", lambda policy: f"{POLICIES}/{policy}/assign", _assign, _assigned),
    "put-settings": ("PUT", lambda policy: f"{POLICIES}/{policy}", _put_settings, _settings_put),
    "delete": ("DELETE", lambda policy: f"{POLICIES}/{policy}", _delete, _deleted),
}


@pytest.fixture
def faults(sim: SimulatorClient) -> SimulatorClient:
    sim.clear_faults()
    return sim


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_dropped_connection_after_the_write_was_applied(
    full_graph: httpx.Client, faults: SimulatorClient, tenant: SimTenant, kind: str
) -> None:
    method, prefix, write, applied = WRITES[kind]
    policy = _policy(full_graph)
    faults.lose_responses(prefix(policy), method)
    try:
        with pytest.raises(httpx.RemoteProtocolError):
            write(full_graph, policy)
    finally:
        faults.clear_faults()
    applied(faults, tenant.id, policy)
    lost = [entry for entry in faults.requests(tenant.id) if entry["lost"]]
    assert [(entry["method"], entry["status"] < 300) for entry in lost] == [(method, True)]
    assert faults.counters(tenant.id)["lostResponses"] == 1


@pytest.mark.parametrize(
    ("kind", "status"), [("patch", 500), ("create", 503), ("assign", 504), ("delete", 502)]
)
def test_server_error_after_the_write_was_applied(
    full_graph: httpx.Client, faults: SimulatorClient, tenant: SimTenant, kind: str, status: int
) -> None:
    method, prefix, write, applied = WRITES[kind]
    policy = _policy(full_graph)
    faults.lose_responses(prefix(policy), method, status=status)
    try:
        response = write(full_graph, policy)
    finally:
        faults.clear_faults()
    assert response.status_code == status
    assert response.json()["error"]["message"] == "Injected fault."
    applied(faults, tenant.id, policy)


def test_timeout_after_the_write_was_applied(
    full_graph: httpx.Client, faults: SimulatorClient, tenant: SimTenant
) -> None:
    policy = _policy(full_graph)
    faults.lose_responses(f"{POLICIES}/{policy}", "PUT", latency_ms=1500)
    try:
        with pytest.raises(httpx.ReadTimeout):
            full_graph.put(f"{POLICIES}/{policy}", json={**POLICY, "settings": [_setting(45)]}, timeout=0.3)
    finally:
        faults.clear_faults()
    _settings_put(faults, tenant.id, policy)


def test_only_the_counted_writes_lose_their_answer(
    full_graph: httpx.Client, faults: SimulatorClient, tenant: SimTenant
) -> None:
    policy = _policy(full_graph)
    faults.lose_responses(f"{POLICIES}/{policy}", "PATCH", count=1, status=503)
    try:
        first = full_graph.patch(f"{POLICIES}/{policy}", json={"description": "one"})
        second = full_graph.patch(f"{POLICIES}/{policy}", json={"description": "two"})
        read = full_graph.get(f"{POLICIES}/{policy}")
    finally:
        faults.clear_faults()
    assert (first.status_code, second.status_code, read.status_code) == (503, 200, 200)
    assert read.json()["description"] == "two"
