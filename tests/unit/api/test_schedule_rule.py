"""The API server's cron pattern against the operator's parser: it must never accept what the operator
refuses (or a Tenant would be admitted and then fail with InvalidSchedule), and it must accept the
schedules people write."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from tenantsync.api.tenant import CRON_PATTERN
from tenantsync.scheduling import InvalidScheduleError, Schedule

COMMON = [
    "0 */6 * * *", "*/15 * * * *", "0 6 * * MON-FRI", "30 2 1 * *", "0 0 1 jan,jul *", "0 9-17/2 * * 1-5",
    "0 0 L * *", "0 0 15W * *", "0 0 ? * sun#1", "0 0 ? * L5", "*/10 * * * * *", "0 0 6 * * *",
    "  0 0 * * *  ", "0  0 * * 0-7",
]  # fmt: skip
# Pieces that are valid, out of range or malformed in some field, combined at random.
PIECES = [
    "*", "0", "59", "60", "*/15", "*/0", "0/5", "1-5", "5-1", "1,2", "3-4/2", "24", "31", "32", "13", "7",
    "8", "L", "?", "15W", "0W", "mon", "jan", "fri-mon", "sun#1", "1#2", "5L", "L5", "x", "a b", "1,*",
]  # fmt: skip


def _operator_accepts(expression: str) -> bool:
    try:
        Schedule.parse(expression)
    except InvalidScheduleError:
        return False
    return True


def _pattern_accepts(expression: str) -> bool:
    return re.fullmatch(CRON_PATTERN, expression) is not None


@pytest.mark.parametrize("expression", COMMON)
def test_common_schedules_pass_both(expression: str) -> None:
    assert _pattern_accepts(expression) and _operator_accepts(expression)


def test_the_pattern_never_accepts_what_the_operator_refuses() -> None:
    rng = random.Random(20261128)
    expressions = [" ".join(rng.choices(PIECES, k=rng.choice([5, 6]))) for _ in range(60_000)]
    expressions += [" ".join(p) for p in itertools.product(["0", "*/0", "60"], ["0", "24"], ["?", "L", "32"])]
    accepted = [e for e in expressions if _pattern_accepts(e)]
    assert len(accepted) > 500, "the sample should exercise the accepting side too"
    assert [e for e in accepted if not _operator_accepts(e)] == []


@pytest.mark.parametrize("expression", ["a b c d e", "60 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 * 13 *",
                                        "0 0 * * 8", "*/0 * * * *", "0 6 *", "0 0 * * * * *", "@hourly"])  # fmt: skip
def test_mistakes_are_refused_by_both(expression: str) -> None:
    assert not _pattern_accepts(expression) and not _operator_accepts(expression)
