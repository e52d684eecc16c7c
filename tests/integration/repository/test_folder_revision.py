"""The newest commit touching a folder, its tree and its diff: what a Baseline's revision is made of."""

from __future__ import annotations

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
