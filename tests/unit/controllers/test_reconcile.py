"""The reconcile decision without kopf: requests, schedule ticks (CronJob's Forbid), history pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tenantsync.api import TenantSpec, TenantStatus, Trigger
from tenantsync.controllers.reconcile import TenantDecision, TenantPass, decide
from tenantsync.scheduling import RunRecord, Schedule

CREATED = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
SPEC = {
    "tenantId": "contoso.onmicrosoft.com",
    "servicePrincipal": {
        "clientId": "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11",
        "credentialsSecretRef": {"name": "sp"},
    },
    "repository": {"url": "/repo"},
    "schedule": "0 * * * *",
    "successfulRunsHistoryLimit": 1,
}


def facts(
    now: datetime,
    *,
    active: list[str] | None = None,
    requested: str | None = None,
    status: TenantStatus | None = None,
    runs: list[RunRecord] | None = None,
    **spec: object,
) -> TenantPass:
    tenant = TenantSpec.model_validate({**SPEC, **spec})
    return TenantPass(
        spec=tenant,
        status=status or TenantStatus(),
        schedule=Schedule.parse(tenant.schedule) if tenant.schedule else None,
        created=CREATED,
        now=now,
        runs=runs or [],
        active=active or [],
        sync_requested=requested,
    )


def test_nothing_is_due_between_ticks() -> None:
    assert decide(facts(CREATED + timedelta(minutes=30))) == TenantDecision()


def test_a_due_tick_starts_a_scheduled_run() -> None:
    decision = decide(facts(CREATED + timedelta(hours=1, seconds=5)))
    assert (decision.start, decision.tick, decision.skipped_tick) == (
        Trigger.SCHEDULE,
        CREATED + timedelta(hours=1),
        False,
    )


def test_after_downtime_only_the_newest_missed_tick_runs() -> None:
    decision = decide(facts(CREATED + timedelta(hours=5, minutes=10)))
    assert (decision.start, decision.tick) == (Trigger.SCHEDULE, CREATED + timedelta(hours=5))


def test_a_tick_during_an_active_run_is_skipped_and_recorded() -> None:
    decision = decide(facts(CREATED + timedelta(hours=1, seconds=5), active=["contoso-1"]))
    assert (decision.start, decision.skipped_tick) == (None, True)


def test_a_suspended_tenant_starts_nothing_on_schedule() -> None:
    assert decide(facts(CREATED + timedelta(hours=2), suspend=True)).start is None


def test_a_new_sync_request_starts_one_run_and_the_due_tick_is_skipped() -> None:
    decision = decide(facts(CREATED + timedelta(hours=1, seconds=5), requested="2026-11-28T07:00:01Z"))
    assert (decision.start, decision.handled_request) == (Trigger.SYNC_REQUEST, "2026-11-28T07:00:01Z")
    assert decision.skipped_tick


def test_a_request_waits_while_a_run_is_active_and_a_handled_one_is_not_repeated() -> None:
    now = CREATED + timedelta(minutes=10)
    assert decide(facts(now, requested="r1", active=["contoso-1"])).start is None
    assert decide(facts(now, requested="r1", status=TenantStatus(lastHandledSyncRequest="r1"))).start is None


def test_finished_runs_beyond_the_history_limit_are_pruned_and_the_newest_kept() -> None:
    runs = [
        RunRecord(
            name=f"contoso-{i}",
            created=CREATED + timedelta(hours=i),
            finished=True,
            failed=False,
            advanced=True,
        )
        for i in range(3)
    ]
    assert sorted(decide(facts(CREATED + timedelta(minutes=30), runs=runs)).prune) == [
        "contoso-0",
        "contoso-1",
    ]
