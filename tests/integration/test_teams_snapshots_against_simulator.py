"""Teams policies through Tenant Configuration Management against the real simulator (issue 22): the
real Backup step creates a snapshot job, waits for it visibly, backs up what it extracted and deletes the
job; a change made in the Teams admin centre is planned by the real Plan step as a change a person must
make there (never an approval that could do nothing); and a refusal for quota keeps what the backup holds."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from tenantsync.api import ConditionReason, ConditionType, ResourceType, RunPhase, SyncRunStatus
from tenantsync.graph import GraphClient
from tenantsync.graph.snapshots import JOBS_PATH, create_snapshot
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition, Wait
from tenantsync.sync.steps.backup import Backup
from tenantsync.sync.steps.plan import Plan
from tenantsync.sync.teams_snapshot import MARKER
from tenantsync_sim.client import SimulatorClient
from tests.integration.simulator_support import PATH, TENANT_ID, SimulatorSession
from tests.unit.sync.fakes import MemoryFolders, context, spec

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

TEAMS = [
    ResourceType.TEAMS_MEETING_POLICY,
    ResourceType.TEAMS_MESSAGING_POLICY,
    ResourceType.TEAMS_APP_SETUP_POLICY,
    ResourceType.TEAMS_APP_PERMISSION_POLICY,
    ResourceType.TEAMS_FEDERATION_CONFIGURATION,
    ResourceType.TEAMS_GUEST_MEETING_CONFIGURATION,
    ResourceType.TEAMS_GUEST_MESSAGING_CONFIGURATION,
    ResourceType.TEAMS_CLIENT_CONFIGURATION,
]
MEETING = "microsoft.teams.meetingpolicy"
BACKUP = "tenantsync/backup"


@pytest.fixture
def sim(sim: SimulatorClient) -> SimulatorClient:
    """The module's simulator, its snapshot jobs succeeding at once again (a test may change that)."""
    sim.set_tcm(TENANT_ID, delaySeconds=0, outcome="succeeded", errorDetails=[])
    return sim


def _run(now: datetime, status: SyncRunStatus | None = None, **overrides: object) -> RunContext:
    ctx = context(spec(resources=TEAMS, **overrides), status=status)
    return dataclasses.replace(ctx, now=now, clock=lambda: now)


async def _backup(ctx: RunContext, session: SimulatorSession) -> tuple[list[Transition], Transition]:
    """The Backup step, tried again while it waits for the snapshot job, as the pipeline would."""
    waits: list[Transition] = []
    for _ in range(40):
        transition = await Backup(snapshot_poll_seconds=0.25)(ctx, session)
        if not isinstance(transition, Wait):
            return waits, transition
        waits.append(transition)
        await asyncio.sleep(0.25)
    raise AssertionError(f"the snapshot never finished: {[w.message for w in waits]}")


async def _jobs(graph: GraphClient) -> list[dict[str, object]]:
    return await graph.list(JOBS_PATH, version="beta")


async def test_a_snapshot_is_waited_for_backed_up_and_its_job_deleted(
    sim: SimulatorClient, graph: GraphClient
) -> None:
    sim.set_tcm(TENANT_ID, delaySeconds=1)
    folders = MemoryFolders()
    ctx = _run(datetime.now(UTC))

    waits, done = await _backup(ctx, SimulatorSession(graph, folders, TEAMS))

    assert waits and all("Waiting for the Teams snapshot" in w.message for w in waits)
    assert isinstance(done, Advance), done
    backup = folders.branches[BACKUP]
    assert json.loads(backup[f"{PATH}/teamsMeetingPolicy/RestrictedAnonymousAccess.json"]) == {
        "AllowAnonymousUsersToJoinMeeting": False,
        "AllowCloudRecording": False,
        "AllowTranscription": False,
        "AutoAdmittedUsers": "InvitedUsers",
        "Description": "Meetings without anonymous joins or recording",
        "Identity": "RestrictedAnonymousAccess",
        "MeetingChatEnabledType": "EnabledExceptAnonymous",
        "ScreenSharingMode": "SingleApplication",
    }
    executive = json.loads(backup[f"{PATH}/teamsMessagingPolicy/Executive-messaging.json"])
    assert executive["Identity"] == "Executive messaging"  # a name with a space, as Teams allows
    for kind in TEAMS:
        assert f"{PATH}/{kind}/Global.json" in backup or f"{PATH}/{kind}/{kind}.json" in backup, kind
    assert f"{PATH}/{MARKER}" in backup
    assert ctx.status.backup is not None and ctx.status.backup.teamsSnapshotTime is not None
    assert ctx.status.snapshotJob is None
    assert await _jobs(graph) == []  # deleted once read: the tenant sees at most 12


