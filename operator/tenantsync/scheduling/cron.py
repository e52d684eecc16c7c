"""Cron schedules: five fields as in a CronJob, or six with seconds first (for tests and demos)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from croniter import croniter


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
        fields = expression.split()
        if len(fields) not in (5, 6) or not croniter.is_valid(
            expression, second_at_beginning=len(fields) == 6
        ):
            raise InvalidScheduleError(expression)
        return cls(expression)

    def latest_tick(self, now: datetime) -> datetime:
        """The newest tick before `now` (a tick at exactly `now` is seen on the next poll)."""
        ticks = croniter(self.expression, now, second_at_beginning=len(self.expression.split()) == 6)
        tick: datetime = ticks.get_prev(datetime)
        return tick

    def due_tick(self, last_handled: datetime, now: datetime) -> datetime | None:
        """The tick to act on now, if one passed since `last_handled`.

        Only the newest missed tick is returned, so an operator that was down for many ticks starts at
        most one run when it comes back, as a CronJob does.
        """
        tick = self.latest_tick(now)
        return tick if tick > last_handled else None
