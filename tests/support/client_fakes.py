"""What the Graph and Exchange admin API clients' unit tests inject: a MockTransport handler and a sleep
that records its waits, so retries and Retry-After are checked without waiting."""

from __future__ import annotations

from collections.abc import Callable

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


class FakeSleep:
    """Records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
