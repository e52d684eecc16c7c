"""The repository layout, `<type>/<id>.json`, in one place; names never leave their type's folder."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from tenantsync.api import CodedError, ErrorCode, ResourceType
from tenantsync.catalog import catalog, serialise
from tenantsync.sync.layout import (
    COMPANION,
    file_for,
    file_type,
    join_companions,
    object_file,
    parse_file,
    split_companions,
    split_files,
)


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


def test_a_script_body_is_a_readable_file_beside_its_json_and_joins_back_for_the_plan() -> None:
    entry = catalog()[ResourceType.DEVICE_MANAGEMENT_SCRIPTS]
    body = "Set-TimeZone -Id 'W. Europe Standard Time'\n"
    script = {
        "id": "s1",
        "displayName": "Time zone",
        "scriptContent": base64.b64encode(body.encode()).decode(),
    }

    document, companions = split_companions(entry, script)

    assert document["scriptContent"] == {COMPANION: "s1.ps1"}
    assert companions == {"deviceManagementScripts/s1.ps1": body.encode()}
    files = {"deviceManagementScripts/s1.json": serialise(document), **companions}
    assert join_companions(files, where="x") == {"deviceManagementScripts/s1.json": serialise(script)}


def test_a_missing_or_orphaned_script_file_stops_the_plan_by_name() -> None:
    document = serialise({"id": "s1", "scriptContent": {COMPANION: "s1.ps1"}})
    with pytest.raises(CodedError, match=re.escape("s1.ps1, which does not exist")):
        join_companions({"deviceManagementScripts/s1.json": document}, where="x")
    with pytest.raises(CodedError, match=re.escape("deviceManagementScripts/s2.ps1 belongs to no object")):
        join_companions(
            {
                "deviceManagementScripts/s1.json": document,
                "deviceManagementScripts/s1.ps1": b"",
                "deviceManagementScripts/s2.ps1": b"",
            },
            where="x",
        )
    with pytest.raises(CodedError, match=re.escape("not a <type>/<object id>.json file")):
        file_type("namedLocations/l1.ps1", where="x")
    assert (
        file_type("deviceHealthScripts/h1.remediation.ps1", where="x") == ResourceType.DEVICE_HEALTH_SCRIPTS
    )


PNG = b"\x89PNG\r\n\x1a\n\x00\xff\x00binary"
"""Bytes that are no UTF-8 text: a stream must reach the repository exactly as Graph served it."""


def test_branding_images_are_files_beside_the_json_byte_for_byte_and_join_back() -> None:
    entry = catalog()[ResourceType.ORGANIZATIONAL_BRANDING]
    css = b".ext-sign-in-box { border-radius: 4px; }\n"
    branding: dict[str, Any] = {
        "signInPageText": "Contoso",
        "bannerLogo": base64.b64encode(PNG).decode(),
        "localizations": [{"id": "fr-FR", "customCSS": base64.b64encode(css).decode()}],
    }

    document, files = split_companions(entry, branding)

    assert document["bannerLogo"] == {COMPANION: "organizationalBranding.bannerLogo.png"}
    assert document["localizations"][0]["customCSS"] == {
        COMPANION: "organizationalBranding.fr-FR.customCSS.css"
    }
    assert isinstance(branding["localizations"][0]["customCSS"], str)  # the object read is left as it was
    assert files == {
        "organizationalBranding/organizationalBranding.bannerLogo.png": PNG,
        "organizationalBranding/organizationalBranding.fr-FR.customCSS.css": css,
    }
    stored = {"organizationalBranding/organizationalBranding.json": serialise(document), **files}
    assert join_companions(stored, where="x") == {
        "organizationalBranding/organizationalBranding.json": serialise(branding)
    }
    assert split_files(join_companions(stored, where="x")) == stored
    for path in files:
        assert file_type(path, where="x") == ResourceType.ORGANIZATIONAL_BRANDING


def test_a_jpeg_logo_is_named_as_one_and_an_image_no_json_names_stops_the_plan() -> None:
    entry = catalog()[ResourceType.ORGANIZATIONAL_BRANDING]
    jpeg = b"\xff\xd8\xff\xe0rest"
    _, files = split_companions(entry, {"squareLogo": base64.b64encode(jpeg).decode()})
    assert files == {"organizationalBranding/organizationalBranding.squareLogo.jpg": jpeg}
    with pytest.raises(
        CodedError, match=re.escape("organizationalBranding.favicon.ico belongs to no object")
    ):
        join_companions(
            {
                "organizationalBranding/organizationalBranding.json": serialise({}),
                "organizationalBranding/organizationalBranding.favicon.ico": b"\x00\x00\x01\x00",
            },
            where="x",
        )
