"""aiohttp glue: turns ``/v1.0/...`` and ``/beta/...`` requests into :class:`GraphRequest` objects."""

from __future__ import annotations

import json

from aiohttp import web

from tenantsync_sim.graph.batch import run_batch
from tenantsync_sim.graph.errors import GraphError
from tenantsync_sim.graph.service import GraphRequest, GraphResponse, GraphService
from tenantsync_sim.runtime import note_caller, origin

CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)
GRAPH_SERVICE = web.AppKey("graph_service", GraphService)


def is_stream_upload(content_type: str) -> bool:
    """A PUT of a stream property (an image, a style sheet) carries bytes, not JSON."""
    return content_type.lower().startswith(("image/", "text/css"))


def to_http(response: GraphResponse) -> web.Response:
    headers = dict(response.headers)
    if response.content is not None:
        return web.Response(status=response.status, body=response.content, headers=headers)
    if response.body is None:
        return web.Response(status=response.status, headers=headers)
    headers["Content-Type"] = CONTENT_TYPE
    return web.Response(status=response.status, body=json.dumps(response.body).encode(), headers=headers)


def _query_options(request: web.Request) -> dict[str, str]:
    """The query options, a name that a doubled ``??`` prefixed with ``?`` read as the option itself:
    clients that append ``?$expand=…`` to a URL which already ends in ``?`` (IntuneCD) get the
    expansion from Graph."""
    return {name.lstrip("?"): value for name, value in request.query.items()}


async def graph_handler(request: web.Request) -> web.Response:
    service = request.app[GRAPH_SERVICE]
    body = None
    raw = await request.read() if request.can_read_body else b""
    if not is_stream_upload(request.headers.get("Content-Type", "")) and raw.strip():
        try:
            body = json.loads(raw)
        except ValueError:
            error = GraphError(400, "BadRequest", "Unable to read JSON request payload.")
            return to_http(GraphResponse(400, error.body(None, request.headers.get("client-request-id"))))
    graph_request = GraphRequest(
        method=request.method,
        version=request.match_info["version"],
        path=request.match_info["path"],
        query=_query_options(request),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        base=origin(request),
        content=raw,
    )
    if graph_request.path == "$batch" and request.method == "POST":
        try:
            response = await run_batch(service, graph_request)
        except GraphError as exc:
            response = GraphResponse(
                exc.status, exc.body(None, request.headers.get("client-request-id")), exc.headers
            )
    else:
        response = await service.handle(graph_request)
    if graph_request.caller:
        note_caller(request, *graph_request.caller)
    return to_http(response)
