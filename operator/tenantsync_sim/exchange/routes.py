"""``POST /adminapi/beta/{tenant}/InvokeCommand``: what the Exchange Online management module (v3) calls.

One path serves two services, told apart by the token's audience as the two hosts are in Microsoft's
cloud: ``https://outlook.office365.com`` runs Exchange cmdlets, ``https://ps.compliance.protection.outlook.com``
the Security & Compliance (Purview) ones. Before a cmdlet runs the request passes, in order: a valid
token for one of the two audiences and the path's tenant (401), the application permission
``Exchange.ManageAsApp`` (401), the app-only anchor header naming the tenant's system mailbox (400), a
supported Entra role (401), a known cmdlet on that endpoint (400), a role that allows it (401, as
the service answers "User is not allowed to call <cmdlet>") and the tenant's and app's
throttle (429 with Retry-After). Get answers page by ``Prefer: odata.maxpagesize`` (at most 1000) and
links the next page with ``@odata.nextLink``; the client POSTs the same body there. ``?$select=`` limits
the properties returned.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any
from urllib.parse import quote

import jwt
from aiohttp import web

from tenantsync_sim.exchange import admin_audit, cmdlets, errors, roles
from tenantsync_sim.exchange.schema import ExchangeType, Service, cmdlet_table
from tenantsync_sim.identity.scopes import COMPLIANCE_AUDIENCES, COMPLIANCE_RESOURCE, EXCHANGE_AUDIENCES
from tenantsync_sim.runtime import Simulator, note_caller, origin, simulator
from tenantsync_sim.state import Tenant

SYSTEM_MAILBOX = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}"
MAX_PAGE = 1000


def _claims(request: web.Request, sim: Simulator) -> dict[str, Any] | web.Response:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer ") or header[7:].strip().count(".") != 2:
        return errors.unauthorized("The access token is missing or malformed.")
    try:
        claims = sim.signer.verify(header[7:].strip(), [*EXCHANGE_AUDIENCES, *COMPLIANCE_AUDIENCES])
    except jwt.ExpiredSignatureError:
        return errors.unauthorized("The access token has expired.")
    except jwt.InvalidAudienceError:
        return errors.unauthorized("The audience of the access token is not valid for this service.")
    except jwt.InvalidTokenError:
        return errors.unauthorized("The access token could not be validated.")
    return claims


def _anchor_ok(header: str | None, tenant: Tenant) -> bool:
    if not header:
        return False
    prefix, _, mailbox = header.partition(":")
    local, _, domain = mailbox.partition("@")
    names = {tenant.id.lower(), *(d.lower() for d in tenant.domains)}
    return (
        prefix.upper() in ("APP", "UPN")
        and local.lower() == SYSTEM_MAILBOX.lower()
        and domain.lower() in names
    )


def _page_size(request: web.Request) -> int:
    for header in ("Prefer", "X-Prefer"):
        for part in request.headers.get(header, "").split(","):
            name, _, value = part.strip().partition("=")
            if name.lower() == "odata.maxpagesize" and value.strip().isdigit():
                return max(1, min(MAX_PAGE, int(value)))
    return MAX_PAGE


def _offset(request: web.Request) -> int:
    token = request.query.get("$skiptoken", "")
    try:
        padded = token + "=" * (-len(token) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode()) if token else 0
    except ValueError:
        return 0


async def _cmdlet_input(request: web.Request) -> tuple[str, dict[str, Any]]:
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        raise errors.bad_request("System.ArgumentException", "The request body is not valid JSON.") from None
    cmdlet_input = body.get("CmdletInput") if isinstance(body, dict) else None
    name = cmdlet_input.get("CmdletName") if isinstance(cmdlet_input, dict) else None
    if not isinstance(name, str) or not name:
        raise errors.bad_request("System.ArgumentException", "CmdletInput.CmdletName is required.")
    parameters = cmdlet_input.get("Parameters") if isinstance(cmdlet_input, dict) else None
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        raise errors.bad_request("System.ArgumentException", "CmdletInput.Parameters must be an object.")
    return name, parameters


def _throttle(sim: Simulator, tenant: Tenant, app_id: str, service: Service) -> None:
    limits = tenant.throttling.services.get(service)
    if not tenant.throttling.enabled or limits is None:
        return
    wait = sim.throttler.admit(tenant.id, app_id, service, limits, sim.clock())
    if wait > 0:
        raise errors.throttled(max(1, math.ceil(wait)))


async def invoke_command(request: web.Request) -> web.Response:
    sim = simulator(request)
    claims = _claims(request, sim)
    if isinstance(claims, web.Response):
        return claims
    tenant = sim.state.tenants.get(str(claims.get("tid")))
    if tenant is None or sim.state.find_tenant(request.match_info["tenant"]) is not tenant:
        return errors.unauthorized("The tenant in the request does not match the access token.")
    app_id = str(claims.get("appid"))
    note_caller(request, tenant.id, app_id)
    if claims.get("idtyp") != "user" and roles.MANAGE_AS_APP not in claims.get("roles", []):
        return errors.unauthorized(
            f"The application '{app_id}' does not have the '{roles.MANAGE_AS_APP}' permission of "
            "Office 365 Exchange Online."
        )
    service: Service = "compliance" if str(claims["aud"]).rstrip("/") == COMPLIANCE_RESOURCE else "exchange"
    try:
        if claims.get("idtyp") != "user" and not _anchor_ok(request.headers.get("X-AnchorMailbox"), tenant):
            raise errors.bad_request(
                errors.ANCHOR,
                f"App-only requests need X-AnchorMailbox: APP:{SYSTEM_MAILBOX}@<tenant id or domain> of "
                "the token's tenant.",
            )
        wids = [str(w) for w in claims.get("wids", [])]
        user = tenant.users.get(str(claims.get("oid"))) if claims.get("idtyp") == "user" else None
        if user is not None and user.is_global_admin:
            wids.append(roles.GLOBAL_ADMINISTRATOR)
        if not any(role in roles.ROLE_NAMES for role in wids):
            return errors.not_allowed(
                f"The role assigned to application {app_id} isn't supported in this scenario. Please check "
                "online documentation for assigning correct Directory Roles to Azure AD Application for EXO "
                "App-Only Authentication."
            )
        name, parameters = await _cmdlet_input(request)
        if service == "exchange" and name.lower() == admin_audit.SEARCH_CMDLET.lower():
            if not admin_audit.may_search(wids):
                return errors.not_allowed(f"User is not allowed to call {name}")
            _throttle(sim, tenant, app_id, service)
            verb = "Get"
            value = admin_audit.search(sim.audits.visible_admin(tenant.id, sim.clock()), parameters)
        else:
            found = cmdlet_table(service).get(name.lower())
            if found is None:
                raise errors.unknown_cmdlet(name)
            exchange_type, verb = found
            if not roles.holds_role(wids, exchange_type, verb):
                return errors.not_allowed(f"User is not allowed to call {name}")
            _throttle(sim, tenant, app_id, service)
            value = cmdlets.run(tenant, exchange_type, verb, name, parameters, sim.clock())
            if verb != "Get":
                _record(sim, tenant, claims, exchange_type, name, parameters, value)
    except errors.ExchangeError as exc:
        return exc.response()
    base = f"{origin(request)}{request.path}"
    body: dict[str, Any] = {
        "@odata.context": f"{origin(request)}/adminapi/beta/{request.match_info['tenant']}/$metadata"
        "#Collection(Exchange.GenericHashTable)",
        "adminapi.warnings@odata.type": "#Collection(String)",
        "@adminapi.warnings": [],
    }
    if verb == "Get":
        start, size = _offset(request), _page_size(request)
        body["value"] = [_selected(item, request) for item in value[start : start + size]]
        if start + size < len(value):
            token = base64.urlsafe_b64encode(str(start + size).encode()).decode().rstrip("=")
            select = request.query.get("$select")
            query = f"$select={quote(select, safe=',')}&" if select else ""
            body["@odata.nextLink"] = f"{base}?{query}$skiptoken={token}"
    else:
        body["value"] = value
    return web.json_response(body)


def _record(
    sim: Simulator,
    tenant: Tenant,
    claims: dict[str, Any],
    exchange_type: ExchangeType,
    cmdlet: str,
    parameters: dict[str, Any],
    output: list[dict[str, Any]],
) -> None:
    """The admin audit record of a cmdlet that ran: named by the identity it was given (or, for a
    ``New-``, the name it created), attributed to the signed-in user or the app."""
    identity = parameters.get("Identity") or parameters.get("Name") or parameters.get("DomainName")
    if identity is None and output:
        identity = output[0].get("Name") or output[0].get("Identity")
    user = str(claims.get("oid")) if claims.get("idtyp") == "user" else None
    actor = admin_audit.caller(tenant, str(claims.get("appid")), user)
    now = sim.clock()
    record = admin_audit.admin_record(
        tenant, exchange_type, cmdlet, str(identity or ""), parameters, actor, now
    )
    sim.audits.record_admin(tenant.id, record, now)


def _selected(item: dict[str, Any], request: web.Request) -> dict[str, Any]:
    """``?$select=Name,Priority`` (as the module's -Properties sends it): only those properties."""
    select = request.query.get("$select")
    if not select:
        return item
    wanted = {name.strip().lower() for name in select.split(",") if name.strip()}
    return {k: v for k, v in item.items() if k.lower() in wanted}
