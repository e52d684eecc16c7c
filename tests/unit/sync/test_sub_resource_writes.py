"""How a deploy writes sub-resources, as the catalogue says per type: one request per action with every
body key it takes, setPriority for a field, delete-and-create for contained collections, PUT objects."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tenantsync.api import ResourceType
from tenantsync.catalog import catalog
from tenantsync.graph import GraphClient
from tenantsync.sync.steps.deploy import _write_sub_resources

Sent = list[tuple[str, str, Any]]


def _graph(sent: Sent, listed: list[dict[str, Any]] | None = None) -> GraphClient:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path.split("/", 2)[2]
        sent.append((request.method, path, json.loads(request.content) if request.content else None))
        if request.method == "GET":
            return httpx.Response(200, json={"value": listed or []})
        if request.method == "POST" and not path.endswith(("assign", "targetApps", "setPriority")):
            return httpx.Response(201, json={"id": "new"})
        return httpx.Response(204)

    async def token() -> str:
        return "token"

    return GraphClient("https://graph.example", token, transport=httpx.MockTransport(handle), max_retries=0)


ASSIGNMENT = {
    "id": "s1_g1",
    "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"},
}


async def test_a_scripts_two_kinds_of_assignment_go_in_one_assign_request_under_its_keys() -> None:
    sent: Sent = []
    document = {"displayName": "s", "assignments": [ASSIGNMENT], "groupAssignments": []}
    entry = catalog()[ResourceType.DEVICE_MANAGEMENT_SCRIPTS]

    await _write_sub_resources(
        _graph(sent),
        entry,
        "deviceManagement/deviceManagementScripts/s1",
        document,
        ["assignments", "groupAssignments"],
    )

    assert sent == [
        (
            "POST",
            "deviceManagement/deviceManagementScripts/s1/assign",
            {
                "deviceManagementScriptAssignments": [{"target": ASSIGNMENT["target"]}],
                "deviceManagementScriptGroupAssignments": [],
            },
        )
    ]


async def test_app_protection_targets_its_apps_with_the_app_group_type() -> None:
    sent: Sent = []
    app = {"id": "a1", "mobileAppIdentifier": {"bundleId": "com.microsoft.msedge"}}
    document = {"displayName": "p", "appGroupType": "selectedPublicApps", "apps": [app], "assignments": []}
    entry = catalog()[ResourceType.IOS_MANAGED_APP_PROTECTIONS]

    await _write_sub_resources(_graph(sent), entry, "p/1", document, ["apps"])

    assert sent == [
        (
            "POST",
            "p/1/targetApps",
            {
                "apps": [{"mobileAppIdentifier": app["mobileAppIdentifier"]}],
                "appGroupType": "selectedPublicApps",
            },
        )
    ]


async def test_an_enrollment_configurations_priority_is_set_through_its_action() -> None:
    sent: Sent = []
    entry = catalog()[ResourceType.DEVICE_ENROLLMENT_CONFIGURATIONS]

    await _write_sub_resources(_graph(sent), entry, "e/1", {"displayName": "e", "priority": 3}, ["priority"])

    assert sent == [("POST", "e/1/setPriority", {"priority": 3})]
    assert "priority" not in {sub.name for sub in entry.sub_resources if not sub.is_field}


async def test_a_contained_collection_without_an_action_is_deleted_and_created_item_by_item() -> None:
    sent: Sent = []
    entry = catalog()[ResourceType.TERMS_AND_CONDITIONS]
    document = {"displayName": "t", "assignments": [ASSIGNMENT]}

    await _write_sub_resources(_graph(sent, listed=[{"id": "old"}]), entry, "t/1", document, ["assignments"])

    assert sent == [
        ("GET", "t/1/assignments", None),
        ("DELETE", "t/1/assignments/old", None),
        ("POST", "t/1/assignments", {"target": ASSIGNMENT["target"]}),
    ]


async def test_administrative_template_values_are_rewritten_in_one_action_with_binds_by_url() -> None:
    sent: Sent = []
    value = {
        "enabled": True,
        "definition": {"id": "d1"},
        "presentationValues": [{"value": "x", "presentation": {"id": "p1"}}],
    }
    entry = catalog()[ResourceType.GROUP_POLICY_CONFIGURATIONS]

    await _write_sub_resources(
        _graph(sent, listed=[{"id": "old"}]),
        entry,
        "deviceManagement/groupPolicyConfigurations/c1",
        {"displayName": "Edge", "definitionValues": [value]},
        ["definitionValues"],
    )

    definition = "https://graph.example/beta/deviceManagement/groupPolicyDefinitions('d1')"
    assert sent[1:] == [
        (
            "POST",
            "deviceManagement/groupPolicyConfigurations/c1/updateDefinitionValues",
            {
                "added": [
                    {
                        "enabled": True,
                        "definition@odata.bind": definition,
                        "presentationValues": [
                            {"value": "x", "presentation@odata.bind": f"{definition}/presentations('p1')"}
                        ],
                    }
                ],
                "updated": [],
                "deletedIds": ["old"],
            },
        )
    ]
