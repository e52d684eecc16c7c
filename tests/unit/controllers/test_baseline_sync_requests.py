"""A Baseline asks a released Tenant to sync once per release, however often its passes decide it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tenantsync.controllers.baseline_runs import BaselineRun
from tenantsync.controllers.baselines import REQUEST_PATIENCE, request_pending

ASKED = datetime(2026, 11, 28, 14, 0, 14, 998760, tzinfo=UTC)


def run(created: datetime) -> BaselineRun:
    return BaselineRun(name="tenant-c-1", created=created.replace(microsecond=0))


def test_a_request_without_a_run_yet_is_pending() -> None:
    assert request_pending(ASKED, [], ASKED + timedelta(milliseconds=80))


def test_a_run_created_since_the_request_answers_it() -> None:
    assert not request_pending(ASKED, [run(ASKED + timedelta(milliseconds=60))], ASKED + timedelta(seconds=1))


def test_a_run_from_before_the_request_does_not_answer_it() -> None:
    assert request_pending(ASKED, [run(ASKED - timedelta(minutes=5))], ASKED + timedelta(seconds=1))


def test_a_request_never_answered_is_asked_again_after_a_while() -> None:
    assert not request_pending(ASKED, [], ASKED + REQUEST_PATIENCE + timedelta(seconds=1))


def test_nothing_asked_is_nothing_pending() -> None:
    assert not request_pending(None, [], ASKED)
