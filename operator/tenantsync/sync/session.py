"""What one step of a run talks to, built from the Tenant's spec and Secrets: sign-in, Graph and Git.

A `TenantSession` lives for one step: the endpoints and CA bundle are worked out once, and the Graph
clients it opens are closed when the step ends; their HTTPS connections are not, but stay open for the
next step, look or Tenant (`tenantsync.graph.connections`). Secrets come from the run's reader, which answers each
from its first read until the run next waits (`SecretsUntilWait`): one lifetime for every Secret. What is worth keeping
between steps and runs lives in the `TenantCache`: per Tenant, the MSAL applications (and so their
tokens, reused until they near expiry); per repository, one Git clone shared by the Tenants that reach it
with the same Secret; for the operator, the HTTPS connections. A new credential version (a rotated secret or Git token) replaces what was built
from the old one; deleting the Tenant forgets its applications.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from tenantsync.api import BaselineRepository, CodedError, ErrorCode, SecretReference
from tenantsync.auth import (
    AccessToken,
    Credential,
    CredentialsError,
    DelegatedUser,
    ServicePrincipal,
    TenantEndpoints,
    ca_bundle_file,
    credential_fingerprint,
    credential_from_secret,
    endpoints_for,
)
from tenantsync.catalog import ADMIN_API_SCOPE, ADMIN_API_URL, GRAPH_SCOPE_PREFIX, Service
from tenantsync.exchange import ExchangeClient
from tenantsync.graph import ConnectionPools, GraphClient, PoolLease, TokenProvider
from tenantsync.kube import NotFoundError
from tenantsync.precedence import PriorityGate
from tenantsync.repository import (
    GitAuthor,
    RepositoryCredentials,
    TenantRepository,
    is_within,
    repository_credentials,
)
from tenantsync.sync.pipeline import RunContext

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

TenantKey = tuple[str, str]
"""(namespace, Tenant name)."""


class Folders(Protocol):
    """The repository as steps use it: a `TenantRepository`, or an in-memory one in unit tests."""

    async def check_reachable(self) -> None: ...

    async def head(self, branch: str) -> str | None: ...

    async def read_folder(self, branch: str, path: str) -> dict[str, bytes] | None: ...

    async def read_folder_at_head(self, branch: str, path: str) -> tuple[str, dict[str, bytes]] | None: ...

    async def folder_time_at(self, commit: str, path: str) -> datetime | None: ...

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
    ) -> str | None: ...


class TenantFolders:
    """The repository as a run of one Tenant may use it: it reads anywhere, but writes only inside the
    Tenant's folder (on any branch, the plans' branch included).

    Every write of a run (backup, initialised or reverted desired state, ids, plans) goes through here,
    so a spec that names another folder (an `overridesPath` into another Tenant's folder of a shared
    repository) can never make a run overwrite what another Tenant owns.
    """

    def __init__(self, folders: Folders, tenant_folder: str, tenant: str) -> None:
        self._folders = folders
        self._root = tenant_folder.rstrip("/")
        self._tenant = tenant

    @property
    def clone(self) -> Folders:
        """The repository itself, as the cache shares it between Tenants."""
        return self._folders

    async def check_reachable(self) -> None:
        await self._folders.check_reachable()

    async def head(self, branch: str) -> str | None:
        return await self._folders.head(branch)

    async def read_folder(self, branch: str, path: str) -> dict[str, bytes] | None:
        return await self._folders.read_folder(branch, path)

    async def folder_time_at(self, commit: str, path: str) -> datetime | None:
        return await self._folders.folder_time_at(commit, path)

    async def read_folder_at_head(self, branch: str, path: str) -> tuple[str, dict[str, bytes]] | None:
        return await self._folders.read_folder_at_head(branch, path)

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
        folder = path.rstrip("/")
        if not is_within(folder, self._root):
            raise CodedError(
                ErrorCode.UNEXPECTED_ERROR,
                f"Refused to write {path!r} on branch {branch}: it is outside {self._root}, the folder of"
                f" Tenant {self._tenant}, and a run writes only inside its Tenant's folder. Nothing was"
                " written.",
            )
        return await self._folders.write_folder(
            branch,
            folder,
            files,
            message,
            protected_branches=protected_branches,
            author=author,
            read_at=read_at,
        )


class Principal(Protocol):
    async def acquire(self, *, fresh: bool = False, resource: str | None = None) -> AccessToken: ...


class Session(Protocol):
    """What a step may use; `TenantSession` is the real one."""

    @property
    def endpoints(self) -> TenantEndpoints: ...

    async def credential(self) -> Credential: ...

    async def service_principal(self) -> Principal: ...

    async def graph(self) -> GraphClient: ...

    async def admin_api(self) -> GraphClient | None: ...

    async def user_graph(self, scopes: list[str]) -> GraphClient | None: ...

    async def exchange(self, service: Service) -> ExchangeClient: ...

    async def delegated_user(self) -> DelegatedUser: ...

    async def save_user(self, user: DelegatedUser) -> None: ...

    async def repository(self) -> Folders: ...

    async def baseline_folder(
        self, repository: BaselineRepository, revision: str
    ) -> dict[str, bytes] | None: ...


@dataclass
class _Kept:
    """What one Tenant keeps between steps, each with the fingerprint of what it was built from."""

    principal: tuple[str, ServicePrincipal] | None = None
    user: tuple[str, DelegatedUser] | None = None
    request_counts: dict[Service, list[int]] = field(default_factory=dict)
    """Service -> requests and throttled responses not yet taken by the metrics."""


class TenantCache:
    """Per-Tenant state that outlives a step; one instance per operator."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._tenants: dict[TenantKey, _Kept] = {}
        self._connections = ConnectionPools()
        self._write_locks: dict[str, PriorityGate] = {}
        self._repositories: dict[str, tuple[str, TenantRepository]] = {}

    @asynccontextmanager
    async def session(self, ctx: RunContext) -> AsyncIterator[TenantSession]:
        kept = self._tenants.setdefault((ctx.namespace, ctx.tenant_name), _Kept())
        session = TenantSession(self, kept, ctx)
        try:
            yield session
        finally:
            await session.aclose()

    def forget(self, namespace: str, tenant: str) -> None:
        """The Tenant is gone: drop its applications and tokens (a shared clone stays for the others)."""
        self._tenants.pop((namespace, tenant), None)

    def take_graph_counts(self, namespace: str, tenant: str) -> tuple[int, int]:
        """Microsoft Graph's requests and throttled responses since the last call (the drift watch's)."""
        kept = self._tenants.get((namespace, tenant))
        if kept is None:
            return 0, 0
        requests, throttled = kept.request_counts.pop(Service.GRAPH, [0, 0])
        return requests, throttled

    def take_request_counts(self, namespace: str, tenant: str) -> dict[Service, tuple[int, int]]:
        """Each service's requests and throttled responses since the last call, for the Tenant's metrics:
        Graph, the portal's admin API and the Exchange admin API's two endpoints throttle apart."""
        kept = self._tenants.get((namespace, tenant))
        if kept is None:
            return {}
        counts = {
            service: (requests, throttled) for service, (requests, throttled) in kept.request_counts.items()
        }
        kept.request_counts = {}
        return counts

    async def connections(self, bundle: str | bool) -> PoolLease:
        """A client's share of the operator's HTTPS connections that trust ``bundle``."""
        return await self._connections.lease(bundle)

    async def aclose(self) -> None:
        """Close the HTTPS connections the Tenants' clients share: the operator stops."""
        await self._connections.aclose()

    @property
    def ca_directory(self) -> Path:
        """Where the Tenants' CA bundles are written (inside the work directory, never /tmp)."""
        return self._workdir / "ca-bundles"

    async def repository(
        self,
        url: str,
        secret: tuple[str, str | None],
        credentials: RepositoryCredentials | None,
        bundle: str | bool,
    ) -> TenantRepository:
        """The clone of `url` that the Tenants reading it through `secret` ((namespace, Secret name))
        share; rotated credentials are taken on without cloning again.

        A clone is shared only through the same Secret: a Tenant never reads what another fetched with
        credentials it was not given. Pushes to one URL take turns across all its clones (a race costs
        a fetch and a new commit, and five lost in a row fail the run).
        """
        key = _fingerprint(url, secret[0], secret[1] or "", str(bundle))
        access = _fingerprint(credentials.fingerprint() if credentials else "")
        kept = self._repositories.get(key)
        if kept is None:
            clone = TenantRepository(
                url,
                self._workdir / "repositories" / key[:16],
                author=GitAuthor(),
                credentials=credentials,
                ca_bundle=bundle,
                write_lock=self._write_locks.setdefault(url, PriorityGate(1)),
            )
        else:
            clone = kept[1]
            if kept[0] != access:
                await clone.update_access(credentials, bundle)
        self._repositories[key] = (access, clone)
        return clone


