"""Types whose writes are special, through the whole operator: settings catalog settings (PUT of the
policy), administrative template values (updateDefinitionValues with binds), app protection's targeted
apps (targetApps) and an Intune role with an assignment that points at it (created in order, bound)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, edit_desired, first_sync, sync, wait_phase
from tests.support.operator import OperatorProcess

PERMISSIONS = ["DeviceManagementApps.ReadWrite.All", "DeviceManagementRBAC.ReadWrite.All"]
Edit = Callable[[Path], None]


@pytest.fixture
def deploy(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> Callable[..., dict[str, Any]]:
    """Back the tenant up once (Automatic approval), then push one edit to the desired state and return
    the finished run that deployed it."""
    for permission in PERMISSIONS:
        workspace.sim.grant_permission(workspace.tenant_id, workspace.client_id, permission)

    def run(types: list[str], edit: Edit) -> dict[str, Any]:
        first = first_sync(workspace, approval="Automatic", resources=types)
        assert first["status"]["phase"] == "Succeeded", first["status"]
        edit_desired(workspace, tmp_path, edit)
        done = wait_phase(workspace, sync(workspace, "edit"), FINISHED)
        assert done["status"]["phase"] == "Succeeded", (
            done["status"].get("message"),
            done["status"].get("deploy"),
        )
        return done

    return run


def _edit_json(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    [path] = [p for p in folder.iterdir() if p.suffix == ".json"]
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))


def _choice(value: str) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": "device_vendor_msft_policy_config_defender_allowrealtimemonitoring",
            "choiceSettingValue": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
                "value": f"device_vendor_msft_policy_config_defender_allowrealtimemonitoring_{value}",
                "children": [],
            },
        },
    }


def test_a_changed_settings_catalog_setting_is_deployed(
    deploy: Callable[..., dict[str, Any]], workspace: Workspace
) -> None:
    policy = workspace.sim.create_object(workspace.tenant_id, "configurationPolicies", {
        "name": "Defender real-time monitoring", "description": "", "platforms": "windows10",
        "technologies": "mdm", "roleScopeTagIds": ["0"], "settings": [_choice("0")],
    })  # fmt: skip

    def turn_on(folder: Path) -> None:
        _edit_json(folder / "settingsCatalogPolicies", lambda doc: doc.update(settings=[_choice("1")]))

    deploy(["settingsCatalogPolicies"], turn_on)
    live = workspace.sim.object(workspace.tenant_id, "configurationPolicies", policy["id"])
    [setting] = live["settings"]
    assert setting["settingInstance"]["choiceSettingValue"]["value"].endswith("_1")


def test_an_administrative_template_value_is_deployed_through_its_bound_definition(
    deploy: Callable[..., dict[str, Any]], workspace: Workspace
) -> None:
    definition_id, presentation_id = str(uuid.uuid4()), str(uuid.uuid4())
    presentation = {
        "@odata.type": "#microsoft.graph.groupPolicyPresentationTextBox", "id": presentation_id,
        "label": "Home page URL", "defaultValue": "", "required": True, "maxLength": 1023,
    }  # fmt: skip
    definition = {
        "@odata.type": "#microsoft.graph.groupPolicyDefinition", "id": definition_id, "classType": "machine",
        "displayName": "Configure the home page URL", "policyType": "admxIngested", "presentations": [presentation],
    }  # fmt: skip
    workspace.sim.create_object(workspace.tenant_id, "groupPolicyDefinitions", definition)
    template = workspace.sim.create_object(workspace.tenant_id, "groupPolicyConfigurations", {
        "displayName": "Edge home page", "roleScopeTagIds": ["0"],
        "definitionValues": [{
            "enabled": True, "configurationType": "policy",
            "definition": {k: v for k, v in definition.items() if k != "presentations"},
            "presentationValues": [{
                "@odata.type": "#microsoft.graph.groupPolicyPresentationValueText",
                "value": "https://intranet.contoso.com", "presentation": presentation,
            }],
        }],
    })  # fmt: skip

    def new_home_page(folder: Path) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc["definitionValues"][0]["presentationValues"][0]["value"] = "https://portal.contoso.com"

        _edit_json(folder / "groupPolicyConfigurations", change)

    deploy(["groupPolicyConfigurations"], new_home_page)
    writes = [
        (r["method"], r["path"].rsplit("/", 1)[-1])
        for r in workspace.sim.requests(workspace.tenant_id)
        if r["method"] != "GET" and "groupPolicyConfigurations" in r["path"]
    ]
    assert writes == [("POST", "updateDefinitionValues")]  # one request, the values bound by URL
    [value] = workspace.sim.object(workspace.tenant_id, "groupPolicyConfigurations", template["id"])[
        "definitionValues"
    ]
    assert value["definition"]["id"] == definition_id
    [text] = value["presentationValues"]
    assert (text["value"], text["presentation"]["id"]) == ("https://portal.contoso.com", presentation_id)


def _app(bundle_id: str) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.managedMobileApp",
        "mobileAppIdentifier": {
            "@odata.type": "#microsoft.graph.iosMobileAppIdentifier",
            "bundleId": bundle_id,
        },
    }


def test_an_app_added_to_an_app_protection_policy_is_targeted(
    deploy: Callable[..., dict[str, Any]], workspace: Workspace
) -> None:
    protection = workspace.sim.create_object(workspace.tenant_id, "iosManagedAppProtections", {
        "@odata.type": "#microsoft.graph.iosManagedAppProtection", "displayName": "iOS - Protect data",
        "roleScopeTagIds": ["0"], "appGroupType": "selectedPublicApps", "pinRequired": True,
        "apps": [_app("com.microsoft.office.outlook")],
    })  # fmt: skip

    def add_teams(folder: Path) -> None:
        _edit_json(
            folder / "iosManagedAppProtections",
            lambda doc: doc["apps"].append(_app("com.microsoft.skype.teams")),
        )

    deploy(["iosManagedAppProtections"], add_teams)
    live = workspace.sim.object(workspace.tenant_id, "iosManagedAppProtections", protection["id"])
    assert sorted(a["mobileAppIdentifier"]["bundleId"] for a in live["apps"]) == [
        "com.microsoft.office.outlook",
        "com.microsoft.skype.teams",
    ]


def test_a_new_role_and_an_assignment_pointing_at_it_are_created_in_order(
    deploy: Callable[..., dict[str, Any]], workspace: Workspace
) -> None:
    group = workspace.sim.create_group(workspace.tenant_id, "Device team")
    workspace.sim.create_object(workspace.tenant_id, "roleDefinitions", {
        "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition", "displayName": "Help desk",
        "description": "", "roleScopeTagIds": ["0"], "rolePermissions": [],
    })  # fmt: skip
    role = {
        "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition", "id": "new-role",
        "displayName": "Configuration readers", "description": "", "roleScopeTagIds": ["0"],
        "rolePermissions": [{"resourceActions": [{
            "allowedResourceActions": ["Microsoft.Intune_DeviceConfigurations_Read"], "notAllowedResourceActions": [],
        }]}],
    }  # fmt: skip
    assignment = {
        "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleAssignment", "id": "new-assignment",
        "displayName": "Device team reads configurations", "description": "", "members": [group["id"]],
        "scopeMembers": [], "resourceScopes": [group["id"]], "scopeType": "resourceScope",
        "roleScopeTagIds": ["0"], "roleDefinition": {"id": "new-role"},
    }  # fmt: skip

    def add_role(folder: Path) -> None:
        for kind, document in (("roleDefinitions", role), ("roleAssignments", assignment)):
            (folder / kind).mkdir(exist_ok=True)
            (folder / kind / f"{document['id']}.json").write_text(json.dumps(document, indent=2))

    done = deploy(["roleDefinitions", "roleAssignments"], add_role)
    results = done["status"]["deploy"]["results"]
    assert [(r["type"], r["result"]) for r in results] == [
        ("roleDefinitions", "Applied"),
        ("roleAssignments", "Applied"),
    ]
    [created_role] = [
        r
        for r in workspace.sim.objects(workspace.tenant_id, "roleDefinitions")
        if r["displayName"] == role["displayName"]
    ]
    [created] = [
        a
        for a in workspace.sim.objects(workspace.tenant_id, "roleAssignments")
        if a["displayName"] == assignment["displayName"]
    ]
    assert created["roleDefinition"]["id"] == created_role["id"] == results[0]["createdId"]
