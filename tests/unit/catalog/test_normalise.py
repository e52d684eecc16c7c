"""Normalisation: an unchanged tenant must produce byte-identical files, whatever order Graph answers in."""

from __future__ import annotations

import json
from typing import Any

from tenantsync.api import ResourceType
from tenantsync.catalog import catalog, normalise, serialise


def _policy(**overrides: Any) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies/$entity",
        "id": "p1",
        "createdDateTime": "2025-01-01T00:00:00Z",
        "modifiedDateTime": "2025-02-01T00:00:00Z",
        "displayName": "CA001",
        "state": "enabled",
        "conditions": {
            "users": {"includeGroups": ["g2", "g1"], "excludeUsers": [], "includeUsers": ["All"]},
            "clientAppTypes": ["other", "exchangeActiveSync"],
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa", "compliantDevice"]},
    }
    policy.update(overrides)
    return policy


def test_read_only_fields_and_annotations_go_but_the_id_stays() -> None:
    out = normalise(ResourceType.CONDITIONAL_ACCESS_POLICIES, _policy())
    assert out["id"] == "p1"
    assert not {"@odata.context", "createdDateTime", "modifiedDateTime"} & set(out)


def test_unordered_lists_are_sorted_wherever_they_are() -> None:
    out = normalise(ResourceType.CONDITIONAL_ACCESS_POLICIES, _policy())
    assert out["conditions"]["users"]["includeGroups"] == ["g1", "g2"]
    assert out["conditions"]["clientAppTypes"] == ["exchangeActiveSync", "other"]
    assert out["grantControls"]["builtInControls"] == ["compliantDevice", "mfa"]


def test_ordered_lists_keep_their_order() -> None:
    entry = catalog()[ResourceType.DEVICE_CONFIGURATIONS]
    out = normalise(entry, {"id": "d1", "edgeHomepageUrls": ["https://b", "https://a"]})
    assert out["edgeHomepageUrls"] == ["https://b", "https://a"]


def test_odata_type_is_kept_and_navigation_annotations_dropped() -> None:
    raw = {
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "id": "d1",
        "version": 7,
        "lastModifiedDateTime": "2025-03-01T09:00:00Z",
        "assignments@odata.context": "https://graph.microsoft.com/v1.0/$metadata#...",
        "assignments": [
            {
                "@odata.type": "#microsoft.graph.deviceConfigurationAssignment",
                "id": "d1_g2",
                "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g2"},
            },
            {
                "@odata.type": "#microsoft.graph.deviceConfigurationAssignment",
                "id": "d1_g1",
                "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"},
            },
        ],
    }
    out = normalise(ResourceType.DEVICE_CONFIGURATIONS, raw)
    assert out["@odata.type"] == "#microsoft.graph.windows10GeneralConfiguration"
    assert set(out) == {"@odata.type", "id", "assignments"}
    assert [a["target"]["groupId"] for a in out["assignments"]] == ["g1", "g2"]
    assert all("id" not in a for a in out["assignments"])


def test_a_singleton_loses_its_id() -> None:
    out = normalise(
        ResourceType.SECURITY_DEFAULTS, {"id": "00000000-0000-0000-0000-000000000005", "isEnabled": False}
    )
    assert out == {"isEnabled": False}


def test_the_same_state_in_another_order_serialises_to_the_same_bytes() -> None:
    shuffled = _policy(
        conditions={
            "clientAppTypes": ["exchangeActiveSync", "other"],
            "users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": ["g1", "g2"]},
        },
        modifiedDateTime="2025-06-01T00:00:00Z",
    )
    reordered = dict(reversed(list(shuffled.items())))
    first = serialise(normalise(ResourceType.CONDITIONAL_ACCESS_POLICIES, _policy()))
    assert serialise(normalise(ResourceType.CONDITIONAL_ACCESS_POLICIES, reordered)) == first


def test_serialise_is_canonical_json() -> None:
    data = serialise({"b": 1, "a": {"d": "é", "c": [1, 2]}})
    assert (
        data
        == '{\n  "a": {\n    "c": [\n      1,\n      2\n    ],\n    "d": "é"\n  },\n  "b": 1\n}\n'.encode()
    )
    assert json.loads(data) == {"a": {"c": [1, 2], "d": "é"}, "b": 1}


def test_a_bound_navigation_keeps_only_its_id_at_any_depth() -> None:
    template = {
        "id": "t1",
        "displayName": "Edge",
        "definitionValues": [
            {
                "id": "server-made",
                "enabled": True,
                "definition": {"id": "d1", "displayName": "Home page", "version": "1.0"},
                "presentationValues": [
                    {"id": "pv", "value": True, "presentation": {"id": "p1", "label": "On"}}
                ],
            }
        ],
    }
    out = normalise(ResourceType.GROUP_POLICY_CONFIGURATIONS, template)
    assert out["definitionValues"] == [
        {
            "definition": {"id": "d1"},
            "enabled": True,
            "presentationValues": [{"presentation": {"id": "p1"}, "value": True}],
        }
    ]
    assignment = {"id": "a1", "displayName": "Admins", "roleDefinition": {"id": "r1", "isBuiltIn": False}}
    assert normalise(ResourceType.ROLE_ASSIGNMENTS, assignment)["roleDefinition"] == {"id": "r1"}


def test_a_type_keyed_by_another_property_keeps_that_key() -> None:
    partner = {"tenantId": "t-9", "isServiceProvider": True, "inboundTrust": None}
    assert normalise(ResourceType.CROSS_TENANT_ACCESS_PARTNERS, partner) == {
        "inboundTrust": None,
        "tenantId": "t-9",
    }
