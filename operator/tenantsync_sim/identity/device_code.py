"""The device authorization grant: ``/oauth2/v2.0/devicecode`` and the ``/devicelogin`` page.

A pending code is approved by a user signing in on the page (or through the control API, which calls
:func:`sign_in`). Conditional Access and MFA are checked when the client redeems the code, as Entra
does, so both the page and the control API can approve a blocked user and the poll then fails.
"""

from __future__ import annotations

import secrets
import string

from aiohttp import web

from tenantsync_sim.identity import errors
from tenantsync_sim.identity.discovery import resolve_tenant
from tenantsync_sim.identity.scopes import parse_scopes
from tenantsync_sim.identity.token_endpoint import find_app
from tenantsync_sim.pages import render
from tenantsync_sim.runtime import Simulator, note_caller, origin, simulator
from tenantsync_sim.state import DeviceCodeGrant, User

_USER_CODE_ALPHABET = string.ascii_uppercase.replace("O", "").replace("I", "") + "23456789"


def _user_code() -> str:
    return "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(9))


def new_device_code(request: web.Request, client_id: str | None, scope: str | None) -> DeviceCodeGrant:
    """A pending device code for the app and scopes; raises the AADSTS error for a bad request."""
    sim = simulator(request)
    tenant = resolve_tenant(request)
    app = find_app(tenant, client_id)
    note_caller(request, tenant.id, app.app_id)
    parse_scopes(scope, tenant.display_name)
    settings = tenant.settings
    grant = DeviceCodeGrant(
        device_code="DAQABIQEAAAB" + secrets.token_urlsafe(96),
        user_code=_user_code(),
        client_id=app.app_id,
        scopes=str(scope).split(),
        expires_at=sim.clock() + settings.device_code_lifetime_seconds,
        interval=settings.device_code_interval_seconds,
    )
    tenant.device_codes[grant.device_code] = grant
    return grant


def sign_in_message(verification_uri: str, user_code: str) -> str:
    return (
        f"To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} "
        "to authenticate."
    )


async def device_authorization(request: web.Request) -> web.Response:
    form = {k: str(v) for k, v in (await request.post()).items()}
    try:
        grant = new_device_code(request, form.get("client_id"), form.get("scope"))
    except errors.EntraError as exc:
        return exc.response(request)
    verification_uri = f"{origin(request)}/devicelogin"
    return web.json_response(
        {
            "user_code": grant.user_code,
            "device_code": grant.device_code,
            "verification_uri": verification_uri,
            "expires_in": round(grant.expires_at - simulator(request).clock()),
            "interval": grant.interval,
            "message": sign_in_message(verification_uri, grant.user_code),
        }
    )


def sign_in(
    sim: Simulator, user_code: str, username: str | None, password: str | None, *, decline: bool = False
) -> User | None:
    """Approve (or decline) a pending device code as a user; ``password=None`` skips the check."""
    found = sim.state.find_device_code(user_code)
    if found is None:
        raise errors.bad_verification_code()
    tenant, grant = found
    if grant.state != "pending" or sim.clock() >= grant.expires_at:
        raise errors.expired_device_code()
    if decline:
        grant.state = "declined"
        return None
    user = tenant.user_by_upn(username) if username else next(iter(tenant.users.values()), None)
    if user is None or (password is not None and password != user.password):
        raise errors.invalid_credentials()
    grant.state, grant.user_id = "approved", user.id
    return user


async def device_login_page(request: web.Request) -> web.Response:
    return render("devicelogin.html", user_code=request.query.get("otc", ""), outcome="ready", message="")


async def device_login_submit(request: web.Request) -> web.Response:
    form = {k: str(v) for k, v in (await request.post()).items()}
    code = form.get("user_code", "")
    try:
        user = sign_in(
            simulator(request),
            code,
            form.get("username", ""),
            form.get("password", ""),
            decline=form.get("decision") == "decline",
        )
    except errors.EntraError as exc:
        return render(
            "devicelogin.html",
            400,
            user_code=code,
            outcome=exc.error,
            message=f"AADSTS{exc.code}: {exc.message}",
        )
    if user is None:
        return render(
            "devicelogin.html", user_code="", outcome="declined", message="You declined to sign in."
        )
    message = (
        f"{user.user_principal_name} signed in. You have signed in to the application on your device. "
        "You may now close this window."
    )
    return render("devicelogin.html", user_code="", outcome="approved", message=message)