class TenantSession:
    """One step's view of a Tenant. Secrets are read on first use, through the run's reader."""

    def __init__(self, cache: TenantCache, kept: _Kept, ctx: RunContext) -> None:
        self._cache = cache
        self._kept = kept
        self._ctx = ctx
        self._endpoints = endpoints_for(ctx.tenant)
        self._ca_bundle: str | bool | None = None
        self._graph: GraphClient | None = None
        self._admin_api: GraphClient | None = None
        self._user_graph: GraphClient | None = None
        self._exchange: dict[Service, ExchangeClient] = {}
        self._clients: list[tuple[Service, GraphClient]] = []

    @property
    def endpoints(self) -> TenantEndpoints:
        return self._endpoints

    async def secret(self, name: str) -> dict[str, bytes] | None:
        """A Secret's data, or None when it does not exist."""
        try:
            return await self._ctx.secrets.read_secret(self._ctx.namespace, name)
        except NotFoundError:
            return None

    async def credential(self) -> Credential:
        ctx = self._ctx
        name = ctx.tenant.servicePrincipal.credentialsSecretRef.name
        data = await self.secret(name)
        if data is None:
            raise CredentialsError(
                ErrorCode.CREDENTIALS_SECRET_NOT_FOUND,
                f"Secret {name} named by spec.servicePrincipal.credentialsSecretRef does not exist in"
                f" namespace {ctx.namespace}. Create it with the app registration's clientSecret (or tls.crt"
                " and tls.key).",
            )
        return credential_from_secret(name, data, ctx.now)

    async def ca_bundle(self) -> str | bool:
        """The CA bundle to trust for this tenant's endpoints (public roots plus caBundleSecretRef)."""
        if self._ca_bundle is None:
            self._ca_bundle = await self._read_ca_bundle()
        return self._ca_bundle

    async def _read_ca_bundle(self) -> str | bool:
        ctx = self._ctx
        reference = ctx.tenant.endpoints.caBundleSecretRef if ctx.tenant.endpoints else None
        if reference is None:
            return True
        data = await self.secret(reference.name)
        if data is None:
            raise CredentialsError(
                ErrorCode.CREDENTIALS_SECRET_NOT_FOUND,
                f"Secret {reference.name} named by spec.endpoints.caBundleSecretRef does not exist in namespace"
                f" {ctx.namespace}. Create it with the CA certificates (PEM) under the key ca.crt.",
            )
        if not data.get("ca.crt"):
            raise CredentialsError(
                ErrorCode.CREDENTIALS_SECRET_INCOMPLETE,
                f"Secret {reference.name} named by spec.endpoints.caBundleSecretRef has no ca.crt key.",
            )
        return ca_bundle_file(data["ca.crt"], self._cache.ca_directory)

    async def service_principal(self) -> ServicePrincipal:
        """The Tenant's service principal, rebuilt only when the credential or the endpoints change."""
        credential = await self.credential()
        bundle = await self.ca_bundle()
        spec = self._ctx.tenant
        fingerprint = _fingerprint(
            spec.tenantId,
            spec.servicePrincipal.clientId,
            repr(self.endpoints),
            str(bundle),
            credential_fingerprint(credential),
        )
        if self._kept.principal is None or self._kept.principal[0] != fingerprint:
            principal = ServicePrincipal(
                self.endpoints,
                spec.tenantId,
                spec.servicePrincipal.clientId,
                credential,
                secret_name=spec.servicePrincipal.credentialsSecretRef.name,
                verify=bundle,
            )
            self._kept.principal = (fingerprint, principal)
        return self._kept.principal[1]

    async def graph(self) -> GraphClient:
        """A Graph client signed in as the service principal, open until the step ends. Paths that name
        the directory (organisational branding) get the Tenant's GUID, or the token's when it is a domain."""
        if self._graph is None:
            principal = await self.service_principal()

            async def token() -> str:
                return (await principal.acquire()).value.get_secret_value()

            tenant_id = self._ctx.tenant.tenantId
            directory_id = tenant_id if _GUID.match(tenant_id) else (await principal.acquire()).directory_id
            self._graph = await self._open(
                Service.GRAPH, self.endpoints.graph_url, token, await self.ca_bundle(), directory_id
            )
        return self._graph

    async def _open(
        self,
        service: Service,
        base_url: str,
        token: TokenProvider,
        bundle: str | bool,
        directory_id: str | None = None,
    ) -> GraphClient:
        client = GraphClient(
            base_url, token, transport=await self._cache.connections(bundle), directory_id=directory_id
        )
        self._clients.append((service, client))
        return client

    async def exchange(self, service: Service) -> ExchangeClient:
        """A client for the Exchange admin API's Exchange Online or compliance endpoint, signed in as the
        service principal with a token for that endpoint's resource, open until the step ends."""
        if service not in self._exchange:
            principal = await self.service_principal()
            endpoints = self.endpoints
            base, resource = (
                (endpoints.exchange_url, endpoints.exchange_resource)
                if service == Service.EXCHANGE
                else (endpoints.compliance_url, endpoints.compliance_resource)
            )

            async def token() -> str:
                return (await principal.acquire(resource=resource)).value.get_secret_value()

            client = ExchangeClient(
                base,
                self._ctx.tenant.tenantId,
                token,
                transport=await self._cache.connections(await self.ca_bundle()),
            )
            self._clients.append((service, client))
            self._exchange[service] = client
        return self._exchange[service]

    async def delegated_user(self) -> DelegatedUser:
        """The Tenant's user sign-in with the token cache from its Secret (empty when there is none)."""
        settings = self._ctx.tenant.userAuthentication
        assert settings is not None
        bundle = await self.ca_bundle()
        fingerprint = _fingerprint(
            self._ctx.tenant.tenantId, settings.clientId, repr(self.endpoints), str(bundle)
        )
        if self._kept.user is None or self._kept.user[0] != fingerprint:
            user = DelegatedUser(self.endpoints, self._ctx.tenant.tenantId, settings.clientId, verify=bundle)
            self._kept.user = (fingerprint, user)
        user = self._kept.user[1]
        user.load(await self.secret(settings.tokenSecretRef.name) or {})
        return user

    async def save_user(self, user: DelegatedUser) -> None:
        """Write the token cache (and pending flow) back to its Secret when they changed."""
        settings = self._ctx.tenant.userAuthentication
        if settings is not None and user.changed:
            data = user.secret_data()
            await self._ctx.secrets.write_secret(
                self._ctx.namespace, settings.tokenSecretRef.name, data, owner=self._ctx.tenant_owner()
            )

    async def admin_api(self) -> GraphClient | None:
        """A client for the portal's admin API as the signed-in user, or None without a usable sign-in.

        With Graph overridden (the simulator, a proxy) the admin API is served from the same place.
        """
        if self._ctx.tenant.userAuthentication is None:
            return None
        if self._admin_api is None:
            user = await self.delegated_user()
            token = await user.silent_token([ADMIN_API_SCOPE])
            await self.save_user(user)
            if token is None:
                return None
            first = token

            async def delegated_token() -> str:
                return await user.silent_token([ADMIN_API_SCOPE]) or first

            endpoints = self.endpoints
            base = endpoints.graph_url if endpoints.graph_url != endpoints.graph_resource else ADMIN_API_URL
            self._admin_api = await self._open(Service.PORTAL, base, delegated_token, await self.ca_bundle())
        return self._admin_api

    async def user_graph(self, scopes: list[str]) -> GraphClient | None:
        """A Graph client as the signed-in user, for what Microsoft grants to no application; None without
        a usable sign-in.

        The token comes from the same account and refresh token as the admin API's: Entra issues one
        resource per token request, so MSAL redeems the refresh token again for Graph's ``scopes`` (given
        with the public cloud's prefix, asked for at this Tenant's Graph resource).
        """
        if self._ctx.tenant.userAuthentication is None or not scopes:
            return None
        if self._user_graph is None:
            resource = self.endpoints.graph_resource.rstrip("/") + "/"
            wanted = [resource + scope.removeprefix(GRAPH_SCOPE_PREFIX) for scope in scopes]
            user = await self.delegated_user()
            token = await user.silent_token(wanted)
            await self.save_user(user)
            if token is None:
                return None
            first = token

            async def delegated_token() -> str:
                return await user.silent_token(wanted) or first

            self._user_graph = await self._open(
                Service.GRAPH, self.endpoints.graph_url, delegated_token, await self.ca_bundle()
            )
        return self._user_graph

    async def repository(self) -> TenantFolders:
        """The Tenant's repository, through the clone it shares with the Tenants that use its Secret,
        writable only inside the Tenant's folder."""
        spec = self._ctx.tenant.repository
        clone = await self._clone(spec.url, spec.secretRef, "spec.repository.secretRef")
        return TenantFolders(clone, self._ctx.repository_path, self._ctx.tenant_name)

    async def baseline_folder(self, repository: BaselineRepository, revision: str) -> dict[str, bytes] | None:
        """A baseline's folder at the revision released to this Tenant (the same clone as the Tenant's
        own when the baseline lives in its repository and is read with the same Secret)."""
        clone = await self._clone(
            repository.url, repository.secretRef, "a Baseline's spec.repository.secretRef"
        )
        return await clone.read_folder_at(revision, repository.path)

    async def _clone(self, url: str, reference: SecretReference | None, named_by: str) -> TenantRepository:
        credentials = await self._git_credentials(url, reference, named_by)
        secret = (self._ctx.namespace, reference.name if reference else None)
        return await self._cache.repository(url, secret, credentials, await self.ca_bundle())

    async def _git_credentials(
        self, url: str, reference: SecretReference | None, named_by: str
    ) -> RepositoryCredentials | None:
        data = await self.secret(reference.name) if reference is not None else None
        return repository_credentials(url, reference, data, named_by=named_by, namespace=self._ctx.namespace)

    async def aclose(self) -> None:
        for service, client in self._clients:
            counts = self._kept.request_counts.setdefault(service, [0, 0])
            counts[0] += client.stats.requests
            counts[1] += client.stats.throttled
            await client.aclose()
        self._clients.clear()


def _fingerprint(*parts: str) -> str:
    """Names a combination of inputs (secrets among them) without keeping any of them."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
