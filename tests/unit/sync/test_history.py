"""The backup history: what a backup commits is what reading it back gives, it never writes the desired
branch, and its sentence says what was skipped; expiries the service reports are kept in status."""

from __future__ import annotations

from datetime import datetime

import pytest

from tenantsync.api import ErrorCode, ResourceType
from tenantsync.repository import RepositoryError
from tenantsync.sync.history import record_backup
from tests.unit.sync.fakes import FakeGraph, FakeSession, context, spec

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
