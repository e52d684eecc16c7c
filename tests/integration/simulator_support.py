"""What the tests against the simulator (test_*_against_simulator.py) share: the demo seed's app, a Graph
client signed in as it through real MSAL, the pipeline's session over that client, and a planned run
through the real Deploy step. The fixtures that start the simulator are in conftest.py beside this."""

from __future__ import annotations

import json
import ssl
from collections.abc import Sequence
from typing import Any, NamedTuple

import httpx
import msal
import pytest

from tenantsync.api import ChangeOutcome, PlanChange, ResourceType, SyncRunStatus, TenantSpec
from tenantsync.catalog import catalog
from tenantsync.graph import GraphClient
from tenantsync.sync.diff import object_files, plan_changes, plan_digest
from tenantsync.sync.pipeline import RunContext
from tenantsync.sync.snapshot import take_snapshot
from tenantsync.sync.steps.deploy import Deploy
from tenantsync_sim.seed import (
    DEMO_ADMIN_UPN,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PUBLIC_CLIENT_ID,
    DEMO_TENANT_ID,
)
from tests.integration.sim.simtest_support import SimEndpoint
from tests.unit.sync.fakes import FakeSession, MemoryFolders, Secrets, context, spec

# The demo seed's fixed identifiers (docs/simulator.md).
TENANT_ID = DEMO_TENANT_ID
CLIENT_ID = DEMO_CLIENT_ID
CLIENT_SECRET = DEMO_CLIENT_SECRET
PUBLIC_CLIENT_ID = DEMO_PUBLIC_CLIENT_ID
ADMIN_UPN = DEMO_ADMIN_UPN
PATH = "tenants/contoso"
"""The Tenant's folder in the in-memory repository."""
SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")
"""The async tests' mark where a module also has sync tests: they share the session's loop with the
simulator and client fixtures (a module-wide mark would warn on the sync tests)."""


def service_principal_token(endpoint: SimEndpoint) -> str:
    """A Graph token for the demo app, from the simulator's token endpoint through unmodified MSAL."""
    app = msal.ConfidentialClientApplication(
        CLIENT_ID,
        client_credential=CLIENT_SECRET,
        authority=f"{endpoint.url}/{TENANT_ID}",
        instance_discovery=False,
        verify=endpoint.ca,
    )
    result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
    assert "access_token" in result, result
    return str(result["access_token"])


def graph_client(
    endpoint: SimEndpoint, token: str, transport: httpx.AsyncBaseTransport | None = None
) -> GraphClient:
    """The operator's Graph client against the simulator, trusting its CA, always sending `token`."""

    async def provide() -> str:
        return token

    if transport is not None:
        return GraphClient(endpoint.url, provide, transport=transport, directory_id=TENANT_ID)
    return GraphClient(
        endpoint.url, provide, verify=ssl.create_default_context(cafile=endpoint.ca), directory_id=TENANT_ID
    )


class RecordingTransport(httpx.AsyncHTTPTransport):
    """The real transport, keeping each write's JSON body (``$batch`` sub-requests one by one)."""

    def __init__(self, verify: ssl.SSLContext) -> None:
        super().__init__(verify=verify)
        self.writes: list[tuple[str, str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method in ("POST", "PATCH", "PUT") and request.content:
            body = json.loads(request.content) if request.content.lstrip()[:1] in (b"{", b"[") else None
            if request.url.path.endswith("/$batch") and isinstance(body, dict):
                for sub in body.get("requests", []):
                    self.writes.append((sub["method"], "/" + sub["url"].lstrip("/"), sub.get("body")))
            else:
                self.writes.append((request.method, request.url.path, body))
        return await super().handle_async_request(request)


class SimulatorSession(FakeSession):
    """The pipeline's session over the real simulator's Graph and an in-memory repository, for a Tenant
    that keeps `kinds` (and whatever else `overrides` sets in its spec)."""

    def __init__(
        self, graph: GraphClient, folders: MemoryFolders, kinds: Sequence[ResourceType], **overrides: Any
    ) -> None:
        super().__init__(spec(resources=list(kinds), **overrides), folders=folders)
        self._graph = graph

    async def graph(self) -> GraphClient:
        return self._graph


async def backup_files(graph: GraphClient, *kinds: ResourceType) -> dict[str, bytes]:
    """The files a backup of `kinds` writes, read from the tenant now."""
    return (await take_snapshot(graph, [catalog()[kind] for kind in kinds])).files()


class PlannedRun(NamedTuple):
    """A run ready for the Deploy step, the repository it reads and the changes its plan holds."""

    ctx: RunContext
    folders: MemoryFolders
    changes: list[PlanChange]


def planned_run(
    kinds: Sequence[ResourceType],
    live: dict[str, bytes],
    desired: dict[str, bytes],
    *,
    tenant: TenantSpec | None = None,
    secrets: Secrets | None = None,
) -> PlannedRun:
    """A run whose plan takes `live` (the backup branch) to `desired` (the desired branch) for `kinds`,
    as the Plan step would have made it, with the repository holding both; the Tenant keeps `kinds`
    unless `tenant` says otherwise."""
    folders = MemoryFolders()
    folders.put("main", PATH, dict(desired))
    folders.put("tenantsync/backup", PATH, dict(live))
    joined = object_files(desired, set(kinds), where="test")
    changes = plan_changes(joined, object_files(live, set(kinds), where="test"), where="test")
    status = SyncRunStatus.model_validate(
        {"plan": {"digest": plan_digest(changes, joined), "changeCount": len(changes), "changes": changes}}
    )
    ctx = context(tenant or spec(resources=list(kinds)), status=status, secrets=secrets)
    return PlannedRun(ctx, folders, changes)


async def deploy(
    graph: GraphClient, kinds: Sequence[ResourceType], live: dict[str, bytes], desired: dict[str, bytes]
) -> SyncRunStatus:
    """Plan `desired` against `live` and run the real Deploy step; the run's status afterwards."""
    ctx, folders, changes = planned_run(kinds, live, desired)
    assert changes
    await Deploy()(ctx, SimulatorSession(graph, folders, kinds))
    return ctx.status


def outcomes(status: SyncRunStatus) -> list[ChangeOutcome]:
    """Each change's result, in the plan's order."""
    assert status.deploy is not None
    return [result.result for result in status.deploy.results]
