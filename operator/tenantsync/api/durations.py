"""Durations as people read them in status and tables: the way kubectl prints ages."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(s|m|h)")
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> timedelta:
    """A duration as the CRDs accept it ("30s", "10m", "1h30m"). The CEL rules check it, but an object
    stored before a rule existed may hold anything: a ValueError says what is wrong with it."""
    if not text or _DURATION_PART.sub("", text):
        raise ValueError(f"{text!r} is not a duration such as 30s, 10m or 1h30m")
    try:
        return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text)))
    except OverflowError:
        # A ValueError like any other unusable duration: callers say what is wrong instead of crashing.
        raise ValueError(f"{text!r} is longer than any duration can be") from None


def human_duration(seconds: float) -> str:
    """A duration the way kubectl prints ages (apimachinery's `duration.HumanDuration`)."""
    total = int(seconds)
    if total < -1:
        return "<invalid>"
    if total < 0:
        return "0s"
    if total < 120:
        return f"{total}s"
    minutes = total // 60
    if minutes < 10:
        rest = total % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    years = days // 365
    if days < 365 * 8:
        rest = days % 365
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{years}y"
