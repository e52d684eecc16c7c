"""Plan: what differs, the digest an approval binds to, the deletion guard, references, bad files."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from tenantsync.api import ChangeAction, CodedError, ErrorCode, Mode, RunPhase
from tenantsync.catalog import serialise
from tenantsync.sync.diff import differences, plan_changes, plan_digest
from tenantsync.sync.pipeline import Advance, Finish
from tenantsync.sync.steps.plan import Plan
from tests.unit.sync.fakes import FakeGraph, FakeSession, MemoryFolders, context, spec

PATH = "tenants/contoso"
LOCATION = {
    "@odata.type": "#microsoft.graph.ipNamedLocation",
    "id": "11111111-1111-4111-8111-111111111111",
    "displayName": "HQ",
    "ipRanges": [],
}


def policy(**conditions: Any) -> dict[str, Any]:
    return {
        "id": "22222222-2222-4222-8222-222222222222",
        "displayName": "Require MFA",
        "state": "enabled",
        "conditions": conditions,
    }


def folders(desired: dict[str, Any], live: dict[str, Any]) -> MemoryFolders:
    repo = MemoryFolders()
    repo.put("main", PATH, desired)
    repo.put("tenantsync/backup", PATH, live)
    return repo


def test_differences_name_each_differing_leaf() -> None:
    desired = {"a": 1, "b": {"c": [1, 2], "d": "x"}, "e": [1], "g": True, "h": None}
    live = {"a": 1, "b": {"c": [1, 3], "d": "y"}, "e": [1, 2], "f": None}
    assert [path for path, _, _ in differences(desired, live)] == ["b.c[1]", "b.d", "e", "g"]


def test_a_property_the_desired_document_leaves_out_is_no_difference() -> None:
    """Graph serves whole objects; a hand-written file names only what it sets (Graph's PATCH leaves the
    rest as it is), so the live object's nulls and defaults beside it are no change."""
    desired = {"displayName": "HQ", "conditions": {"users": {"includeUsers": ["All"]}}}
    live = {
        "displayName": "HQ",
        "description": None,
        "isEnabled": False,
        "conditions": {"users": {"includeUsers": ["All"], "excludeUsers": []}, "locations": None},
    }
    assert differences(desired, live) == []
    assert [path for path, _, _ in differences({**desired, "isEnabled": True}, live)] == ["isEnabled"]


def test_the_digest_changes_with_the_desired_content_behind_a_change() -> None:
    live = {"namedLocations/a.json": b'{"id": "a", "displayName": "HQ"}'}
    first = {"namedLocations/a.json": b'{"id": "a", "displayName": "HQ 2"}'}
    second = {"namedLocations/a.json": b'{"id": "a", "displayName": "HQ 3"}'}
    one, two = plan_changes(first, live, where="x"), plan_changes(second, live, where="x")
    assert [c.changedFields for c in one] == [c.changedFields for c in two] == [["displayName"]]
    assert plan_digest(one, first) != plan_digest(two, second)
    assert plan_digest(one, first) == plan_digest(plan_changes(first, live, where="x"), first)


async def test_changes_wait_for_approval_and_name_each_object() -> None:
    desired = {f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "HQ Berlin"}}
    session = FakeSession(folders=folders(desired, {f"namedLocations/{LOCATION['id']}.json": LOCATION}))
    ctx = context()
    transition = await Plan()(ctx, session)
    assert isinstance(transition, Advance)
    assert ctx.status.plan is not None
    [change] = ctx.status.plan.changes
    assert (change.action, change.type, change.displayName, change.changedFields) == (
        ChangeAction.UPDATE,
        "namedLocations",
        "HQ Berlin",
        ["displayName"],
    )


async def test_an_empty_desired_folder_is_initialised_from_the_backup() -> None:
    repo = MemoryFolders()
    repo.put("tenantsync/backup", PATH, {f"namedLocations/{LOCATION['id']}.json": LOCATION})
    ctx = context()
    transition = await Plan()(ctx, FakeSession(folders=repo))
    assert isinstance(transition, Finish)
    assert transition.phase == RunPhase.SUCCEEDED
    assert await repo.read_folder("main", PATH) == await repo.read_folder("tenantsync/backup", PATH)


async def test_backup_only_reports_drift_and_plans_no_write() -> None:
    desired = {f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "Other"}}
    session = FakeSession(folders=folders(desired, {f"namedLocations/{LOCATION['id']}.json": LOCATION}))
    transition = await Plan()(context(spec(mode=Mode.BACKUP_ONLY)), session)
    assert isinstance(transition, Finish)
    assert transition.message.startswith("Drift: the tenant differs from the desired state in 1 change")


