"""OpenID Connect discovery and the signing keys, per tenant.

MSAL (with instance discovery off) reads only this document: ``authorization_endpoint``,
``token_endpoint`` (whose path gives it the tenant GUID), ``device_authorization_endpoint`` and
``issuer``. Entra answers for a verified domain with the tenant's GUID in every URL, and so do we.
"""

from __future__ import annotations

from aiohttp import web

from tenantsync_sim.identity import errors
from tenantsync_sim.runtime import note_caller, origin, simulator
from tenantsync_sim.state import Tenant


def issuer(base: str, tenant: Tenant) -> str:
    return f"{base}/{tenant.id}/v2.0"


def resolve_tenant(request: web.Request) -> Tenant:
    """The tenant named in the path, or AADSTS90002 as Entra answers for an unknown one."""
    name = request.match_info["tenant"]
    tenant = simulator(request).state.find_tenant(name)
    if tenant is None:
        raise errors.tenant_not_found(name)
    note_caller(request, tenant.id, None)
    return tenant


async def openid_configuration(request: web.Request) -> web.Response:
    try:
        tenant = resolve_tenant(request)
    except errors.EntraError as exc:
        exc.error = "invalid_tenant"
        return exc.response(request)
    base = origin(request)
    root = f"{base}/{tenant.id}"
    return web.json_response(
        {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": issuer(base, tenant),
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{base}/oidc/userinfo",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "cloud_instance_name",
                "cloud_instance_host_name",
                "cloud_graph_host_name",
                "msgraph_host",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "at_hash",
                "c_hash",
                "email",
            ],
            "kerberos_endpoint": f"{root}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": request.host,
            "rbac_url": "https://pas.windows.net",
        }
    )


async def keys(request: web.Request) -> web.Response:
    try:
        tenant = resolve_tenant(request)
    except errors.EntraError as exc:
        return exc.response(request)
    return web.json_response(simulator(request).signer.jwks(issuer(origin(request), tenant)))
