"""Deploy: dependency order, conflicts, a crash's in-doubt change, already-applied changes, new ids."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tenantsync.api import (
    ChangeAction,
    ChangeOutcome,
    ChangeResult,
    CodedError,
    DeployStatus,
    ErrorCode,
    PlanChange,
    ResourceType,
    SyncRunStatus,
)
from tenantsync.graph import StreamContent
from tenantsync.sync.diff import plan_changes, plan_digest
from tenantsync.sync.pipeline import Advance, RunContext
from tenantsync.sync.steps.deploy import Deploy, ordered
from tests.unit.sync.fakes import DIRECTORY_ID, FakeGraph, FakeSession, MemoryFolders, context

PATH = "tenants/contoso"
LOCATIONS = "identity/conditionalAccess/namedLocations"
POLICIES = "identity/conditionalAccess/policies"
LOCATION = {"id": "11111111-1111-4111-8111-111111111111", "displayName": "HQ"}


def planned(
    desired: dict[str, Any], live: dict[str, Any], graph: FakeGraph
) -> tuple[RunContext, FakeSession]:
    """A run approved for the plan between `desired` and `live`, and a tenant (graph) holding `live`."""
    repo = MemoryFolders()
    repo.put("main", PATH, desired)
    repo.put("tenantsync/backup", PATH, live)
    files_desired = {k.removeprefix(f"{PATH}/"): v for k, v in repo.branches["main"].items()}
    files_live = {k.removeprefix(f"{PATH}/"): v for k, v in repo.branches["tenantsync/backup"].items()}
    changes = plan_changes(files_desired, files_live, where="x")
    status = SyncRunStatus.model_validate(
        {
            "plan": {
                "digest": plan_digest(changes, files_desired),
                "changeCount": len(changes),
                "changes": changes,
            }
        }
    )
    return context(status=status), FakeSession(graph=graph, folders=repo)


def test_creates_follow_dependencies_and_deletes_go_in_reverse() -> None:
    def change(action: ChangeAction, type_: ResourceType) -> PlanChange:
        return PlanChange(action=action, type=type_, id=f"{action}-{type_}")

    changes = [
        change(ChangeAction.DELETE, ResourceType.NAMED_LOCATIONS),
        change(ChangeAction.CREATE, ResourceType.CONDITIONAL_ACCESS_POLICIES),
        change(ChangeAction.DELETE, ResourceType.CONDITIONAL_ACCESS_POLICIES),
        change(ChangeAction.CREATE, ResourceType.NAMED_LOCATIONS),
    ]
    assert [c.id for c in ordered(changes)] == [
        "create-namedLocations",
        "create-conditionalAccessPolicies",
        "delete-conditionalAccessPolicies",
        "delete-namedLocations",
    ]


async def test_an_update_is_patched_and_a_create_records_its_new_id() -> None:
    graph = FakeGraph()
    graph.add(LOCATIONS, LOCATION)
    graph.add(POLICIES)
    policy = {
        "id": "new-policy",
        "displayName": "Block legacy auth",
        "conditions": {"locations": {"includeLocations": [LOCATION["id"]]}},
    }
    desired = {
        f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "HQ Berlin"},
        "conditionalAccessPolicies/new-policy.json": policy,
    }
    ctx, session = planned(desired, {f"namedLocations/{LOCATION['id']}.json": LOCATION}, graph)
    transition = await Deploy()(ctx, session)
    assert isinstance(transition, Advance)
    assert ctx.status.deploy is not None
    assert [(r.type, r.result) for r in ctx.status.deploy.results] == [
        ("namedLocations", ChangeOutcome.APPLIED),
        ("conditionalAccessPolicies", ChangeOutcome.APPLIED),
    ]
    assert graph.writes() == [("PATCH", f"{LOCATIONS}/{LOCATION['id']}"), ("POST", POLICIES)]
    assert graph.collections[LOCATIONS][LOCATION["id"]]["displayName"] == "HQ Berlin"
    new_id = ctx.status.deploy.results[1].createdId
    assert new_id is not None
    renamed = await session.folders.read_folder("main", PATH)
    assert renamed is not None
    assert f"conditionalAccessPolicies/{new_id}.json" in renamed
    assert json.loads(renamed[f"conditionalAccessPolicies/{new_id}.json"])["id"] == new_id


async def test_an_object_changed_since_the_plan_is_a_conflict_and_left_alone() -> None:
    graph = FakeGraph()
    graph.add(LOCATIONS, {**LOCATION, "displayName": "Changed by someone"})
    desired = {f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "HQ Berlin"}}
    ctx, session = planned(desired, {f"namedLocations/{LOCATION['id']}.json": LOCATION}, graph)
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    assert ctx.status.deploy.results[0].result == ChangeOutcome.CONFLICT
    assert graph.writes() == []


async def test_a_change_already_in_the_tenant_is_applied_without_a_write() -> None:
    graph = FakeGraph()
    graph.add(LOCATIONS, {**LOCATION, "displayName": "HQ Berlin"})
    desired = {f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "HQ Berlin"}}
    ctx, session = planned(desired, {f"namedLocations/{LOCATION['id']}.json": LOCATION}, graph)
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    assert ctx.status.deploy.results[0].result == ChangeOutcome.APPLIED
    assert ctx.status.deploy.results[0].message == "The tenant already had the desired state."
    assert graph.writes() == []


async def test_after_a_crash_an_in_doubt_create_is_found_not_sent_again() -> None:
    graph = FakeGraph()
    graph.add(LOCATIONS, {"id": "made-before-the-crash", "displayName": "HQ"})
    ctx, session = planned(
        {"namedLocations/placeholder.json": {"id": "placeholder", "displayName": "HQ"}}, {}, graph
    )
    ctx.status.deploy = DeployStatus(
        results=[
            ChangeResult(
                id="placeholder",
                type=ResourceType.NAMED_LOCATIONS,
                action=ChangeAction.CREATE,
                result=ChangeOutcome.APPLYING,
            )
        ]
    )
    await Deploy()(ctx, session)
    assert ctx.status.deploy.results[0].result == ChangeOutcome.APPLIED
    assert ctx.status.deploy.results[0].createdId == "made-before-the-crash"
    assert graph.writes() == []


async def test_results_recorded_before_a_restart_are_not_applied_twice() -> None:
    graph = FakeGraph()
    graph.add(LOCATIONS, LOCATION)
    desired = {f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "HQ Berlin"}}
    ctx, session = planned(desired, {f"namedLocations/{LOCATION['id']}.json": LOCATION}, graph)
    ctx.status.deploy = DeployStatus(
        results=[
            ChangeResult(
                id=LOCATION["id"],
                type=ResourceType.NAMED_LOCATIONS,
                action=ChangeAction.UPDATE,
                result=ChangeOutcome.APPLIED,
            )
        ]
    )
    await Deploy()(ctx, session)
    assert graph.writes() == []


async def test_a_deploy_stopped_after_recording_created_ids_finishes_when_resumed() -> None:
    """The write-back of new ids changes the desired state; a restart before the step ended must not
    take the run's own commit for a change made after approval."""
    graph = FakeGraph()
    graph.add(LOCATIONS)
    ctx, session = planned({"namedLocations/branch.json": {"displayName": "Branch"}}, {}, graph)
    await Deploy()(ctx, session)
    head = await session.folders.head("main")
    writes = graph.writes()

    resumed = await Deploy()(ctx, session)  # as after a restart: the status still says Deploy
    assert isinstance(resumed, Advance)
    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED]
    assert graph.writes() == writes
    assert await session.folders.head("main") == head


