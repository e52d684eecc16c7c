"""The heap trimmer gives freed malloc memory back to the system, as the operator's RSS needs."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from tenantsync.controllers.memory import HeapTrimmer


def rss_kib() -> int:
    return int(re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text())[1])  # type: ignore[index]


@pytest.mark.skipif(not HeapTrimmer().available, reason="glibc only")
def test_memory_freed_in_a_worker_thread_goes_back_to_the_system_when_trimmed() -> None:
    """Many 4 KiB objects (malloc'd, not Python's small-object arenas) freed but one: glibc keeps their
    pages until a trim, as it kept a burst of Kubernetes bodies and Graph pages in the operator."""
    trimmer = HeapTrimmer()
    kept: list[bytes] = []

    def churn() -> None:
        blocks = [bytes(4096) + bytes([i % 256]) for i in range(16_000)]  # ~64 MiB
        kept.append(blocks[-1])

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    before = rss_kib()
    trimmer.trim()
    after = rss_kib()

    assert before - after > 32 * 1024, f"RSS {before} KiB before the trim, {after} KiB after"
    assert kept


def test_a_stopped_trimmer_ends_its_thread() -> None:
    trimmer = HeapTrimmer(every_seconds=0.01)
    trimmer.start()
    trimmer.stop()
    threads = [thread for thread in threading.enumerate() if thread.name == "heap-trimmer"]
    for thread in threads:
        thread.join(timeout=5)
    assert not any(thread.is_alive() for thread in threads)
