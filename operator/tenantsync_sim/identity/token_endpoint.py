"""``/{tenant}/oauth2/v2.0/token``: client credentials, refresh token and device code grants."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tenantsync_sim.identity import errors, tokens
from tenantsync_sim.identity.client_auth import authenticate
from tenantsync_sim.identity.discovery import issuer, resolve_tenant
from tenantsync_sim.identity.scopes import (
    ADMIN_API_APP_ID,
    GRAPH_APP_ID,
    ScopeRequest,
    application_roles,
    parse_scopes,
)
from tenantsync_sim.runtime import Simulator, note_caller, origin, simulator
from tenantsync_sim.state import Application, Tenant, User

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_ADMIN_API_SCOPES = frozenset({"user_impersonation"})


def find_app(tenant: Tenant, client_id: str | None) -> Application:
    if not client_id:
        raise errors.invalid_request(
            900144, "The request body must contain the following parameter: 'client_id'."
        )
    app = tenant.apps.get(client_id.lower())
    if app is None:
        raise errors.app_not_found(client_id, tenant.display_name)
    return app


def _token_audiences(request: web.Request, tenant: Tenant) -> list[str]:
    """Entra accepts an assertion addressed to the token endpoint by tenant GUID or by the name used."""
    base = origin(request)
    names = {tenant.id, request.match_info["tenant"], *tenant.domains}
    return [f"{base}/{name}/oauth2/v2.0/token" for name in names] + [
        f"{base}/{name}/oauth2/token" for name in names
    ]


def _check_user(user: User, scopes: ScopeRequest) -> None:
    if user.blocked_by_conditional_access:
        raise errors.blocked_by_conditional_access()
    if user.mfa_required:
        resource = GRAPH_APP_ID if scopes.resource != ADMIN_API_APP_ID else ADMIN_API_APP_ID
        raise errors.mfa_required(resource)


def _delegated_grant(app: Application, scopes: ScopeRequest) -> list[str]:
    granted = app.granted_delegated_permissions
    if scopes.resource == ADMIN_API_APP_ID:
        available = [p for p in granted if p in _ADMIN_API_SCOPES]
    else:
        available = [p for p in granted if p not in _ADMIN_API_SCOPES]
    if scopes.default:
        return available
    missing = [name for name in scopes.permissions if name not in available]
    if missing:
        raise errors.consent_required(app.app_id, app.display_name)
    return list(scopes.permissions)


def delegated_response(
    sim: Simulator,
    request: web.Request,
    tenant: Tenant,
    app: Application,
    user: User,
    scopes: ScopeRequest,
    form: dict[str, str],
    auth: tokens.ClientAuth,
) -> dict[str, Any]:
    """Tokens for a signed-in user; shared by the device code and refresh token grants."""
    _check_user(user, scopes)
    granted = _delegated_grant(app, scopes)
    now = sim.clock()
    lifetime = tenant.settings.access_token_lifetime_seconds
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "scope": " ".join([*scopes.qualified(granted), *scopes.oidc]),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": tokens.access_token(
            sim.signer, tenant, app, scopes, now, auth=auth, user=user, granted=granted
        ),
    }
    requested = form.get("scope", "").split()
    if "offline_access" in scopes.oidc:
        body["refresh_token"] = tenant.new_refresh_token(app.app_id, user.id, requested, now)
        body["refresh_token_expires_in"] = tenant.settings.refresh_token_lifetime_seconds
    if "openid" in scopes.oidc:
        body["id_token"] = tokens.id_token(
            sim.signer, issuer(origin(request), tenant), tenant, app, user, now
        )
    if form.get("client_info") == "1":
        body["client_info"] = tokens.client_info(tenant, user)
    return body


def _client_credentials(
    sim: Simulator, tenant: Tenant, app: Application, form: dict[str, str], auth: tokens.ClientAuth
) -> dict[str, Any]:
    scopes = parse_scopes(form.get("scope"), tenant.display_name)
    if not scopes.default:
        raise errors.invalid_scope(
            f"The provided value for scope {form.get('scope')} is not valid. Client credential flows must "
            "have a scope value with /.default suffixed to the resource identifier (application ID URI)."
        )
    roles = application_roles(scopes.resource, app.granted_application_permissions)
    token = tokens.access_token(sim.signer, tenant, app, scopes, sim.clock(), auth=auth, granted=roles)
    return tokens.app_token_response(token, tenant.settings.access_token_lifetime_seconds)


def _refresh_token(
    sim: Simulator,
    request: web.Request,
    tenant: Tenant,
    app: Application,
    form: dict[str, str],
    auth: tokens.ClientAuth,
) -> dict[str, Any]:
    grant = tenant.refresh_tokens.get(form.get("refresh_token", ""))
    if grant is None or grant.client_id != app.app_id:
        raise errors.invalid_refresh_token()
    if grant.expires_at <= sim.clock():
        raise errors.expired_refresh_token()
    user = tenant.users.get(grant.user_id)
    if user is None:
        raise errors.invalid_refresh_token()
    scope_text = form.get("scope") or " ".join(grant.scopes)
    scopes = parse_scopes(scope_text, tenant.display_name)
    return delegated_response(sim, request, tenant, app, user, scopes, {**form, "scope": scope_text}, auth)


def _device_code(
    sim: Simulator,
    request: web.Request,
    tenant: Tenant,
    app: Application,
    form: dict[str, str],
    auth: tokens.ClientAuth,
) -> dict[str, Any]:
    grant = tenant.device_codes.get(form.get("device_code", ""))
    if grant is None or grant.client_id != app.app_id:
        raise errors.bad_verification_code()
    now = sim.clock()
    if grant.redeemed:
        raise errors.EntraError(
            400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed."
        )
    if now >= grant.expires_at:
        raise errors.expired_device_code()
    previous, grant.last_poll = grant.last_poll, now
    if grant.state == "declined":
        raise errors.authorization_declined()
    if grant.state == "pending":
        if previous is not None and now - previous < grant.interval / 2:
            raise errors.slow_down()
        raise errors.authorization_pending()
    user = tenant.users.get(grant.user_id or "")
    if user is None:
        raise errors.bad_verification_code()
    scopes = parse_scopes(" ".join(grant.scopes), tenant.display_name)
    body = delegated_response(
        sim, request, tenant, app, user, scopes, {**form, "scope": " ".join(grant.scopes)}, auth
    )
    grant.redeemed = True
    return body


NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


def issue_tokens(request: web.Request, form: dict[str, str]) -> dict[str, Any]:
    """Authenticate the client and run its grant (v2 form fields); raises the AADSTS error."""
    sim = simulator(request)
    tenant = resolve_tenant(request)
    app = find_app(tenant, form.get("client_id"))
    note_caller(request, tenant.id, app.app_id)
    grant_type = form.get("grant_type", "")
    if grant_type not in ("client_credentials", "refresh_token", DEVICE_CODE_GRANT):
        raise errors.unsupported_grant_type(grant_type)
    auth = authenticate(app, form, _token_audiences(request, tenant))
    if grant_type == "client_credentials":
        if auth == "public":
            raise errors.missing_client_credential()
        return _client_credentials(sim, tenant, app, form, auth)
    if grant_type == "refresh_token":
        return _refresh_token(sim, request, tenant, app, form, auth)
    return _device_code(sim, request, tenant, app, form, auth)


async def token(request: web.Request) -> web.Response:
    form = {k: str(v) for k, v in (await request.post()).items()}
    try:
        body = issue_tokens(request, form)
    except errors.EntraError as exc:
        return exc.response(request)
    return web.json_response(body, headers=NO_STORE)
