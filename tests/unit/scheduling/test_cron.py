from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from croniter import croniter

from tenantsync.scheduling import InvalidScheduleError, RunRecord, Schedule, runs_to_prune

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("expression", ["61 * * * *", "* * *", "every hour", "0 0 30 2 * * *", ""])
def test_invalid_expressions_are_refused_with_the_expression_quoted(expression: str) -> None:
    with pytest.raises(InvalidScheduleError) as raised:
        Schedule.parse(expression)
    assert f'"{expression}"' in str(raised.value)


def test_no_tick_before_the_first_one_is_due() -> None:
    schedule = Schedule.parse("0 */6 * * *")
    assert schedule.due_tick(last_handled=T0, now=T0 + timedelta(hours=5, minutes=59)) is None


def test_a_due_tick_is_returned_once() -> None:
    schedule = Schedule.parse("0 */6 * * *")
    tick = schedule.due_tick(last_handled=T0, now=T0 + timedelta(hours=6, seconds=3))
    assert tick == T0 + timedelta(hours=6)
    assert schedule.due_tick(last_handled=tick, now=T0 + timedelta(hours=6, seconds=30)) is None


def test_many_missed_ticks_after_downtime_start_one_run_for_the_newest() -> None:
    schedule = Schedule.parse("*/10 * * * *")
    tick = schedule.due_tick(last_handled=T0, now=T0 + timedelta(hours=5, minutes=3))
    assert tick == T0 + timedelta(hours=5)
    assert schedule.due_tick(last_handled=tick, now=T0 + timedelta(hours=5, minutes=4)) is None


def test_six_fields_put_seconds_first() -> None:
    schedule = Schedule.parse("*/15 * * * * *")
    assert schedule.due_tick(last_handled=T0, now=T0 + timedelta(seconds=16)) == T0 + timedelta(seconds=15)


def _run(name: str, minutes: int, *, finished: bool = True, failed: bool = False) -> RunRecord:
    return RunRecord(name=name, created=T0 + timedelta(minutes=minutes), finished=finished, failed=failed)


def test_history_keeps_the_newest_of_each_kind_and_every_active_run() -> None:
    runs = [
        _run("ok-1", 1), _run("ok-2", 2), _run("ok-3", 3),
        _run("bad-1", 4, failed=True), _run("bad-2", 5, failed=True),
        _run("active", 0, finished=False),
    ]  # fmt: skip
    assert sorted(runs_to_prune(runs, successful_limit=1, failed_limit=1)) == ["bad-1", "ok-1", "ok-2"]
    assert runs_to_prune(runs, successful_limit=0, failed_limit=0) == [
        "ok-3",
        "ok-2",
        "ok-1",
        "bad-2",
        "bad-1",
    ]


@pytest.mark.parametrize(
    ("expression", "interval"),
    [
        ("0 * * * *", timedelta(hours=1)),
        ("0 */6 * * *", timedelta(hours=6)),
        ("30 2 * * *", timedelta(days=1)),
        ("0 3 * * 0", timedelta(days=7)),
        ("0 9 * * 1-5", timedelta(days=3)),
        ("0 0 1 * *", timedelta(days=31)),
        ("*/15 * * * * *", timedelta(seconds=15)),
    ],
)
def test_longest_interval_is_the_longest_wait_between_ticks_in_the_coming_week(
    expression: str, interval: timedelta
) -> None:
    """T0 is a Wednesday in November: the weekday schedule's weekend and December's 31 days lie ahead."""
    assert Schedule.parse(expression).longest_interval(T0) == interval


@pytest.mark.parametrize("expression", ["*/15 * * * *", "7 3-59/15 * * * *", "0 9 * * 1-5"])
def test_the_latest_tick_kept_between_looks_is_croniter_s_at_every_moment_forwards_and_back(
    expression: str,
) -> None:
    """A clock that moves in steps (and back, as a test's does) always gets the tick croniter gives."""
    schedule = Schedule.parse(expression)
    seconds = len(expression.split()) == 6
    moments = [T0 + timedelta(seconds=s) for s in range(0, 3 * 86400, 997)]
    for now in [
        *moments,
        *reversed(moments),
        T0 + timedelta(minutes=15),
        T0 + timedelta(minutes=15, seconds=1),
    ]:
        expected = croniter(expression, now, second_at_beginning=seconds).get_prev(datetime)
        assert schedule.latest_tick(now) == expected, now


def test_the_next_tick_is_the_first_at_or_after_now_and_due_only_once_it_has_passed() -> None:
    schedule = Schedule.parse("0 */6 * * *")
    now = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    assert schedule.next_tick(now) == datetime(2026, 11, 28, 12, tzinfo=UTC)
    assert schedule.due_tick(datetime(2026, 11, 28, 6, tzinfo=UTC), schedule.next_tick(now)) is None
    after = datetime(2026, 11, 28, 12, 0, 1, tzinfo=UTC)
    assert schedule.due_tick(datetime(2026, 11, 28, 6, tzinfo=UTC), after) == schedule.next_tick(now)
