"""$batch: validation, dependency order and 424 propagation, with a stub Graph service."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tenantsync_sim.graph.batch import dependency_order, run_batch
from tenantsync_sim.graph.errors import GraphError
from tenantsync_sim.graph.service import GraphRequest, GraphResponse, GraphService


class StubService(GraphService):
    """Answers by path: 'fail' -> 500, 'slow' -> 200 after a delay, else 200; records the order."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def principal(self, req: GraphRequest) -> Any:
        return None

    async def handle(self, req: GraphRequest) -> GraphResponse:
        if req.path == "slow":
            await asyncio.sleep(0.05)
        self.calls.append(req.path)
        assert req.headers["authorization"] == "Bearer outer"
        return GraphResponse(500 if req.path == "fail" else 200, {"path": req.path, "query": dict(req.query)})


def _outer(requests: list[dict[str, Any]]) -> GraphRequest:
    return GraphRequest(
        "POST", "v1.0", "$batch", {}, {"authorization": "Bearer outer"}, {"requests": requests}, "https://sim"
    )


async def test_failed_dependency_yields_424_and_is_not_executed() -> None:
    service = StubService()
    response = await run_batch(
        service,
        _outer(
            [
                {"id": "a", "method": "GET", "url": "/fail"},
                {"id": "b", "method": "GET", "url": "/b", "dependsOn": ["a"]},
                {"id": "c", "method": "GET", "url": "/c", "dependsOn": ["b"]},
                {"id": "d", "method": "GET", "url": "/v1.0/d?$top=1"},
            ]
        ),
    )
    statuses = {r["id"]: r["status"] for r in response.body["responses"]}
    assert statuses == {"a": 500, "b": 424, "c": 424, "d": 200}
    assert sorted(service.calls) == ["d", "fail"]
    [d] = [r for r in response.body["responses"] if r["id"] == "d"]
    assert d["body"]["query"] == {"$top": "1"}


async def test_responses_come_back_in_completion_order_and_dependencies_wait() -> None:
    service = StubService()
    response = await run_batch(
        service,
        _outer(
            [
                {"id": "1", "method": "GET", "url": "slow"},
                {"id": "2", "method": "GET", "url": "fast"},
                {"id": "3", "method": "GET", "url": "after", "dependsOn": ["1"]},
            ]
        ),
    )
    assert [r["id"] for r in response.body["responses"]] == ["2", "1", "3"]
    assert service.calls == ["fast", "slow", "after"]


@pytest.mark.parametrize(
    "requests",
    [
        [{"id": str(i), "method": "GET", "url": "/x"} for i in range(21)],
        [{"id": "1", "method": "GET", "url": "/x"}, {"id": "1", "method": "GET", "url": "/y"}],
        [{"id": "1", "method": "GET", "url": "/x", "dependsOn": ["9"]}],
        [{"id": "1", "url": "/x"}],
        [],
    ],
)
async def test_invalid_batches_are_400(requests: list[dict[str, Any]]) -> None:
    with pytest.raises(GraphError) as raised:
        await run_batch(StubService(), _outer(requests))
    assert raised.value.status == 400


def test_dependency_order_and_cycles() -> None:
    order = dependency_order([{"id": "c", "dependsOn": ["b"]}, {"id": "b", "dependsOn": ["a"]}, {"id": "a"}])
    assert order == ["a", "b", "c"]
    with pytest.raises(GraphError):
        dependency_order([{"id": "a", "dependsOn": ["b"]}, {"id": "b", "dependsOn": ["a"]}])
