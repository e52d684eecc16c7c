"""Graph types Microsoft grants to no application (feature rollout policies, the tenant-wide Teams app
settings) against the real simulator: the real UserSignIn step signs a user in with the device code
through unmodified MSAL, and the real Backup and Deploy steps read and write both types with that user's
delegated Graph token, redeemed from the same refresh token as the portal API's. An app-only token is
refused 403, as Graph refuses it; a Tenant without a user reports both types skipped."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from tenantsync.api import ChangeOutcome, ResourceType, TenantSpec
from tenantsync.auth import DelegatedUser
from tenantsync.graph import GraphClient
from tenantsync.sync.pipeline import RunContext, Wait
from tenantsync.sync.session import TenantCache, TenantSession
from tenantsync.sync.steps.backup import Backup
from tenantsync.sync.steps.deploy import NO_USER, Deploy
from tenantsync.sync.steps.user_signin import UserSignInStep
from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.state import stable_id
from tests.integration.sim.simtest_support import SimEndpoint
from tests.integration.simulator_support import (
    ADMIN_UPN,
    CLIENT_ID,
    CLIENT_SECRET,
    PATH,
    PUBLIC_CLIENT_ID,
    TENANT_ID,
    planned_run,
    service_principal_token,
)
from tests.unit.sync.fakes import FakeSession, MemoryFolders, Secrets, context

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ROLLOUT = ResourceType.FEATURE_ROLLOUT_POLICIES
TEAMS = ResourceType.TEAMS_APP_SETTINGS
KINDS = [ROLLOUT, TEAMS]
BACKUP = "tenantsync/backup"


def _spec(endpoint: SimEndpoint, *, user: bool) -> TenantSpec:
    return TenantSpec.model_validate(
        {
            "tenantId": TENANT_ID,
            "endpoints": {
                "authority": endpoint.url,
                "graph": endpoint.url,
                "caBundleSecretRef": {"name": "sim-ca"},
            },
            "servicePrincipal": {"clientId": CLIENT_ID, "credentialsSecretRef": {"name": "sp"}},
            "repository": {"url": "/unused"},
            "resources": [str(kind) for kind in KINDS],
            **(
                {
                    "userAuthentication": {
                        "clientId": PUBLIC_CLIENT_ID,
                        "tokenSecretRef": {"name": "user"},
                    }
                }
                if user
                else {}
            ),
        }
    )


def _secrets(endpoint: SimEndpoint) -> Secrets:
    return Secrets(
        {
            "sp": {"clientSecret": CLIENT_SECRET.encode()},
            "sim-ca": {"ca.crt": Path(endpoint.ca).read_bytes()},
        }
    )


class _Session(FakeSession):
    """The real TenantSession's Graph, user sign-in and user Graph clients; the repository in memory."""

    def __init__(self, real: TenantSession, tenant: TenantSpec, folders: MemoryFolders) -> None:
        super().__init__(tenant, folders=folders)
        self.real = real

    async def graph(self) -> GraphClient:
        return await self.real.graph()

    async def admin_api(self) -> GraphClient | None:
        return await self.real.admin_api()

    async def user_graph(self, scopes: list[str]) -> GraphClient | None:
        return await self.real.user_graph(scopes)

    async def delegated_user(self) -> DelegatedUser:
        return await self.real.delegated_user()

    async def save_user(self, user: DelegatedUser) -> None:
        await self.real.save_user(user)


async def _sign_in(ctx: RunContext, session: _Session, sim: SimulatorClient) -> None:
    """The real UserSignIn step: it shows a device code, the admin enters it, the next poll signs in."""
    waiting = await UserSignInStep()(ctx, session)
    assert isinstance(waiting, Wait)
    assert ctx.status.authentication and ctx.status.authentication.user
    code = ctx.status.authentication.user.userCode
    assert code
    await asyncio.to_thread(sim.sign_in, code, ADMIN_UPN)
    await UserSignInStep()(ctx, session)
    assert ctx.status.authentication.user.state and ctx.status.authentication.user.state.signed_in


async def _backup(folders: MemoryFolders) -> dict[str, bytes]:
    files = await folders.read_folder(BACKUP, PATH)
    assert files is not None
    return files


