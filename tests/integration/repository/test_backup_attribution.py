"""A scheduled backup's commit names who made its changes, through a real Git repository: each actor of
an audit record explaining a change is a Co-authored-by trailer, a change no record explains is marked
unattributed, and the audit logs are asked from the last backup's commit time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest

from tenantsync.api import ResourceType
from tenantsync.graph import GraphError
from tenantsync.repository import GitAuthor, TenantRepository
from tenantsync.sync import RunContext
from tenantsync.sync.attribution import Explanation
from tenantsync.sync.history import record_backup
from tenantsync.sync.session import Session
from tests.integration.repository.repository_support import git
from tests.unit.sync.fakes import FakeGraph, FakeSession, context, spec

pytestmark = pytest.mark.integration

LOCATIONS = "identity/conditionalAccess/namedLocations"
HQ = {"id": "11111111-1111-4111-8111-111111111111", "displayName": "HQ"}
LAB = {"id": "22222222-2222-4222-8222-222222222222", "displayName": "Lab"}
ALICE = GitAuthor(name="alice@contoso.com", email="alice@contoso.com")


class GitSession(FakeSession):
    """The fakes' Graph, with the backup written to a real repository."""

    def __init__(self, graph: FakeGraph, repository: TenantRepository) -> None:
        super().__init__(graph=graph)
        self.git = repository

    async def repository(self) -> TenantRepository:  # type: ignore[override]
        return self.git


async def test_a_backup_names_the_actors_of_its_changes_and_marks_the_rest_unattributed(
    repository: TenantRepository, remote: Path
) -> None:
    graph = FakeGraph()
    graph.add(LOCATIONS, HQ, LAB)
    session = GitSession(graph, repository)
    asked: list[tuple[list[ResourceType], datetime]] = []

    async def attribute(
        ctx: RunContext, _: Session, types: Sequence[ResourceType], since: datetime
    ) -> list[Explanation] | None:
        asked.append((list(types), since))
        line = "Update named location by alice@contoso.com at 2026-12-07T09:00:00Z"
        return [Explanation(ResourceType.NAMED_LOCATIONS, HQ["id"], ALICE, line)]

    ctx = context(spec(resources=[ResourceType.NAMED_LOCATIONS]))
    first = await record_backup(ctx, session, attribute)
    assert asked == [], "the first backup has nothing to explain"
    first_time = git("--git-dir", str(remote), "log", "-1", "--format=%cI", "tenantsync/backup")

    graph.add(LOCATIONS, {**HQ, "displayName": "HQ (moved)"}, {**LAB, "displayName": "Lab 2"})
    second = await record_backup(ctx, session, attribute)
    assert second.status.commit != first.status.commit
    assert asked == [([ResourceType.NAMED_LOCATIONS], datetime.fromisoformat(first_time))]

    message = git("--git-dir", str(remote), "log", "-1", "--format=%B", "tenantsync/backup")
    assert f"namedLocations/{HQ['id']}: Update named location by alice@contoso.com" in message
    assert f"namedLocations/{LAB['id']}: unattributed (no audit record explains it)" in message
    trailers = git(
        "--git-dir",
        str(remote),
        "log",
        "-1",
        "--format=%(trailers:key=Co-authored-by,valueonly)",
        "tenantsync/backup",
    )
    assert trailers.strip() == "alice@contoso.com <alice@contoso.com>"

    # Nothing changed: no commit, the audit logs are not asked.
    await record_backup(ctx, session, attribute)
    assert len(asked) == 1


async def test_a_tenant_whose_audit_logs_are_not_read_lists_nothing_and_one_that_fails_marks_unattributed(
    repository: TenantRepository, remote: Path
) -> None:
    graph = FakeGraph()
    graph.add(LOCATIONS, HQ)
    session = GitSession(graph, repository)
    ctx = context(spec(resources=[ResourceType.NAMED_LOCATIONS]))

    async def not_read(*_: object) -> list[Explanation] | None:
        return None

    async def failing(*_: object) -> list[Explanation] | None:
        raise GraphError(503, "ServiceUnavailable", "The audit log is unavailable.")

    await record_backup(ctx, session, not_read)
    graph.add(LOCATIONS, {**HQ, "displayName": "HQ (moved)"})
    await record_backup(ctx, session, not_read)
    message = git("--git-dir", str(remote), "log", "-1", "--format=%B", "tenantsync/backup")
    assert "Changes:" not in message and "Co-authored-by" not in message

    graph.add(LOCATIONS, {**HQ, "displayName": "HQ (moved again)"})
    await record_backup(ctx, session, failing)
    message = git("--git-dir", str(remote), "log", "-1", "--format=%B", "tenantsync/backup")
    assert f"namedLocations/{HQ['id']}: unattributed" in message
    assert "Co-authored-by" not in message
