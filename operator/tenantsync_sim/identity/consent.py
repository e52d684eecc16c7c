"""Admin consent (``/{tenant}/adminconsent`` and ``/{tenant}/v2.0/adminconsent``).

An administrator accepting the page grants the app every permission it requests; the browser then goes
to ``redirect_uri`` with ``admin_consent=True``, ``tenant`` and ``state`` as Entra sends them.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from aiohttp import web

from tenantsync_sim.identity import errors
from tenantsync_sim.identity.discovery import resolve_tenant
from tenantsync_sim.identity.token_endpoint import find_app
from tenantsync_sim.pages import render
from tenantsync_sim.state import Application, Tenant


def _page(
    tenant: Tenant, app: Application, params: dict[str, str], status: int, state: str, message: str
) -> web.Response:
    items = "".join(
        f"<li>{html.escape(p)} (Application)</li>" for p in app.application_permissions
    ) + "".join(f"<li>{html.escape(p)} (Delegated)</li>" for p in app.delegated_permissions)
    return render(
        "adminconsent.html",
        status,
        app_name=app.display_name,
        client_id=app.app_id,
        tenant_name=tenant.display_name,
        permissions=items,
        redirect_uri=params.get("redirect_uri", ""),
        state=params.get("state", ""),
        message=message,
        outcome=state,
    )


async def admin_consent_page(request: web.Request) -> web.Response:
    try:
        tenant = resolve_tenant(request)
        app = find_app(tenant, request.query.get("client_id"))
    except errors.EntraError as exc:
        return exc.response(request)
    return _page(tenant, app, dict(request.query), 200, "ready", "")


async def admin_consent_submit(request: web.Request) -> web.StreamResponse:
    form = {k: str(v) for k, v in (await request.post()).items()}
    params = {**request.query, **form}
    try:
        tenant = resolve_tenant(request)
        app = find_app(tenant, params.get("client_id"))
        user = tenant.user_by_upn(params.get("username", ""))
        if user is None or user.password != params.get("password"):
            raise errors.invalid_credentials()
        if not user.is_global_admin:
            raise errors.admin_required()
    except errors.EntraError as exc:
        return exc.response(request)
    app.grant_all()
    redirect = params.get("redirect_uri")
    if redirect:
        query = urlencode({"admin_consent": "True", "tenant": tenant.id, "state": params.get("state", "")})
        raise web.HTTPFound(f"{redirect}{'&' if '?' in redirect else '?'}{query}")
    return _page(tenant, app, params, 200, "granted", "Permissions granted.")
