"""Diff: what a plan shows of each change — old and new values, secrets withheld, long values cut — and
the files it refuses by name."""

from __future__ import annotations

import json

import pytest

from tenantsync.api import ChangeAction, CodedError, ErrorCode, PlanChange, ResourceType
from tenantsync.catalog import WITHHELD_KEY, serialise
from tenantsync.sync.diff import (
    SHOWN_LENGTH,
    document,
    field_changes,
    plan_changes,
    shown,
    summary,
)

LOCATION = "namedLocations/11111111-1111-4111-8111-111111111111.json"


def test_a_changed_field_shows_its_old_and_new_values_as_compact_json() -> None:
    [change] = field_changes({"displayName": "HQ", "ipRanges": [1]}, {"displayName": "HQ", "ipRanges": [2]})
    assert (change.path, change.old, change.new) == ("ipRanges[0]", "2", "1")


def test_a_created_object_shows_every_field_as_new_and_a_deleted_one_as_old() -> None:
    created = field_changes({"a": 1, "b": "x"}, None)
    assert [(c.path, c.old, c.new) for c in created] == [("a", None, "1"), ("b", None, '"x"')]
    deleted = field_changes(None, {"a": 1})
    assert [(c.path, c.old, c.new) for c in deleted] == [("a", "1", None)]


@pytest.mark.parametrize(
    ("path", "withheld"),
    [("wifiPassword", True), ("settings.sharedKey", True), ("passwordMinimumLength", False)],
)
def test_fields_named_as_secrets_are_withheld_and_others_shown(path: str, withheld: bool) -> None:
    assert (shown(path, "s3cr3t") == "(withheld)") is withheld


def test_a_value_the_service_withholds_is_never_shown() -> None:
    assert shown("anything", {WITHHELD_KEY: True}) == "(withheld)"


def test_long_values_are_cut_with_the_length_left_out() -> None:
    text = shown("description", "x" * 500)
    assert text is not None
    full = json.dumps("x" * 500)
    assert text == f"{full[:SHOWN_LENGTH]}… (+{len(full) - SHOWN_LENGTH} chars)"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe", "is not UTF-8 text"),
        (b'{"a": 1,\n "b": }', "is not valid JSON (line 2, column"),
        (b"[1, 2]", "holds a JSON list, not an object"),
    ],
    ids=["not UTF-8", "not JSON", "not an object"],
)
def test_a_bad_file_stops_the_plan_naming_where_and_what(content: bytes, words: str) -> None:
    with pytest.raises(CodedError) as refused:
        document(content, LOCATION, where="tenants/contoso on branch main")
    assert refused.value.code == ErrorCode.INVALID_DESIRED_STATE
    assert refused.value.message.startswith(f"tenants/contoso on branch main: {LOCATION} ")
    assert words in refused.value.message


def test_the_same_document_written_differently_is_no_change() -> None:
    desired = {LOCATION: b'{"displayName":"HQ","id":"1"}'}
    live = {LOCATION: b'{\n  "id": "1",\n  "displayName": "HQ"\n}'}
    assert plan_changes(desired, live, where="x") == []


def test_each_action_and_the_baseline_a_desired_object_comes_from() -> None:
    created = "namedLocations/22222222-2222-4222-8222-222222222222.json"
    gone = "namedLocations/33333333-3333-4333-8333-333333333333.json"
    desired = {
        LOCATION: serialise({"id": "1", "displayName": "HQ 2"}),
        created: serialise({"id": "2", "name": "Branch"}),
    }
    live = {
        LOCATION: serialise({"id": "1", "displayName": "HQ"}),
        gone: serialise({"id": "3", "displayName": "Old"}),
    }
    changes = plan_changes(desired, live, where="x", origins={created: "security-defaults"})
    assert [(c.action, c.displayName, c.changedFields, c.baseline) for c in changes] == [
        (ChangeAction.UPDATE, "HQ 2", ["displayName"], None),
        (ChangeAction.CREATE, "Branch", [], "security-defaults"),
        (ChangeAction.DELETE, "Old", [], None),
    ]


def test_the_summary_counts_each_action() -> None:
    def change(action: ChangeAction) -> PlanChange:
        return PlanChange(action=action, type=ResourceType.NAMED_LOCATIONS, id="1")

    assert summary([change(ChangeAction.CREATE)]) == "1 change (1 to create)"
    assert (
        summary([change(ChangeAction.UPDATE), change(ChangeAction.DELETE), change(ChangeAction.UPDATE)])
        == "3 changes (2 to update, 1 to delete)"
    )
