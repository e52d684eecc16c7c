"""When a periodic look of one object comes round: each object at its own offset into the interval.

A fleet's per-Tenant loops all start together (the operator starts, a Baseline rolls out, a namespace
is applied); looking every interval from their start, a thousand Tenants would look in the same second
each interval, needing many connections and the event loop at once, then nothing until the next. Each
object's looks fall instead at a fixed offset into the interval that its key hashes to, so the fleet's
looks are spread evenly over it and stay spread however long each look takes.
"""

from __future__ import annotations

import hashlib


def offset_of(key: str, interval: float) -> float:
    """The key's offset into the interval, in [0, interval): the same in every process and release."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64 * interval


SHORTEST_INTERVAL = 1.0
"""Seconds: a shorter interval (none is valid; a Tenant stored before a rule) is taken as this."""


def spread_wait(key: str, interval: float, now: float) -> float:
    """Seconds from `now` (a POSIX time) to the key's next look, never less than half an interval: a
    look that ran late or a first look at a chance moment is not followed by another straight away."""
    interval = max(interval, SHORTEST_INTERVAL)
    wait = (offset_of(key, interval) - now) % interval
    return wait if wait >= interval / 2 else wait + interval
