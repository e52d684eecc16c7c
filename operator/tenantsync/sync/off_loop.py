"""A backup's CPU work off the event loop, so the loop stays free for what a person waits on.

A burst of syncs normalises and serialises tens of thousands of objects. On the event loop each backup
held it for tens of milliseconds at a time, and everything else queued behind: a person's approval,
kopf's deliveries, the requests of runs already deploying. In a worker thread the interpreter hands
the loop its turn every few milliseconds (`sys.getswitchinterval`), so the loop answers while the work
goes on. One worker: the GIL runs one thread's Python at a time anyway, and the work never takes the
threads sign-ins and Kubernetes calls wait for (asyncio's default pool, the API client's).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tenantsync-cpu")


async def off_loop(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)`` in the CPU worker; it must not touch what the loop may change meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_WORKER, functools.partial(work, *args, **kwargs))
