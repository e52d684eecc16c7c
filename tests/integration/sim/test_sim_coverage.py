"""Every registry type over plain HTTP: paths, versions, contained collections and each type's writes."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tenantsync_sim.graph.resources import RESOURCES, ResourceType
from tenantsync_sim.seed import (
    BANNER_LOGO,
    BRANDING_CSS,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DOMAINS,
    DEMO_TENANT_ID,
)
from tests.integration.sim.simtest_support import SimEndpoint, SimTenant, app_token

pytestmark = pytest.mark.integration

BETA = "/beta/deviceManagement"
APPS = "/beta/deviceAppManagement"
GROUP = "ba8e7ded-8b0f-4836-ba06-8ff1ecc5c8ba"


def _target(group: str = GROUP) -> dict[str, str]:
    return {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}


@pytest.fixture(scope="module")
def demo(sim_endpoint: SimEndpoint) -> Iterator[httpx.Client]:
    """The demo tenant, read with its own app (which holds every read permission)."""
    tenant = SimTenant(DEMO_TENANT_ID, DEMO_DOMAINS[0], DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, "", "", "", "")
    context = httpx.create_ssl_context(verify=sim_endpoint.ca)
    with httpx.Client(base_url=sim_endpoint.url, verify=context, timeout=15) as client:
        client.headers["Authorization"] = f"Bearer {app_token(client, tenant)}"
        yield client


def _served(resource: ResourceType) -> list[tuple[str, ResourceType]]:
    return [(version, resource) for version in sorted(resource.versions)]


@pytest.mark.parametrize(
    ("version", "resource"),
    [pair for r in RESOURCES for pair in _served(r)],
    ids=[f"{v}-{r.key}" for r in RESOURCES for v, _ in _served(r)],
)
def test_every_type_is_served_at_its_graph_path(
    demo: httpx.Client, version: str, resource: ResourceType
) -> None:
    path = resource.path.replace("{tenantId}", DEMO_TENANT_ID)
    response = demo.get(f"/{version}/{path}")
    if resource.delegated_only:  # a user's token reads it: test_user_graph_types_against_simulator.py
        assert response.status_code == 403, response.text
        return
    assert response.status_code == 200, response.text
    body = response.json()
    if resource.singleton and version in resource.listed_in:
        # Graph lists the one object (beta authorizationPolicy) and serves it under its id.
        [item] = body["value"]
        single = demo.get(f"/{version}/{path}/{item['id']}")
        assert single.status_code == 200 and single.json()["id"] == item["id"]
    elif resource.singleton:
        assert body["@odata.context"].endswith(f"{path.rsplit('/', 1)[-1]}/$entity")
    else:
        assert body["value"], f"the demo seed has no {resource.key}"


def test_beta_only_types_are_unknown_segments_in_v1(demo: httpx.Client) -> None:
    response = demo.get("/v1.0/deviceManagement/deviceHealthScripts")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Resource not found for the segment 'deviceHealthScripts'."


def test_path_segments_match_case_insensitively_and_myorganization_is_the_tenant(demo: httpx.Client) -> None:
    exact = demo.get("/beta/policies/authenticationMethodsPolicy").json()
    lowered = demo.get("/beta/policies/authenticationmethodspolicy")
    assert lowered.status_code == 200
    assert lowered.json()["policyVersion"] == exact["policyVersion"]
    listed = demo.get("/v1.0/myorganization/deviceManagement/DEVICECONFIGURATIONS?$top=1")
    assert listed.status_code == 200
    first = listed.json()["value"][0]["id"]
    assert demo.get(f"/v1.0/deviceManagement/deviceConfigurations/{first.upper()}").json()["id"] == first


def test_new_tenants_start_with_microsofts_default_singletons(full_graph: httpx.Client) -> None:
    defaults = full_graph.get("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy").json()
    assert defaults["@odata.type"] == "#microsoft.graph.identitySecurityDefaultsEnforcementPolicy"
    assert defaults["isEnabled"] is True
    methods = full_graph.get("/v1.0/policies/authenticationMethodsPolicy").json()
    assert {c["id"] for c in methods["authenticationMethodConfigurations"]} >= {
        "Fido2",
        "MicrosoftAuthenticator",
    }
    assert full_graph.get(f"{BETA}/settings").json()["deviceComplianceCheckinThresholdDays"] == 30


def test_script_content_is_base64_left_out_of_lists_and_refused_when_not_base64(
    full_graph: httpx.Client,
) -> None:
    text = "Write-Output 'hello'\n"
    body = {
        "displayName": "Say hello",
        "scriptContent": base64.b64encode(text.encode()).decode(),
        "runAsAccount": "system",
        "fileName": "hello.ps1",
    }
    created = full_graph.post(f"{BETA}/deviceManagementScripts", json=body)
    assert created.status_code == 201, created.text
    script_id = created.json()["id"]
    assert full_graph.get(f"{BETA}/deviceManagementScripts").json()["value"][0]["scriptContent"] is None
    read = full_graph.get(f"{BETA}/deviceManagementScripts/{script_id}").json()
    assert base64.b64decode(read["scriptContent"]).decode() == text
    refused = full_graph.post(
        f"{BETA}/deviceManagementScripts", json={**body, "scriptContent": "not base64!"}
    )
    assert refused.status_code == 400
    assert "Edm.Binary" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body", "parameter"),
    [
        (
            f"{BETA}/deviceManagementScripts",
            {"displayName": "s", "scriptContent": "", "runAsAccount": "user", "fileName": "s.ps1"},
            "deviceManagementScriptAssignments",
        ),
        (
            f"{BETA}/deviceHealthScripts",
            {"displayName": "h", "publisher": "Contoso", "detectionScriptContent": ""},
            "deviceHealthScriptAssignments",
        ),
        (
            f"{APPS}/mobileApps",
            {
                "@odata.type": "#microsoft.graph.webApp",
                "displayName": "w",
                "appUrl": "https://contoso.com",
            },
            "mobileAppAssignments",
        ),
        (
            f"{BETA}/deviceEnrollmentConfigurations",
            {
                "@odata.type": "#microsoft.graph.deviceEnrollmentLimitConfiguration",
                "displayName": "l",
                "limit": 3,
            },
            "enrollmentConfigurationAssignments",
        ),
        (
            f"{BETA}/windowsFeatureUpdateProfiles",
            {"displayName": "f", "featureUpdateVersion": "Windows 11, version 24H2"},
            "assignments",
        ),
    ],
)
def test_assign_takes_each_types_own_parameter(
    full_graph: httpx.Client, path: str, body: dict[str, object], parameter: str
) -> None:
    created = full_graph.post(path, json=body)
    assert created.status_code == 201, created.text
    item = created.json()["id"]
    wrong = full_graph.post(f"{path}/{item}/assign", json={"wrongName": [{"target": _target()}]})
    assert wrong.status_code == 400
    assigned = full_graph.post(f"{path}/{item}/assign", json={parameter: [{"target": _target()}]})
    assert assigned.status_code == 204, assigned.text
    assignments = full_graph.get(f"{path}/{item}/assignments").json()["value"]
    assert [a["target"]["groupId"] for a in assignments] == [GROUP]
    assert assignments[0]["@odata.type"].endswith("Assignment")


def test_settings_catalog_compliance_policy_expands_settings_and_is_replaced_by_put(
    full_graph: httpx.Client,
) -> None:
    setting = {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": "linux_distribution_alloweddistros",
            "choiceSettingValue": {"value": "linux_distribution_alloweddistros_ubuntu", "children": []},
        },
    }
    policy = {"name": "Linux", "platforms": "linux", "technologies": "linuxMdm", "settings": [setting]}
    created = full_graph.post(f"{BETA}/compliancePolicies", json=policy)
    assert created.status_code == 201, created.text
    policy_id = created.json()["id"]
    assert "settings" not in created.json()
    expanded = full_graph.get(f"{BETA}/compliancePolicies?$expand=settings,assignments").json()["value"][0]
    assert expanded["settingCount"] == 1
    assert expanded["settings"][0]["id"] == "0"
    replaced = full_graph.put(
        f"{BETA}/compliancePolicies/{policy_id}", json={**policy, "settings": [setting, setting]}
    )
    assert replaced.status_code == 204
    assert len(full_graph.get(f"{BETA}/compliancePolicies/{policy_id}/settings").json()["value"]) == 2


def test_app_protection_targets_apps_and_expands_them_with_assignments(full_graph: httpx.Client) -> None:
    path = f"{APPS}/iosManagedAppProtections"
    created = full_graph.post(path, json={"displayName": "iOS MAM", "pinRequired": True})
    assert created.status_code == 201, created.text
    policy_id = created.json()["id"]
    app = {
        "mobileAppIdentifier": {
            "@odata.type": "#microsoft.graph.iosMobileAppIdentifier",
            "bundleId": "com.microsoft.office.outlook",
        }
    }
    targeted = full_graph.post(
        f"{path}/{policy_id}/targetApps", json={"apps": [app], "appGroupType": "selectedPublicApps"}
    )
    assert targeted.status_code == 204, targeted.text
    full_graph.post(f"{path}/{policy_id}/assign", json={"assignments": [{"target": _target()}]})
    listed = full_graph.get(f"{path}?$expand=apps,assignments").json()["value"][0]
    assert listed["apps"][0]["mobileAppIdentifier"]["bundleId"] == "com.microsoft.office.outlook"
    assert listed["apps"][0]["@odata.type"] == "#microsoft.graph.managedMobileApp"
    assert listed["appGroupType"] == "selectedPublicApps"
    assert listed["isAssigned"] is True


def test_enrollment_priority_changes_only_through_set_priority(full_graph: httpx.Client) -> None:
    path = f"{BETA}/deviceEnrollmentConfigurations"
    body = {
        "@odata.type": "#microsoft.graph.deviceEnrollmentLimitConfiguration",
        "displayName": "Limit",
        "limit": 5,
    }
    item = full_graph.post(path, json=body).json()["id"]
    full_graph.patch(f"{path}/{item}", json={"priority": 7, "limit": 6})
    assert full_graph.get(f"{path}/{item}").json()["limit"] == 6
    assert full_graph.get(f"{path}/{item}").json()["priority"] == 0  # Int32, not nullable: Graph's default
    assert full_graph.post(f"{path}/{item}/setPriority", json={"priority": 2}).status_code == 204
    assert full_graph.get(f"{path}/{item}").json()["priority"] == 2


def test_intent_settings_are_read_by_path_not_expand_and_replaced_by_update_settings(
    full_graph: httpx.Client,
) -> None:
    path = f"{BETA}/intents"
    item = full_graph.post(
        path, json={"displayName": "AV", "templateId": "2d345ec2-c817-49e5-9156-9ed416dc972a"}
    ).json()["id"]
    refused = full_graph.get(f"{path}?$expand=settings")
    assert refused.status_code == 400
    assert "intents/{id}/settings" in refused.json()["error"]["message"]
    setting = {
        "@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance",
        "definitionId": "deviceConfiguration--defenderAntivirus_defenderRequireRealTimeMonitoring",
        "valueJson": "true",
    }
    assert full_graph.post(f"{path}/{item}/updateSettings", json={"settings": [setting]}).status_code == 204
    settings = full_graph.get(f"{path}/{item}/settings").json()["value"]
    assert [s["definitionId"] for s in settings] == [setting["definitionId"]]
    assert settings[0]["@odata.type"] == setting["@odata.type"]


def test_administrative_template_values_bind_definitions_and_presentations(
    demo: httpx.Client, full_graph: httpx.Client
) -> None:
    definition = demo.get(f"{BETA}/groupPolicyDefinitions?$expand=presentations").json()["value"][0]
    presentation = definition["presentations"][0]
    sim_definitions = full_graph.get(f"{BETA}/groupPolicyDefinitions").json()["value"]
    assert sim_definitions == [], "a new tenant has no ingested definitions"
    policy = demo.get(f"{BETA}/groupPolicyConfigurations").json()["value"][0]
    values = demo.get(
        f"{BETA}/groupPolicyConfigurations/{policy['id']}/definitionValues"
        "?$expand=definition,presentationValues($expand=presentation)"
    ).json()["value"]
    assert values[0]["definition"]["id"] == definition["id"]
    assert values[0]["presentationValues"][0]["presentation"]["id"] == presentation["id"]
    assert (
        "presentationValues"
        not in demo.get(f"{BETA}/groupPolicyConfigurations/{policy['id']}/definitionValues").json()["value"][
            0
        ]
    )


def test_definition_value_with_a_dangling_bind_is_refused(full_graph: httpx.Client) -> None:
    policy = full_graph.post(f"{BETA}/groupPolicyConfigurations", json={"displayName": "Edge"}).json()["id"]
    response = full_graph.post(
        f"{BETA}/groupPolicyConfigurations/{policy}/definitionValues",
        json={"enabled": True, "definition@odata.bind": f"{BETA}/groupPolicyDefinitions('{uuid.uuid4()}')"},
    )
    assert response.status_code == 400
    assert "definition@odata.bind" in response.json()["error"]["message"]


def test_role_assignment_binds_its_role_definition(full_graph: httpx.Client) -> None:
    role = full_graph.post(
        f"{BETA}/roleDefinitions",
        json={
            "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition",
            "displayName": "Readers",
            "rolePermissions": [
                {"resourceActions": [{"allowedResourceActions": ["Microsoft.Intune_Audit_Read"]}]}
            ],
        },
    ).json()
    created = full_graph.post(
        f"{BETA}/roleAssignments",
        json={
            "displayName": "Audit readers",
            "members": [GROUP],
            "roleDefinition@odata.bind": f"https://full_graph.microsoft.com/beta/deviceManagement/roleDefinitions('{role['id']}')",
        },
    )
    assert created.status_code == 201, created.text
    assignment = created.json()["id"]
    expanded = full_graph.get(f"{BETA}/roleAssignments/{assignment}?$expand=roleDefinition").json()
    assert expanded["roleDefinition"]["displayName"] == "Readers"
    assert "roleDefinition" not in full_graph.get(f"{BETA}/roleAssignments/{assignment}").json()


def test_authentication_context_is_created_by_patching_its_id(full_graph: httpx.Client) -> None:
    path = "/v1.0/identity/conditionalAccess/authenticationContextClassReferences"
    assert (
        full_graph.patch(f"{path}/c7", json={"displayName": "Finance", "isAvailable": True}).status_code
        == 204
    )
    assert full_graph.get(f"{path}/C7").json()["displayName"] == "Finance"


def test_cross_tenant_partners_are_keyed_by_tenant_id(full_graph: httpx.Client) -> None:
    path = "/v1.0/policies/crossTenantAccessPolicy/partners"
    partner = str(uuid.uuid4())
    created = full_graph.post(path, json={"tenantId": partner, "inboundTrust": {"isMfaAccepted": True}})
    assert created.status_code == 201, created.text
    assert "id" not in created.json()
    assert full_graph.post(path, json={"tenantId": partner}).status_code == 409
    keyless = full_graph.post(path, json={"inboundTrust": {"isMfaAccepted": True}})
    assert keyless.status_code == 400
    assert "'tenantId'" in keyless.json()["error"]["message"]
    assert full_graph.get(f"{path}/{partner}").json()["inboundTrust"]["isMfaAccepted"] is True
    assert full_graph.delete(f"{path}/{partner}").status_code == 204


def test_read_only_types_refuse_writes(full_graph: httpx.Client) -> None:
    assert (
        full_graph.patch(
            f"{BETA}/applePushNotificationCertificate", json={"appleIdentifier": "x"}
        ).status_code
        == 405
    )
    assert full_graph.post(f"{BETA}/depOnboardingSettings", json={"tokenName": "x"}).status_code == 405


def test_device_registration_policy_is_replaced_by_put(full_graph: httpx.Client) -> None:
    path = "/beta/policies/deviceRegistrationPolicy"
    policy = full_graph.get(path).json()
    policy.pop("@odata.context")
    assert full_graph.put(path, json={**policy, "userDeviceQuota": 20}).status_code == 204
    assert full_graph.get(path).json()["userDeviceQuota"] == 20


def test_branding_localizations_are_contained_in_the_organization(
    full_graph: httpx.Client, tenant: SimTenant
) -> None:
    path = f"/v1.0/organization/{tenant.id}/branding"
    created = full_graph.post(f"{path}/localizations", json={"id": "fr-FR", "signInPageText": "Bonjour"})
    assert created.status_code == 201, created.text
    assert full_graph.get(f"{path}/localizations/fr-FR").json()["signInPageText"] == "Bonjour"
    assert full_graph.get(f"{path}?$expand=localizations").json()["localizations"][0]["id"] == "fr-FR"
    assert "localizations" not in full_graph.get(path).json()


def test_branding_images_are_streams_served_with_their_content_type(demo: httpx.Client) -> None:
    path = f"/v1.0/organization/{DEMO_TENANT_ID}/branding"
    logo = demo.get(f"{path}/bannerLogo")
    assert (logo.status_code, logo.headers["content-type"], logo.content) == (200, "image/png", BANNER_LOGO)
    same = demo.get(f"{path}/localizations/default/bannerLogo")
    assert same.content == BANNER_LOGO
    css = demo.get(f"/beta/organization/{DEMO_TENANT_ID}/branding/localizations/fr-FR/customcss")
    assert (css.headers["content-type"], css.content) == ("text/css", BRANDING_CSS)
    unset = demo.get(f"{path}/localizations/fr-FR/backgroundImage")
    assert (unset.status_code, unset.content) == (200, b"")
    assert "bannerLogo" not in demo.get(path).json()
    assert demo.get(f"{path}/localizations/xx-XX/bannerLogo").status_code == 404


def test_a_branding_image_put_with_its_type_is_read_back_byte_for_byte(
    full_graph: httpx.Client, tenant: SimTenant
) -> None:
    path = f"/v1.0/organization/{tenant.id}/branding"
    full_graph.post(f"{path}/localizations", json={"id": "de-DE", "signInPageText": "Hallo"})
    image = bytes(range(256)) * 4
    put = full_graph.put(
        f"{path}/localizations/de-DE/squareLogo", content=image, headers={"Content-Type": "image/jpeg"}
    )
    assert put.status_code == 204, put.text
    read = full_graph.get(f"{path}/localizations/de-DE/squareLogo")
    assert (read.headers["content-type"], read.content) == ("image/jpeg", image)
    assert full_graph.get(f"{path}/squareLogo").content == b""


def test_a_branding_image_put_with_a_wrong_type_or_no_bytes_is_refused(
    full_graph: httpx.Client, tenant: SimTenant
) -> None:
    path = f"/v1.0/organization/{tenant.id}/branding"
    css = full_graph.put(f"{path}/customCSS", content=b"body{}", headers={"Content-Type": "image/png"})
    assert css.status_code == 400 and "text/css" in css.json()["error"]["message"]
    empty = full_graph.put(f"{path}/bannerLogo", content=b"", headers={"Content-Type": "image/png"})
    assert empty.status_code == 400
    assert full_graph.get(f"{path}/customCSS").content == b""


def test_update_definition_values_adds_with_binds_deletes_by_id_and_refuses_inline_definitions(
    demo: httpx.Client,
) -> None:
    definition = demo.get(f"{BETA}/groupPolicyDefinitions?$expand=presentations").json()["value"][0]
    presentation = definition["presentations"][0]
    policy = demo.post(f"{BETA}/groupPolicyConfigurations", json={"displayName": "Edge home page"}).json()
    action = f"{BETA}/groupPolicyConfigurations/{policy['id']}/updateDefinitionValues"
    definition_url = (
        f"https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('{definition['id']}')"
    )
    value = {
        "enabled": True,
        "definition@odata.bind": definition_url,
        "presentationValues": [
            {
                "@odata.type": "#microsoft.graph.groupPolicyPresentationValueText",
                "value": "https://intranet.contoso.com",
                "presentation@odata.bind": f"{definition_url}/presentations('{presentation['id']}')",
            }
        ],
    }
    inline = {**{k: v for k, v in value.items() if k != "definition@odata.bind"}, "definition": {"id": "x"}}
    refused = demo.post(action, json={"added": [inline], "updated": [], "deletedIds": []})
    assert refused.status_code == 400
    assert "definition@odata.bind" in refused.json()["error"]["message"]

    assert demo.post(action, json={"added": [value], "updated": [], "deletedIds": []}).status_code == 204
    listed = demo.get(
        f"{BETA}/groupPolicyConfigurations/{policy['id']}/definitionValues"
        "?$expand=definition,presentationValues($expand=presentation)"
    ).json()["value"]
    assert [v["definition"]["id"] for v in listed] == [definition["id"]]
    assert listed[0]["presentationValues"][0]["presentation"]["id"] == presentation["id"]

    emptied = demo.post(action, json={"added": [], "updated": [], "deletedIds": [listed[0]["id"]]})
    assert emptied.status_code == 204
    assert demo.get(f"{BETA}/groupPolicyConfigurations/{policy['id']}/definitionValues").json()["value"] == []