async def test_an_admin_centre_change_is_planned_as_one_a_person_makes_there(
    sim: SimulatorClient, graph: GraphClient
) -> None:
    folders = MemoryFolders()
    session = SimulatorSession(graph, folders, TEAMS)
    first = datetime.now(UTC)
    _, done = await _backup(_run(first), session)
    assert isinstance(done, Advance)
    folders.put("main", PATH, {f.removeprefix(f"{PATH}/"): c for f, c in folders.branches[BACKUP].items()})
    sim.change_teams_policy(TENANT_ID, MEETING, "Global", AllowCloudRecording=False)

    within = _run(first + timedelta(hours=1))
    _, kept = await _backup(within, session)
    assert isinstance(kept, Advance)
    assert "Teams policies as snapshotted at" in kept.message  # within the interval: no new snapshot
    assert (
        await Plan()(within, session)
    ).message == "The tenant matches the desired state; nothing to deploy."

    later = _run(first + timedelta(hours=25))
    _, taken = await _backup(later, session)
    assert isinstance(taken, Advance)
    planned = await Plan()(later, session)

    assert isinstance(planned, Finish) and planned.phase == RunPhase.SUCCEEDED
    plan = later.status.plan
    assert plan is not None and plan.changeCount == plan.adminCentreChangeCount == 1
    (change,) = plan.changes
    assert (change.type, change.id, change.changedFields) == (
        ResourceType.TEAMS_MEETING_POLICY,
        "Global",
        ["AllowCloudRecording"],
    )
    assert change.adminCentre == "Teams admin centre > Meetings > Meeting policies"
    assert "Teams admin centre > Meetings > Meeting policies: AllowCloudRecording" in planned.message
    assert "no approval is asked for" in planned.message
    condition = next(c for c in later.status.conditions if c.type == ConditionType.PLANNED)
    assert condition.reason == ConditionReason.ADMIN_CENTRE_CHANGES


async def test_a_quota_refusal_keeps_the_backup_and_says_so(sim: SimulatorClient, graph: GraphClient) -> None:
    folders = MemoryFolders()
    session = SimulatorSession(graph, folders, TEAMS)
    first = datetime.now(UTC)
    _, done = await _backup(_run(first), session)
    assert isinstance(done, Advance)
    held = dict(folders.branches[BACKUP])
    sim.set_tcm(TENANT_ID, delaySeconds=3600)
    others = [
        (await create_snapshot(graph, [MEETING], display_name=f"other tool {n}", description="")).id
        for n in range(12)
    ]
    try:
        ctx = _run(first + timedelta(hours=25))
        _, refused = await _backup(ctx, session)
    finally:
        for job in others:
            await graph.delete(f"{JOBS_PATH}/{job}", version="beta")

    assert isinstance(refused, Advance)
    assert (
        "refused a new Teams snapshot for its quota (400 BadRequest: The tenant has reached the limit of 12"
        in (refused.message)
    )
    assert "keeps the Teams policies as snapshotted at" in refused.message
    assert folders.branches[BACKUP] == held


async def test_a_failed_job_keeps_the_backup_and_names_the_services_details(
    sim: SimulatorClient, graph: GraphClient
) -> None:
    folders = MemoryFolders()
    session = SimulatorSession(graph, folders, TEAMS)
    first = datetime.now(UTC)
    _, done = await _backup(_run(first), session)
    assert isinstance(done, Advance)
    held = dict(folders.branches[BACKUP])
    sim.set_tcm(TENANT_ID, outcome="partiallySuccessful", errorDetails=["Teams workload timed out"])

    _, partial = await _backup(_run(first + timedelta(hours=25)), session)

    assert isinstance(partial, Advance)
    assert "ended partiallySuccessful (Teams workload timed out)" in partial.message
    assert folders.branches[BACKUP] == held
    assert await _jobs(graph) == []
