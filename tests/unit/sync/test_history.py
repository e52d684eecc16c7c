"""The backup history: what a backup commits is what reading it back gives, it never writes the desired
branch, and its sentence says what was skipped; expiries the service reports are kept in status."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from tenantsync.api import ErrorCode, ResourceType
from tenantsync.catalog import catalog, serialise
from tenantsync.catalog import normalise as catalog_normalise
from tenantsync.repository import RepositoryError
from tenantsync.sync import RunContext, history, snapshot
from tenantsync.sync.attribution import Explanation
from tenantsync.sync.history import record_backup
from tenantsync.sync.session import Session
from tenantsync.sync.teams_snapshot import MARKER, _marker_bytes
from tests.unit.sync.fakes import NOW, FakeGraph, FakeSession, context, spec

LOCATIONS = "identity/conditionalAccess/namedLocations"
LOCATION = {"id": "11111111-1111-4111-8111-111111111111", "displayName": "HQ"}
APNS = "deviceManagement/applePushNotificationCertificate"


def tenant() -> FakeGraph:
    graph = FakeGraph()
    graph.add(LOCATIONS, LOCATION)
    graph.add(APNS, {"id": APNS, "expirationDateTime": "2027-01-31T00:00:00Z"})
    return graph


async def test_the_recorded_files_are_what_the_backup_branch_reads_back() -> None:
    session = FakeSession(graph=tenant())
    ctx = context(
        spec(resources=[ResourceType.NAMED_LOCATIONS, ResourceType.APPLE_PUSH_NOTIFICATION_CERTIFICATE])
    )
    recorded = await record_backup(ctx, session)
    assert recorded.files == await session.folders.read_folder("tenantsync/backup", "tenants/contoso")
    assert recorded.status.commit == await session.folders.head("tenantsync/backup")
    assert (recorded.status.objects, recorded.status.objectsByType) == (
        2,
        {"namedLocations": 1, "applePushNotificationCertificate": 1},
    )
    assert recorded.status.expiries == {
        "applePushNotificationCertificate": datetime.fromisoformat("2027-01-31T00:00:00Z")
    }
    assert recorded.message.startswith("Backed up 2 objects (committed ")


async def test_a_second_identical_backup_commits_nothing_and_says_so() -> None:
    session = FakeSession(graph=tenant())
    ctx = context(spec(resources=[ResourceType.NAMED_LOCATIONS]))
    first = await record_backup(ctx, session)
    again = await record_backup(ctx, session)
    assert again.status.commit == first.status.commit
    assert again.message.endswith("(unchanged since the last backup).")


async def test_types_that_need_a_user_are_skipped_without_one_and_named() -> None:
    session = FakeSession(graph=tenant())
    ctx = context(spec(resources=[ResourceType.NAMED_LOCATIONS, ResourceType.PASSWORD_RESET_POLICY]))
    recorded = await record_backup(ctx, session)
    assert recorded.status.skippedTypes == ["passwordResetPolicy"]
    assert recorded.message.endswith(" Skipped (need a signed-in user): passwordResetPolicy.")


async def test_a_backup_never_writes_the_desired_branch() -> None:
    tenant_spec = spec(
        resources=[ResourceType.NAMED_LOCATIONS],
        repository={"url": "/unused", "branch": "main", "backupBranch": "main"},
    )
    session = FakeSession(graph=tenant())
    with pytest.raises(RepositoryError) as refused:
        await record_backup(context(tenant_spec), session)
    assert refused.value.code == ErrorCode.REPOSITORY_UNREACHABLE
    assert session.folders.branches == {}


async def test_a_backup_reads_its_folder_once_for_the_kept_teams_snapshot_attribution_and_the_write() -> None:
    meeting = catalog()[ResourceType.TEAMS_MEETING_POLICY]
    teams = {
        "teamsMeetingPolicy/Global.json": b'{\n  "Identity": "Global"\n}\n',
        MARKER: _marker_bytes(NOW - timedelta(hours=1), [str(meeting.snapshot_resource)]),
    }
    session = FakeSession(graph=tenant())
    session.folders.put(
        "tenantsync/backup",
        "tenants/contoso",
        {**teams, f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "Old HQ"}},
    )
    asked: list[list[ResourceType]] = []

    async def attribute(
        ctx: RunContext, _: Session, types: Sequence[ResourceType], since: datetime
    ) -> list[Explanation] | None:
        asked.append(list(types))
        return []

    ctx = context(spec(resources=[ResourceType.NAMED_LOCATIONS, ResourceType.TEAMS_MEETING_POLICY]))
    changed = await record_backup(ctx, session, attribute)
    reads_changed = list(session.folders.remote_reads)
    unchanged = await record_backup(ctx, session, attribute)

    assert asked == [[ResourceType.NAMED_LOCATIONS]]
    assert changed.message.startswith("Backed up 2 objects (committed ")
    assert unchanged.message.startswith("Backed up 2 objects (unchanged since the last backup)")
    assert reads_changed == ["tenantsync/backup"]
    assert session.folders.remote_reads == ["tenantsync/backup"] * 2
    backup = await session.folders.read_folder("tenantsync/backup", "tenants/contoso")
    assert backup is not None and {name: backup[name] for name in teams} == teams
    assert serialise(LOCATION) == backup[f"namedLocations/{LOCATION['id']}.json"]


async def test_a_backup_normalises_and_serialises_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CPU work of a backup runs in the off-loop worker (sync/off_loop.py), not on the event loop."""
    threads: dict[str, set[str]] = {"normalise": set(), "serialise": set(), "scan": set()}

    def recorded(name: str, work: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            threads[name].add(threading.current_thread().name)
            return work(*args, **kwargs)

        return run

    monkeypatch.setattr(snapshot, "normalise", recorded("normalise", catalog_normalise))
    monkeypatch.setattr(snapshot, "serialise", recorded("serialise", serialise))
    monkeypatch.setattr(history, "_unencrypted_secrets", recorded("scan", history._unencrypted_secrets))
    ctx = context(spec(resources=[ResourceType.NAMED_LOCATIONS]))
    await record_backup(ctx, FakeSession(graph=tenant()))
    assert {name: {thread.split("_")[0] for thread in seen} for name, seen in threads.items()} == {
        "normalise": {"tenantsync-cpu"},
        "serialise": {"tenantsync-cpu"},
        "scan": {"tenantsync-cpu"},
    }
