"""The Graph reads backup tools make beyond plain listings, over HTTP against the demo tenant."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.conftest import ALL_PERMISSIONS
from tests.integration.sim.simtest_support import GRAPH_DEFAULT

DEMO = "3f2b9c4e-5a6d-4e7f-8a9b-0c1d2e3f4a5b"
BETA = "/beta/deviceManagement"
READ_ONLY = ["DeviceManagementConfiguration.Read.All", "DeviceManagementApps.Read.All"]


def _token(http: httpx.Client, sim: SimulatorClient, permissions: list[str]) -> str:
    client_id, secret = str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    sim.create_app(DEMO, client_id, application_permissions=permissions, secret=secret)
    response = http.post(
        f"/{DEMO}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": GRAPH_DEFAULT,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def demo(http: httpx.Client, sim: SimulatorClient) -> httpx.Client:
    http.headers["Authorization"] = f"Bearer {_token(http, sim, ALL_PERMISSIONS)}"
    return http


def test_managed_app_policies_list_every_app_protection_and_app_configuration(demo: httpx.Client) -> None:
    listed = demo.get("/beta/deviceAppManagement/managedAppPolicies").json()["value"]
    kinds = sorted({item["@odata.type"].rsplit(".", 1)[-1] for item in listed})
    assert kinds == [
        "androidManagedAppProtection",
        "iosManagedAppProtection",
        "targetedManagedAppConfiguration",
        "windowsManagedAppProtection",
    ]
    assert len(listed) == 10 and all("apps" not in item for item in listed)
    one = demo.get(f"/beta/deviceAppManagement/managedAppPolicies/{listed[0]['id']}")
    assert one.status_code == 200 and one.json()["id"] == listed[0]["id"]
    assert demo.post("/beta/deviceAppManagement/managedAppPolicies", json={}).status_code == 405


def test_encrypted_oma_value_needs_read_write(
    demo: httpx.Client, http: httpx.Client, sim: SimulatorClient
) -> None:
    configurations = demo.get(f"{BETA}/deviceConfigurations", params={"$top": "999"}).json()["value"]
    owner, setting = next(
        (c, s) for c in configurations for s in c.get("omaSettings") or [] if s.get("isEncrypted")
    )
    assert setting["value"] == "****"
    path = f"{BETA}/deviceConfigurations/{owner['id']}/getOmaSettingPlainTextValue(secretReferenceValueId='{setting['secretReferenceValueId']}')"
    revealed = demo.get(path)
    assert revealed.status_code == 200
    assert revealed.json()["value"] not in (None, "****")
    assert revealed.json()["@odata.context"].endswith("$metadata#Edm.String")
    unknown = demo.get(path.replace(setting["secretReferenceValueId"], str(uuid.uuid4())))
    assert unknown.status_code == 404
    reader = _token(http, sim, READ_ONLY)
    assert demo.get(path, headers={"Authorization": f"Bearer {reader}"}).status_code == 403


def test_role_definition_lists_the_assignments_that_name_it(demo: httpx.Client) -> None:
    definitions = demo.get(f"{BETA}/roleDefinitions", params={"$filter": "isBuiltIn eq false"}).json()[
        "value"
    ]
    assignments = demo.get(f"{BETA}/roleAssignments").json()["value"]
    for definition in definitions:
        named = demo.get(f"{BETA}/roleDefinitions/{definition['id']}/roleAssignments").json()
        expected = [
            a["id"]
            for a in assignments
            if demo.get(f"{BETA}/roleAssignments/{a['id']}", params={"$expand": "roleDefinition"}).json()[
                "roleDefinition"
            ]["id"]
            == definition["id"]
        ]
        assert [a["id"] for a in named["value"]] == expected and expected
        assert f"roleDefinitions('{definition['id']}')/roleAssignments" in named["@odata.context"]


def test_expanded_collections_carry_their_context(demo: httpx.Client) -> None:
    scripts = demo.get(f"{BETA}/deviceShellScripts", params={"$expand": "assignments"}).json()["value"]
    for script in scripts:
        keys = list(script)
        context = script["assignments@odata.context"]
        assert keys.index("assignments@odata.context") == keys.index("assignments") - 1
        assert context.endswith(f"deviceManagement/deviceShellScripts('{script['id']}')/assignments")
    plain = demo.get(f"{BETA}/deviceShellScripts").json()["value"]
    assert all("assignments@odata.context" not in script for script in plain)


def test_select_is_case_insensitive_and_doubled_question_mark_still_expands(demo: httpx.Client) -> None:
    selected = demo.get(
        f"{BETA}/reusablePolicySettings", params={"$select": "id,settinginstance,displayname"}
    ).json()["value"]
    assert selected and all(set(item) == {"id", "settingInstance", "displayName"} for item in selected)
    templates = demo.get(
        f"{BETA}/notificationMessageTemplates?$expand=localizedNotificationMessages".replace("?", "??", 1)
    )
    assert all(isinstance(t["localizedNotificationMessages"], list) for t in templates.json()["value"])


def test_filter_on_type_casts_and_computed_is_assigned(demo: httpx.Client) -> None:
    every = demo.get("/beta/deviceAppManagement/mobileApps").json()["value"]
    assigned = demo.get(
        "/beta/deviceAppManagement/mobileApps", params={"$filter": "isAssigned eq true"}
    ).json()
    assert [a["id"] for a in assigned["value"]] == [a["id"] for a in every if a["isAssigned"]]
    cast = demo.get(
        "/beta/deviceAppManagement/mobileApps",
        params={"$filter": "(microsoft.graph.managedApp/appAvailability) eq null or isAssigned eq true"},
    ).json()["value"]
    assert len(cast) == len(every)  # the demo holds no managedApp, so the cast is null for each
    managed = demo.get(
        "/beta/deviceAppManagement/mobileApps", params={"$filter": "isof('microsoft.graph.managedApp')"}
    ).json()["value"]
    assert managed == []
    bad = demo.get("/beta/deviceAppManagement/mobileApps", params={"$filter": "displayName eq"})
    assert bad.status_code == 400


def test_intent_settings_by_template_category(demo: httpx.Client) -> None:
    intent = demo.get(f"{BETA}/intents").json()["value"][0]
    templates = demo.get(f"{BETA}/templates").json()["value"]
    assert intent["templateId"] in {t["id"] for t in templates}
    categories = demo.get(f"{BETA}/templates/{intent['templateId']}/categories").json()["value"]
    assert categories
    settings = demo.get(f"{BETA}/intents/{intent['id']}/categories/{categories[0]['id']}/settings").json()
    direct = demo.get(f"{BETA}/intents/{intent['id']}/settings").json()["value"]
    assert settings["value"] == direct and direct
    assert demo.get(f"{BETA}/intents/{intent['id']}/categories/{uuid.uuid4()}/settings").status_code == 404


def test_batch_sub_requests_are_logged(demo: httpx.Client, sim: SimulatorClient) -> None:
    sim.clear_requests(DEMO)
    batch = {
        "requests": [
            {"id": "1", "method": "GET", "url": "/deviceManagement/deviceCategories"},
            {"id": "2", "method": "GET", "url": "/deviceManagement/noSuchThing"},
        ]
    }
    assert demo.post("/beta/$batch", json=batch).status_code == 200
    logged = sim.requests(DEMO)
    batched = sorted((r["status"], r["path"]) for r in logged if r["batched"])
    assert batched == [
        (200, "/beta/deviceManagement/deviceCategories"),
        (400, "/beta/deviceManagement/noSuchThing"),
    ]
    counters = sim.counters(DEMO)
    assert counters["batchedRequests"] == 2 and counters["batched:status:400"] == 1
    assert counters["requests"] == 1


def test_app_registrations_and_domains_are_listed(
    demo: httpx.Client, http: httpx.Client, sim: SimulatorClient
) -> None:
    apps = demo.get("/v1.0/myorganization/applications").json()
    assert apps["@odata.context"].endswith("$metadata#applications")
    assert "5b7c9d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e" in {a["appId"] for a in apps["value"]}
    assert all(c["secretText"] is None for a in apps["value"] for c in a["passwordCredentials"])
    domains = demo.get("/beta/domains").json()["value"]
    assert [(d["id"], d["isDefault"], d["isInitial"]) for d in domains] == [
        ("contoso.onmicrosoft.com", True, True),
        ("contoso.com", False, False),
    ]
    reader = _token(http, sim, READ_ONLY)
    assert demo.get("/beta/domains", headers={"Authorization": f"Bearer {reader}"}).status_code == 403
