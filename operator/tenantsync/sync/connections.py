"""Everything a run talks to, built from the Tenant's spec and Secrets: sign-in, Graph and Git.

One instance lives as long as the operator. Service principals are kept per credential so MSAL's
token cache works across steps and runs; a rotated secret is a new credential, used at once.
"""

from __future__ import annotations

import hashlib
import ssl
from pathlib import Path

from tenantsync.api import ErrorCode, TenantSpec
from tenantsync.auth import ClientSecretCredential, Credential, CredentialsError, credential_from_secret
from tenantsync.auth.endpoints import TenantEndpoints, ca_bundle_file, endpoints_for
from tenantsync.auth.service_principal import ServicePrincipal
from tenantsync.auth.user import DelegatedUser
from tenantsync.catalog import ADMIN_API_SCOPE, ADMIN_API_URL
from tenantsync.graph import GraphClient
from tenantsync.kube import NotFoundError
from tenantsync.repository import GitAuthor, GitCredentials, RepositoryError, TenantRepository
from tenantsync.sync.pipeline import RunContext


class TenantConnections:
    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._principals: dict[str, ServicePrincipal] = {}
        self._repositories: dict[str, TenantRepository] = {}
        self._graph_clients: dict[tuple[str, str], list[GraphClient]] = {}

    async def credential(self, ctx: RunContext) -> Credential:
        name = ctx.tenant.servicePrincipal.credentialsSecretRef.name
        try:
            data = await ctx.secrets.read_secret(ctx.namespace, name)
        except NotFoundError:
            raise CredentialsError(
                ErrorCode.CREDENTIALS_SECRET_NOT_FOUND,
                f"Secret {name} named by spec.servicePrincipal.credentialsSecretRef does not exist in"
                f" namespace {ctx.namespace}. Create it with the app registration's clientSecret (or tls.crt"
                " and tls.key).",
            ) from None
        return credential_from_secret(name, data, ctx.now)

    async def verify(self, ctx: RunContext) -> str | bool:
        """The CA bundle to trust for this tenant's endpoints (public roots plus caBundleSecretRef)."""
        reference = ctx.tenant.endpoints.caBundleSecretRef if ctx.tenant.endpoints else None
        if reference is None:
            return True
        try:
            data = await ctx.secrets.read_secret(ctx.namespace, reference.name)
        except NotFoundError:
            raise CredentialsError(
                ErrorCode.CREDENTIALS_SECRET_NOT_FOUND,
                f"Secret {reference.name} named by spec.endpoints.caBundleSecretRef does not exist in namespace"
                f" {ctx.namespace}. Create it with the CA certificates (PEM) under the key ca.crt.",
            ) from None
        if not data.get("ca.crt"):
            raise CredentialsError(
                ErrorCode.CREDENTIALS_SECRET_INCOMPLETE,
                f"Secret {reference.name} named by spec.endpoints.caBundleSecretRef has no ca.crt key.",
            )
        return ca_bundle_file(data["ca.crt"])

    @staticmethod
    def endpoints(spec: TenantSpec) -> TenantEndpoints:
        return endpoints_for(spec)

    async def service_principal(self, ctx: RunContext) -> ServicePrincipal:
        credential = await self.credential(ctx)
        verify = await self.verify(ctx)
        spec = ctx.tenant
        identity = repr(
            (ctx.namespace, spec.tenantId, spec.servicePrincipal.clientId, spec.cloud, spec.endpoints, verify)
        )
        secret_part = (
            credential.client_secret.get_secret_value()
            if isinstance(credential, ClientSecretCredential)
            else credential.private_key_pem.get_secret_value()
        )
        key = hashlib.sha256((identity + secret_part).encode()).hexdigest()
        if key not in self._principals:
            self._principals[key] = ServicePrincipal(
                endpoints_for(spec),
                spec.tenantId,
                spec.servicePrincipal.clientId,
                credential,
                secret_name=spec.servicePrincipal.credentialsSecretRef.name,
                verify=verify,
            )
        return self._principals[key]

    async def delegated_user(self, ctx: RunContext) -> DelegatedUser:
        """The Tenant's user sign-in, from the token cache Secret (empty when it does not exist yet)."""
        settings = ctx.tenant.userAuthentication
        assert settings is not None
        try:
            data = await ctx.secrets.read_secret(ctx.namespace, settings.tokenSecretRef.name)
        except NotFoundError:
            data = {}
        return DelegatedUser(
            endpoints_for(ctx.tenant),
            ctx.tenant.tenantId,
            settings.clientId,
            data,
            verify=await self.verify(ctx),
        )

    async def admin_api(self, ctx: RunContext) -> GraphClient | None:
        """A client for the portal's admin API as the signed-in user, or None without a usable sign-in.

        With Graph overridden (the simulator, a proxy) the admin API is served from the same place.
        """
        settings = ctx.tenant.userAuthentication
        if settings is None:
            return None
        user = await self.delegated_user(ctx)
        token = await user.silent_token([ADMIN_API_SCOPE])
        if user.changed:
            await ctx.secrets.write_secret(ctx.namespace, settings.tokenSecretRef.name, user.secret_data())
        if token is None:
            return None
        endpoints = endpoints_for(ctx.tenant)
        base = endpoints.graph_url if endpoints.graph_url != endpoints.graph_resource else ADMIN_API_URL
        verify = await self.verify(ctx)
        context = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify

        async def delegated_token() -> str:
            refreshed = await user.silent_token([ADMIN_API_SCOPE])
            return refreshed or token

        return GraphClient(base, delegated_token, verify=context)

    async def graph(self, ctx: RunContext) -> GraphClient:
        """A Graph client signed in as the service principal; the caller closes it."""
        principal = await self.service_principal(ctx)
        verify = await self.verify(ctx)

        async def token() -> str:
            return (await principal.acquire()).value.get_secret_value()

        context = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        client = GraphClient(endpoints_for(ctx.tenant).graph_url, token, verify=context)
        self._graph_clients.setdefault((ctx.namespace, ctx.tenant_name), []).append(client)
        return client

    def take_graph_counts(self, namespace: str, tenant: str) -> tuple[int, int]:
        """Graph requests and throttled responses since the last call, for the Tenant's metrics."""
        clients = self._graph_clients.pop((namespace, tenant), [])
        return sum(c.stats.requests for c in clients), sum(c.stats.throttled for c in clients)

    async def repository(self, ctx: RunContext) -> TenantRepository:
        """The Tenant's repository, one local clone per Tenant, reused across runs."""
        spec = ctx.tenant.repository
        credentials = None
        if spec.secretRef is not None:
            try:
                data = await ctx.secrets.read_secret(ctx.namespace, spec.secretRef.name)
            except NotFoundError:
                raise RepositoryError(
                    ErrorCode.REPOSITORY_UNREACHABLE,
                    f"Secret {spec.secretRef.name} named by spec.repository.secretRef does not exist in namespace"
                    f" {ctx.namespace}. Create it with username and password (or a token as password).",
                ) from None
            credentials = GitCredentials(
                username=data.get("username", b"git").decode(), password=data.get("password", b"").decode()
            )
        key = (ctx.namespace, ctx.tenant_name, spec.url, credentials.model_dump_json() if credentials else "")
        fingerprint = hashlib.sha256(repr(key).encode()).hexdigest()
        if fingerprint not in self._repositories:
            workdir = self._workdir / "repositories" / ctx.namespace / ctx.tenant_name
            self._repositories[fingerprint] = TenantRepository(
                spec.url, workdir, author=GitAuthor(), credentials=credentials
            )
        return self._repositories[fingerprint]
