"""GraphClient against httpx.MockTransport: paging, throttling, batching and error mapping."""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tenantsync.graph import (
    BatchRequest,
    GraphClient,
    GraphError,
    GraphNotFound,
    GraphPermissionDenied,
    GraphThrottled,
    GraphTransientError,
    GraphUnauthorized,
    GraphUnavailable,
    GraphValidationError,
    StreamContent,
)
from tests.support.client_fakes import FakeSleep, Handler

BASE = "https://graph.example"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOi.secret-token-value"


async def _token() -> str:
    return TOKEN


def _client(
    handler: Handler, sleep: FakeSleep | None = None, max_retries: int = 6, max_wait: float = 60.0
) -> GraphClient:
    return GraphClient(
        BASE,
        _token,
        transport=httpx.MockTransport(handler),
        sleep=sleep or FakeSleep(),
        max_retries=max_retries,
        max_wait=max_wait,
        rng=random.Random(7),
    )


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"error": {"code": code, "message": message, "innerError": {"request-id": "req-1"}}}
    return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
def sleep() -> FakeSleep:
    return FakeSleep()


async def test_list_follows_absolute_next_links_and_sends_the_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "$skiptoken" in request.url.params:
            return httpx.Response(200, json={"value": [{"id": "3"}]})
        next_link = f"{BASE}/v1.0/identity/conditionalAccess/policies?$top=2&$skiptoken=abc"
        return httpx.Response(200, json={"value": [{"id": "1"}, {"id": "2"}], "@odata.nextLink": next_link})

    async with _client(handler) as graph:
        items = await graph.list("identity/conditionalAccess/policies", params={"$top": "2"})

    assert [item["id"] for item in items] == ["1", "2", "3"]
    assert str(seen[0].url) == f"{BASE}/v1.0/identity/conditionalAccess/policies?%24top=2"
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in seen)
    assert graph.stats.requests == 2


async def test_a_next_link_to_another_host_is_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [], "@odata.nextLink": "https://evil.example/v1.0/x"})

    async with _client(handler) as graph:
        with pytest.raises(GraphError, match="another host"):
            await graph.list("groups")
    assert graph.stats.requests == 1


async def test_retry_after_is_honoured(sleep: FakeSleep) -> None:
    answers = iter(
        [
            _error(429, "TooManyRequests", "slow down", {"Retry-After": "7"}),
            _error(503, "ServiceUnavailable", "busy", {"Retry-After": "2"}),
            httpx.Response(200, json={"id": "x"}),
        ]
    )

    async with _client(lambda request: next(answers), sleep) as graph:
        assert await graph.get("policies/authorizationPolicy") == {"id": "x"}

    assert sleep.waits == [7.0, 2.0]
    assert graph.stats.requests == 3
    assert graph.stats.throttled == 1
    assert graph.stats.retried == 2
    assert graph.stats.by_status == {429: 1, 503: 1, 200: 1}


async def test_without_retry_after_backoff_is_exponential_with_full_jitter(sleep: FakeSleep) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return (
            _error(429, "TooManyRequests", "Too many requests")
            if calls <= 5
            else httpx.Response(200, json={})
        )

    async with _client(handler, sleep) as graph:
        await graph.get("identity/conditionalAccess/policies/p1")

    assert len(sleep.waits) == 5
    for attempt, wait in enumerate(sleep.waits):
        assert 0 <= wait <= 2**attempt
    assert len(set(sleep.waits)) == 5


async def test_throttling_beyond_max_retries_raises_graph_throttled(sleep: FakeSleep) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _error(429, "TooManyRequests", "still busy", {"Retry-After": "1"})

    async with _client(handler, sleep, max_retries=3) as graph:
        with pytest.raises(GraphThrottled) as caught:
            await graph.get("deviceManagement/deviceConfigurations")

    assert caught.value.status == 429
    assert caught.value.retry_after == 1.0
    assert sleep.waits == [1.0, 1.0, 1.0]
    assert graph.stats.requests == 4


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_reads_are_repeated_after_a_transient_server_error(sleep: FakeSleep, status: int) -> None:
    answers = iter(
        [_error(status, "ServerError", "hiccup"), httpx.Response(200, json={"value": [{"id": "1"}]})]
    )

    async with _client(lambda request: next(answers), sleep) as graph:
        assert await graph.list("groups") == [{"id": "1"}]

    assert graph.stats.requests == 2
    assert len(sleep.waits) == 1


