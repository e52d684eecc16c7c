"""Unit-test stand-ins for what a step talks to: an in-memory Graph (httpx.MockTransport, so the real
GraphClient runs), an in-memory repository, a principal with a fixed token, and a Secret store."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from tenantsync.api import BaselineRepository, ErrorCode, SyncRunStatus, TenantSpec
from tenantsync.auth import (
    AccessToken,
    ClientSecretCredential,
    Credential,
    DelegatedUser,
    TenantEndpoints,
    endpoints_for,
)
from tenantsync.catalog import EXCHANGE_PERMISSION, ROLE_TEMPLATE_IDS, Service, serialise
from tenantsync.exchange import ExchangeClient
from tenantsync.graph import GraphClient, StreamContent
from tenantsync.kube import NotFoundError
from tenantsync.repository import GitAuthor, RepositoryError
from tenantsync.sync import RunContext
from tenantsync.sync.streams import stream_names

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
GRAPH = "https://graph.microsoft.com"
DIRECTORY_ID = "3f2b9c4e-0000-4000-8000-000000000001"
"""The tenant's directory id, which paths such as ``organization/{tenantId}/branding`` hold."""
SPEC: dict[str, Any] = {
    "tenantId": "contoso.onmicrosoft.com",
    "servicePrincipal": {
        "clientId": "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11",
        "credentialsSecretRef": {"name": "sp"},
    },
    "repository": {"url": "/unused"},
}
JsonObject = dict[str, Any]


def spec(**overrides: Any) -> TenantSpec:
    return TenantSpec.model_validate({**SPEC, **overrides})


class Secrets:
    """The SecretReader protocol over a dict; a missing name is NotFound, as from the API server."""

    def __init__(self, secrets: dict[str, dict[str, bytes]] | None = None) -> None:
        self.secrets = secrets if secrets is not None else {"sp": {"clientSecret": b"s8Q~secret"}}
        self.reads: list[str] = []
        self.owners: dict[str, dict[str, Any] | None] = {}

    async def read_secret(self, namespace: str, name: str) -> dict[str, bytes]:
        self.reads.append(name)
        if name not in self.secrets:
            raise NotFoundError(name)
        return dict(self.secrets[name])

    async def write_secret(
        self, namespace: str, name: str, data: dict[str, bytes | None], *, owner: dict[str, Any] | None = None
    ) -> None:
        """As the API server's merge: the given keys set, those given as None removed, others kept."""
        held = self.secrets.setdefault(name, {})
        for key, value in data.items():
            if value is None:
                held.pop(key, None)
            else:
                held[key] = value
        self.owners[name] = owner


def context(
    tenant: TenantSpec | None = None,
    *,
    status: SyncRunStatus | None = None,
    annotations: dict[str, str] | None = None,
    secrets: Secrets | None = None,
) -> RunContext:
    return RunContext(
        namespace="m365",
        run_name="contoso-20261128-090000",
        tenant_name="contoso",
        tenant=tenant or spec(),
        status=status or SyncRunStatus(),
        generation=1,
        now=NOW,
        docs_base_url="https://docs.example/troubleshooting",
        secrets=secrets or Secrets(),
        annotations=annotations or {},
        clock=lambda: NOW,
    )


