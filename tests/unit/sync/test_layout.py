"""The repository layout, `<type>/<id>.json`, in one place; names never leave their type's folder."""

from __future__ import annotations

import pytest

from tenantsync.api import CodedError, ErrorCode, ResourceType
from tenantsync.catalog import catalog
from tenantsync.sync.layout import file_for, object_file, parse_file


def test_objects_are_named_by_id_and_singletons_by_type() -> None:
    policy = {"id": "0b1c2d3e-0000-4000-8000-000000000001", "displayName": "CA001"}
    assert file_for(catalog()[ResourceType.CONDITIONAL_ACCESS_POLICIES], policy) == (
        f"conditionalAccessPolicies/{policy['id']}.json"
    )
    assert file_for(catalog()[ResourceType.AUTHORIZATION_POLICY], {"id": "x"}) == (
        "authorizationPolicy/authorizationPolicy.json"
    )
    assert parse_file("authorizationPolicy/authorizationPolicy.json", where="w") == (
        ResourceType.AUTHORIZATION_POLICY,
        "authorizationPolicy",
    )
    assert object_file(ResourceType.AUTHORIZATION_POLICY, "authorizationPolicy") == (
        "authorizationPolicy/authorizationPolicy.json"
    )


@pytest.mark.parametrize("object_id", ["", "../escape", "a/b", ".hidden"])
def test_an_id_from_graph_that_would_leave_the_folder_stops_the_backup(object_id: str) -> None:
    with pytest.raises(CodedError) as refused:
        file_for(catalog()[ResourceType.NAMED_LOCATIONS], {"id": object_id})
    assert refused.value.code == ErrorCode.UNEXPECTED_ERROR
    assert "cannot name a file" in refused.value.message


@pytest.mark.parametrize("path", ["namedLocations/../x.json", "namedLocations/a/b.json", "nope/a.json"])
def test_a_file_outside_the_layout_is_refused(path: str) -> None:
    with pytest.raises(CodedError) as refused:
        parse_file(path, where="tenants/contoso on branch main")
    assert refused.value.code == ErrorCode.INVALID_DESIRED_STATE
