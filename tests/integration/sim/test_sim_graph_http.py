"""Graph behaviour over plain HTTP: permissions, CRUD contracts, paging, $batch, drift and faults."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jwt
import pytest

from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import GRAPH_DEFAULT, SimTenant, app_token

pytestmark = pytest.mark.integration

CA = "/v1.0/identity/conditionalAccess/policies"
NAMED = "/v1.0/identity/conditionalAccess/namedLocations"
DEVICE_CONFIGS = "/v1.0/deviceManagement/deviceConfigurations"
COMPLIANCE = "/v1.0/deviceManagement/deviceCompliancePolicies"
SETTINGS_CATALOG = "/beta/deviceManagement/configurationPolicies"

CA_POLICY = {
    "displayName": "Access to EXO requires MFA",
    "state": "enabled",
    "conditions": {
        "clientAppTypes": ["mobileAppsAndDesktopClients", "browser"],
        "applications": {"includeApplications": ["00000002-0000-0ff1-ce00-000000000000"]},
        "users": {"includeGroups": ["ba8e7ded-8b0f-4836-ba06-8ff1ecc5c8ba"]},
        "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
    },
    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
}
COMPLIANCE_POLICY = {
    "@odata.type": "#microsoft.graph.windows10CompliancePolicy",
    "displayName": "Windows 10 compliance",
    "passwordRequired": True,
    "scheduledActionsForRule": [
        {
            "ruleName": "PasswordRequired",
            "scheduledActionConfigurations": [{"actionType": "block", "gracePeriodHours": 0}],
        }
    ],
}


@pytest.fixture
def graph(http: httpx.Client, tenant: SimTenant) -> httpx.Client:
    http.headers["Authorization"] = f"Bearer {app_token(http, tenant)}"
    return http


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}
    return error


def test_missing_and_invalid_tokens_are_401(http: httpx.Client, tenant: SimTenant) -> None:
    assert _error(http.get(CA))["code"] == "InvalidAuthenticationToken"
    forged = jwt.encode({"tid": tenant.id, "aud": "https://graph.microsoft.com"}, "k" * 32, algorithm="HS256")
    response = http.get(CA, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_expired_token_is_401(http: httpx.Client, sim: SimulatorClient, tenant: SimTenant) -> None:
    sim.update_settings(tenant.id, accessTokenLifetimeSeconds=1)
    token = app_token(http, tenant)
    time.sleep(2.1)
    response = http.get(CA, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in _error(response)["message"]


def test_token_for_another_audience_is_401(http: httpx.Client, tenant: SimTenant) -> None:
    token = app_token(http, tenant, scope="74658136-14ec-4630-ad9b-26e160ff0fc6/.default")
    response = http.get(CA, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "audience" in _error(response)["message"]


def test_forbidden_bodies_name_the_permissions(
    http: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    sim.revoke_permission(tenant.id, tenant.client_id, "Policy.ReadWrite.ConditionalAccess")
    sim.revoke_permission(tenant.id, tenant.client_id, "DeviceManagementConfiguration.ReadWrite.All")
    http.headers["Authorization"] = f"Bearer {app_token(http, tenant)}"
    assert http.get(CA).status_code == 200
    write = http.post(CA, json=CA_POLICY)
    assert write.status_code == 403
    error = _error(write)
    assert error["code"] == "AccessDenied"
    assert "Policy.Read.All+Policy.ReadWrite.ConditionalAccess" in error["message"]
    intune = http.get(DEVICE_CONFIGS)
    assert intune.status_code == 403
    inner = json.loads(_error(intune)["message"])
    assert (
        "DeviceManagementConfiguration.Read.All, DeviceManagementConfiguration.ReadWrite.All"
        in inner["Message"]
    )


def test_consent_granted_later_takes_effect_on_next_token(
    http: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    sim.revoke_consent(tenant.id, tenant.client_id)
    assert http.get(CA, headers={"Authorization": f"Bearer {app_token(http, tenant)}"}).status_code == 403
    page = http.get(f"/{tenant.id}/adminconsent", params={"client_id": tenant.client_id})
    assert "Policy.Read.All" in page.text
    accepted = http.post(
        f"/{tenant.id}/v2.0/adminconsent",
        params={"client_id": tenant.client_id},
        data={
            "username": tenant.admin_upn,
            "password": "Correct-Horse-9",
            "redirect_uri": "https://app.example/cb",
            "state": "s1",
        },
    )
    assert accepted.status_code == 302
    assert (
        accepted.headers["Location"]
        == f"https://app.example/cb?admin_consent=True&tenant={tenant.id}&state=s1"
    )
    assert http.get(CA, headers={"Authorization": f"Bearer {app_token(http, tenant)}"}).status_code == 200


def test_conditional_access_crud(graph: httpx.Client) -> None:
    created = graph.post(CA, json={**CA_POLICY, "id": "ignored", "createdDateTime": "2000-01-01T00:00:00Z"})
    assert created.status_code == 201
    policy = created.json()
    assert policy["id"] != "ignored" and policy["createdDateTime"] != "2000-01-01T00:00:00Z"
    assert policy["modifiedDateTime"] is None
    assert created.headers["Location"].endswith(f"{CA}/{policy['id']}")
    assert graph.patch(f"{CA}/{policy['id']}", json={"state": "disabled"}).status_code == 204
    fetched = graph.get(f"{CA}/{policy['id']}").json()
    assert fetched["state"] == "disabled" and fetched["modifiedDateTime"]
    assert graph.delete(f"{CA}/{policy['id']}").status_code == 204
    assert graph.get(f"{CA}/{policy['id']}").status_code == 404


def test_named_location_needs_odata_type(graph: httpx.Client) -> None:
    body = {"displayName": "HQ", "isTrusted": True, "ipRanges": [{"cidrAddress": "203.0.113.0/24"}]}
    assert graph.post(NAMED, json=body).status_code == 400
    created = graph.post(NAMED, json={"@odata.type": "#microsoft.graph.ipNamedLocation", **body})
    assert created.status_code == 201
    assert created.json()["@odata.type"] == "#microsoft.graph.ipNamedLocation"


def test_paging_top_filter_select(graph: httpx.Client, sim: SimulatorClient, tenant: SimTenant) -> None:
    for index in range(23):
        sim.create_object(
            tenant.id, "conditionalAccessPolicies", {**CA_POLICY, "displayName": f"P{index:02d}"}
        )
    names: list[str] = []
    url: str | None = f"{CA}?$top=5&$select=displayName"
    pages = 0
    while url:
        body = graph.get(url).json()
        pages += 1
        names += [item["displayName"] for item in body["value"]]
        assert all(set(item) <= {"id", "displayName"} for item in body["value"])
        url = body.get("@odata.nextLink")
        if url:
            assert url.startswith(tenant.url + "/v1.0/")
    assert pages == 5 and len(names) == 23 and len(set(names)) == 23
    filtered = graph.get(CA, params={"$filter": "startswith(displayName,'P1') and state eq 'enabled'"}).json()
    assert sorted(i["displayName"] for i in filtered["value"]) == [f"P1{i}" for i in range(10)]
    assert graph.get(CA, params={"$filter": "displayName has 'x'"}).status_code == 400


def test_compliance_policy_requires_block_action(graph: httpx.Client) -> None:
    without = {k: v for k, v in COMPLIANCE_POLICY.items() if k != "scheduledActionsForRule"}
    refused = graph.post(COMPLIANCE, json=without)
    assert refused.status_code == 400
    assert "block" in json.loads(_error(refused)["message"])["Message"]
    assert (
        graph.post(
            COMPLIANCE, json={k: v for k, v in COMPLIANCE_POLICY.items() if k != "@odata.type"}
        ).status_code
        == 400
    )
    created = graph.post(COMPLIANCE, json=COMPLIANCE_POLICY)
    assert created.status_code == 201
    assert created.json()["version"] == 1


def test_intune_assignments_assign_and_expand(
    graph: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    group = sim.create_group(tenant.id, "Pilot")["id"]
    policy = graph.post(COMPLIANCE, json=COMPLIANCE_POLICY).json()
    target = {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}
    assigned = graph.post(f"{COMPLIANCE}/{policy['id']}/assign", json={"assignments": [{"target": target}]})
    assert assigned.status_code == 200
    assert assigned.json()["value"][0]["id"] == f"{policy['id']}_{group}"
    listed = graph.get(f"{COMPLIANCE}/{policy['id']}/assignments").json()["value"]
    assert [a["target"]["groupId"] for a in listed] == [group]
    plain = graph.get(f"{COMPLIANCE}/{policy['id']}").json()
    assert "assignments" not in plain
    expanded = graph.get(f"{COMPLIANCE}/{policy['id']}", params={"$expand": "assignments"}).json()
    assert expanded["assignments"][0]["target"]["groupId"] == group
    patched = graph.patch(
        f"{COMPLIANCE}/{policy['id']}",
        json={"@odata.type": COMPLIANCE_POLICY["@odata.type"], "passwordRequired": False},
    )
    assert patched.status_code == 200 and patched.json()["version"] == 3


def test_settings_catalog_is_beta_only_with_settings(graph: httpx.Client) -> None:
    setting = {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": "device_vendor_msft_policy_config_defender_allowrealtimemonitoring",
            "choiceSettingValue": {
                "value": "device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1"
            },
        },
    }
    body = {"name": "Defender", "platforms": "windows10", "technologies": "mdm", "settings": [setting]}
    assert graph.post(SETTINGS_CATALOG.replace("/beta/", "/v1.0/"), json=body).status_code == 400
    created = graph.post(SETTINGS_CATALOG, json=body).json()
    assert created["settingCount"] == 1 and "settings" not in created
    settings = graph.get(f"{SETTINGS_CATALOG}/{created['id']}/settings").json()["value"]
    assert settings[0]["settingInstance"]["settingDefinitionId"].endswith("allowrealtimemonitoring")
    replaced = graph.put(f"{SETTINGS_CATALOG}/{created['id']}", json={**body, "settings": [setting, setting]})
    assert replaced.status_code == 204
    expanded = graph.get(f"{SETTINGS_CATALOG}/{created['id']}", params={"$expand": "settings"}).json()
    assert len(expanded["settings"]) == 2 and expanded["settingCount"] == 2


def test_singletons_get_and_patch(graph: httpx.Client, sim: SimulatorClient, tenant: SimTenant) -> None:
    path = "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy"
    assert graph.patch(path, json={"isEnabled": True}).status_code == 204
    assert graph.get(path).json()["isEnabled"] is True
    assert sim.objects(tenant.id, "securityDefaults")["isEnabled"] is True
    assert graph.get("/v1.0/policies/crossTenantAccessPolicy/default").status_code == 200


def test_application_secret_expiry_is_readable(
    graph: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    expected = sim.app(tenant.id, tenant.client_id)["secrets"][0]["endDateTime"]
    body = graph.get(
        f"/v1.0/applications(appId='{tenant.client_id}')", params={"$select": "passwordCredentials"}
    ).json()
    [credential] = body["passwordCredentials"]
    assert credential["endDateTime"].replace("Z", "+00:00")[:19] == expected[:19]
    assert credential["secretText"] is None and "displayName" not in body


def test_batch_dependencies_and_limits(graph: httpx.Client) -> None:
    requests = [
        {"id": "1", "method": "GET", "url": "/identity/conditionalAccess/policies/does-not-exist"},
        {"id": "2", "method": "GET", "url": "/identity/conditionalAccess/policies", "dependsOn": ["1"]},
        {
            "id": "3",
            "method": "POST",
            "url": "/identity/conditionalAccess/policies",
            "body": CA_POLICY,
            "headers": {"Content-Type": "application/json"},
        },
        {
            "id": "4",
            "method": "GET",
            "url": "/deviceManagement/deviceConfigurations?$top=1",
            "dependsOn": ["3"],
        },
    ]
    response = graph.post("/v1.0/$batch", json={"requests": requests})
    assert response.status_code == 200
    statuses = {r["id"]: r["status"] for r in response.json()["responses"]}
    assert statuses == {"1": 404, "2": 424, "3": 201, "4": 200}
    too_many = [{"id": str(i), "method": "GET", "url": "/groups"} for i in range(21)]
    assert graph.post("/v1.0/$batch", json={"requests": too_many}).status_code == 400


def test_drift_is_visible_and_bumps_version(
    graph: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    created = graph.post(
        DEVICE_CONFIGS,
        json={
            "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
            "displayName": "W",
            "cameraBlocked": False,
        },
    ).json()
    sim.drift(tenant.id, "deviceConfigurations", {"cameraBlocked": True}, created["id"])
    fetched = graph.get(f"{DEVICE_CONFIGS}/{created['id']}").json()
    assert fetched["cameraBlocked"] is True and fetched["version"] == 2
    sim.delete_object(tenant.id, "deviceConfigurations", created["id"])
    assert graph.get(f"{DEVICE_CONFIGS}/{created['id']}").status_code == 404


def test_conditional_access_throttles_without_retry_after(
    graph: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    sim.set_throttling(
        tenant.id,
        services={
            "identity": {
                "tenantCapacity": 100,
                "tenantRefillPerSecond": 100,
                "appCapacity": 3,
                "appRefillPerSecond": 0.5,
            }
        },
    )
    statuses = [graph.get(CA).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    throttled = graph.get(CA)
    assert "Retry-After" not in throttled.headers
    assert sim.counters(tenant.id)["throttled"] >= 3


def test_intune_retry_after_ignored_vs_honoured(
    graph: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    sim.set_throttling(
        tenant.id,
        services={
            "intune": {
                "tenantCapacity": 100,
                "tenantRefillPerSecond": 100,
                "appCapacity": 2,
                "appRefillPerSecond": 2,
            }
        },
    )
    impatient = [graph.get(DEVICE_CONFIGS) for _ in range(6)]
    throttled = [r for r in impatient if r.status_code == 429]
    assert len(throttled) >= 3
    assert all(int(r.headers["Retry-After"]) >= 1 for r in throttled)
    time.sleep(1.5)
    completed = 0
    started = time.monotonic()
    while completed < 6 and time.monotonic() - started < 20:
        response = graph.get(DEVICE_CONFIGS)
        if response.status_code == 429:
            time.sleep(int(response.headers["Retry-After"]))
            continue
        assert response.status_code == 200
        completed += 1
    assert completed == 6


def test_injected_faults_then_recovery_and_request_log(
    graph: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    sim.clear_requests(tenant.id)
    sim.add_fault("/v1.0/groups", status=503, count=2, retry_after_seconds=1)
    try:
        responses = [graph.get("/v1.0/groups") for _ in range(3)]
        [rule] = sim.faults()
    finally:
        sim.clear_faults()
    assert [r.status_code for r in responses] == [503, 503, 200]
    assert responses[0].headers["Retry-After"] == "1"
    assert _error(responses[0])["code"] == "ServiceUnavailable"
    assert rule["count"] == 0
    log = sim.requests(tenant.id)
    assert [entry["status"] for entry in log if entry["path"] == "/v1.0/groups"] == [503, 503, 200]
    assert all(entry["appId"] == tenant.client_id for entry in log)


def test_latency_injection(graph: httpx.Client, sim: SimulatorClient) -> None:
    sim.add_fault("/v1.0/groups", latency_ms=300)
    try:
        started = time.monotonic()
        assert graph.get("/v1.0/groups").status_code == 200
        assert time.monotonic() - started >= 0.3
    finally:
        sim.clear_faults()


def test_admin_api_refuses_app_only_and_accepts_delegated(
    http: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    path = "/api/B2B/b2bPolicy"
    app_only = app_token(http, tenant, scope="74658136-14ec-4630-ad9b-26e160ff0fc6/.default")
    assert http.get(path, headers={"Authorization": f"Bearer {app_only}"}).status_code == 403
    graph_token = app_token(http, tenant, scope=GRAPH_DEFAULT)
    assert http.get(path, headers={"Authorization": f"Bearer {graph_token}"}).status_code == 401
    flow = http.post(
        f"/{tenant.id}/oauth2/v2.0/devicecode",
        data={
            "client_id": tenant.public_client_id,
            "scope": "74658136-14ec-4630-ad9b-26e160ff0fc6/user_impersonation offline_access",
        },
    ).json()
    sim.sign_in(flow["user_code"], tenant.admin_upn)
    token = http.post(
        f"/{tenant.id}/oauth2/v2.0/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "client_id": tenant.public_client_id,
            "device_code": flow["device_code"],
        },
    ).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert (
        http.put(
            path, headers=headers, json={"targetedDomains": ["fabrikam.com"], "isAllowlist": True}
        ).status_code
        == 200
    )
    assert http.get(path, headers=headers).json()["targetedDomains"] == ["fabrikam.com"]
    assert sim.objects(tenant.id, "b2bPolicy")["isAllowlist"] is True


def test_state_save_and_load_round_trip(
    graph: httpx.Client, sim: SimulatorClient, tenant: SimTenant, tmp_path: Any
) -> None:
    created = graph.post(CA, json=CA_POLICY).json()
    saved = sim.save_state(tmp_path / "state.json")
    graph.delete(f"{CA}/{created['id']}")
    assert tenant.id in sim.load_state(saved)
    assert graph.get(f"{CA}/{created['id']}").json()["displayName"] == CA_POLICY["displayName"]
