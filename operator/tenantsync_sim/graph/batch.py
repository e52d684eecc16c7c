"""JSON ``$batch``: up to 20 requests, ``dependsOn`` ordering, 424 when a dependency failed.

Independent requests run concurrently and responses are returned in completion order, so clients
must match them by ``id`` as they must with Graph.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tenantsync_sim.graph.errors import GraphError
from tenantsync_sim.graph.service import GraphRequest, GraphResponse, GraphService
from tenantsync_sim.requestlog import LoggedRequest
from tenantsync_sim.state import JsonObject

MAX_REQUESTS = 20
_JSON = (
    "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
)


def _validate(body: Any) -> list[JsonObject]:
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise GraphError(400, "BadRequest", "Invalid batch payload format.")
    requests: list[JsonObject] = body["requests"]
    if not requests:
        raise GraphError(400, "BadRequest", "Invalid batch payload format.")
    if len(requests) > MAX_REQUESTS:
        raise GraphError(
            400, "BadRequest", f"The number of batch requests exceeds the limit of {MAX_REQUESTS}."
        )
    ids = [str(r.get("id", "")) for r in requests]
    if "" in ids or len(set(ids)) != len(ids):
        raise GraphError(400, "BadRequest", "Batch request ids must be present and unique.")
    for request in requests:
        if not request.get("method") or not request.get("url"):
            raise GraphError(400, "BadRequest", f"Request '{request['id']}' needs a method and a url.")
        for dependency in request.get("dependsOn") or []:
            if str(dependency) not in ids:
                raise GraphError(
                    400, "BadRequest", f"Request '{request['id']}' depends on unknown request '{dependency}'."
                )
    return requests


def dependency_order(requests: list[JsonObject]) -> list[str]:
    """A topological order of request ids; raises on a dependency cycle."""
    pending = {str(r["id"]): {str(d) for d in r.get("dependsOn") or []} for r in requests}
    order: list[str] = []
    while pending:
        ready = [rid for rid, deps in pending.items() if deps <= set(order)]
        if not ready:
            raise GraphError(400, "BadRequest", "The dependsOn graph of the batch contains a cycle.")
        for rid in ready:
            order.append(rid)
            del pending[rid]
    return order


async def run_batch(service: GraphService, outer: GraphRequest) -> GraphResponse:
    service.principal(outer)
    requests = _validate(outer.body)
    dependency_order(requests)
    done: dict[str, asyncio.Future[GraphResponse]] = {
        str(r["id"]): asyncio.get_running_loop().create_future() for r in requests
    }
    responses: list[JsonObject] = []

    async def run(entry: JsonObject) -> None:
        rid = str(entry["id"])
        results = [await done[str(dep)] for dep in entry.get("dependsOn") or []]
        if any(result.status >= 400 for result in results):
            response = GraphResponse(
                424,
                {
                    "error": {
                        "code": "FailedDependency",
                        "message": "The request depends on a request that failed.",
                    }
                },
            )
        else:
            started = time.perf_counter()
            sub = _sub_request(outer, entry)
            response = await service.handle(sub)
            _log(service, outer, sub, response, started)
        done[rid].set_result(response)
        item: JsonObject = {"id": rid, "status": response.status, "headers": dict(response.headers)}
        if response.body is not None:
            item["headers"]["Content-Type"] = _JSON
            # Later requests of the batch may change the state this body still refers to.
            item["body"] = copy.deepcopy(response.body)
        responses.append(item)

    await asyncio.gather(*(run(entry) for entry in requests))
    return GraphResponse(200, {"responses": responses})


def _log(
    service: GraphService, outer: GraphRequest, sub: GraphRequest, response: GraphResponse, started: float
) -> None:
    """Record a sub-request in the tenant's request log, so a failing one shows as a direct one does."""
    if outer.caller is None:
        return
    tenant_id, app_id = outer.caller
    query = f"?{urlencode(sub.query, safe='$,/()=')}" if sub.query else ""
    service.sim.requests.record(
        tenant_id,
        LoggedRequest(
            time=time.time(),
            method=sub.method,
            path=f"/{sub.version}/{sub.path}{query}",
            status=response.status,
            app_id=app_id,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            batched=True,
        ),
    )


def _sub_request(outer: GraphRequest, entry: JsonObject) -> GraphRequest:
    parts = urlsplit(str(entry["url"]))
    path = parts.path.lstrip("/")
    prefix = f"{outer.version}/"
    if path.startswith(prefix):
        path = path[len(prefix) :]
    headers = {k.lower(): str(v) for k, v in (entry.get("headers") or {}).items()}
    headers.setdefault("authorization", outer.headers.get("authorization", ""))
    return GraphRequest(
        method=str(entry["method"]).upper(),
        version=outer.version,
        path=path,
        query={k.lstrip("?"): v for k, v in parse_qsl(parts.query, keep_blank_values=True)},
        headers=headers,
        body=entry.get("body"),
        base=outer.base,
    )
