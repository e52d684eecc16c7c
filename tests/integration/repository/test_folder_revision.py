"""The newest commit touching a folder, its tree and its diff: what a Baseline's revision is made of."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantsync.repository import TenantRepository

pytestmark = pytest.mark.integration

BASELINE = "baselines/security"


async def test_revision_is_the_newest_commit_touching_the_folder(repository: TenantRepository) -> None:
    first = await repository.write_folder("main", BASELINE, {"groups/staff.json": b"{}\n"}, "baseline v1")
    await repository.write_folder("main", "tenants/contoso", {"a.json": b"{}\n"}, "unrelated")

    revision = await repository.folder_revision("main", BASELINE)

    assert revision is not None
    assert revision.commit == first


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


async def test_diff_between_revisions_names_files_relative_to_the_folder(
    repository: TenantRepository, remote: Path
) -> None:
    first = await repository.write_folder("main", BASELINE, {"groups/staff.json": b'{"a": 1}\n'}, "v1")
    second = await repository.write_folder("main", BASELINE, {"groups/staff.json": b'{"a": 2}\n'}, "v2")
    assert first is not None and second is not None
    await repository.folder_revision("main", BASELINE)

    diff = await repository.folder_diff(first, second, BASELINE)
    whole = await repository.folder_diff(None, second, BASELINE)

    assert "a/groups/staff.json" in diff
    assert '-{"a": 1}' in diff and '+{"a": 2}' in diff
    assert '+{"a": 2}' in whole and "-{" not in whole
