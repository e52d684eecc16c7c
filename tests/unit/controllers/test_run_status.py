"""How a run shows on its Tenant, and the queue that keeps two runs of one Tenant from overlapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import kopf
import pytest

from tenantsync.api import (
    ConditionReason,
    ErrorCode,
    RunPhase,
    SyncRunStatus,
    TenantPhase,
    TenantStatus,
    find_condition,
    run_error,
)
from tenantsync.controllers.status import tenant_status_for_run
from tenantsync.controllers.syncruns import RunExecutor, merged
from tenantsync.scheduling import RunRecord
from tenantsync.sync import TenantObservations

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_a_succeeded_run_makes_the_tenant_idle_and_ready() -> None:
    run = SyncRunStatus(
        phase=RunPhase.SUCCEEDED, message="Deployed 1 change.", startTime=NOW, completionTime=NOW
    )
    status = tenant_status_for_run(TenantStatus(), "contoso-1", run, TenantObservations(), 3, NOW)
    assert (status.phase, status.lastSyncRun, status.lastSuccessfulSyncTime) == (
        TenantPhase.IDLE,
        "contoso-1",
        NOW,
    )
    ready = find_condition(status.conditions, "Ready")  # type: ignore[arg-type]
    assert ready is not None
    assert (ready.status, ready.reason) == ("True", "Succeeded")


def test_a_failed_run_shows_its_phase_and_keeps_the_last_success() -> None:
    earlier = NOW - timedelta(days=1)
    run = SyncRunStatus(phase=RunPhase.NEW_ERROR, message="Secret sp does not exist.", startTime=NOW)
    status = tenant_status_for_run(
        TenantStatus(lastSuccessfulSyncTime=earlier),
        "contoso-2",
        run,
        TenantObservations(
            credentials_valid=("False", ErrorCode.CREDENTIALS_SECRET_NOT_FOUND, "Secret sp does not exist.")
        ),
        3,
        NOW,
    )
    assert (status.phase, status.lastSuccessfulSyncTime, status.message) == (
        TenantPhase.NEW_ERROR,
        earlier,
        "Secret sp does not exist.",
    )
    valid = find_condition(status.conditions, "CredentialsValid")  # type: ignore[arg-type]
    assert valid is not None
    assert (valid.status, valid.reason) == ("False", "CredentialsSecretNotFound")


def body(name: str, created: datetime) -> kopf.Body:
    raw: Any = {"metadata": {"name": name, "creationTimestamp": created.isoformat()}}
    return kopf.Body(raw)


def record(name: str, created: datetime, *, advanced: bool = False, finished: bool = False) -> RunRecord:
    return RunRecord(name=name, created=created, finished=finished, failed=False, advanced=advanced)


def test_a_run_waits_for_an_older_queued_run_and_for_any_started_one() -> None:
    older, mine = record("contoso-a", NOW), record("contoso-b", NOW + timedelta(seconds=5))
    assert (
        RunExecutor._older_active_run("contoso-b", body("contoso-b", mine.created), [older, mine])
        == "contoso-a"
    )
    assert RunExecutor._older_active_run("contoso-a", body("contoso-a", older.created), [older, mine]) is None
    started_later = record("by-hand", NOW + timedelta(seconds=9), advanced=True)
    assert (
        RunExecutor._older_active_run("contoso-a", body("contoso-a", NOW), [older, started_later])
        == "by-hand"
    )


def test_finished_runs_block_nothing_and_ties_break_by_name() -> None:
    done = record("contoso-0", NOW - timedelta(hours=1), finished=True, advanced=True)
    a, b = record("contoso-a", NOW), record("contoso-b", NOW)
    assert RunExecutor._older_active_run("contoso-a", body("contoso-a", NOW), [done, a, b]) is None
    assert RunExecutor._older_active_run("contoso-b", body("contoso-b", NOW), [done, a, b]) == "contoso-a"


def test_observations_held_for_the_next_write_are_kept_unless_the_next_step_observes_anew() -> None:
    preflight = TenantObservations(credentials_valid=("True", ConditionReason.VALID, "Usable secret."))
    authenticate = TenantObservations(admin_consent=("True", ConditionReason.GRANTED, "Consented."))
    both = merged(preflight, authenticate)
    assert both.credentials_valid == preflight.credentials_valid
    assert both.admin_consent == authenticate.admin_consent
    again = TenantObservations(credentials_valid=("False", ErrorCode.AUTHENTICATION_FAILED, "Refused."))
    assert merged(preflight, again).credentials_valid == again.credentials_valid
    assert merged(None, authenticate) is authenticate


@pytest.mark.parametrize(
    ("phase", "error", "announced"),
    [
        (RunPhase.STARTING, False, False),
        (RunPhase.IN_PROGRESS, False, False),
        (RunPhase.PENDING_APPROVAL, False, True),
        (RunPhase.SUCCEEDED, False, True),
        (RunPhase.NEW_ERROR, True, True),
    ],
)
def test_events_are_posted_for_what_a_person_reads(
    monkeypatch: pytest.MonkeyPatch, phase: RunPhase, error: bool, announced: bool
) -> None:
    posted: list[str] = []
    monkeypatch.setattr(kopf, "event", lambda *_, reason, **__: posted.append(reason))
    monkeypatch.setattr(kopf, "warn", lambda *_, reason, **__: posted.append(reason))
    status = SyncRunStatus(phase=phase, message="Something happened.")
    if error:
        status.error = run_error(ErrorCode.AUTHENTICATION_FAILED, "Refused.", docs_base_url="https://docs")
    RunExecutor._announce(body("contoso-1", NOW), "contoso", status)
    assert bool(posted) is announced