def _docs(files: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    return {path: json.loads(content) for path, content in files.items()}


async def test_a_signed_in_user_backs_up_and_deploys_both_types(
    endpoint: SimEndpoint, tmp_path: Path
) -> None:
    tenant = _spec(endpoint, user=True)
    secrets = _secrets(endpoint)
    cache = TenantCache(tmp_path)
    folders = MemoryFolders()
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        ctx = context(tenant, secrets=secrets)
        async with cache.session(ctx) as real:
            session = _Session(real, tenant, folders)
            await _sign_in(ctx, session, sim)
            await Backup()(ctx, session)
    assert ctx.status.backup is not None and ctx.status.backup.skippedTypes == []
    live = await _backup(folders)
    docs = _docs(live)
    [settings] = [doc for path, doc in docs.items() if path.startswith(f"{TEAMS}/")]
    assert settings["allowUserRequestsForAppAccess"] is True
    rollouts = {
        str(doc["displayName"]): (path, doc) for path, doc in docs.items() if path.startswith(f"{ROLLOUT}/")
    }
    assert sorted(rollouts) == ["Password hash sync pilot 01", "Seamless SSO pilot 02"]
    path, pilot = rollouts["Password hash sync pilot 01"]
    assert [link["id"] for link in pilot["appliesTo"]] == [stable_id("demo", "group", "3")]

    desired = dict(live)
    settings_path = next(p for p in live if p.startswith(f"{TEAMS}/"))
    desired[settings_path] = json.dumps({**settings, "allowUserRequestsForAppAccess": False}).encode()
    widened = [
        {"@odata.type": "#microsoft.graph.group", "id": stable_id("demo", "group", str(index))}
        for index in (3, 5)
    ]
    desired[path] = json.dumps({**pilot, "appliesTo": widened, "isEnabled": False}).encode()
    deploy_ctx, folders, changes = planned_run(KINDS, live, desired, tenant=tenant, secrets=secrets)
    assert len(changes) == 2
    deploy_ctx.status.authentication = ctx.status.authentication
    async with cache.session(deploy_ctx) as real:
        await Deploy()(deploy_ctx, _Session(real, tenant, folders))
    assert deploy_ctx.status.deploy is not None
    results = {r.type: (r.result, r.message) for r in deploy_ctx.status.deploy.results}
    assert results == {ROLLOUT: (ChangeOutcome.APPLIED, None), TEAMS: (ChangeOutcome.APPLIED, None)}

    verify_ctx = context(tenant, secrets=secrets)
    verify_ctx.status.authentication = ctx.status.authentication
    async with cache.session(verify_ctx) as real:
        await Backup()(verify_ctx, _Session(real, tenant, folders))
    after = _docs(await _backup(folders))
    assert after[settings_path]["allowUserRequestsForAppAccess"] is False
    assert after[path]["isEnabled"] is False
    assert sorted(link["id"] for link in after[path]["appliesTo"]) == sorted(link["id"] for link in widened)


async def test_without_a_user_both_types_are_skipped_not_failed(
    endpoint: SimEndpoint, tmp_path: Path
) -> None:
    tenant = _spec(endpoint, user=False)
    folders = MemoryFolders()
    ctx = context(tenant, secrets=_secrets(endpoint))
    async with TenantCache(tmp_path).session(ctx) as real:
        await Backup()(ctx, _Session(real, tenant, folders))
    assert ctx.status.backup is not None
    assert sorted(ctx.status.backup.skippedTypes) == sorted(str(kind) for kind in KINDS)


@pytest.mark.parametrize("path", ["policies/featureRolloutPolicies", "teamwork/teamsAppSettings"])
def test_an_app_only_token_is_refused_as_graph_refuses_it(endpoint: SimEndpoint, path: str) -> None:
    token = service_principal_token(endpoint)
    with httpx.Client(verify=ssl.create_default_context(cafile=endpoint.ca)) as http:
        answer = http.get(f"{endpoint.url}/v1.0/{path}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] in ("Authorization_RequestDenied", "AccessDenied")


async def test_a_change_planned_without_a_signed_in_user_fails_saying_so(
    endpoint: SimEndpoint, tmp_path: Path
) -> None:
    tenant = _spec(endpoint, user=False)
    secrets = _secrets(endpoint)
    live = {"teamsAppSettings/teamsAppSettings.json": b'{"allowUserRequestsForAppAccess": true}'}
    desired = {"teamsAppSettings/teamsAppSettings.json": b'{"allowUserRequestsForAppAccess": false}'}
    ctx, folders, _ = planned_run(KINDS, live, desired, tenant=tenant, secrets=secrets)
    async with TenantCache(tmp_path).session(ctx) as real:
        await Deploy()(ctx, _Session(real, tenant, folders))
    assert ctx.status.deploy is not None
    assert [(r.type, r.result, r.message) for r in ctx.status.deploy.results] == [
        (TEAMS, ChangeOutcome.FAILED, NO_USER)
    ]