async def test_the_deletion_guard_refuses_to_delete_most_of_the_tenant() -> None:
    live = {f"namedLocations/{n}.json": {"id": str(n), "displayName": f"L{n}"} for n in range(5)}
    desired = {"namedLocations/0.json": live["namedLocations/0.json"]}
    with pytest.raises(CodedError) as refused:
        await Plan(deletion_guard_ratio=0.2)(context(), FakeSession(folders=folders(desired, live)))
    assert refused.value.code == ErrorCode.DELETION_GUARD
    assert "delete 4 of the tenant's 5 objects" in refused.value.message


async def test_missing_groups_and_locations_stop_the_plan_before_any_write() -> None:
    graph = FakeGraph()
    graph.add("groups", {"id": "33333333-3333-4333-8333-333333333333"})
    wanted = policy(
        users={
            "includeGroups": ["33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444"]
        },
        locations={"includeLocations": ["All", "55555555-5555-4555-8555-555555555555"]},
    )
    desired = {f"conditionalAccessPolicies/{wanted['id']}.json": wanted}
    with pytest.raises(CodedError) as refused:
        await Plan()(context(), FakeSession(graph=graph, folders=folders(desired, {})))
    assert refused.value.code == ErrorCode.REFERENCED_OBJECT_MISSING
    message = refused.value.message
    assert "group 44444444-4444-4444-8444-444444444444 (in Conditional Access policy 'Require MFA'" in message
    assert "named location 55555555-5555-4555-8555-555555555555" in message
    assert "33333333" not in message and "All " not in message
    assert graph.writes() == []


async def test_a_reference_to_an_object_created_in_the_same_plan_is_satisfied() -> None:
    wanted = policy(locations={"includeLocations": [LOCATION["id"]]})
    desired = {
        f"conditionalAccessPolicies/{wanted['id']}.json": wanted,
        f"namedLocations/{LOCATION['id']}.json": LOCATION,
    }
    transition = await Plan()(context(), FakeSession(folders=folders(desired, {})))
    assert isinstance(transition, Advance)


async def test_an_assignment_to_a_missing_group_stops_an_intune_change() -> None:
    configuration = {
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "id": "66666666-6666-4666-8666-666666666666",
        "displayName": "Wi-Fi",
        "assignments": [
            {
                "@odata.type": "#microsoft.graph.deviceConfigurationAssignment",
                "target": {
                    "@odata.type": "#microsoft.graph.groupAssignmentTarget",
                    "groupId": "77777777-7777-4777-8777-777777777777",
                },
            }
        ],
    }
    desired = {f"deviceConfigurations/{configuration['id']}.json": configuration}
    with pytest.raises(CodedError) as refused:
        await Plan()(context(), FakeSession(folders=folders(desired, {})))
    assert (
        "group 77777777-7777-4777-8777-777777777777 (in device configuration 'Wi-Fi'" in refused.value.message
    )


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"namedLocations/a.json": b'{"id": "a",\n "x": }'},
            "namedLocations/a.json is not valid JSON (line 2, column",
        ),
        ({"namedLocations/a.json": b"\xff\xfe"}, "namedLocations/a.json is not UTF-8 text"),
        ({"namedLocations/a.json": b"[1, 2]"}, "namedLocations/a.json holds a JSON list, not an object"),
        ({"notAType/a.json": b"{}"}, "folder 'notAType' (file notAType/a.json) is not a configuration type"),
        ({"namedLocations/a.txt": b"{}"}, "namedLocations/a.txt is not a <type>/<object id>.json file"),
    ],
    ids=["malformed JSON", "not UTF-8", "not an object", "unknown folder", "not a json file"],
)
async def test_a_bad_desired_state_file_is_refused_by_name(files: dict[str, bytes], expected: str) -> None:
    repo = MemoryFolders()
    repo.put("main", PATH, dict(files))
    repo.put("tenantsync/backup", PATH, {"namedLocations/a.json": {"id": "a"}})
    with pytest.raises(CodedError) as refused:
        await Plan()(context(), FakeSession(folders=repo))
    assert refused.value.code == ErrorCode.INVALID_DESIRED_STATE
    assert refused.value.message.startswith(f"{PATH} on branch main: ")
    assert expected in refused.value.message


async def test_a_readme_beside_the_type_folders_is_not_an_object() -> None:
    repo = folders({"README.md": b"# Contoso", f"namedLocations/{LOCATION['id']}.json": LOCATION}, {})
    repo.put("tenantsync/backup", PATH, {f"namedLocations/{LOCATION['id']}.json": LOCATION})
    transition = await Plan()(context(), FakeSession(folders=repo))
    assert isinstance(transition, Finish)
    assert transition.message == "The tenant matches the desired state; nothing to deploy."


