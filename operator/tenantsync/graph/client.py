"""The one Graph client: keep-alive, bounded concurrency, paging, JSON batching and throttling.

Graph asks clients to wait the Retry-After it sends with 429 (and sometimes 503/504), and to back off
exponentially when it sends none (Conditional Access does not). While any request waits out a 429, no
other request of the client is sent: Graph's limits are per tenant and app, so the others would only
be throttled too, and deepen the throttling. Reads (GET, list pages, a `$batch` of
GETs) are repeated after 429, 500, 502, 503, 504 and lost connections; writes only after 429, which
Graph answers without running the request. No single wait exceeds `max_wait`: beyond it, or once the
retries are used up, a :class:`GraphTransientError` carries the wait for the caller to show. Every HTTP
exchange is counted in :class:`GraphStats`, which the operator exports as metrics.
"""

from __future__ import annotations

import asyncio
import builtins
import email.utils
import random
import ssl
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import httpx

from tenantsync.graph.errors import (
    GraphError,
    GraphThrottled,
    GraphTransientError,
    GraphUnavailable,
    error_from,
)

JsonObject = dict[str, Any]
TokenProvider = Callable[[], Awaitable[str]]
Sleep = Callable[[float], Awaitable[None]]

MAX_BATCH = 20
DIRECTORY_ID = "{tenantId}"
"""Stands in a path for the tenant's directory (organization) id (``organization/{tenantId}/branding``),
as Microsoft's documentation writes it; the client fills it in."""
TRANSIENT = frozenset({429, 500, 502, 503, 504})
# Methods that change nothing, so repeating them after a failed or lost answer is always safe.
_READS = frozenset({"GET", "HEAD"})
_BACKOFF_BASE = 1.0


@dataclass
class GraphStats:
    """Counters of every HTTP request; ``throttled`` includes 429s of single requests inside a batch."""

    requests: int = 0
    throttled: int = 0
    retried: int = 0
    batched: int = 0
    by_status: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class BatchRequest:
    """One request of a ``$batch``; ``url`` is relative to the version, e.g. ``/groups/{id}``."""

    method: str
    url: str
    body: JsonObject | None = None
    headers: Mapping[str, str] | None = None


@dataclass(frozen=True)
class StreamContent:
    """A stream property's bytes (a branding image) with their media type, read or written as they are."""

    content: bytes
    media_type: str


