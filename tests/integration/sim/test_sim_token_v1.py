"""The identity platform's v1 endpoints over plain httpx, as ADAL-era tools call them."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import SimTenant

pytestmark = pytest.mark.integration

GRAPH = "https://graph.microsoft.com"


def _client_credentials(http: httpx.Client, tenant: SimTenant, **fields: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": tenant.client_id, "client_secret": tenant.secret}
    return http.post(f"/{tenant.id}/oauth2/token", data={**form, **fields})


def test_client_credentials_by_resource_answer_like_v1(http: httpx.Client, tenant: SimTenant) -> None:
    before = int(time.time())
    response = _client_credentials(http, tenant, resource=GRAPH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "token_type",
        "expires_in",
        "ext_expires_in",
        "expires_on",
        "not_before",
        "resource",
        "access_token",
    }
    assert body["resource"] == GRAPH and body["expires_in"] == "3599"
    assert before <= int(body["not_before"]) <= int(body["expires_on"]) - 3599 <= int(time.time())
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["tid"] == tenant.id and "Policy.Read.All" in claims["roles"]
    graph = http.get(
        "/v1.0/identity/conditionalAccess/policies",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert graph.status_code == 200


def test_v1_wants_resource_not_scope(http: httpx.Client, tenant: SimTenant) -> None:
    response = _client_credentials(http, tenant, scope=f"{GRAPH}/.default")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["error_codes"] == [900144]
    assert "'resource'" in body["error_description"]


def test_v1_errors_are_entras(http: httpx.Client, tenant: SimTenant) -> None:
    unknown = _client_credentials(http, tenant, resource="https://unknown.example.com")
    assert (unknown.status_code, unknown.json()["error"], unknown.json()["error_codes"]) == (
        400,
        "invalid_resource",
        [500011],
    )
    wrong_secret = _client_credentials(http, tenant, resource=GRAPH, client_secret="wrong")
    assert (wrong_secret.status_code, wrong_secret.json()["error"]) == (401, "invalid_client")
    assert wrong_secret.json()["error_codes"] == [7000215]
    grant = _client_credentials(http, tenant, resource=GRAPH, grant_type="password")
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")


def test_device_code_flow_with_code_and_refresh_by_resource(
    http: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    started = http.post(
        f"/{tenant.id}/oauth2/devicecode", data={"client_id": tenant.public_client_id, "resource": GRAPH}
    )
    assert started.status_code == 200, started.text
    flow = started.json()
    assert flow["verification_url"].endswith("/devicelogin") and "verification_uri" not in flow
    assert (flow["expires_in"], flow["interval"]) == ("900", "1")
    poll = {"grant_type": "device_code", "client_id": tenant.public_client_id, "resource": GRAPH}
    pending = http.post(f"/{tenant.id}/oauth2/token", data={**poll, "code": flow["device_code"]})
    assert (pending.status_code, pending.json()["error"]) == (400, "authorization_pending")
    sim.sign_in(flow["user_code"], tenant.admin_upn)
    time.sleep(1)
    done = http.post(f"/{tenant.id}/oauth2/token", data={**poll, "code": flow["device_code"]})
    assert done.status_code == 200, done.text
    tokens = done.json()
    assert tokens["resource"] == GRAPH and tokens["scope"] == "Policy.Read.All"
    assert tokens["refresh_token"] and tokens["id_token"]
    refreshed = http.post(
        f"/{tenant.id}/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": tenant.public_client_id,
            "refresh_token": tokens["refresh_token"],
            "resource": GRAPH,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    claims = jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})
    assert claims["upn"] == tenant.admin_upn and claims["scp"] == "Policy.Read.All"


def test_device_code_without_resource_is_refused(http: httpx.Client, tenant: SimTenant) -> None:
    response = http.post(
        f"/{tenant.id}/oauth2/devicecode",
        data={"client_id": tenant.public_client_id, "scope": f"{GRAPH}/.default"},
    )
    assert response.status_code == 400
    assert response.json()["error_codes"] == [900144]


def test_device_code_redeemed_without_resource_gets_the_codes_resource(
    http: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    """IntuneCD's Entra backup polls with the URN grant type, the code in ``code`` and no resource."""
    flow = http.post(
        f"/{tenant.id}/oauth2/devicecode", data={"client_id": tenant.public_client_id, "resource": GRAPH}
    ).json()
    poll = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "client_id": tenant.public_client_id,
        "code": flow["device_code"],
    }
    pending = http.post(f"/{tenant.id}/oauth2/token", data=poll)
    assert (pending.status_code, pending.json()["error"]) == (400, "authorization_pending")
    sim.sign_in(flow["user_code"], tenant.admin_upn)
    time.sleep(1)
    done = http.post(f"/{tenant.id}/oauth2/token", data=poll)
    assert done.status_code == 200, done.text
    assert done.json()["resource"] == GRAPH
    unknown = http.post(f"/{tenant.id}/oauth2/token", data={**poll, "code": "no-such-code"})
    assert unknown.status_code == 400 and unknown.json()["error_codes"] == [900144]
