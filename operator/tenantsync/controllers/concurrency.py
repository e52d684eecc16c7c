"""A global cap on steps running at once, with a person's decision going ahead of background work.

Each step of a run holds one slot while it runs and gives it back between steps, so a run that has
just been approved waits for at most one step of another run, never for whole scheduled runs. Waiters
are served by priority, then in arrival order.
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
    BACKGROUND = 1
    """Scheduled or requested work up to the plan."""


AFTER_DECISION = frozenset({RunStep.APPROVAL, RunStep.DEPLOY, RunStep.VERIFY, RunStep.DONE})


def priority_of(step: RunStep | None) -> Priority:
    return Priority.DECIDED if step in AFTER_DECISION else Priority.BACKGROUND


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
        if not self._limit or (self._running < self._limit and not self._waiting):
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