async def test_an_object_that_could_never_converge_is_refused_by_file_and_field() -> None:
    live = {
        "id": "cfg",
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "displayName": "Wi-Fi",
    }
    untyped_target = {"target": {"groupId": "g1"}}
    desired = {"deviceConfigurations/cfg.json": {**live, "assignments": [untyped_target]}}
    graph = FakeGraph()
    graph.add("groups", {"id": "g1"})
    with pytest.raises(CodedError) as refused:
        await Plan()(
            context(),
            FakeSession(graph=graph, folders=folders(desired, {"deviceConfigurations/cfg.json": live})),
        )
    assert refused.value.code == ErrorCode.INVALID_DESIRED_STATE
    assert "deviceConfigurations/cfg.json lacks assignments[].target.@odata.type" in refused.value.message
    assert "copy them from the object's backup on branch tenantsync/backup" in refused.value.message


async def test_group_members_in_git_are_refused_unless_the_tenant_keeps_them() -> None:
    """Without spec.groupMembers no backup records members, so a desired list would be planned forever."""
    live = {"id": "g1", "displayName": "Helpdesk", "securityEnabled": True, "mailEnabled": False}
    member = {"@odata.type": "#microsoft.graph.user", "id": "u1"}
    desired = {"groups/g1.json": {**live, "members": [member]}}
    kept = {"groups/g1.json": live}
    with pytest.raises(CodedError) as refused:
        await Plan()(context(spec(resources=["groups"])), FakeSession(folders=folders(desired, kept)))
    assert refused.value.code == ErrorCode.INVALID_DESIRED_STATE
    assert "groups/g1.json lists members, but the Tenant keeps no group members" in refused.value.message
    assert "set spec.groupMembers" in refused.value.message

    opted_in = context(spec(resources=["groups"], groupMembers={}))
    graph = FakeGraph()
    transition = await Plan()(opted_in, FakeSession(graph=graph, folders=folders(desired, kept)))
    assert opted_in.status.plan is not None and opted_in.status.plan.changeCount == 1, transition