@dataclass
class FakeGraph:
    """Collections by path ("identity/conditionalAccess/namedLocations" -> {id: object}); every request
    is logged, and `fail` can answer a request with an error before the collections do."""

    collections: dict[str, dict[str, JsonObject]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    bodies: list[tuple[str, str, JsonObject]] = field(default_factory=list)
    """What each write sent: method, path and JSON body."""
    fail: Callable[[httpx.Request], httpx.Response | None] = lambda _: None
    streams: dict[str, StreamContent] = field(default_factory=dict)
    """Stream properties by path (``organization/t1/branding/bannerLogo``): bytes, never JSON."""

    def add(self, path: str, *objects: JsonObject) -> None:
        collection = self.collections.setdefault(path, {})
        for obj in objects:
            collection[str(obj.get("id", path))] = copy.deepcopy(obj)

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.split("/", 2)[2]  # drop the version
        self.requests.append((request.method, path))
        failure = self.fail(request)
        if failure is not None:
            return failure
        if path.rpartition("/")[2] in stream_names():
            return self._stream(request, path)
        body = json.loads(request.content) if request.content else {}
        if request.method != "GET":
            self.bodies.append((request.method, path, body))
        if path in self.collections:  # a collection, or a singleton stored under its own path
            collection = self.collections[path]
            if request.method == "GET":
                if list(collection) == [path]:
                    return httpx.Response(200, json=collection[path])
                return httpx.Response(200, json={"value": list(collection.values())})
            if request.method == "POST":
                created = {**body, "id": str(uuid.uuid4())}
                collection[created["id"]] = created
                return httpx.Response(201, json=created)
            if request.method == "PATCH":
                collection[path] = {**collection[path], **body}
                return httpx.Response(204)
        parent, _, last = path.rpartition("/")
        if last == "assign" and parent.rpartition("/")[0] in self.collections:
            owner, _, object_id = parent.rpartition("/")
            self.collections[owner][object_id]["assignments"] = body["assignments"]
            return httpx.Response(200, json={"value": body["assignments"]})
        if parent in self.collections and last in self.collections[parent]:
            obj = self.collections[parent][last]
            if request.method == "GET":
                return httpx.Response(200, json=obj)
            if request.method == "PATCH":
                obj.update(body)
                return httpx.Response(204)
            if request.method == "DELETE":
                del self.collections[parent][last]
                return httpx.Response(204)
        return httpx.Response(
            404, json={"error": {"code": "ResourceNotFound", "message": f"{path} not found"}}
        )

    def _stream(self, request: httpx.Request, path: str) -> httpx.Response:
        if request.method == "PUT":
            self.streams[path] = StreamContent(request.content, request.headers["Content-Type"])
            return httpx.Response(204)
        stream = self.streams.get(path)
        if stream is None:
            return httpx.Response(200)  # Graph's answer for a stream that is not set
        return httpx.Response(200, content=stream.content, headers={"Content-Type": stream.media_type})

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]


class MemoryFolders:
    """The Folders protocol in memory: branch -> {path: bytes}; commits are counted, not kept."""

    def __init__(self) -> None:
        self.branches: dict[str, dict[str, bytes]] = {}
        self.commits = 0
        self.heads: dict[str, str] = {}
        """Each branch's last commit: a branch's head moves only when that branch is written."""
        self.remote_reads: list[str] = []
        """The branches whose folder was read from the remote, one entry a read: a read, and a write
        that compares with the branch itself (without `read_at`, or after the branch moved)."""

    async def folder_time_at(self, commit: str, path: str) -> datetime | None:
        """Commits are not kept: never known."""
        return None

    async def check_reachable(self) -> None:
        return None

    async def head(self, branch: str) -> str | None:
        return self.heads.get(branch, f"{0:040d}") if branch in self.branches else None

    async def read_folder_at_head(self, branch: str, path: str) -> tuple[str, dict[str, bytes]] | None:
        head = await self.head(branch)
        files = await self.read_folder(branch, path)
        return (head, files or {}) if head is not None else None

    async def read_folder(self, branch: str, path: str) -> dict[str, bytes] | None:
        self.remote_reads.append(branch)
        prefix = f"{path}/"
        files = {
            k.removeprefix(prefix): v
            for k, v in self.branches.get(branch, {}).items()
            if k.startswith(prefix)
        }
        return files or None

    async def write_folder(
        self,
        branch: str,
        path: str,
        files: dict[str, bytes],
        message: str,
        *,
        protected_branches: Collection[str] = (),
        author: GitAuthor | None = None,
        read_at: str | None = None,
    ) -> str | None:
        if branch in protected_branches:
            raise RepositoryError(ErrorCode.REPOSITORY_UNREACHABLE, f"Refusing to write to branch {branch}.")
        moved = read_at != await self.head(branch)
        prefix = f"{path}/"
        current = self.branches.setdefault(branch, {})
        kept = {k: v for k, v in current.items() if not k.startswith(prefix)}
        new = {**kept, **{prefix + k: v for k, v in files.items()}}
        if read_at is None or (new == current and moved):
            self.remote_reads.append(branch)  # compared with the branch as it is now, as the real one does
        if new == current:
            return None
        self.branches[branch] = new
        self.commits += 1
        self.heads[branch] = f"{self.commits:040d}"
        return self.heads[branch]

    def put(self, branch: str, path: str, files: dict[str, JsonObject | bytes]) -> None:
        """Write objects as the backup would (canonical JSON), or raw bytes as a person might."""
        self.branches.setdefault(branch, {}).update(
            {f"{path}/{k}": v if isinstance(v, bytes) else serialise(v) for k, v in files.items()}
        )


