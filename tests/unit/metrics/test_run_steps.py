"""What a step's metrics count: the queue wait once, when a run's first step begins; durations from startTime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tenantsync.api import RunPhase, RunStep, SyncRunStatus
from tenantsync.metrics import observe_step
from tests.unit.metrics.scrape import new_metrics, scrape, value

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def test_the_queue_wait_is_observed_once_when_the_first_step_begins() -> None:
    metrics = new_metrics()
    first = SyncRunStatus(
        step=RunStep.AUTHENTICATE, phase=RunPhase.IN_PROGRESS, queuedSeconds=12.5, startTime=NOW
    )
    observe_step(metrics, "m365", "contoso", SyncRunStatus(), first, waiting=False, now=NOW)
    second = first.model_copy(update={"step": RunStep.BACKUP})
    observe_step(metrics, "m365", "contoso", first, second, waiting=False, now=NOW)
    series = scrape(metrics)
    assert value(series, "tenantsync_run_queue_wait_seconds_count") == 1
    assert value(series, "tenantsync_run_queue_wait_seconds_sum") == 12.5


def test_a_finished_runs_duration_runs_from_its_start_not_from_its_queue() -> None:
    metrics = new_metrics()
    before = SyncRunStatus(step=RunStep.PLAN, phase=RunPhase.IN_PROGRESS, queuedSeconds=600.0, startTime=NOW)
    after = before.model_copy(update={"step": RunStep.DONE, "phase": RunPhase.SUCCEEDED})
    observe_step(metrics, "m365", "contoso", before, after, waiting=False, now=NOW + timedelta(seconds=20))
    series = scrape(metrics)
    assert value(series, "tenantsync_run_duration_seconds_sum", result="Succeeded") == 20.0
    assert value(series, "tenantsync_run_queue_wait_seconds_count") == 0