async def test_a_read_that_keeps_failing_raises_unavailable_with_the_next_wait(sleep: FakeSleep) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _error(502, "BadGateway", "upstream down", {"Retry-After": "4"})

    async with _client(handler, sleep, max_retries=2) as graph:
        with pytest.raises(GraphUnavailable) as caught:
            await graph.get("policies/authorizationPolicy")

    assert (caught.value.status, caught.value.code, caught.value.retry_after) == (502, "BadGateway", 4.0)
    assert sleep.waits == [4.0, 4.0]
    assert graph.stats.requests == 3


async def test_a_retry_after_beyond_the_cap_is_raised_at_once_not_waited(sleep: FakeSleep) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _error(429, "TooManyRequests", "come back later", {"Retry-After": "900"})

    async with _client(handler, sleep, max_wait=60.0) as graph:
        with pytest.raises(GraphThrottled) as caught:
            await graph.list("deviceManagement/deviceConfigurations")

    assert isinstance(caught.value, GraphTransientError)
    assert caught.value.retry_after == 900.0
    assert sleep.waits == []
    assert graph.stats.requests == 1


async def test_backoff_without_retry_after_never_waits_longer_than_the_cap(sleep: FakeSleep) -> None:
    async with _client(
        lambda request: _error(503, "Busy", "busy"), sleep, max_retries=12, max_wait=5.0
    ) as graph:
        with pytest.raises(GraphUnavailable) as caught:
            await graph.get("groups")

    assert len(sleep.waits) == 12
    assert max(sleep.waits) <= 5.0
    assert caught.value.retry_after is not None and caught.value.retry_after <= 5.0