async def test_a_desired_state_changed_after_approval_deploys_nothing() -> None:
    graph = FakeGraph()
    graph.add(LOCATIONS, LOCATION)
    desired = {f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "HQ Berlin"}}
    ctx, session = planned(desired, {f"namedLocations/{LOCATION['id']}.json": LOCATION}, graph)
    session.folders.put(
        "main", PATH, {f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "Pushed later"}}
    )
    with pytest.raises(CodedError) as refused:
        await Deploy()(ctx, session)
    assert refused.value.code == ErrorCode.PLAN_OUTDATED
    assert graph.writes() == []


async def test_intune_assignments_go_through_the_assign_action() -> None:
    graph = FakeGraph()
    configurations = "deviceManagement/deviceConfigurations"
    live = {"id": "cfg", "displayName": "Wi-Fi", "assignments": []}
    graph.add(configurations, dict(live))
    graph.add("groups", {"id": "g1"})
    assignment = {"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}}
    desired = {"deviceConfigurations/cfg.json": {**live, "assignments": [assignment]}}
    ctx, session = planned(desired, {"deviceConfigurations/cfg.json": live}, graph)
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    assert ctx.status.deploy.results[0].result == ChangeOutcome.APPLIED
    assert graph.writes() == [("POST", f"{configurations}/cfg/assign")]
    assert graph.collections[configurations]["cfg"]["assignments"] == [assignment]


CONFIGURATIONS = "deviceManagement/deviceConfigurations"
GROUP_TARGET = {"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}}


def in_doubt(ctx: RunContext, change_id: str, action: ChangeAction) -> None:
    """The state a crash leaves: the change was marked Applying and its fate is unknown."""
    ctx.status.deploy = DeployStatus(
        results=[
            ChangeResult(
                id=change_id,
                type=ResourceType.DEVICE_CONFIGURATIONS,
                action=action,
                result=ChangeOutcome.APPLYING,
            )
        ]
    )


async def test_an_update_interrupted_between_its_patch_and_its_assign_resumes_with_the_assign() -> None:
    graph = FakeGraph()
    planned_live = {"id": "cfg", "displayName": "Wi-Fi", "assignments": []}
    graph.add(CONFIGURATIONS, {**planned_live, "displayName": "Wi-Fi (corp)"})  # the PATCH landed
    graph.add("groups", {"id": "g1"})
    desired = {
        "deviceConfigurations/cfg.json": {
            **planned_live,
            "displayName": "Wi-Fi (corp)",
            "assignments": [GROUP_TARGET],
        }
    }
    ctx, session = planned(desired, {"deviceConfigurations/cfg.json": planned_live}, graph)
    in_doubt(ctx, "cfg", ChangeAction.UPDATE)
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    assert ctx.status.deploy.results[0].result == ChangeOutcome.APPLIED
    assert graph.writes() == [("POST", f"{CONFIGURATIONS}/cfg/assign")], "the PATCH is not sent twice"


async def test_a_create_interrupted_before_its_assign_is_completed_not_duplicated() -> None:
    graph = FakeGraph()
    graph.add(CONFIGURATIONS, {"id": "made-before-the-crash", "displayName": "Wi-Fi", "assignments": []})
    graph.add("groups", {"id": "g1"})
    desired = {
        "deviceConfigurations/new.json": {"id": "new", "displayName": "Wi-Fi", "assignments": [GROUP_TARGET]}
    }
    ctx, session = planned(desired, {}, graph)
    in_doubt(ctx, "new", ChangeAction.CREATE)
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    assert (ctx.status.deploy.results[0].result, ctx.status.deploy.results[0].createdId) == (
        ChangeOutcome.APPLIED,
        "made-before-the-crash",
    )
    assert graph.writes() == [("POST", f"{CONFIGURATIONS}/made-before-the-crash/assign")]


async def test_a_part_changed_by_someone_else_is_still_a_conflict() -> None:
    graph = FakeGraph()
    planned_live = {"id": "cfg", "displayName": "Wi-Fi", "assignments": []}
    graph.add(CONFIGURATIONS, {**planned_live, "displayName": "Someone else's name"})
    desired = {"deviceConfigurations/cfg.json": {**planned_live, "displayName": "Wi-Fi (corp)"}}
    ctx, session = planned(desired, {"deviceConfigurations/cfg.json": planned_live}, graph)
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    assert ctx.status.deploy.results[0].result == ChangeOutcome.CONFLICT
    assert graph.writes() == []


class LosingGraph(FakeGraph):
    """Applies the first write, then loses its answer (the connection drops), as a flaky network does."""

    lost = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        response = super().handler(request)
        if request.method != "GET" and not self.lost:
            self.lost = True
            raise httpx.ReadError("connection reset after the write", request=request)
        return response


@pytest.mark.parametrize("action", ["update", "create"])
async def test_a_write_whose_answer_was_lost_is_read_back_not_reported_failed(action: str) -> None:
    graph = LosingGraph()
    planned_live = {
        "@odata.type": "#microsoft.graph.ipNamedLocation",
        "id": LOCATION["id"],
        "displayName": "HQ",
    }
    if action == "update":
        graph.add(LOCATIONS, planned_live)
        desired = {f"namedLocations/{LOCATION['id']}.json": {**planned_live, "displayName": "HQ Berlin"}}
        live = {f"namedLocations/{LOCATION['id']}.json": planned_live}
    else:
        graph.add(LOCATIONS)
        desired = {"namedLocations/new.json": {**planned_live, "id": "new"}}
        live = {}
    ctx, session = planned(desired, live, graph)
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    assert ctx.status.deploy.results[0].result == ChangeOutcome.APPLIED, ctx.status.deploy.results[0]
    assert len(graph.writes()) == 1, "the write is not sent twice"


async def test_an_update_leaves_withheld_secrets_out_of_the_patch() -> None:
    withheld = {"@tenantsync.withheld": True}
    configurations = "deviceManagement/deviceConfigurations"
    stored = {
        "id": "wifi",
        "@odata.type": "#microsoft.graph.windowsWifiConfiguration",
        "displayName": "Wi-Fi",
        "preSharedKey": None,
        "omaSettings": [
            {"omaUri": "./a", "isEncrypted": True, "value": "****", "secretReferenceValueId": "r1"}
        ],
    }
    graph = FakeGraph()
    graph.add(configurations, stored)
    live = {
        **stored,
        "preSharedKey": withheld,
        "omaSettings": [{"omaUri": "./a", "isEncrypted": True, "value": withheld}],
    }
    desired = {"deviceConfigurations/wifi.json": {**live, "displayName": "Wi-Fi (corp)"}}
    ctx, session = planned(desired, {"deviceConfigurations/wifi.json": live}, graph)
    await Deploy()(ctx, session)

    assert ctx.status.deploy is not None
    assert ctx.status.deploy.results[0].result == ChangeOutcome.APPLIED
    [body] = [body for method, _, body in graph.bodies if method == "PATCH"]
    assert "preSharedKey" not in body
    assert body["omaSettings"] == [{"omaUri": "./a", "isEncrypted": True}]


async def test_a_changed_branding_image_is_put_with_its_media_type_and_an_unchanged_one_is_not() -> None:
    branding = f"organization/{DIRECTORY_ID}/branding"
    png, jpeg = b"\x89PNG\r\n\x1a\nold", b"\xff\xd8\xff\xe0new"
    css = b"a { color: #0078D4; }"
    graph = FakeGraph()
    graph.add(branding, {"signInPageText": "Contoso"})
    graph.add(f"{branding}/localizations", {"id": "fr-FR", "signInPageText": "Bonjour"})
    graph.streams[f"{branding}/bannerLogo"] = StreamContent(png, "image/png")
    graph.streams[f"{branding}/localizations/fr-FR/customCSS"] = StreamContent(css, "text/css")
    live = {
        "signInPageText": "Contoso",
        "bannerLogo": base64.b64encode(png).decode(),
        "localizations": [
            {"id": "fr-FR", "signInPageText": "Bonjour", "customCSS": base64.b64encode(css).decode()}
        ],
    }
    desired = {**live, "bannerLogo": base64.b64encode(jpeg).decode()}
    file = "organizationalBranding/organizationalBranding.json"
    ctx, session = planned({file: desired}, {file: live}, graph)
    await Deploy()(ctx, session)

    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED]
    assert graph.streams[f"{branding}/bannerLogo"] == StreamContent(jpeg, "image/jpeg")
    puts = [path for method, path in graph.writes() if method == "PUT"]
    assert puts == [f"{branding}/bannerLogo"]  # the French style sheet was already as desired
    [patch] = [body for method, _, body in graph.bodies if method == "PATCH"]
    assert "bannerLogo" not in patch  # a stream is never sent inside the JSON


async def test_a_change_only_the_admin_centre_can_make_is_never_sent() -> None:
    graph = FakeGraph()
    graph.add(LOCATIONS, LOCATION)
    meeting = "teamsMeetingPolicy/Global.json"
    desired = {
        f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "HQ Berlin"},
        meeting: {"Identity": "Global", "AllowCloudRecording": True},
    }
    live = {
        f"namedLocations/{LOCATION['id']}.json": LOCATION,
        meeting: {"Identity": "Global", "AllowCloudRecording": False},
    }
    ctx, session = planned(desired, live, graph)
    assert ctx.status.plan is not None
    ctx.status.plan.adminCentreChangeCount = 1  # as Plan counts it

    transition = await Deploy()(ctx, session)

    assert isinstance(transition, Advance)
    assert ctx.status.deploy is not None
    assert [(r.type, r.result) for r in ctx.status.deploy.results] == [
        ("namedLocations", ChangeOutcome.APPLIED)
    ]
    assert graph.writes() == [("PATCH", f"{LOCATIONS}/{LOCATION['id']}")]
    assert transition.message == "1 of 1 changes applied; verifying the tenant."
