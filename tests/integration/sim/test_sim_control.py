"""The control API through its Python client: arranging tenants and reading them back."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tenantsync_sim.client import SimulatorClient, SimulatorError
from tests.integration.sim.simtest_support import GRAPH_DEFAULT, SimTenant, app_token

pytestmark = pytest.mark.integration


def test_unknown_things_are_404_and_duplicates_409(sim: SimulatorClient, tenant: SimTenant) -> None:
    with pytest.raises(SimulatorError) as raised:
        sim.tenant("no-such-tenant")
    assert raised.value.status == 404
    with pytest.raises(SimulatorError) as raised:
        sim.objects(tenant.id, "notAKind")
    assert raised.value.status == 404 and "conditionalAccessPolicies" in raised.value.message
    with pytest.raises(SimulatorError) as raised:
        sim.create_tenant(tenant.id, ["other.example"])
    assert raised.value.status == 409
    with pytest.raises(SimulatorError) as raised:
        sim.sign_in("NOSUCHCODE")
    assert raised.value.status == 400


def test_tenant_is_found_by_domain_and_holds_its_apps(sim: SimulatorClient, tenant: SimTenant) -> None:
    found = sim.tenant(tenant.domain)
    assert found["id"] == tenant.id
    assert set(found["apps"]) == {tenant.client_id, tenant.public_client_id}
    assert found["apps"][tenant.client_id]["grantedApplicationPermissions"]


def test_secret_with_chosen_expiry_shows_in_graph(
    http: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    expiry = dt.datetime(2031, 5, 17, 12, 0, tzinfo=dt.UTC)
    added = sim.add_secret(tenant.id, tenant.client_id, "chosen-secret", expires=expiry)
    assert added["secretText"] == "chosen-secret"
    token = app_token(http, tenant, GRAPH_DEFAULT)
    credentials = http.get(
        f"/v1.0/applications(appId='{tenant.client_id}')",
        params={"$select": "passwordCredentials"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["passwordCredentials"]
    assert "2031-05-17T12:00:00Z" in [c["endDateTime"] for c in credentials]
    assert {c["hint"] for c in credentials} >= {"cho"}


def test_replace_singleton_and_object_and_delete_user(sim: SimulatorClient, tenant: SimTenant) -> None:
    sim.replace_object(tenant.id, "passwordResetPolicy", {"enablementType": 1})
    assert sim.objects(tenant.id, "passwordResetPolicy") == {"enablementType": 1}
    created = sim.create_group(tenant.id, "Pilot")
    sim.replace_object(tenant.id, "groups", {"displayName": "Renamed"}, created["id"])
    assert sim.object(tenant.id, "groups", created["id"]) == {"displayName": "Renamed", "id": created["id"]}
    user = sim.create_user(tenant.id, f"temp@{tenant.domain}", "pw")
    sim.update_user(tenant.id, user["id"], mfaRequired=True)
    assert sim.tenant(tenant.id)["users"][user["id"]]["mfaRequired"] is True
    sim.delete_user(tenant.id, user["userPrincipalName"])
    assert user["id"] not in sim.tenant(tenant.id)["users"]


def test_throttling_settings_round_trip(sim: SimulatorClient, tenant: SimTenant) -> None:
    assert sim.throttling(tenant.id)["enabled"] is True
    changed = sim.set_throttling(
        tenant.id,
        services={
            "intune": {
                "tenantCapacity": 5,
                "tenantRefillPerSecond": 1,
                "appCapacity": 5,
                "appRefillPerSecond": 1,
            }
        },
    )
    assert changed["services"]["intune"]["appCapacity"] == 5
    assert changed["services"]["identity"]["appCapacity"] == 3000
    assert sim.set_throttling(tenant.id, enabled=False)["enabled"] is False