@dataclass(frozen=True)
class BatchResponse:
    status: int
    body: Any
    headers: Mapping[str, str]

    def raise_for_status(self) -> None:
        if self.status >= 400:
            raise error_from(self.status, self.body, self.headers)


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class GraphClient:
    """Async Graph client for one tenant (or one service, such as the portal's admin API).

    It sends through ``transport`` when given one: the operator gives a lease on its shared connections
    (``ConnectionPools``), which closing the client gives back without closing them. Without one it
    opens its own, kept for the client's life.
    """

    def __init__(
        self,
        base_url: str,
        token_provider: TokenProvider,
        *,
        verify: ssl.SSLContext | bool = True,
        max_concurrency: int = 8,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        max_retries: int = 6,
        max_wait: float = 60.0,
        timeout: float = 60.0,
        rng: random.Random | None = None,
        directory_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._directory_id = directory_id
        self.stats = GraphStats()
        self._origin = urlsplit(self.base_url)[:2]
        self._token_provider = token_provider
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._throttled = 0
        """Requests waiting out a 429; others are held back until none is."""
        self._open = asyncio.Event()
        self._open.set()
        self._sleep = sleep
        self._max_retries = max_retries
        self._max_wait = max_wait
        self._rng = rng or random.Random()
        self._http = httpx.AsyncClient(
            verify=verify,
            transport=transport,
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency),
            headers={"Accept": "application/json", "User-Agent": "tenantsync", **(headers or {})},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- the public operations ---------------------------------------------------------------

    async def list(
        self, path: str, *, version: str = "v1.0", params: Mapping[str, str] | None = None
    ) -> list[JsonObject]:
        """Every item of a collection, following ``@odata.nextLink`` to the last page."""
        items: list[JsonObject] = []
        url: str | None = self._url(path, version)
        query: Mapping[str, str] | None = params
        while url:
            page = await self._json("GET", url, params=query)
            items.extend(page.get("value") or [])
            url, query = page.get("@odata.nextLink"), None
            if url:
                self._check_origin(url)
        return items

    async def get(
        self, path: str, *, version: str = "v1.0", params: Mapping[str, str] | None = None
    ) -> JsonObject:
        return await self._json("GET", self._url(path, version), params=params)

    async def create(self, path: str, body: JsonObject, *, version: str = "v1.0") -> JsonObject:
        """POST a new object; Graph answers 201 with the object and its server-assigned id."""
        return await self._json("POST", self._url(path, version), body=body)

    async def update(self, path: str, body: JsonObject, *, version: str = "v1.0") -> JsonObject | None:
        """PATCH; Entra answers 204 (None here), Intune 200 with the object."""
        return await self._optional_json("PATCH", self._url(path, version), body=body)

    async def replace(self, path: str, body: JsonObject, *, version: str = "v1.0") -> JsonObject | None:
        return await self._optional_json("PUT", self._url(path, version), body=body)

    async def read_stream(self, path: str, *, version: str = "v1.0") -> StreamContent | None:
        """A stream property, or None when it is not set (Graph answers 200 with no content)."""
        response = await self._request("GET", self._url(path, version))
        if not response.content:
            return None
        media_type = response.headers.get("Content-Type", "application/octet-stream").partition(";")[0]
        return StreamContent(response.content, media_type.strip())

    async def write_stream(self, path: str, stream: StreamContent, *, version: str = "v1.0") -> None:
        """PUT a stream property's bytes under their media type."""
        await self._request("PUT", self._url(path, version), body=stream)

    async def delete(self, path: str, *, version: str = "v1.0") -> None:
        await self._request("DELETE", self._url(path, version))

    async def action(
        self, path: str, body: JsonObject | None = None, *, version: str = "v1.0"
    ) -> JsonObject | None:
        """POST to a bound action such as ``/assign``."""
        return await self._optional_json("POST", self._url(path, version), body=body)

    async def batch(
        self, requests: Sequence[BatchRequest], *, version: str = "v1.0"
    ) -> builtins.list[BatchResponse]:
        """Run requests through ``$batch`` in chunks of 20; responses come back in the order asked.

        Single requests that Graph throttles inside a batch are sent again after their Retry-After, and
        so are reads that failed with a transient status. Other failures are returned for the caller to
        judge (``BatchResponse.raise_for_status``).
        """
        chunks = [requests[i : i + MAX_BATCH] for i in range(0, len(requests), MAX_BATCH)]
        answers = await asyncio.gather(*(self._batch_chunk(chunk, version) for chunk in chunks))
        return [response for chunk in answers for response in chunk]

    # -- internals ---------------------------------------------------------------------------

    unavailable: type[GraphTransientError] = GraphUnavailable
    """What no answer at all raises; a client for another service raises its own kind."""

    def _error(
        self, status: int, body: Any, headers: Mapping[str, str], *, retry_after: float | None
    ) -> GraphError:
        """The typed error for a failed answer; a client for another service reads its own error body."""
        return error_from(status, body, headers, retry_after=retry_after)

    def _url(self, path: str, version: str) -> str:
        if path.startswith(("https://", "http://")):
            self._check_origin(path)
            return path
        if DIRECTORY_ID in path:
            if self._directory_id is None:
                raise GraphError(
                    0, "DirectoryIdUnknown", f"{path} names the tenant's directory id, which is unknown"
                )
            path = path.replace(DIRECTORY_ID, self._directory_id)
        return f"{self.base_url}/{version}/{path.lstrip('/')}"

    def _check_origin(self, url: str) -> None:
        """Never send the tenant's token to a host other than the one configured."""
        if urlsplit(url)[:2] != self._origin:
            raise GraphError(0, "UnexpectedHost", f"refusing to follow a link to another host: {url}")

    async def _json(
        self, method: str, url: str, *, params: Mapping[str, str] | None = None, body: Any = None
    ) -> JsonObject:
        result = await self._optional_json(method, url, params=params, body=body)
        return result or {}

    async def _optional_json(
        self, method: str, url: str, *, params: Mapping[str, str] | None = None, body: Any = None
    ) -> JsonObject | None:
        response = await self._request(method, url, params=params, body=body)
        if response.status_code == 204 or not response.content:
            return None
        result: JsonObject = response.json()
        return result

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter (AWS architecture blog), for answers without Retry-After."""
        return self._rng.uniform(0, min(self._max_wait, _BACKOFF_BASE * 2**attempt))

    def _delay(self, header: str | None, attempt: int) -> float:
        told = retry_after(header, time.time())
        return told if told is not None else self._backoff(attempt)

    def _may_wait(self, delay: float, attempt: int) -> bool:
        """Whether to wait and repeat: attempts left and a wait within the cap."""
        return attempt < self._max_retries and delay <= self._max_wait

    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        repeatable: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send with retries: 429 always (Graph did not run it); 5xx and lost connections only for reads,
        because a write may have landed although its answer did not."""
        repeatable = method in _READS if repeatable is None else repeatable
        attempt = 0
        while True:
            try:
                response = await self._send(method, url, params, body, headers)
            except httpx.TransportError as exc:
                delay = self._backoff(attempt)
                if not repeatable or not self._may_wait(delay, attempt):
                    raise self.unavailable(
                        0, "TransportError", f"{method} {url}: {type(exc).__name__}", retry_after=delay
                    ) from None
                await self._retry(delay)
                attempt += 1
                continue
            status = response.status_code
            if status == 429:
                self.stats.throttled += 1
            if status in TRANSIENT and (status == 429 or repeatable):
                delay = self._delay(response.headers.get("Retry-After"), attempt)
                if self._may_wait(delay, attempt):
                    await self._retry(delay, throttled=status == 429)
                    attempt += 1
                    continue
                raise self._error(status, _body(response), response.headers, retry_after=delay)
            if status >= 400:
                told = retry_after(response.headers.get("Retry-After"), time.time())
                raise self._error(status, _body(response), response.headers, retry_after=told)
            return response

    async def _retry(self, delay: float, *, throttled: bool = False) -> None:
        """Wait before sending again; a throttled request holds every other request back meanwhile."""
        self.stats.retried += 1
        if not throttled:
            await self._sleep(delay)
            return
        self._throttled += 1
        self._open.clear()
        try:
            await self._sleep(delay)
        finally:
            self._throttled -= 1
            if not self._throttled:
                self._open.set()

    async def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        body: Any,
        extra: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        await self._open.wait()
        async with self._semaphore:
            token = await self._token_provider()
            headers = {
                **(extra or {}),
                "Authorization": f"Bearer {token}",
                "client-request-id": str(uuid.uuid4()),
            }
            self.stats.requests += 1
            query = dict(params) if params else None
            if isinstance(body, StreamContent):
                headers["Content-Type"] = body.media_type
                response = await self._http.request(
                    method, url, params=query, content=body.content, headers=headers
                )
            else:
                response = await self._http.request(method, url, params=query, json=body, headers=headers)
            await response.aread()
        self.stats.by_status[response.status_code] += 1
        return response

    async def _batch_chunk(self, chunk: Sequence[BatchRequest], version: str) -> builtins.list[BatchResponse]:
        pending = {str(index): request for index, request in enumerate(chunk)}
        done: dict[str, BatchResponse] = {}
        url = self._url("$batch", version)
        attempt = 0
        while pending:
            payload = {"requests": [_batch_entry(rid, request) for rid, request in pending.items()]}
            reads_only = all(request.method.upper() in _READS for request in pending.values())
            self.stats.batched += len(pending)
            response = await self._request("POST", url, body=payload, repeatable=reads_only)
            answers = {str(item.get("id")): item for item in response.json().get("responses") or []}
            waits: builtins.list[float] = []
            statuses: set[int] = set()
            for rid in list(pending):
                item = answers.get(rid)
                if item is None:
                    raise GraphError(
                        502, "BatchResponseMissing", f"$batch returned no response for request {rid}"
                    )
                status = int(item.get("status", 0))
                headers = {str(k): str(v) for k, v in (item.get("headers") or {}).items()}
                if status == 429:
                    self.stats.throttled += 1
                if status in TRANSIENT and (status == 429 or reads_only):
                    waits.append(self._delay(_header(headers, "Retry-After"), attempt))
                    statuses.add(status)
                    continue
                done[rid] = BatchResponse(status, item.get("body"), headers)
                del pending[rid]
            if not pending:
                break
            if not self._may_wait(max(waits), attempt):
                error: type[GraphTransientError] = GraphThrottled if 429 in statuses else GraphUnavailable
                raise error(
                    429 if 429 in statuses else max(statuses),
                    "BatchRetriesExhausted",
                    f"{len(pending)} batched requests still failed with {sorted(statuses)}",
                    retry_after=max(waits),
                )
            await self._retry(max(waits), throttled=429 in statuses)
            attempt += 1
        return [done[str(index)] for index in range(len(chunk))]


def _batch_entry(rid: str, request: BatchRequest) -> JsonObject:
    entry: JsonObject = {"id": rid, "method": request.method.upper(), "url": request.url}
    if request.body is not None:
        entry["body"] = request.body
        entry["headers"] = {"Content-Type": "application/json", **(request.headers or {})}
    elif request.headers:
        entry["headers"] = dict(request.headers)
    return entry


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
