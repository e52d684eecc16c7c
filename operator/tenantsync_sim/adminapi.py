"""The Azure portal's admin API (``main.iam.ad.ext.azure.com``) for the three user-only settings.

Self-service password reset, the B2B collaboration allow/deny list and Enterprise State Roaming have no
Graph application permission: the portal reads and writes them through this API, with a delegated
token for its own resource (ADIbizaUX, ``74658136-14ec-4630-ad9b-26e160ff0fc6``). App-only tokens and
Graph tokens are refused.
"""

from __future__ import annotations

import json

from aiohttp import web

from tenantsync_sim.graph.auth import Principal, authenticate
from tenantsync_sim.graph.errors import GraphError
from tenantsync_sim.identity.scopes import ADMIN_API_AUDIENCES
from tenantsync_sim.runtime import note_caller, simulator

# URL path under /api -> the tenant setting it holds.
ADMIN_SETTINGS = {
    "PasswordReset/PasswordResetPolicies": "passwordResetPolicy",
    "B2B/b2bPolicy": "b2bPolicy",
    "RoamingSettings": "enterpriseStateRoaming",
}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message, "clientData": {}, "operationResults": None}, status=status)


def _principal(request: web.Request) -> Principal:
    sim = simulator(request)
    principal = authenticate(
        request.headers.get("Authorization"), sim.signer, sim.state, ADMIN_API_AUDIENCES, sim.clock()
    )
    note_caller(request, principal.tenant.id, principal.app_id)
    return principal


async def admin_setting(request: web.Request) -> web.Response:
    key = ADMIN_SETTINGS.get(request.match_info["setting"])
    if key is None:
        return _error(404, "No HTTP resource was found that matches the request URI.")
    try:
        principal = _principal(request)
    except GraphError:
        return _error(401, "Authorization has been denied for this request.")
    if principal.app_only:
        return _error(403, "This API does not support app-only tokens; sign in as an administrator.")
    if "user_impersonation" not in principal.permissions:
        return _error(403, "The token does not carry the user_impersonation scope.")
    setting = principal.tenant.singletons.setdefault(key, {})
    if request.method == "PUT":
        try:
            body = await request.json(loads=json.loads)
        except ValueError:
            return _error(400, "The request is invalid.")
        if not isinstance(body, dict):
            return _error(400, "The request is invalid.")
        setting.clear()
        setting.update(body)
    return web.json_response(setting)
