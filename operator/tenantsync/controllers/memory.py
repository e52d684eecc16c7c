"""Give the memory the operator frees back to the system, so its RSS follows what it holds.

Python returns its own small-object arenas when they empty, but what goes through malloc (large
strings and dicts such as Kubernetes bodies and Graph pages, OpenSSL's CA stores, pydantic-core) stays
in glibc's heaps once freed, and glibc gives each new thread a heap of its own, up to eight per core.
Worse, glibc raises its mmap threshold to the size of the largest block freed, so the 256 KiB read
buffer asyncio gives each TLS connection lands in the heap, zeroed page by page: kopf opened a
connection per concurrent API request (bounded since: `connections`), and creating 300 Tenants at once
held ~100 MiB of them for a moment, kept in the heap afterwards. A fixed threshold keeps such buffers mapped on their own, so they
go back to the system the moment they are freed; two heaps and a trim every minute return the rest.
Other C libraries (musl) have none of these calls; there this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
"""mallopt's parameters (malloc.h)."""
MMAP_THRESHOLD_BYTES = 128 * 1024
"""glibc's default, kept fixed: blocks this large or larger are mapped on their own."""
HEAPS = 2
"""One for the event loop, one shared by the worker threads (API calls, sign-ins)."""
TRIM_EVERY_SECONDS = 60.0

log = logging.getLogger(__name__)


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    return library if hasattr(library, "malloc_trim") and hasattr(library, "mallopt") else None


class HeapTrimmer:
    """Caps glibc's heaps (call `start` before any thread is started) and trims them periodically."""

    def __init__(self, every_seconds: float = TRIM_EVERY_SECONDS) -> None:
        self._libc = _glibc()
        self._every = every_seconds
        self._stop = threading.Event()

    @property
    def available(self) -> bool:
        return self._libc is not None

    def trim(self) -> None:
        """Return the heaps' free pages to the system (a pass over the heaps: milliseconds)."""
        if self._libc is not None:
            self._libc.malloc_trim(0)

    def start(self) -> None:
        if self._libc is None:
            log.debug("Not glibc: freed heap memory is left to the C library.")
            return
        self._libc.mallopt(M_ARENA_MAX, HEAPS)
        self._libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        threading.Thread(target=self._run, name="heap-trimmer", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.trim()