class FixedPrincipal:
    """Graph's token carries ``roles``; the Exchange admin API's carry ``exchange_roles``; every token
    lists ``role_ids`` (the Entra roles held: Global Administrator unless a test says otherwise)."""

    def __init__(self, roles: frozenset[str]) -> None:
        self.roles = roles
        self.exchange_roles = frozenset({EXCHANGE_PERMISSION})
        self.role_ids = frozenset({ROLE_TEMPLATE_IDS["Global Administrator"]})
        self.fresh_requests = 0
        self.resources: list[str | None] = []

    async def acquire(self, *, fresh: bool = False, resource: str | None = None) -> AccessToken:
        self.fresh_requests += fresh
        self.resources.append(resource)
        roles = self.roles if resource is None or "graph" in resource else self.exchange_roles
        return AccessToken(
            value=SecretStr("token"), roles=roles, expires_at=NOW + timedelta(hours=1), role_ids=self.role_ids
        )


class FakeExchange:
    """The Exchange admin API's ``InvokeCommand`` over dicts: objects per cmdlet noun, each with its Guid,
    the cmdlets' effects as the contract (/work/exo-contract.md) pins them; ``fail`` answers a cmdlet
    once with the response given instead of running it."""

    def __init__(self) -> None:
        self.objects: dict[str, list[JsonObject]] = {}
        self.calls: list[tuple[str, JsonObject]] = []
        self.fail: dict[str, httpx.Response] = {}
        self.lost: set[str] = set()
        """Cmdlets that run but whose answer is lost (503 after the effect)."""

    def add(self, noun: str, **obj: Any) -> JsonObject:
        created = {"Guid": str(uuid.uuid4()), "Identity": obj.get("Name", ""), **obj}
        self.objects.setdefault(noun, []).append(created)
        return created

    def handler(self, request: httpx.Request) -> httpx.Response:
        cmdlet_input = json.loads(request.content)["CmdletInput"]
        cmdlet, parameters = cmdlet_input["CmdletName"], dict(cmdlet_input["Parameters"])
        self.calls.append((cmdlet, dict(parameters)))
        if cmdlet in self.fail:
            return self.fail.pop(cmdlet)
        verb, _, noun = cmdlet.partition("-")
        objects = self.objects.setdefault(noun, [])
        identity = parameters.pop("Identity", None)
        found = [o for o in objects if identity in (o["Guid"], o.get("Name"), o.get("Identity"))]
        target = found[0] if found else (objects[0] if identity is None and objects else None)
        if verb == "Get":
            if identity is not None and target is None:
                return _not_found(identity)
            return httpx.Response(200, json={"value": copy.deepcopy([target] if identity else objects)})
        if verb in ("New", "Add"):
            enabled = parameters.pop("Enabled", None)
            created = self.add(
                noun,
                **parameters,
                **({} if enabled is None else {"State": "Enabled" if enabled else "Disabled"}),
            )
            return self._answer(cmdlet, [created])
        if target is None:
            return _not_found(identity)
        if verb == "Remove":
            objects.remove(target)
        elif verb in ("Enable", "Disable"):
            target["State"] = f"{verb}d"
        else:
            for name, value in parameters.items():
                if name.startswith("Add") and name[3:] in target:
                    target[name[3:]] = [*target[name[3:]], *value]
                elif name.startswith("Remove") and name[6:] in target:
                    target[name[6:]] = [v for v in target[name[6:]] if v not in value]
                else:
                    target[name] = value
        return self._answer(cmdlet, [])

    def _answer(self, cmdlet: str, value: list[JsonObject]) -> httpx.Response:
        if cmdlet in self.lost:
            self.lost.discard(cmdlet)
            return httpx.Response(503, json={"error": {"code": "ServiceUnavailable", "message": "lost"}})
        return httpx.Response(200, json={"value": copy.deepcopy(value)})


