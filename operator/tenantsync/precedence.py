"""A person's decision first, all the way down: which work goes ahead wherever work queues.

The step slots (`controllers/concurrency.py`) let a decided run's step start at once, whatever is
queued. Below them the step's own calls still wait in shared queues: for a thread (and connection) of
the Kubernetes API pool, and for a turn to push to a shared Git repository. Each such queue is a
`PriorityGate`, and whether work is decided travels with it as a context variable, set once around the
step (`decided_work`): the layers in between pass nothing on, and the tasks a step starts (its status
writes, a repository's pusher) inherit it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar

_DECIDED: ContextVar[bool] = ContextVar("tenantsync_decided_work", default=False)


@contextmanager
def decided_work(decided: bool = True) -> Iterator[None]:
    """The work done inside is (or, with False, is not) for a run a person has decided on."""
    token = _DECIDED.set(decided)
    try:
        yield
    finally:
        _DECIDED.reset(token)


def is_decided() -> bool:
    """Whether the work running now is for a decided run."""
    return _DECIDED.get()


class PriorityGate:
    """At most `limit` holders at once. Waiters doing decided work go ahead of the others; each kind is
    served in arrival order. Unlike the step slots, decided work never goes above the limit: the limit
    here is a resource's (threads, one push at a time), not a budget."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a gate lets at least one holder through")
        self._limit = limit
        self._holders = 0
        self._waiting: list[tuple[bool, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def waiting(self) -> int:
        return sum(1 for *_, future in self._waiting if not future.done())

    @asynccontextmanager
    async def turn(self, decided: bool | None = None) -> AsyncIterator[None]:
        """Hold the gate; `decided` overrides the context's (a task serving several callers)."""
        await self._acquire(is_decided() if decided is None else decided)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, decided: bool) -> None:
        if self._holders < self._limit and not self._waiting:
            self._holders += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (not decided, next(self._order), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()  # handed the gate just as it was cancelled: pass it on
            raise

    def _release(self) -> None:
        self._holders -= 1
        while self._waiting and self._holders < self._limit:
            *_, future = heapq.heappop(self._waiting)
            if not future.done():
                self._holders += 1
                future.set_result(None)
