"""The newest commit touching a folder, its tree and its diff: what a Baseline's revision is made of."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tenantsync.repository import TenantRepository
from tests.integration.repository.repository_support import git

pytestmark = pytest.mark.integration

BASELINE = "baselines/security"


async def test_revision_is_the_newest_commit_touching_the_folder(repository: TenantRepository) -> None:
    first = await repository.write_folder("main", BASELINE, {"groups/staff.json": b"{}\n"}, "baseline v1")
    await repository.write_folder("main", "tenants/contoso", {"a.json": b"{}\n"}, "unrelated")

    revision = await repository.folder_revision("main", BASELINE)

    assert revision is not None
    assert revision.commit == first


async def test_folder_time_is_the_newest_commit_touching_the_folder_as_of_the_head_read(
    repository: TenantRepository, remote: Path
) -> None:
    await repository.write_folder("main", BASELINE, {"groups/staff.json": b"{}\n"}, "baseline v1")
    touched = git("--git-dir", str(remote), "log", "-1", "--format=%cI", "main")
    read = await repository.read_folder_at_head("main", BASELINE)
    await repository.write_folder("main", BASELINE, {"groups/staff.json": b"[]\n"}, "baseline v2")
    untouched = await repository.read_folder_at_head("main", "tenants/contoso")

    assert read is not None and untouched is not None
    assert await repository.folder_time_at(read[0], BASELINE) == datetime.fromisoformat(touched)
    assert await repository.folder_time_at(read[0], "tenants/contoso") is None
    assert await repository.folder_time_at(untouched[0], "tenants/contoso") is None


async def test_tree_changes_only_with_the_content(repository: TenantRepository) -> None:
    await repository.write_folder("main", BASELINE, {"groups/staff.json": b"{}\n"}, "v1")
    before = await repository.folder_revision("main", BASELINE)
    await repository.write_folder("main", BASELINE, {"groups/staff.json": b'{"x": 1}\n'}, "v2")
    after = await repository.folder_revision("main", BASELINE)

    assert before is not None and after is not None
    assert before.tree != after.tree
    assert before.commit != after.commit


async def test_missing_branch_or_folder_has_no_revision(repository: TenantRepository) -> None:
    assert await repository.folder_revision("main", BASELINE) is None
    await repository.write_folder("main", "tenants/contoso", {"a.json": b"{}\n"}, "other")
    assert await repository.folder_revision("main", BASELINE) is None


async def test_changes_between_revisions_name_files_relative_to_the_folder(
    repository: TenantRepository,
) -> None:
    files = {"groups/staff.json": b'{"a": 1}\n', "groups/gone.json": b"{}\n"}
    first = await repository.write_folder("main", BASELINE, files, "v1")
    changed = {"groups/staff.json": b'{"a": 2}\n', "namedLocations/hq.json": b"{}\n"}
    second = await repository.write_folder("main", BASELINE, changed, "v2")
    assert first is not None and second is not None
    await repository.folder_revision("main", BASELINE)

    changes = await repository.folder_changes(first, second, BASELINE)
    whole = await repository.folder_changes(None, second, BASELINE)

    assert changes == ["D groups/gone.json", "M groups/staff.json", "A namedLocations/hq.json"]
    assert whole == ["A groups/staff.json", "A namedLocations/hq.json"]


async def test_a_commit_force_pushed_away_is_no_longer_held_by_the_branch(
    repository: TenantRepository, remote: Path
) -> None:
    first = await repository.write_folder("main", BASELINE, {"groups/staff.json": b"{}\n"}, "v1")
    second = await repository.write_folder("main", BASELINE, {"groups/staff.json": b"[]\n"}, "v2")
    assert first is not None and second is not None
    await repository.folder_revision("main", BASELINE)
    held = (await repository.holds("main", first), await repository.holds("main", second))

    git("--git-dir", str(remote), "update-ref", "refs/heads/main", first)  # a force push
    revision = await repository.folder_revision("main", BASELINE)

    assert held == (True, True)
    assert revision is not None and revision.commit == first
    assert await repository.holds("main", first)
    assert not await repository.holds("main", second)
    assert not await repository.holds("other", first)
    assert not await repository.holds("main", "--output=/tmp/x")


async def test_branches_are_listed_by_name_as_last_fetched(repository: TenantRepository) -> None:
    await repository.folder_revision("main", BASELINE)
    empty = await repository.branches()
    await repository.write_folder("main", "tenants/contoso", {"a.json": b"{}\n"}, "one")
    await repository.write_folder("release/2026", "tenants/contoso", {"b.json": b"{}\n"}, "two")
    await repository.folder_revision("main", BASELINE)

    assert empty == []
    assert await repository.branches() == ["main", "release/2026"]