def _not_found(identity: Any) -> httpx.Response:
    text = f"The operation couldn't be performed because object '{identity}' couldn't be found."
    exception = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
    return httpx.Response(
        404,
        json={
            "error": {"code": "NotFound", "message": f"Ex|{exception}|{text}", "details": [{"message": text}]}
        },
    )


class FakeSession:
    """The Session protocol over the fakes above; the Graph client is the real one."""

    def __init__(
        self,
        tenant: TenantSpec | None = None,
        *,
        graph: FakeGraph | None = None,
        folders: MemoryFolders | None = None,
        roles: frozenset[str] = frozenset(),
    ) -> None:
        self.fake_graph = graph or FakeGraph()
        self.fake_exchange = FakeExchange()
        self._exchange: dict[Service, ExchangeClient] = {}
        self.folders = folders or MemoryFolders()
        self.principal = FixedPrincipal(roles)
        self.baseline_commits: dict[str, dict[str, bytes]] = {}
        """Baseline repository commits: revision -> {path in the repository: content}."""
        self._endpoints = endpoints_for(tenant or spec())
        self._client: GraphClient | None = None

    @property
    def endpoints(self) -> TenantEndpoints:
        return self._endpoints

    async def credential(self) -> Credential:
        return ClientSecretCredential(client_secret=SecretStr("s8Q~secret"))

    async def service_principal(self) -> FixedPrincipal:
        return self.principal

    async def graph(self) -> GraphClient:
        async def token() -> str:
            return "token"

        if self._client is None:
            transport = httpx.MockTransport(self.fake_graph.handler)
            self._client = GraphClient(
                GRAPH, token, transport=transport, max_retries=0, directory_id=DIRECTORY_ID
            )
        return self._client

    async def admin_api(self) -> GraphClient | None:
        return None

    async def user_graph(self, scopes: list[str]) -> GraphClient | None:
        return None

    async def exchange(self, service: Service) -> ExchangeClient:
        async def token() -> str:
            return "token"

        if service not in self._exchange:
            transport = httpx.MockTransport(self.fake_exchange.handler)
            self._exchange[service] = ExchangeClient(
                f"https://{service}.example", SPEC["tenantId"], token, transport=transport, max_retries=0
            )
        return self._exchange[service]

    async def delegated_user(self) -> DelegatedUser:
        raise AssertionError("these tests configure no delegated user")

    async def save_user(self, user: DelegatedUser) -> None:
        raise AssertionError("these tests configure no delegated user")

    async def repository(self) -> MemoryFolders:
        return self.folders

    async def baseline_folder(self, repository: BaselineRepository, revision: str) -> dict[str, bytes] | None:
        if revision not in self.baseline_commits:
            return None
        prefix = f"{repository.path.rstrip('/')}/"
        files = self.baseline_commits[revision]
        return {k.removeprefix(prefix): v for k, v in files.items() if k.startswith(prefix)}
