"""A global cap on steps running at once, with a person's decision going ahead of background work.

Each step of a run holds one slot while it runs and gives it back between steps. Background steps wait
for a free slot: those of runs already started first, then in arrival order. A step of a run a person has decided on never waits: it takes a slot
at once, above the cap if need be (background steps then wait until the count is back under it), since
a backup step it would otherwise wait for can take tens of seconds on a busy replica. Decided runs are
as few as the decisions people make, so the cap still bounds the scheduled work on Graph and Git.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import IntEnum

from tenantsync.api import RunStep


class Priority(IntEnum):
    """Lower goes first."""

    DECIDED = 0
    """A run at or after Approval: a person is waiting for it."""
    STARTED = 1
    """A run that has taken its first step, up to the plan: begun work finishes before new work starts,
    so a run's duration is its own work rather than turns behind the rest of a burst (its wait is counted
    once, before its first step, as `status.queuedSeconds`), and fewer runs hold their states at once."""
    NEW = 2
    """A run that has not started: scheduled or requested work waiting for its first step."""


AFTER_DECISION = frozenset({RunStep.APPROVAL, RunStep.DEPLOY, RunStep.VERIFY, RunStep.DONE})


def priority_of(step: RunStep | None) -> Priority:
    if step is None:
        return Priority.NEW
    return Priority.DECIDED if step in AFTER_DECISION else Priority.STARTED


class StepSlots:
    def __init__(self, limit: int) -> None:
        """`limit` steps at once; 0 for no limit."""
        self._limit = limit
        self._running = 0
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def queued(self) -> int:
        return sum(1 for *_, future in self._waiting if not future.done())

    def would_wait(self) -> bool:
        return bool(self._limit) and self._running >= self._limit

    @asynccontextmanager
    async def slot(self, priority: Priority) -> AsyncIterator[None]:
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, priority: Priority) -> None:
        free = self._running < self._limit and not self._waiting
        if not self._limit or free or priority is Priority.DECIDED:
            self._running += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()  # handed a slot just as it was cancelled: pass it on
            raise

    def _release(self) -> None:
        self._running -= 1
        while self._waiting and self._running < self._limit:
            *_, future = heapq.heappop(self._waiting)
            if not future.done():
                self._running += 1
                future.set_result(None)
