"""Git's child processes are reaped through a pidfd on the event loop, not a thread per child."""

from __future__ import annotations

import asyncio
import sys
import threading
import warnings
from collections.abc import Iterator

import pytest

from tenantsync.controllers.operator import _reap_git_by_pidfd

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 reaps by pidfd itself")


@pytest.fixture
def restored_watcher() -> Iterator[None]:
    original = asyncio.get_child_watcher()
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        asyncio.set_child_watcher(original)


async def children_and_waiting_threads() -> int:
    """Start five children and count asyncio's waitpid threads while they run."""
    processes = [await asyncio.create_subprocess_exec("sleep", "0.3") for _ in range(5)]
    waiting = sum("waitpid" in thread.name for thread in threading.enumerate())
    assert [await process.wait() for process in processes] == [0] * 5
    return waiting


def test_children_are_reaped_without_a_thread_each(restored_watcher: None) -> None:
    # Python 3.11's default, counted the same way: the count sees the threads it is to see none of.
    assert asyncio.run(children_and_waiting_threads()) == 5
    _reap_git_by_pidfd()
    assert asyncio.run(children_and_waiting_threads()) == 0
