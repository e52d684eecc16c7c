"""The per-step session over the real TenantCache: Secrets read once until the run waits, caches owned by their Tenant,
rotated Git credentials taken on without a new clone, one clone per repository and Secret."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, cast

from tenantsync.auth import DelegatedUser
from tenantsync.sync import SecretsUntilWait, TenantCache
from tests.unit.sync.fakes import Secrets, context, spec

USER = {"clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "tokenSecretRef": {"name": "user-cache"}}


class ChangedUser:
    """What save_user needs of a DelegatedUser whose token cache changed."""

    changed = True

    def secret_data(self) -> dict[str, bytes | None]:
        return {"msal_token_cache.json": b"{}", "device_flow.json": None}


async def test_each_secret_is_read_once_until_the_run_waits_whatever_the_steps(tmp_path: Path) -> None:
    server = Secrets()
    secrets = SecretsUntilWait(server)
    ctx = dataclasses.replace(context(), secrets=secrets)
    cache = TenantCache(tmp_path)
    for _ in range(2):  # two steps, one session each
        async with cache.session(ctx) as session:
            await session.credential()
            await session.service_principal()
    assert server.reads == ["sp"]
    secrets.forget()
    async with cache.session(ctx) as session:
        await session.credential()
    assert server.reads == ["sp", "sp"]


async def test_a_written_token_cache_is_loaded_without_reading_its_secret_again(tmp_path: Path) -> None:
    pending = {"msal_token_cache.json": b"old", "device_flow.json": b"flow"}
    server = Secrets({"sp": {"clientSecret": b"x"}, "user-cache": dict(pending)})
    ctx = dataclasses.replace(context(spec(userAuthentication=USER)), secrets=SecretsUntilWait(server))
    async with TenantCache(tmp_path).session(ctx) as session:
        assert await session.secret("user-cache") == pending
        await session.save_user(cast(DelegatedUser, ChangedUser()))
        assert await session.secret("user-cache") == {"msal_token_cache.json": b"{}"}
    assert server.reads == ["user-cache"]


async def test_the_token_cache_is_written_owned_by_its_tenant(tmp_path: Path) -> None:
    secrets = Secrets()
    ctx = context(spec(userAuthentication=USER), secrets=secrets)
    ctx.tenant_uid = "0b5e1c2d-uid"
    async with TenantCache(tmp_path).session(ctx) as session:
        await session.save_user(cast(DelegatedUser, ChangedUser()))
    assert secrets.secrets["user-cache"] == {"msal_token_cache.json": b"{}"}
    assert secrets.owners["user-cache"] == {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "Tenant",
        "name": "contoso",
        "uid": "0b5e1c2d-uid",
        "controller": True,
    }


async def test_a_rotated_git_token_is_used_without_a_new_clone(tmp_path: Path) -> None:
    tenant = spec(repository={"url": "https://git.example.com/tenants.git", "secretRef": {"name": "git"}})
    cache = TenantCache(tmp_path / "work")
    secrets = Secrets({"sp": {"clientSecret": b"x"}, "git": {"password": b"old-token"}})

    async def repository() -> Any:
        async with cache.session(context(tenant, secrets=secrets)) as session:
            return (await session.repository()).clone

    first = await repository()
    before = first.credentials_fingerprint
    secrets.secrets["git"] = {"password": b"new-token"}
    second = await repository()
    assert second is first, "the clone is kept"
    assert second.credentials_fingerprint != before, "the rotated token is used"


async def test_tenants_share_a_clone_only_through_the_same_secret_in_the_same_namespace(
    tmp_path: Path,
) -> None:
    """A thousand Tenants in one repository keep one clone, not a thousand; a Tenant never reads
    through a clone that another Secret's credentials fetched."""
    url = "https://git.example.com/tenants.git"
    cache = TenantCache(tmp_path / "work")
    secrets = Secrets({"sp": {"clientSecret": b"x"}, "git": {"password": b"a"}, "other": {"password": b"b"}})

    async def repository(name: str, secret: str, namespace: str = "m365") -> Any:
        tenant = spec(repository={"url": url, "secretRef": {"name": secret}, "path": f"tenants/{name}"})
        ctx = dataclasses.replace(context(tenant, secrets=secrets), tenant_name=name, namespace=namespace)
        async with cache.session(ctx) as session:
            return (await session.repository()).clone

    contoso = await repository("contoso", "git")
    assert await repository("fabrikam", "git") is contoso
    assert await repository("tailspin", "other") is not contoso
    assert await repository("contoso", "git", namespace="msp-b") is not contoso
    cache.forget("m365", "contoso")
    assert await repository("fabrikam", "git") is contoso, "the other Tenants keep using it"
