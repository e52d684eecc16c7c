"""Types no API writes (Teams policies): the plan reports each difference as a change a person makes in
the admin centre, a plan of those alone ends without asking for an approval, and a deploy never sends one."""

from __future__ import annotations

import json

from tenantsync.api import ChangeAction, ConditionReason, ConditionType, ResourceType, RunPhase
from tenantsync.catalog import catalog, serialise
from tenantsync.sync.diff import admin_centre_summary, deployable, plan_changes
from tenantsync.sync.pipeline import Finish
from tenantsync.sync.steps.plan import Plan
from tests.unit.sync.fakes import FakeSession, MemoryFolders, context, spec

MEETING = ResourceType.TEAMS_MEETING_POLICY
PATH = "tenants/contoso"


def _file(identity: str, **settings: object) -> tuple[str, bytes]:
    return f"{MEETING}/{identity}.json", serialise({"Identity": identity, **settings})


def test_every_teams_type_is_read_only_and_names_its_admin_centre_page() -> None:
    teams = [entry for entry in catalog().values() if entry.snapshot_resource]
    assert len(teams) >= 5
    for entry in teams:
        assert entry.writable  # never the silent kind: differences are planned, for a person
        assert entry.admin_centre and entry.admin_centre.startswith("Teams admin centre > ")
        assert entry.snapshot_resource and entry.snapshot_resource.startswith("microsoft.teams.")


def test_a_difference_in_a_teams_policy_is_a_change_for_the_admin_centre() -> None:
    desired = dict([_file("Global", AllowCloudRecording=True), _file("Kiosk", AllowCloudRecording=False)])
    live = dict([_file("Global", AllowCloudRecording=False)])

    changes = plan_changes(desired, live, where="test")

    assert [(c.action, c.id, c.changedFields, c.adminCentre) for c in changes] == [
        (
            ChangeAction.UPDATE,
            "Global",
            ["AllowCloudRecording"],
            "Teams admin centre > Meetings > Meeting policies",
        ),
        (ChangeAction.CREATE, "Kiosk", [], "Teams admin centre > Meetings > Meeting policies"),
    ]
    assert deployable(changes) == []
    assert admin_centre_summary(changes) == (
        "2 changes no API can make, to be made by a person in the admin centre: update teamsMeetingPolicy Global"
        " (Teams admin centre > Meetings > Meeting policies: AllowCloudRecording); create teamsMeetingPolicy Kiosk"
        " (Teams admin centre > Meetings > Meeting policies)"
    )


async def test_a_plan_of_admin_centre_changes_alone_ends_without_an_approval() -> None:
    folders = MemoryFolders()
    folders.put("main", PATH, dict([_file("Global", AllowCloudRecording=True)]))
    folders.put("tenantsync/backup", PATH, dict([_file("Global", AllowCloudRecording=False)]))
    tenant = spec(resources=[MEETING])
    ctx = context(tenant)

    transition = await Plan()(ctx, FakeSession(tenant, folders=folders))

    assert isinstance(transition, Finish) and transition.phase == RunPhase.SUCCEEDED
    assert ctx.status.plan is not None
    assert (ctx.status.plan.changeCount, ctx.status.plan.adminCentreChangeCount) == (1, 1)
    planned = next(c for c in ctx.status.conditions if c.type == ConditionType.PLANNED)
    assert planned.reason == ConditionReason.ADMIN_CENTRE_CHANGES
    assert "Teams admin centre > Meetings > Meeting policies: AllowCloudRecording" in transition.message
    assert "tenantsync/plans" not in folders.branches  # nothing to approve, so no plan is committed
    assert (
        json.loads(folders.branches["main"][f"{PATH}/{MEETING}/Global.json"])["AllowCloudRecording"] is True
    )
