"""The step slots: a cap on background steps at once; a decided run's steps never wait."""

from __future__ import annotations

import asyncio

from tenantsync.api import RunStep
from tenantsync.controllers.concurrency import Priority, StepSlots, priority_of


def test_runs_at_or_after_approval_go_first_then_started_runs_then_new_ones() -> None:
    assert priority_of(RunStep.APPROVAL) == priority_of(RunStep.DEPLOY) == Priority.DECIDED
    assert priority_of(RunStep.PREFLIGHT) == priority_of(RunStep.BACKUP) == Priority.STARTED
    assert priority_of(None) == Priority.NEW
    assert Priority.DECIDED < Priority.STARTED < Priority.NEW


async def _order_served(limit: int, arrivals: list[tuple[str, Priority]]) -> tuple[list[str], int]:
    slots = StepSlots(limit)
    served: list[str] = []
    most = 0
    running = 0
    gate = asyncio.Event()

    async def step(name: str, priority: Priority) -> None:
        nonlocal running, most
        async with slots.slot(priority):
            running += 1
            most = max(most, running)
            served.append(name)
            await gate.wait()
            running -= 1

    tasks = []
    for name, priority in arrivals:
        tasks.append(asyncio.create_task(step(name, priority)))
        await asyncio.sleep(0)
    background = [name for name, priority in arrivals if priority is not Priority.DECIDED]
    assert slots.queued == (max(0, len(background) - limit) if limit else 0)
    gate.set()
    await asyncio.gather(*tasks)
    return served, most


def test_no_more_background_steps_than_the_limit() -> None:
    served, most = asyncio.run(_order_served(2, [(f"scheduled-{i}", Priority.NEW) for i in range(5)]))
    assert most == 2
    assert served == [f"scheduled-{i}" for i in range(5)]


def test_a_decided_step_never_waits_behind_background_work() -> None:
    arrivals = [
        ("scheduled-1", Priority.NEW),
        ("scheduled-2", Priority.NEW),
        ("scheduled-3", Priority.NEW),
        ("approved", Priority.DECIDED),
    ]
    served, most = asyncio.run(_order_served(1, arrivals))
    assert served[:2] == ["scheduled-1", "approved"], "the approved step ran while the first held the slot"
    assert most == 2
    assert served[2:] == ["scheduled-2", "scheduled-3"]


def test_background_work_waits_until_a_decided_step_brings_the_count_back_under_the_limit() -> None:
    async def scenario() -> list[str]:
        slots = StepSlots(1)
        served: list[str] = []
        decided_done, scheduled_done = asyncio.Event(), asyncio.Event()

        async def step(name: str, priority: Priority, gate: asyncio.Event) -> None:
            async with slots.slot(priority):
                served.append(name)
                await gate.wait()

        decided = asyncio.create_task(step("approved", Priority.DECIDED, decided_done))
        await asyncio.sleep(0)
        scheduled = asyncio.create_task(step("scheduled", Priority.NEW, scheduled_done))
        await asyncio.sleep(0)
        assert served == ["approved"] and slots.queued == 1
        decided_done.set()
        await decided
        await asyncio.sleep(0)
        scheduled_done.set()
        await scheduled
        return served

    assert asyncio.run(scenario()) == ["approved", "scheduled"]


def test_zero_means_no_limit() -> None:
    served, most = asyncio.run(_order_served(0, [(f"run-{i}", Priority.NEW) for i in range(5)]))
    assert most == 5
    assert len(served) == 5


def test_a_cancelled_waiter_gives_up_its_place() -> None:
    async def scenario() -> list[str]:
        slots = StepSlots(1)
        served: list[str] = []
        gate = asyncio.Event()

        async def step(name: str) -> None:
            async with slots.slot(Priority.NEW):
                served.append(name)
                await gate.wait()

        first = asyncio.create_task(step("first"))
        await asyncio.sleep(0)
        cancelled = asyncio.create_task(step("cancelled"))
        last = asyncio.create_task(step("last"))
        await asyncio.sleep(0)
        cancelled.cancel()
        gate.set()
        await asyncio.gather(first, last)
        assert slots.queued == 0
        return served

    assert asyncio.run(scenario()) == ["first", "last"]


def test_a_started_runs_next_step_goes_ahead_of_runs_not_yet_started() -> None:
    """A burst: the run that got a slot finishes its work before the runs behind it begin theirs."""
    arrivals = [
        ("first-preflight", Priority.NEW),
        ("new-1", Priority.NEW),
        ("new-2", Priority.NEW),
        ("first-backup", Priority.STARTED),
    ]
    served, most = asyncio.run(_order_served(1, arrivals))
    assert served == ["first-preflight", "first-backup", "new-1", "new-2"]
    assert most == 1
