"""Composition: overrides, exclusions, ids matched and recorded, variables, references, precedence."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tenantsync.api import CodedError, ErrorCode, ResourceType
from tenantsync.baselines import BaselineFolder, TenantFacts, compose, lookups, merge_patch, placeholder

CA = ResourceType.CONDITIONAL_ACCESS_POLICIES
LOCATIONS = ResourceType.NAMED_LOCATIONS
FACTS = TenantFacts(
    name="contoso", domain="contoso.example", labels={"region": "emea"}, annotations={"owner": "it@contoso"}
)
MFA = {"displayName": "Require MFA", "state": "enabled", "conditions": {"users": {"includeUsers": ["All"]}}}
HQ = {"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "HQ", "ipRanges": []}


def files(objects: dict[str, Any]) -> dict[str, bytes]:
    return {f"{key}.json": json.dumps(value).encode() for key, value in objects.items()}


def folder(
    objects: dict[str, Any], overrides: dict[str, Any] | None = None, name: str = "security"
) -> BaselineFolder:
    return BaselineFolder(
        name,
        "abc123",
        objects=files(objects),
        overrides=files(overrides or {}),
        where=f"Baseline {name}",
        overrides_where=f"tenants/contoso/baselines/{name}",
    )


@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [  # RFC 7396, appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "foo"}, "bar", "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_follows_the_rfc(target: Any, patch: Any, result: Any) -> None:
    before = json.dumps(target)
    assert merge_patch(target, patch) == result
    assert json.dumps(target) == before  # the target is not changed in place


def test_an_existing_object_is_matched_by_name_and_its_id_recorded() -> None:
    live = {(CA, "live-mfa"): "Require MFA", (CA, "other"): "Block legacy"}
    composition = compose(
        [folder({"conditionalAccessPolicies/mfa": MFA})], own={}, live=live, facts=FACTS, groups={}
    )
    [composed] = composition.objects.values()
    assert (composed.id, composed.baseline, composed.document["id"]) == ("live-mfa", "security", "live-mfa")
    assert composition.ids == {"security": {"conditionalAccessPolicies/mfa": "live-mfa"}}
    assert composition.matched == ["security"]


def test_an_object_the_tenant_lacks_gets_a_placeholder_for_the_deploy_to_create() -> None:
    composition = compose(
        [folder({"conditionalAccessPolicies/mfa": MFA})], own={}, live={}, facts=FACTS, groups={}
    )
    expected = placeholder("security", "conditionalAccessPolicies/mfa")
    assert expected == "baseline.security.mfa"
    assert list(composition.objects) == [(CA, expected)]
    assert composition.matched == []


def test_two_live_objects_with_the_name_stop_the_run_naming_both() -> None:
    live = {(CA, "one"): "Require MFA", (CA, "two"): "Require MFA"}
    with pytest.raises(CodedError) as raised:
        compose([folder({"conditionalAccessPolicies/mfa": MFA})], own={}, live=live, facts=FACTS, groups={})
    assert raised.value.code == ErrorCode.INVALID_DESIRED_STATE
    assert "one, two" in raised.value.message and "ids.json" in raised.value.message


def test_a_recorded_id_wins_over_the_name() -> None:
    baseline = folder(
        {"conditionalAccessPolicies/mfa": MFA}, {"ids": {"conditionalAccessPolicies/mfa": "recorded"}}
    )
    live = {(CA, "recorded"): "Renamed by someone", (CA, "same-name"): "Require MFA"}
    composition = compose([baseline], own={}, live=live, facts=FACTS, groups={})
    assert list(composition.objects) == [(CA, "recorded")]
    assert composition.matched == []


def test_an_override_is_merged_and_null_excludes_the_object() -> None:
    baseline = folder(
        {"conditionalAccessPolicies/mfa": MFA, "namedLocations/hq": HQ},
        {
            "conditionalAccessPolicies/mfa": {"state": "enabledForReportingButNotEnforced"},
            "namedLocations/hq": None,
        },
    )
    composition = compose([baseline], own={}, live={}, facts=FACTS, groups={})
    [composed] = composition.objects.values()
    assert composed.document["state"] == "enabledForReportingButNotEnforced"
    assert composed.document["conditions"] == MFA["conditions"]
    [planned] = composition.planned
    assert (planned.revision, planned.overridden, planned.excluded) == (
        "abc123",
        ["conditionalAccessPolicies/mfa"],
        ["namedLocations/hq"],
    )


def test_an_override_of_nothing_is_refused_by_name() -> None:
    baseline = folder({"conditionalAccessPolicies/mfa": MFA}, {"conditionalAccessPolicies/mfaa": None})
    with pytest.raises(CodedError) as raised:
        compose([baseline], own={}, live={}, facts=FACTS, groups={})
    assert raised.value.code == ErrorCode.INVALID_DESIRED_STATE
    assert "conditionalAccessPolicies/mfaa.json overrides nothing" in raised.value.message


def test_variables_are_put_in_and_an_escaped_one_is_kept_literally() -> None:
    policy = {
        **MFA,
        "displayName": "MFA for ${tenant.name}",
        "description": "${tenant.domain} ${tenant.labels['region']} ${tenant.annotations[\"owner\"]} $${tenant.name}",
    }
    live = {(CA, "live"): "MFA for contoso"}
    composition = compose(
        [folder({"conditionalAccessPolicies/mfa": policy})], own={}, live=live, facts=FACTS, groups={}
    )
    [composed] = composition.objects.values()
    assert composed.id == "live"  # matched by the name with its variable put in
    assert composed.document["description"] == "contoso.example emea it@contoso ${tenant.name}"


@pytest.mark.parametrize("expression", ["tenant.nme", "tenant.labels['missing']", "unknownKind:HQ"])
def test_an_unknown_variable_stops_the_run_naming_the_file(expression: str) -> None:
    policy = {**MFA, "description": f"${{{expression}}}"}
    with pytest.raises(CodedError) as raised:
        compose([folder({"conditionalAccessPolicies/mfa": policy})], own={}, live={}, facts=FACTS, groups={})
    assert raised.value.code == ErrorCode.INVALID_DESIRED_STATE
    assert "conditionalAccessPolicies/mfa.json" in raised.value.message
    assert expression.split("[")[0] in raised.value.message


def test_references_resolve_to_groups_and_to_objects_the_deploy_creates_by_their_names_in_the_tenant() -> (
    None
):
    policy = {
        **MFA,
        "conditions": {
            "users": {"includeGroups": ["${group:All Staff}"]},
            "locations": {
                "includeLocations": ["${namedLocations:contoso HQ}"],
                "excludeLocations": ["${namedLocations:Branch}"],
            },
        },
    }
    baseline = folder(
        {
            "conditionalAccessPolicies/mfa": policy,
            "namedLocations/hq": {**HQ, "displayName": "${tenant.name} HQ"},
        }
    )
    composition = compose(
        [baseline],
        own={},
        live={(LOCATIONS, "branch-id"): "Branch"},
        facts=FACTS,
        groups={"All Staff": ["g-1"]},
    )
    document = composition.objects[(CA, "baseline.security.mfa")].document
    assert document["conditions"]["users"]["includeGroups"] == ["g-1"]
    assert document["conditions"]["locations"] == {
        "includeLocations": ["baseline.security.hq"],  # created by the same deploy
        "excludeLocations": ["branch-id"],  # already in the tenant
    }


def test_missing_and_ambiguous_references_stop_this_tenant_naming_each() -> None:
    policy = {**MFA, "conditions": {"users": {"includeGroups": ["${group:All Staff}", "${group:Admins}"]}}}
    with pytest.raises(CodedError) as raised:
        compose(
            [folder({"conditionalAccessPolicies/mfa": policy})],
            own={},
            live={},
            facts=FACTS,
            groups={"All Staff": [], "Admins": ["a", "b"]},
        )
    assert raised.value.code == ErrorCode.REFERENCED_OBJECT_MISSING
    assert "group 'All Staff' (in conditionalAccessPolicies/mfa of Baseline security)" in raised.value.message
    assert "group 'Admins' is ambiguous" in raised.value.message


def test_the_last_baseline_wins_and_supersedes_the_tenants_own_object() -> None:
    first = folder({"conditionalAccessPolicies/mfa": MFA}, name="base")
    second = folder({"conditionalAccessPolicies/strict": {**MFA, "state": "disabled"}}, name="strict")
    live = {(CA, "live"): "Require MFA"}
    composition = compose(
        [first, second], own={(CA, "live"): "Require MFA"}, live=live, facts=FACTS, groups={}
    )
    [composed] = composition.objects.values()
    assert (composed.baseline, composed.document["state"]) == ("strict", "disabled")
    assert composition.superseded == [(CA, "live")]


def test_a_baseline_not_released_yet_adds_nothing() -> None:
    unreleased = BaselineFolder("security", None, objects=files({"conditionalAccessPolicies/mfa": MFA}))
    composition = compose([unreleased], own={}, live={}, facts=FACTS, groups={})
    assert composition.objects == {}
    assert [(p.name, p.revision) for p in composition.planned] == [("security", None)]


def test_lookups_ask_only_for_what_the_folders_use() -> None:
    baseline = folder(
        {"conditionalAccessPolicies/mfa": {**MFA, "x": "${group:All Staff} $${group:Escaped}"}},
        {"conditionalAccessPolicies/mfa": {"y": "${group:Admins} ${tenant.domain}"}},
    )
    wanted = lookups([baseline])
    assert (wanted.groups, wanted.domain) == (frozenset({"All Staff", "Admins"}), True)
    assert lookups([folder({"conditionalAccessPolicies/mfa": MFA})]).domain is False


def test_a_composed_object_reads_as_the_backup_records_it() -> None:
    policy = {
        **MFA,
        "createdDateTime": "2026-01-01T00:00:00Z",
        "conditions": {"users": {"includeUsers": ["b", "a"]}},
        "grantControls": {"operator": "OR", "builtInControls": ["mfa", "compliantDevice"]},
    }
    composition = compose(
        [folder({"conditionalAccessPolicies/mfa": policy})], own={}, live={}, facts=FACTS, groups={}
    )
    [composed] = composition.objects.values()
    assert "createdDateTime" not in composed.document  # read-only
    assert composed.document["grantControls"]["builtInControls"] == ["compliantDevice", "mfa"]  # unordered
    assert composed.document["conditions"]["users"]["includeUsers"] == ["a", "b"]
