"""Why a Baseline has no revision, read from real Git: an empty repository, a missing branch, a folder
nobody pushed to. Each message names the field to fix, never only "no commit touches"."""

from __future__ import annotations

import pytest

from tenantsync.api import BaselineSpec
from tenantsync.controllers.baselines import why_no_revision
from tenantsync.repository import TenantRepository

pytestmark = pytest.mark.integration


def spec(url: str, branch: str = "main") -> BaselineSpec:
    return BaselineSpec.model_validate(
        {"repository": {"url": url, "branch": branch, "path": "baselines/security"}}
    )


async def test_an_empty_repository_is_named_as_such(repository: TenantRepository) -> None:
    assert await repository.folder_revision("main", "baselines/security") is None

    said = await why_no_revision(repository, spec(repository.url))

    assert said.startswith(f"The repository {repository.url} named by spec.repository.url has no branches")


async def test_a_missing_branch_is_named_with_the_branches_there_are(repository: TenantRepository) -> None:
    await repository.write_folder("main", "tenants/contoso", {"a.json": b"{}\n"}, "one")
    assert await repository.folder_revision("baseline", "baselines/security") is None

    said = await why_no_revision(repository, spec(repository.url, "baseline"))

    assert said == (
        f"The repository {repository.url} has no branch baseline (spec.repository.branch); its branches are main."
    )


async def test_a_folder_nobody_pushed_to_is_named_with_its_field(repository: TenantRepository) -> None:
    await repository.write_folder("main", "tenants/contoso", {"a.json": b"{}\n"}, "one")
    assert await repository.folder_revision("main", "baselines/security") is None

    said = await why_no_revision(repository, spec(repository.url))

    assert said.startswith(
        f"No commit on branch main of {repository.url} touches baselines/security (spec.repository.path)"
    )
