"""A backup's CPU work runs in its worker thread, and the event loop keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import threading
import time

from tenantsync.sync.off_loop import off_loop


def busy(seconds: float) -> str:
    """Pure-Python work holding the interpreter, as normalising thousands of objects does."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(1000))
    return threading.current_thread().name


async def ticks_while(work: asyncio.Future[str] | asyncio.Task[str]) -> int:
    ticks = 0
    while not work.done():
        await asyncio.sleep(0)
        ticks += 1
    return ticks


async def test_the_loop_runs_while_the_worker_works_and_not_while_the_loop_does() -> None:
    worker = asyncio.ensure_future(off_loop(busy, 0.3))
    assert await ticks_while(worker) > 10
    assert worker.result().startswith("tenantsync-cpu")

    async def on_the_loop() -> str:
        return busy(0.3)

    inline = asyncio.ensure_future(on_the_loop())
    assert await ticks_while(inline) <= 1
    assert inline.result() == threading.current_thread().name
