"""An idle audit watch writes the Tenant's status only when it has something to say (issue 25)."""

from datetime import UTC, datetime, timedelta

from tenantsync.api import DriftStatus, DriftWatch
from tenantsync.controllers.drift import LAST_CHECK_WRITTEN_EVERY, worth_writing

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def watching(at: datetime, message: str = "Watching the audit logs.") -> DriftStatus:
    return DriftStatus(watch=DriftWatch.WATCHING, message=message, lastCheckTime=at)


def test_a_look_that_only_moves_the_time_of_the_check_writes_nothing() -> None:
    assert not worth_writing(watching(T0 + timedelta(minutes=1)), watching(T0))


def test_the_time_of_the_check_is_written_once_it_is_ten_minutes_old() -> None:
    assert worth_writing(watching(T0 + LAST_CHECK_WRITTEN_EVERY), watching(T0))


def test_a_look_that_changes_anything_else_writes() -> None:
    assert worth_writing(watching(T0 + timedelta(minutes=1), "Failing"), watching(T0))
    assert worth_writing(watching(T0 + timedelta(minutes=1)).model_copy(update={"detected": 1}), watching(T0))


def test_the_first_look_writes() -> None:
    assert worth_writing(watching(T0), None)
    assert worth_writing(watching(T0), DriftStatus())
