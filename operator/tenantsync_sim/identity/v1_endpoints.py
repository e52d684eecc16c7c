"""Entra's v1 endpoints, which widely used tools still call: ``/{tenant}/oauth2/token`` and
``/{tenant}/oauth2/devicecode``.

v1 names the target with ``resource=`` where v2 takes ``scope=`` (a request without it fails with
AADSTS900144 naming ``resource``), its device-code grant is ``grant_type=device_code`` with the code in
``code``, and its answers carry numbers as strings plus ``expires_on``, ``not_before`` and ``resource``,
and ``verification_url`` instead of ``verification_uri``. The grants themselves are the v2 ones.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tenantsync_sim.identity import errors
from tenantsync_sim.identity.device_code import new_device_code, sign_in_message
from tenantsync_sim.identity.discovery import resolve_tenant
from tenantsync_sim.identity.token_endpoint import DEVICE_CODE_GRANT, NO_STORE, issue_tokens
from tenantsync_sim.runtime import origin, simulator

_DEVICE_CODE_GRANTS = ("device_code", DEVICE_CODE_GRANT)


def _resource(form: dict[str, str], request: web.Request | None = None) -> str:
    """The ``resource`` named in the form; a device-code redemption may leave it out and gets the one
    its code was issued for (IntuneCD's Entra backup redeems that way)."""
    resource = form.get("resource", "").strip().rstrip("/")
    if not resource and request is not None and form.get("grant_type") in _DEVICE_CODE_GRANTS:
        grant = resolve_tenant(request).device_codes.get(form.get("code") or form.get("device_code", ""))
        if grant is not None and grant.scopes:
            resource = grant.scopes[0].removesuffix("/.default")
    if not resource:
        raise errors.invalid_request(
            900144, "The request body must contain the following parameter: 'resource'."
        )
    return resource


def _as_v2(form: dict[str, str], resource: str) -> dict[str, str]:
    """The same request in v2 terms: a ``.default`` scope on the resource, the device code by name."""
    grant = form.get("grant_type", "")
    v2 = {k: v for k, v in form.items() if k not in ("resource", "scope", "code")}
    v2["scope"] = f"{resource}/.default"
    if grant == "refresh_token":
        v2["scope"] += " offline_access openid"
    elif grant in _DEVICE_CODE_GRANTS:
        v2["grant_type"] = DEVICE_CODE_GRANT
        v2["device_code"] = form.get("code") or form.get("device_code", "")
    return v2


def _as_v1(body: dict[str, Any], resource: str, now: float) -> dict[str, Any]:
    lifetime = int(body["expires_in"])
    answer: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": str(lifetime),
        "ext_expires_in": str(body.get("ext_expires_in", lifetime)),
        "expires_on": str(int(now) + lifetime),
        "not_before": str(int(now)),
        "resource": resource,
        "access_token": body["access_token"],
    }
    if "scope" in body:
        names = [scope.rsplit("/", 1)[-1] for scope in str(body["scope"]).split()]
        answer["scope"] = " ".join(name for name in names if name not in ("openid", "offline_access"))
    for key in ("refresh_token", "id_token"):
        if key in body:
            answer[key] = body[key]
    return answer


async def token(request: web.Request) -> web.Response:
    form = {k: str(v) for k, v in (await request.post()).items()}
    try:
        resource = _resource(form, request)
        body = issue_tokens(request, _as_v2(form, resource))
    except errors.EntraError as exc:
        return exc.response(request)
    return web.json_response(_as_v1(body, resource, simulator(request).clock()), headers=NO_STORE)


async def device_authorization(request: web.Request) -> web.Response:
    form = {k: str(v) for k, v in (await request.post()).items()}
    try:
        resource = _resource(form)
        grant = new_device_code(request, form.get("client_id"), f"{resource}/.default offline_access openid")
    except errors.EntraError as exc:
        return exc.response(request)
    verification_url = f"{origin(request)}/devicelogin"
    return web.json_response(
        {
            "user_code": grant.user_code,
            "device_code": grant.device_code,
            "verification_url": verification_url,
            "expires_in": str(round(grant.expires_at - simulator(request).clock())),
            "interval": str(grant.interval),
            "message": sign_in_message(verification_url, grant.user_code),
        }
    )
