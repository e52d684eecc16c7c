"""Assembles the aiohttp application: identity, Graph, the admin APIs, control API, faults and logging.

One HTTPS host serves everything with the real services' paths (``/{tenant}/oauth2/v2.0/token``,
``/v1.0/...``, ``/beta/...``, ``/api/...``, ``/adminapi/beta/{tenant}/InvokeCommand``), so clients
change only their base URLs.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time

from aiohttp import web

from tenantsync_sim import adminapi, control
from tenantsync_sim.exchange import errors as exchange_errors
from tenantsync_sim.exchange.routes import invoke_command
from tenantsync_sim.faults import FaultDecision
from tenantsync_sim.graph import errors as graph_errors
from tenantsync_sim.graph.auth import authenticate
from tenantsync_sim.graph.routes import GRAPH_SERVICE, graph_handler, to_http
from tenantsync_sim.graph.service import GraphResponse, GraphService
from tenantsync_sim.identity import consent, device_code, discovery, token_endpoint, v1_endpoints
from tenantsync_sim.identity import errors as entra_errors
from tenantsync_sim.identity.scopes import GRAPH_AUDIENCES
from tenantsync_sim.requestlog import LoggedRequest
from tenantsync_sim.runtime import SIMULATOR, Simulator, note_caller
from tenantsync_sim.tls import TlsFiles

_FAULT_CODES = {
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def _is_graph(path: str) -> bool:
    return path.startswith(("/v1.0/", "/beta/"))


def _is_exchange(path: str) -> bool:
    return path.startswith("/adminapi/")


async def _cmdlet_name(request: web.Request) -> str | None:
    """The cmdlet an Exchange admin API request runs, for fault rules that name one (the body stays
    readable by the handler: aiohttp keeps what it read)."""
    if not _is_exchange(request.path) or not request.can_read_body:
        return None
    try:
        body = json.loads(await request.read())
    except ValueError:
        return None
    cmdlet_input = body.get("CmdletInput") if isinstance(body, dict) else None
    name = cmdlet_input.get("CmdletName") if isinstance(cmdlet_input, dict) else None
    return name if isinstance(name, str) else None


def _attribute_unhandled(request: web.Request, sim: Simulator) -> None:
    """Name the tenant of a request the fault injector answered before any handler saw it."""
    if _is_graph(request.path):
        try:
            principal = authenticate(
                request.headers.get("Authorization"), sim.signer, sim.state, GRAPH_AUDIENCES, sim.clock()
            )
        except graph_errors.GraphError:
            return
        note_caller(request, principal.tenant.id, principal.app_id)
        return
    segments = request.path.strip("/").split("/")
    first = segments[2] if _is_exchange(request.path) and len(segments) > 2 else segments[0]
    tenant = sim.state.find_tenant(first) if first else None
    if tenant:
        note_caller(request, tenant.id, None)


def _fault_response(request: web.Request, status: int, retry_after: int | None) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if _is_graph(request.path):
        error = graph_errors.GraphError(
            status, _FAULT_CODES.get(status, "UnknownError"), "Injected fault.", headers
        )
        return to_http(
            GraphResponse(status, error.body(None, request.headers.get("client-request-id")), headers)
        )
    if _is_exchange(request.path):
        response = exchange_errors.injected(status).response()
        response.headers.update(headers)
        return response
    fault = entra_errors.EntraError(
        status, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again."
    )
    response = fault.response(request)
    response.headers.update(headers)
    return response


async def _lose(
    request: web.Request, applied: web.StreamResponse, decision: FaultDecision
) -> web.StreamResponse:
    """The request has been applied; now lose its answer. The log keeps the applied status."""
    if decision.latency_ms:
        await asyncio.sleep(decision.latency_ms / 1000)
    if decision.status:
        request["sim_applied_status"] = applied.status
        return _fault_response(request, decision.status, decision.retry_after_seconds)
    if request.transport is not None:
        request.transport.abort()
    return applied


@web.middleware
async def faults_and_log(request: web.Request, handler: control.Handler) -> web.StreamResponse:
    """Injects configured latency and errors, then records the request in its tenant's log."""
    if request.path.startswith("/_sim"):
        return await handler(request)
    sim = request.app[SIMULATOR]
    started = time.perf_counter()
    cmdlet = await _cmdlet_name(request)
    decision = sim.faults.decide(request.method, request.path, cmdlet)
    response: web.StreamResponse
    lose = decision is not None and decision.lose_response
    if decision and decision.latency_ms and not lose:
        await asyncio.sleep(decision.latency_ms / 1000)
    if decision and decision.status and not lose:
        _attribute_unhandled(request, sim)
        response = _fault_response(request, decision.status, decision.retry_after_seconds)
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
    if decision and lose:
        response = await _lose(request, response, decision)
    tenant_id = request.get("sim_tenant")
    if tenant_id:
        sim.requests.record(
            tenant_id,
            LoggedRequest(
                time=time.time(),
                method=request.method,
                path=request.path_qs,
                status=request.get("sim_applied_status", response.status),
                app_id=request.get("sim_app"),
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                lost=lose,
                cmdlet=cmdlet,
                connection=_connection(request),
            ),
        )
    if isinstance(response, web.HTTPException):
        raise response
    return response


def _connection(request: web.Request) -> str | None:
    peer = request.transport.get_extra_info("peername") if request.transport is not None else None
    return f"{peer[0]}:{peer[1]}" if peer else None


def create_app(sim: Simulator) -> web.Application:
    app = web.Application(
        middlewares=[control.control_errors, faults_and_log], client_max_size=16 * 1024 * 1024
    )
    app[SIMULATOR] = sim
    app[GRAPH_SERVICE] = GraphService(sim)
    control.add_routes(app)
    graph = r"/{version:v1\.0|beta}/{path:.*}"
    app.add_routes(
        [
            web.route("*", graph, graph_handler),
            web.route("*", "/api/{setting:.*}", adminapi.admin_setting),
            web.post(r"/adminapi/{version:beta|v1\.0}/{tenant}/InvokeCommand", invoke_command),
            web.get("/devicelogin", device_code.device_login_page),
            web.post("/devicelogin", device_code.device_login_submit),
            web.get("/{tenant}/v2.0/.well-known/openid-configuration", discovery.openid_configuration),
            web.get("/{tenant}/discovery/v2.0/keys", discovery.keys),
            web.post("/{tenant}/oauth2/v2.0/token", token_endpoint.token),
            web.post("/{tenant}/oauth2/v2.0/devicecode", device_code.device_authorization),
            web.post("/{tenant}/oauth2/token", v1_endpoints.token),
            web.post("/{tenant}/oauth2/devicecode", v1_endpoints.device_authorization),
            web.get("/{tenant}/adminconsent", consent.admin_consent_page),
            web.post("/{tenant}/adminconsent", consent.admin_consent_submit),
            web.get("/{tenant}/v2.0/adminconsent", consent.admin_consent_page),
            web.post("/{tenant}/v2.0/adminconsent", consent.admin_consent_submit),
        ]
    )
    return app


def ssl_context(files: TlsFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.server_cert, files.server_key)
    return context
