"""The command line: ready line, demo seed explorable with its documented credentials, reuse of state."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from tenantsync_sim.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID
from tests.integration.sim.simtest_support import GRAPH_DEFAULT, start_simulator, stop_simulator

pytestmark = pytest.mark.integration


def _demo_token(client: httpx.Client) -> str:
    response = client.post(
        "/contoso.onmicrosoft.com/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "scope": GRAPH_DEFAULT,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_demo_tenant_with_documented_credentials(tmp_path: Path) -> None:
    process, endpoint = start_simulator(
        tmp_path, "--seed", "demo", "--state-file", str(tmp_path / "state.json")
    )
    try:
        context = ssl.create_default_context(cafile=endpoint.ca)
        with httpx.Client(base_url=endpoint.url, verify=context) as client:
            headers = {"Authorization": f"Bearer {_demo_token(client)}"}
            policies = client.get("/v1.0/identity/conditionalAccess/policies", headers=headers).json()
            assert len(policies["value"]) == 40
            configs = client.get(
                "/beta/deviceManagement/deviceConfigurations?$top=999", headers=headers
            ).json()
            assert len(configs["value"]) == 120
            org = client.get("/v1.0/organization", headers=headers).json()["value"][0]
            assert org["id"] == DEMO_TENANT_ID
            client.patch(
                "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
                headers=headers,
                json={"isEnabled": True},
            )
    finally:
        stop_simulator(process)
    ca_before = Path(endpoint.ca).read_bytes()
    process, endpoint = start_simulator(
        tmp_path, "--seed", "empty", "--state-file", str(tmp_path / "state.json")
    )
    try:
        assert Path(endpoint.ca).read_bytes() == ca_before
        with httpx.Client(
            base_url=endpoint.url, verify=ssl.create_default_context(cafile=endpoint.ca)
        ) as client:
            headers = {"Authorization": f"Bearer {_demo_token(client)}"}
            defaults = client.get("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", headers=headers)
            assert defaults.json()["isEnabled"] is True
    finally:
        stop_simulator(process)


def test_empty_seed_has_no_tenants(tmp_path: Path) -> None:
    process, endpoint = start_simulator(tmp_path, "--seed", "empty")
    try:
        with httpx.Client(
            base_url=endpoint.url, verify=ssl.create_default_context(cafile=endpoint.ca)
        ) as client:
            assert client.get("/_sim/tenants").json() == []
            discovery = client.get("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
            assert discovery.status_code == 400 and discovery.json()["error_codes"] == [90002]
    finally:
        stop_simulator(process)
