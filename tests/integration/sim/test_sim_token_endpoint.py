"""The token and device authorization endpoints over raw HTTP: every polling answer and grant error."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import GRAPH_DEFAULT, PASSWORD, SimTenant

pytestmark = pytest.mark.integration

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _start(http: httpx.Client, tenant: SimTenant) -> dict[str, Any]:
    response = http.post(
        f"/{tenant.id}/oauth2/v2.0/devicecode",
        data={
            "client_id": tenant.public_client_id,
            "scope": "https://graph.microsoft.com/Policy.Read.All offline_access",
        },
    )
    assert response.status_code == 200
    flow: dict[str, Any] = response.json()
    return flow


def _poll(http: httpx.Client, tenant: SimTenant, device_code: str) -> httpx.Response:
    return http.post(
        f"/{tenant.id}/oauth2/v2.0/token",
        data={"grant_type": DEVICE_GRANT, "client_id": tenant.public_client_id, "device_code": device_code},
    )


def _error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    return response.status_code, body["error"]


def test_device_flow_polling_answers(http: httpx.Client, sim: SimulatorClient, tenant: SimTenant) -> None:
    flow = _start(http, tenant)
    assert flow["interval"] == 1 and flow["expires_in"] == 900
    assert "enter the code" in flow["message"]
    assert _error(_poll(http, tenant, flow["device_code"])) == (400, "authorization_pending")
    assert _error(_poll(http, tenant, flow["device_code"])) == (400, "slow_down")
    assert [c["userCode"] for c in sim.pending_device_codes(tenant.id)] == [flow["user_code"]]
    time.sleep(1)
    page = http.post(
        "/devicelogin", data={"user_code": flow["user_code"], "username": tenant.admin_upn, "password": "bad"}
    )
    assert page.status_code == 400 and "AADSTS50126" in page.text
    page = http.post(
        "/devicelogin",
        data={"user_code": flow["user_code"], "username": tenant.admin_upn, "password": PASSWORD},
    )
    assert page.status_code == 200 and 'data-status="approved"' in page.text
    token = _poll(http, tenant, flow["device_code"])
    assert token.status_code == 200
    body = token.json()
    assert body["refresh_token"] and body["scope"].startswith("https://graph.microsoft.com/Policy.Read.All")
    assert _poll(http, tenant, flow["device_code"]).status_code == 400


def test_declined_expired_and_bad_codes(http: httpx.Client, sim: SimulatorClient, tenant: SimTenant) -> None:
    declined = _start(http, tenant)
    sim.sign_in(declined["user_code"], decline=True)
    assert _error(_poll(http, tenant, declined["device_code"])) == (400, "authorization_declined")
    assert _error(_poll(http, tenant, "not-a-device-code")) == (400, "bad_verification_code")
    sim.update_settings(tenant.id, deviceCodeLifetimeSeconds=1)
    expiring = _start(http, tenant)
    time.sleep(1.2)
    assert _error(_poll(http, tenant, expiring["device_code"])) == (400, "expired_token")
    page = http.post(
        "/devicelogin", data={"user_code": "NOSUCHCODE", "username": tenant.admin_upn, "password": PASSWORD}
    )
    assert page.status_code == 400


def _client_credentials(http: httpx.Client, tenant_name: str, **form: str) -> httpx.Response:
    return http.post(f"/{tenant_name}/oauth2/v2.0/token", data={"grant_type": "client_credentials", **form})


def test_grant_errors(http: httpx.Client, tenant: SimTenant) -> None:
    base = {"client_id": tenant.client_id, "client_secret": tenant.secret}
    unknown = _client_credentials(http, "unknown.example", scope=GRAPH_DEFAULT, **base)
    assert (unknown.status_code, unknown.json()["error_codes"]) == (400, [90002])
    named = _client_credentials(
        http, tenant.domain, scope="https://graph.microsoft.com/Policy.Read.All", **base
    )
    assert (named.status_code, named.json()["error"]) == (400, "invalid_scope")
    no_secret = _client_credentials(http, tenant.id, scope=GRAPH_DEFAULT, client_id=tenant.client_id)
    assert (no_secret.status_code, no_secret.json()["error_codes"]) == (401, [7000218])
    public = _client_credentials(http, tenant.id, scope=GRAPH_DEFAULT, client_id=tenant.public_client_id)
    assert public.json()["error_codes"] == [7000218]
    password = http.post(f"/{tenant.id}/oauth2/v2.0/token", data={"grant_type": "password", **base})
    assert password.json()["error"] == "unsupported_grant_type"
    refresh = http.post(
        f"/{tenant.id}/oauth2/v2.0/token",
        data={
            "grant_type": "refresh_token",
            "client_id": tenant.public_client_id,
            "refresh_token": "0.Abogus",
        },
    )
    assert refresh.json()["error_codes"] == [9002313]
    correlated = _client_credentials(
        http, tenant.id, scope=GRAPH_DEFAULT, client_id=tenant.client_id, client_secret="nope"
    )
    assert correlated.json()["correlation_id"] != ""


def test_correlation_id_is_echoed(http: httpx.Client, tenant: SimTenant) -> None:
    response = http.post(
        f"/{tenant.id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": tenant.client_id,
            "client_secret": "x",
            "scope": GRAPH_DEFAULT,
        },
        headers={"client-request-id": "11111111-2222-3333-4444-555555555555"},
    )
    body = response.json()
    assert body["correlation_id"] == "11111111-2222-3333-4444-555555555555"
    assert "Correlation ID: 11111111-2222-3333-4444-555555555555" in body["error_description"]


def test_injected_fault_on_the_token_endpoint_is_entra_shaped(
    http: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    sim.clear_requests(tenant.id)
    sim.add_fault(f"/{tenant.id}/oauth2/v2.0/token", status=503, count=1)
    try:
        failed = _client_credentials(
            http, tenant.id, scope=GRAPH_DEFAULT, client_id=tenant.client_id, client_secret=tenant.secret
        )
        recovered = _client_credentials(
            http, tenant.id, scope=GRAPH_DEFAULT, client_id=tenant.client_id, client_secret=tenant.secret
        )
    finally:
        sim.clear_faults()
    assert failed.status_code == 503
    assert failed.json()["error"] == "temporarily_unavailable"
    assert failed.json()["error_description"].startswith("AADSTS90033: ")
    assert recovered.status_code == 200
    assert [entry["status"] for entry in sim.requests(tenant.id)] == [503, 200]
