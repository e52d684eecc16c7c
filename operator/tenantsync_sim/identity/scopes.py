"""Scope strings as Entra parses them: one resource per request, ``.default`` or named permissions."""

from __future__ import annotations

from dataclasses import dataclass

from tenantsync_sim.identity import errors

GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
# The Azure portal's own admin API (main.iam.ad.ext.azure.com) is the resource "ADIbizaUX".
ADMIN_API_APP_ID = "74658136-14ec-4630-ad9b-26e160ff0fc6"
ADMIN_API_RESOURCE = "https://main.iam.ad.ext.azure.com"
# Office 365 Exchange Online: its service principal answers for the Exchange admin API and for the
# Security & Compliance (Purview) admin API; both audiences carry its application permissions.
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
EXCHANGE_RESOURCE = "https://outlook.office365.com"
COMPLIANCE_RESOURCE = "https://ps.compliance.protection.outlook.com"
EXCHANGE_PERMISSIONS = frozenset({"Exchange.ManageAsApp", "full_access_as_app"})
"""Application permissions of Office 365 Exchange Online (the rest the simulator knows are Graph's)."""
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})

_RESOURCE_ALIASES = {
    GRAPH_RESOURCE: GRAPH_RESOURCE,
    GRAPH_APP_ID: GRAPH_RESOURCE,
    ADMIN_API_APP_ID: ADMIN_API_APP_ID,
    ADMIN_API_RESOURCE: ADMIN_API_APP_ID,
    EXCHANGE_RESOURCE: EXCHANGE_RESOURCE,
    EXCHANGE_APP_ID: EXCHANGE_RESOURCE,
    COMPLIANCE_RESOURCE: COMPLIANCE_RESOURCE,
}

GRAPH_AUDIENCES = [GRAPH_RESOURCE, GRAPH_APP_ID, GRAPH_RESOURCE + "/"]
ADMIN_API_AUDIENCES = [ADMIN_API_APP_ID, ADMIN_API_RESOURCE]
EXCHANGE_AUDIENCES = [EXCHANGE_RESOURCE, EXCHANGE_RESOURCE + "/", EXCHANGE_APP_ID]
COMPLIANCE_AUDIENCES = [COMPLIANCE_RESOURCE, COMPLIANCE_RESOURCE + "/"]


def application_roles(resource: str, granted: list[str]) -> list[str]:
    """The ``roles`` an app-only token for ``resource`` carries: the consented permissions of that API."""
    if resource in (EXCHANGE_RESOURCE, COMPLIANCE_RESOURCE):
        return [p for p in granted if p in EXCHANGE_PERMISSIONS]
    if resource == GRAPH_RESOURCE:
        return [p for p in granted if p not in EXCHANGE_PERMISSIONS]
    return []


@dataclass(frozen=True)
class ScopeRequest:
    """What a token request asks for: the audience, and either ``.default`` or named permissions."""

    resource: str
    default: bool
    permissions: tuple[str, ...]
    oidc: tuple[str, ...]

    def qualified(self, names: list[str]) -> list[str]:
        """Scope strings as the token response's ``scope`` returns them (MSAL caches by these)."""
        prefix = GRAPH_RESOURCE if self.resource == GRAPH_RESOURCE else self.resource
        return [f"{prefix}/{name}" for name in names]


def _split(scope: str) -> tuple[str, str]:
    for alias in sorted(_RESOURCE_ALIASES, key=len, reverse=True):
        if scope.lower().startswith(alias.lower() + "/"):
            return _RESOURCE_ALIASES[alias], scope[len(alias) + 1 :]
    if "/" in scope:
        resource, _, name = scope.rpartition("/")
        return resource, name
    return GRAPH_RESOURCE, scope


def parse_scopes(raw: str | None, tenant_name: str) -> ScopeRequest:
    """Parse the ``scope`` form field; raises the AADSTS error Entra gives for malformed scopes."""
    if not raw or not raw.strip():
        raise errors.invalid_request(
            900144, "The request body must contain the following parameter: 'scope'."
        )
    resources: set[str] = set()
    names: list[str] = []
    oidc: list[str] = []
    for scope in raw.split():
        if scope.lower() in OIDC_SCOPES:
            oidc.append(scope.lower())
            continue
        resource, name = _split(scope)
        if resource not in _RESOURCE_ALIASES.values():
            raise errors.EntraError(
                400,
                "invalid_resource",
                500011,
                f"The resource principal named {resource} was not found in the tenant named {tenant_name}. "
                "This can happen if the application has not been installed by the administrator of the "
                "tenant or consented to by any user in the tenant. You might have sent your authentication "
                "request to the wrong tenant.",
            )
        resources.add(resource)
        names.append(name)
    if len(resources) > 1:
        raise errors.invalid_scope(
            f"The provided value for the input parameter 'scope' is not valid because it contains more "
            f"than one resource. Scope {raw} is not valid."
        )
    resource = resources.pop() if resources else GRAPH_RESOURCE
    default = ".default" in names
    if default and len(names) > 1:
        raise errors.invalid_scope(
            f"The provided value for the input parameter 'scope' is not valid. Scope {raw} combines "
            "'.default' with other scopes."
        )
    return ScopeRequest(resource, default, tuple(n for n in names if n != ".default"), tuple(oidc))
