"""A run writes only inside its Tenant's folder, whatever path a step (or a spec) hands the repository."""

from __future__ import annotations

import pytest

from tenantsync.api import CodedError, ErrorCode
from tenantsync.sync.session import TenantFolders
from tests.unit.sync.fakes import MemoryFolders

ROOT = "tenants/contoso"


@pytest.mark.parametrize(
    "path",
    [
        ROOT,
        f"{ROOT}/",
        f"{ROOT}/baselines/security",
        f"{ROOT}/contoso-20261128-090000",
    ],
)
async def test_writes_inside_the_tenants_folder_reach_the_repository(path: str) -> None:
    folders = MemoryFolders()

    await TenantFolders(folders, ROOT, "contoso").write_folder("main", path, {"a.json": b"{}\n"}, "m")

    assert f"{path.rstrip('/')}/a.json" in folders.branches["main"]


@pytest.mark.parametrize(
    "path",
    [
        "tenants/fabrikam",
        "tenants/contoso-lab",
        "tenants",
        "",
        "tenants/contoso/../fabrikam",
        "tenants/contoso//x",
        "tenants/contoso/./x",
        "/tenants/contoso",
    ],
)
async def test_writes_outside_the_tenants_folder_are_refused_and_nothing_is_written(path: str) -> None:
    folders = MemoryFolders()

    with pytest.raises(CodedError) as refused:
        await TenantFolders(folders, ROOT, "contoso").write_folder("main", path, {"a.json": b"{}\n"}, "m")

    assert refused.value.code == ErrorCode.UNEXPECTED_ERROR
    assert "outside tenants/contoso, the folder of Tenant contoso" in refused.value.message
    assert folders.branches == {}