WRITES: dict[str, Callable[[GraphClient], Awaitable[object]]] = {
    "create": lambda graph: graph.create("identity/conditionalAccess/namedLocations", {"displayName": "x"}),
    "update": lambda graph: graph.update("identity/conditionalAccess/policies/p1", {"state": "enabled"}),
    "replace": lambda graph: graph.replace("deviceManagement/configurationPolicies/c1", {}, version="beta"),
    "delete": lambda graph: graph.delete("identity/conditionalAccess/policies/p1"),
    "action": lambda graph: graph.action("deviceManagement/deviceConfigurations/d1/assign", {}),
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_write_is_not_repeated_after_a_server_error(
    sleep: FakeSleep, write: str, status: int
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _error(status, "ServerError", "maybe applied", {"Retry-After": "3"})

    async with _client(handler, sleep) as graph:
        with pytest.raises(GraphUnavailable) as caught:
            await WRITES[write](graph)

    assert caught.value.status == status
    assert caught.value.retry_after == 3.0
    assert graph.stats.requests == 1
    assert sleep.waits == []


@pytest.mark.parametrize("write", sorted(WRITES))
async def test_a_throttled_write_is_sent_again_because_graph_did_not_run_it(
    sleep: FakeSleep, write: str
) -> None:
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        if len(methods) == 1:
            return _error(429, "TooManyRequests", "slow down", {"Retry-After": "2"})
        return httpx.Response(201 if request.method == "POST" else 204, json={"id": "n"})

    async with _client(handler, sleep) as graph:
        await WRITES[write](graph)

    assert len(methods) == 2
    assert methods[0] == methods[1]
    assert sleep.waits == [2.0]


@pytest.mark.parametrize(
    ("status", "code", "error_type"),
    [
        (400, "BadRequest", GraphValidationError),
        (401, "InvalidAuthenticationToken", GraphUnauthorized),
        (403, "AccessDenied", GraphPermissionDenied),
        (404, "ResourceNotFound", GraphNotFound),
        (409, "Conflict", GraphError),
    ],
)
async def test_errors_are_typed_by_status(status: int, code: str, error_type: type[GraphError]) -> None:
    async with _client(lambda request: _error(status, code, "it failed")) as graph:
        with pytest.raises(error_type) as caught:
            await graph.get("policies/authorizationPolicy")

    error = caught.value
    assert type(error) is error_type
    assert (error.status, error.code, error.message, error.request_id) == (status, code, "it failed", "req-1")
    assert TOKEN not in str(error)


async def test_permission_denied_names_the_permissions_from_intunes_json_message() -> None:
    message = json.dumps(
        {
            "_version": 3,
            "Message": "Application is not authorized to perform this operation. Application must have one of "
            "the following scopes: DeviceManagementConfiguration.Read.All, "
            "DeviceManagementConfiguration.ReadWrite.All - Operation ID (for customer support): 0000 - "
            "Url: https://graph.microsoft.com/v1.0/deviceManagement/deviceConfigurations",
        }
    )
    async with _client(lambda request: _error(403, "Forbidden", message)) as graph:
        with pytest.raises(GraphPermissionDenied) as caught:
            await graph.list("deviceManagement/deviceConfigurations")

    assert caught.value.permissions == [
        "DeviceManagementConfiguration.Read.All",
        "DeviceManagementConfiguration.ReadWrite.All",
    ]
    assert caught.value.message.startswith("Application is not authorized")


async def test_permission_denied_without_names_has_none() -> None:
    message = "You cannot perform the requested operation, required scopes are missing in the token."
    async with _client(lambda request: _error(403, "AccessDenied", message)) as graph:
        with pytest.raises(GraphPermissionDenied) as caught:
            await graph.get("identity/conditionalAccess/policies")
    assert caught.value.permissions == []


async def test_an_admin_api_error_body_is_understood() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403, json={"message": "This API does not support app-only tokens", "clientData": {}}
        )

    async with _client(handler) as graph:
        with pytest.raises(GraphPermissionDenied, match="app-only"):
            await graph.get("B2B/b2bPolicy", version="api")


async def test_a_stream_is_read_with_its_media_type_and_written_under_it() -> None:
    stored: dict[str, httpx.Request] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            stored[request.url.path] = request
            return httpx.Response(204)
        if request.url.path.endswith("/bannerLogo"):
            return httpx.Response(200, content=b"\x89PNG", headers={"Content-Type": "image/png"})
        return httpx.Response(200)

    async with _client(handler) as graph:
        assert await graph.read_stream("organization/t/branding/bannerLogo") == StreamContent(
            b"\x89PNG", "image/png"
        )
        assert await graph.read_stream("organization/t/branding/squareLogo") is None
        await graph.write_stream("organization/t/branding/customCSS", StreamContent(b"a{}", "text/css"))
    sent = stored["/v1.0/organization/t/branding/customCSS"]
    assert (sent.headers["Content-Type"], sent.content) == ("text/css", b"a{}")


async def test_writes_return_the_body_or_none_on_204() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH" and "deviceManagement" in request.url.path:
            return httpx.Response(200, json={"id": "d1", "version": 2})
        if request.method == "POST" and request.url.path.endswith("/assign"):
            return httpx.Response(200, json={"value": []})
        if request.method == "POST":
            return httpx.Response(201, json={"id": "new", **json.loads(request.content)})
        return httpx.Response(204)

    async with _client(handler) as graph:
        assert await graph.create("identity/conditionalAccess/namedLocations", {"displayName": "x"}) == {
            "id": "new",
            "displayName": "x",
        }
        assert await graph.update("policies/authorizationPolicy", {"blockMsolPowerShell": True}) is None
        assert await graph.update("deviceManagement/deviceConfigurations/d1", {"x": 1}) == {
            "id": "d1",
            "version": 2,
        }
        assert await graph.replace("deviceManagement/configurationPolicies/c1", {}, version="beta") is None
        assert await graph.action("deviceManagement/deviceConfigurations/d1/assign", {"assignments": []}) == {
            "value": []
        }
        await graph.delete("identity/conditionalAccess/policies/p1")
    assert graph.stats.by_status == {201: 1, 204: 3, 200: 2}


class FakeBatchGraph:
    """A $batch endpoint that answers in reverse order and throttles chosen request urls once."""

    def __init__(self, throttle_once: set[str] | None = None, retry_after: str | None = "3") -> None:
        self.throttle_once = set(throttle_once or ())
        self.retry_after = retry_after
        self.batches: list[list[dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/beta/$batch"
        entries = json.loads(request.content)["requests"]
        assert len(entries) <= 20
        self.batches.append(entries)
        responses = []
        for entry in reversed(entries):
            if entry["url"] in self.throttle_once:
                self.throttle_once.discard(entry["url"])
                headers = {"Retry-After": self.retry_after} if self.retry_after else {}
                responses.append({"id": entry["id"], "status": 429, "headers": headers, "body": {}})
            elif entry["url"].endswith("/missing"):
                body = {"error": {"code": "ResourceNotFound", "message": "gone"}}
                responses.append({"id": entry["id"], "status": 404, "headers": {}, "body": body})
            else:
                responses.append(
                    {"id": entry["id"], "status": 200, "headers": {}, "body": {"url": entry["url"]}}
                )
        return httpx.Response(200, json={"responses": responses})


@pytest.fixture
def batch_requests() -> list[BatchRequest]:
    return [BatchRequest("GET", f"/deviceManagement/configurationPolicies/{i}/settings") for i in range(45)]


async def test_batch_chunks_by_twenty_and_maps_responses_back_in_order(
    batch_requests: list[BatchRequest],
) -> None:
    fake = FakeBatchGraph()
    async with _client(fake) as graph:
        responses = await graph.batch(batch_requests, version="beta")

    assert sorted(len(batch) for batch in fake.batches) == [5, 20, 20]
    assert [r.body["url"] for r in responses] == [r.url for r in batch_requests]
    assert graph.stats.requests == 3
    assert graph.stats.batched == 45


async def test_batch_retries_only_the_throttled_items_after_their_retry_after(
    batch_requests: list[BatchRequest], sleep: FakeSleep
) -> None:
    throttled = {batch_requests[3].url, batch_requests[4].url}
    fake = FakeBatchGraph(throttle_once=throttled)
    async with _client(fake, sleep) as graph:
        responses = await graph.batch(batch_requests[:10], version="beta")

    assert [r.status for r in responses] == [200] * 10
    assert [r.body["url"] for r in responses] == [r.url for r in batch_requests[:10]]
    assert [len(batch) for batch in fake.batches] == [10, 2]
    assert {entry["url"] for entry in fake.batches[1]} == throttled
    assert sleep.waits == [3.0]
    assert graph.stats.throttled == 2


async def test_batch_backs_off_when_a_throttled_item_gives_no_retry_after(
    batch_requests: list[BatchRequest], sleep: FakeSleep
) -> None:
    fake = FakeBatchGraph(throttle_once={batch_requests[0].url}, retry_after=None)
    async with _client(fake, sleep) as graph:
        await graph.batch(batch_requests[:2], version="beta")
    assert len(sleep.waits) == 1
    assert 0 <= sleep.waits[0] <= 1


async def test_batch_item_errors_are_returned_for_the_caller_to_raise() -> None:
    requests = [BatchRequest("GET", "/groups/ok"), BatchRequest("GET", "/groups/missing")]
    async with _client(FakeBatchGraph()) as graph:
        ok, missing = await graph.batch(requests, version="beta")

    ok.raise_for_status()
    with pytest.raises(GraphNotFound, match="gone"):
        missing.raise_for_status()


async def test_batch_gives_up_when_items_stay_throttled(sleep: FakeSleep) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        entries = json.loads(request.content)["requests"]
        responses = [{"id": e["id"], "status": 429, "headers": {"Retry-After": "1"}} for e in entries]
        return httpx.Response(200, json={"responses": responses})

    async with _client(handler, sleep, max_retries=2) as graph:
        with pytest.raises(GraphThrottled):
            await graph.batch([BatchRequest("GET", "/groups/a")])
    assert sleep.waits == [1.0, 1.0]


async def test_batch_repeats_reads_that_failed_transiently(sleep: FakeSleep) -> None:
    statuses = iter([503, 500, 200])
    sent: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        entries = json.loads(request.content)["requests"]
        sent.append(len(entries))
        status = next(statuses)
        return httpx.Response(200, json={"responses": [{"id": e["id"], "status": status} for e in entries]})

    async with _client(handler, sleep) as graph:
        [response] = await graph.batch([BatchRequest("GET", "/groups/a")])

    assert response.status == 200
    assert sent == [1, 1, 1]
    assert len(sleep.waits) == 2


async def test_batch_returns_a_write_that_failed_transiently_without_repeating_it(sleep: FakeSleep) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        responses = [{"id": "0", "status": 503, "headers": {"Retry-After": "5"}, "body": {}}]
        return httpx.Response(200, json={"responses": responses})

    async with _client(handler, sleep) as graph:
        [response] = await graph.batch([BatchRequest("PATCH", "/policies/authorizationPolicy", {"a": 1})])

    assert response.status == 503
    with pytest.raises(GraphUnavailable):
        response.raise_for_status()
    assert graph.stats.requests == 1
    assert sleep.waits == []


async def test_batch_beyond_the_cap_raises_unavailable_with_the_wait(sleep: FakeSleep) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        entries = json.loads(request.content)["requests"]
        responses = [{"id": e["id"], "status": 504, "headers": {"Retry-After": "600"}} for e in entries]
        return httpx.Response(200, json={"responses": responses})

    async with _client(handler, sleep) as graph:
        with pytest.raises(GraphUnavailable) as caught:
            await graph.batch([BatchRequest("GET", "/groups/a"), BatchRequest("GET", "/groups/b")])

    assert (caught.value.status, caught.value.retry_after) == (504, 600.0)
    assert sleep.waits == []


async def test_a_batch_of_reads_is_sent_again_after_the_batch_itself_failed(sleep: FakeSleep) -> None:
    answers = iter(
        [
            _error(502, "BadGateway", "down"),
            httpx.Response(200, json={"responses": [{"id": "0", "status": 200, "body": {"id": "a"}}]}),
        ]
    )

    async with _client(lambda request: next(answers), sleep) as graph:
        [response] = await graph.batch([BatchRequest("GET", "/groups/a")])

    assert response.body == {"id": "a"}
    assert graph.stats.requests == 2


async def test_batch_sends_bodies_as_json() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.extend(json.loads(request.content)["requests"])
        return httpx.Response(200, json={"responses": [{"id": "0", "status": 204, "headers": {}}]})

    async with _client(handler) as graph:
        [response] = await graph.batch([BatchRequest("PATCH", "/policies/authorizationPolicy", {"a": 1})])

    assert response.status == 204
    assert seen == [
        {
            "id": "0",
            "method": "PATCH",
            "url": "/policies/authorizationPolicy",
            "body": {"a": 1},
            "headers": {"Content-Type": "application/json"},
        }
    ]


async def test_an_http_date_retry_after_is_understood(sleep: FakeSleep) -> None:
    when = email.utils.formatdate(time.time() + 50, usegmt=True)
    answers = iter(
        [_error(503, "ServiceUnavailable", "wait", {"Retry-After": when}), httpx.Response(200, json={})]
    )
    async with _client(lambda request: next(answers), sleep) as graph:
        await graph.get("groups")
    assert 40 < sleep.waits[0] <= 50


async def test_a_lost_connection_is_retried_for_reads(sleep: FakeSleep) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.RemoteProtocolError("connection reset", request=request)
        return httpx.Response(200, json={"value": []})

    async with _client(handler, sleep) as graph:
        assert await graph.list("groups") == []
    assert len(sleep.waits) == 1


async def test_a_lost_connection_during_a_create_is_reported_without_the_token(sleep: FakeSleep) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with _client(handler, sleep) as graph:
        with pytest.raises(GraphUnavailable, match="ConnectError") as caught:
            await graph.create("groups", {"displayName": "x"})
    assert TOKEN not in str(caught.value)
    assert sleep.waits == []


async def test_a_read_whose_connection_keeps_failing_raises_unavailable(sleep: FakeSleep) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with _client(handler, sleep, max_retries=3) as graph:
        with pytest.raises(GraphUnavailable) as caught:
            await graph.get("groups")

    assert (caught.value.status, caught.value.code) == (0, "TransportError")
    assert caught.value.retry_after is not None
    assert len(sleep.waits) == 3


async def test_a_path_naming_the_directory_gets_the_tenants_id_and_fails_without_one() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"id": "0"})

    async with GraphClient(
        BASE,
        _token,
        transport=httpx.MockTransport(handler),
        directory_id="7c3a0000-0000-4000-8000-000000000001",
    ) as graph:
        await graph.get("organization/{tenantId}/branding")
    assert seen == ["/v1.0/organization/7c3a0000-0000-4000-8000-000000000001/branding"]

    async with GraphClient(BASE, _token, transport=httpx.MockTransport(handler)) as unknown:
        with pytest.raises(GraphError, match="directory id"):
            await unknown.get("organization/{tenantId}/branding")
    assert len(seen) == 1


async def test_while_one_request_waits_out_a_429_no_other_request_is_sent() -> None:
    """Graph throttles per tenant and app: requests sent during the wait would only be throttled too."""
    sent: list[str] = []
    waiting = asyncio.Event()
    resume = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waiting.set()
        await resume.wait()

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        if request.url.path.endswith("/first") and sent.count(request.url.path) == 1:
            return _error(429, "TooManyRequests", "slow down", {"Retry-After": "5"})
        return httpx.Response(200, json={"id": request.url.path})

    graph = GraphClient(BASE, _token, transport=httpx.MockTransport(handler), sleep=sleep)
    first = asyncio.create_task(graph.get("first"))
    await waiting.wait()
    second = asyncio.create_task(graph.get("second"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert sent == ["/v1.0/first"], "the second request waits for the throttled one"
    resume.set()
    assert (await first)["id"] == "/v1.0/first" and (await second)["id"] == "/v1.0/second"
    assert sorted(sent[1:]) == ["/v1.0/first", "/v1.0/second"]
    await graph.aclose()
