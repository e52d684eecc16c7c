"""The queues below the step slots: decided work goes ahead of background work, never above the limit."""

from __future__ import annotations

import asyncio
import threading

import pytest
from kubernetes import client

from tenantsync.kube import KubeClient
from tenantsync.kube.client import REQUESTS_AT_ONCE
from tenantsync.precedence import PriorityGate, decided_work, is_decided


async def _served(gate: PriorityGate, arrivals: list[tuple[str, bool]]) -> list[str]:
    """The order in which waiters get the gate once the holder lets go; each holds it a moment."""
    served: list[str] = []
    holder_done = asyncio.Event()

    async def hold() -> None:
        async with gate.turn():
            await holder_done.wait()

    async def wait(name: str, decided: bool) -> None:
        with decided_work(decided):
            async with gate.turn():
                served.append(name)
                await asyncio.sleep(0)

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiters = []
    for name, decided in arrivals:
        waiters.append(asyncio.create_task(wait(name, decided)))
        await asyncio.sleep(0)
    assert gate.waiting == len(arrivals)
    holder_done.set()
    await asyncio.gather(holder, *waiters)
    return served


def test_decided_work_goes_ahead_each_kind_in_arrival_order() -> None:
    arrivals = [
        ("backup-1", False),
        ("backup-2", False),
        ("deploy-1", True),
        ("backup-3", False),
        ("deploy-2", True),
    ]
    served = asyncio.run(_served(PriorityGate(1), arrivals))
    assert served == ["deploy-1", "deploy-2", "backup-1", "backup-2", "backup-3"]


def test_decided_work_never_goes_above_the_limit() -> None:
    async def scenario() -> int:
        gate = PriorityGate(2)
        holding = most = 0

        async def work(decided: bool) -> None:
            nonlocal holding, most
            with decided_work(decided):
                async with gate.turn():
                    holding += 1
                    most = max(most, holding)
                    await asyncio.sleep(0)
                    holding -= 1

        await asyncio.gather(*(work(i % 2 == 0) for i in range(10)))
        return most

    assert asyncio.run(scenario()) == 2


def test_the_context_says_whether_work_is_decided_and_tasks_inherit_it() -> None:
    async def decided_in_a_task() -> bool:
        return is_decided()

    async def scenario() -> tuple[bool, bool, bool]:
        with decided_work():
            inside = await asyncio.create_task(decided_in_a_task())
        return inside, is_decided(), await asyncio.create_task(decided_in_a_task())

    assert asyncio.run(scenario()) == (True, False, False)


def test_a_cancelled_waiter_passes_its_place_on() -> None:
    async def scenario() -> list[str]:
        gate = PriorityGate(1)
        served: list[str] = []
        release = asyncio.Event()

        async def work(name: str) -> None:
            async with gate.turn():
                served.append(name)
                await release.wait()

        first = asyncio.create_task(work("first"))
        await asyncio.sleep(0)
        cancelled, last = asyncio.create_task(work("cancelled")), asyncio.create_task(work("last"))
        await asyncio.sleep(0)
        cancelled.cancel()
        release.set()
        await asyncio.gather(first, last)
        return served

    assert asyncio.run(scenario()) == ["first", "last"]


def test_a_gate_lets_someone_through() -> None:
    with pytest.raises(ValueError, match="at least one"):
        PriorityGate(0)


def test_a_decided_runs_api_call_goes_ahead_of_the_calls_queued_for_the_clients_threads() -> None:
    """Every thread of the Kubernetes client is busy; a background call queues, then a decided run's:
    the decided one takes the first thread that comes free, the background one the next."""

    async def scenario() -> list[str]:
        kube = KubeClient(client.ApiClient(client.Configuration()))
        loop = asyncio.get_running_loop()
        all_busy = asyncio.Event()
        releases = [threading.Event() for _ in range(REQUESTS_AT_ONCE)]
        started: list[str] = []

        def call(name: str) -> str:
            started.append(name)
            if len(started) == REQUESTS_AT_ONCE:
                loop.call_soon_threadsafe(all_busy.set)
            if name.startswith("busy-"):
                releases[int(name.removeprefix("busy-"))].wait(60)
            return name

        busy = [asyncio.create_task(kube._call(call, f"busy-{i}")) for i in range(REQUESTS_AT_ONCE)]
        await all_busy.wait()
        background = asyncio.create_task(kube._call(call, "backup"))
        await asyncio.sleep(0)
        with decided_work():
            decided = asyncio.create_task(kube._call(call, "deploy"))
        await asyncio.sleep(0)
        releases[0].set()  # one thread comes free
        await decided
        for release in releases:
            release.set()
        await asyncio.gather(*busy, background)
        return started[REQUESTS_AT_ONCE:]

    assert asyncio.run(scenario()) == ["deploy", "backup"]
