"""Cron schedules: five fields as in a CronJob, or six with seconds first (for tests and demos).

Every Tenant's schedule is looked at every few seconds, a thousand of them on one operator: parsing and
the window between two ticks are kept per expression, so a look between ticks costs no croniter work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from croniter import croniter

_LOOKAHEAD = timedelta(days=8)
"""How far ahead the longest interval is sought: past a weekend and a once-a-week tick."""
_MAX_TICKS = 1000
"""Bounds the search for schedules that fire every few seconds or minutes."""


class InvalidScheduleError(ValueError):
    def __init__(self, expression: str) -> None:
        super().__init__(
            f'schedule "{expression}" is not a valid cron expression: use five fields'
            ' (minute hour day-of-month month day-of-week, e.g. "0 */6 * * *") or six with seconds first'
        )
        self.expression = expression


@dataclass(frozen=True)
class Schedule:
    expression: str

    @classmethod
    def parse(cls, expression: str) -> Schedule:
        if not _is_valid(expression):
            raise InvalidScheduleError(expression)
        return cls(expression)

    def latest_tick(self, now: datetime) -> datetime:
        """The newest tick before `now` (a tick at exactly `now` is seen on the next poll)."""
        return self._window(now)[0]

    def next_tick(self, now: datetime) -> datetime:
        """The first tick at or after `now`: until it has passed, `due_tick` stays what it is now."""
        return self._window(now)[1]

    def _window(self, now: datetime) -> tuple[datetime, datetime]:
        window = _windows.get(self.expression)
        if window is None or not window[0] < now <= window[1]:
            seconds = len(self.expression.split()) == 6
            previous: datetime = croniter(self.expression, now, second_at_beginning=seconds).get_prev(
                datetime
            )
            following: datetime = croniter(self.expression, previous, second_at_beginning=seconds).get_next(
                datetime
            )
            if len(_windows) >= _KEPT_WINDOWS:
                _windows.clear()
            window = _windows[self.expression] = (previous, following)
        return window

    def due_tick(self, last_handled: datetime, now: datetime) -> datetime | None:
        """The tick to act on now, if one passed since `last_handled`.

        Only the newest missed tick is returned, so an operator that was down for many ticks starts at
        most one run when it comes back, as a CronJob does.
        """
        tick = self.latest_tick(now)
        return tick if tick > last_handled else None

    def longest_interval(self, now: datetime) -> timedelta:
        """The longest wait between two consecutive ticks in the coming week (at least two waits).

        Alerts measure "too long without a successful sync" in these intervals, so that a weekly
        schedule, or one that skips weekends, is not overdue after a quiet day. The result is computed
        once per schedule and day: a week of ticks of a schedule with seconds takes a tenth of a second
        to walk, and a fleet's schedules are often all different (spread over the interval).
        """
        return _longest_interval(self.expression, now.replace(hour=0, minute=0, second=0, microsecond=0))


_KEPT_WINDOWS = 4096
_windows: dict[str, tuple[datetime, datetime]] = {}
"""Per expression, the latest tick seen and the one after it: `latest_tick` is the same in between."""


@lru_cache(maxsize=_KEPT_WINDOWS)
def _is_valid(expression: str) -> bool:
    fields = expression.split()
    return len(fields) in (5, 6) and bool(croniter.is_valid(expression, second_at_beginning=len(fields) == 6))


@lru_cache(maxsize=_KEPT_WINDOWS)
def _longest_interval(expression: str, start: datetime) -> timedelta:
    ticks = croniter(expression, start, second_at_beginning=len(expression.split()) == 6)
    previous: datetime = ticks.get_next(datetime)
    longest = timedelta(0)
    for count in range(1, _MAX_TICKS):
        tick: datetime = ticks.get_next(datetime)
        longest = max(longest, tick - previous)
        previous = tick
        if count >= 2 and tick - start >= _LOOKAHEAD:
            break
    return longest