async def test_an_assignment_without_its_own_type_is_refused_too() -> None:
    """Intune returns each assignment's @odata.type: without it the /assign would be posted every sync."""
    live = {
        "id": "cfg",
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "displayName": "Wi-Fi",
    }
    typed_target = {"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}}
    desired = {"deviceConfigurations/cfg.json": {**live, "assignments": [typed_target]}}
    graph = FakeGraph()
    graph.add("groups", {"id": "g1"})
    with pytest.raises(CodedError) as refused:
        await Plan()(
            context(),
            FakeSession(graph=graph, folders=folders(desired, {"deviceConfigurations/cfg.json": live})),
        )
    assert refused.value.code == ErrorCode.INVALID_DESIRED_STATE
    assert "deviceConfigurations/cfg.json lacks assignments[].@odata.type" in refused.value.message
    assert "target.@odata.type" not in refused.value.message


async def test_the_approver_sees_old_and_new_values_and_never_a_secret() -> None:
    old = {
        "id": "cfg",
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "displayName": "Wi-Fi",
    }
    new = {
        **old,
        "displayName": "Wi-Fi (corp)",
        "wifiPassword": "hunter2",
        "proxyPassphrase": "hunter3",
        "passwordMinimumLength": 12,
        "notes": "x" * 500,
    }
    desired = {"deviceConfigurations/cfg.json": new}
    session = FakeSession(folders=folders(desired, {"deviceConfigurations/cfg.json": old}))
    ctx = context()
    await Plan()(ctx, session)
    assert ctx.status.plan is not None
    [change] = ctx.status.plan.changes
    values = {v.path: (v.old, v.new) for v in change.values}
    assert values["displayName"] == ('"Wi-Fi"', '"Wi-Fi (corp)"')
    assert values["wifiPassword"] == values["proxyPassphrase"] == (None, "(withheld)")
    assert values["passwordMinimumLength"] == (None, "12")
    shortened = values["notes"][1] or ""
    assert shortened.endswith("… (+342 chars)") and len(shortened) < 200
    assert "hunter2" not in ctx.status.plan.model_dump_json()
    assert "hunter3" not in ctx.status.plan.model_dump_json()


async def test_a_creation_shows_the_object_and_the_whole_plan_is_committed_for_review() -> None:
    desired = {f"namedLocations/{LOCATION['id']}.json": LOCATION}
    session = FakeSession(folders=folders(desired, {}))
    ctx = context()
    await Plan()(ctx, session)
    assert ctx.status.plan is not None
    [change] = ctx.status.plan.changes
    assert {v.path: v.new for v in change.values}["displayName"] == '"HQ"'
    assert all(v.old is None for v in change.values)
    assert ctx.status.plan.file == f"{PATH}/contoso-20261128-090000/plan.md"
    committed = await session.folders.read_folder("tenantsync/plans", f"{PATH}/contoso-20261128-090000")
    assert committed is not None
    assert '+ displayName: "HQ"' in committed["plan.md"].decode()
    assert ctx.status.plan.digest is not None
    assert ctx.status.plan.digest in committed["plan.md"].decode()


async def test_a_plan_of_thousands_of_changes_keeps_the_status_small() -> None:
    desired = {
        f"namedLocations/{n:05d}.json": {"@odata.type": "#microsoft.graph.ipNamedLocation", "id": f"{n:05d}"}
        for n in range(3000)
    }
    session = FakeSession(folders=folders(desired, {}))
    ctx = context()
    await Plan()(ctx, session)
    assert ctx.status.plan is not None
    assert (ctx.status.plan.changeCount, len(ctx.status.plan.changes), ctx.status.plan.truncated) == (
        3000,
        50,
        True,
    )
    assert len(ctx.status.model_dump_json()) < 100_000
    committed = await session.folders.read_folder("tenantsync/plans", f"{PATH}/contoso-20261128-090000")
    assert committed is not None
    assert committed["plan.md"].decode().count("## create namedLocations/") == 3000


async def test_a_withheld_secret_is_never_a_change_and_a_secret_set_in_git_is_refused_by_path() -> None:
    withheld = {"@tenantsync.withheld": True}
    live = {
        "id": "wifi",
        "@odata.type": "#microsoft.graph.windowsWifiConfiguration",
        "displayName": "Wi-Fi",
        "preSharedKey": withheld,
        "assignments": [],
    }
    renamed = {**live, "displayName": "Wi-Fi (corp)"}
    ctx = context()
    await Plan()(ctx, FakeSession(folders=folders({"deviceConfigurations/wifi.json": renamed}, {
        "deviceConfigurations/wifi.json": live
    })))  # fmt: skip
    assert ctx.status.plan is not None
    assert ctx.status.plan.changes[0].changedFields == ["displayName"]

    set_in_git = {**live, "preSharedKey": "correct horse battery staple"}
    refused_ctx = context()
    with pytest.raises(CodedError) as refused:
        await Plan()(
            refused_ctx,
            FakeSession(
                folders=folders(
                    {"deviceConfigurations/wifi.json": set_in_git}, {"deviceConfigurations/wifi.json": live}
                )
            ),
        )
    assert refused.value.code == ErrorCode.INVALID_DESIRED_STATE
    assert "deviceConfigurations/wifi.json at preSharedKey holds a value where the service withholds" in (
        refused.value.message
    )
    assert "correct horse" not in refused.value.message
    assert refused_ctx.status.plan is None


async def test_an_administrative_template_pointing_at_a_missing_definition_stops_the_plan() -> None:
    graph = FakeGraph()
    graph.add("deviceManagement/groupPolicyDefinitions", {"id": "known"})
    template = {
        "id": "c1",
        "displayName": "Edge",
        "assignments": [],
        "definitionValues": [{"enabled": True, "definition": {"id": d}} for d in ("known", "retired")],
    }
    desired = {"groupPolicyConfigurations/c1.json": template}
    with pytest.raises(CodedError) as refused:
        await Plan()(context(), FakeSession(graph=graph, folders=folders(desired, {})))
    assert refused.value.code == ErrorCode.REFERENCED_OBJECT_MISSING
    assert (
        "administrative template definition retired (in administrative template 'Edge'"
        in refused.value.message
    )
    assert "known" not in refused.value.message


def test_a_plan_shows_a_changed_image_by_size_and_digest_never_its_bytes() -> None:
    old, new = b"\x89PNG\r\n\x1a\nold", b"\x89PNG\r\n\x1a\nnewer"
    css = b"a { color: red; }"

    def branding(logo: bytes, *localizations: dict[str, Any]) -> bytes:
        return serialise(
            {"bannerLogo": base64.b64encode(logo).decode(), "localizations": list(localizations)}
        )

    file = "organizationalBranding/organizationalBranding.json"
    french = {"id": "fr-FR", "customCSS": base64.b64encode(css).decode()}
    [change] = plan_changes({file: branding(new, french)}, {file: branding(old)}, where="x")

    shown = {value.path: (value.old, value.new) for value in change.values}
    digest = hashlib.sha256(new).hexdigest()[:16]
    assert shown["bannerLogo"] == (
        f'"({len(old)} bytes, sha256 {hashlib.sha256(old).hexdigest()[:16]})"',
        f'"({len(new)} bytes, sha256 {digest})"',
    )
    css_digest = hashlib.sha256(css).hexdigest()[:16]
    assert (
        shown["localizations"][1]
        == f'[{{"customCSS":"({len(css)} bytes, sha256 {css_digest})","id":"fr-FR"}}]'
    )
    assert base64.b64encode(css).decode() not in json.dumps(shown)
