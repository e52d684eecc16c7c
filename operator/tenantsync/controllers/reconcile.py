"""What one pass over a Tenant decides, as a pure function: which run to start, which tick to record
or skip, which finished runs to prune. The kopf handler in `tenants` carries the decision out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tenantsync.api import TenantSpec, TenantStatus, Trigger
from tenantsync.scheduling import RunRecord, Schedule, runs_to_prune


@dataclass(frozen=True)
class TenantPass:
    """The facts a pass starts from."""

    spec: TenantSpec
    status: TenantStatus
    schedule: Schedule | None
    created: datetime
    """The Tenant's creation: the schedule's first reference point."""
    now: datetime
    runs: list[RunRecord]
    active: list[str]
    """Unfinished runs, including those created but not yet seen in the index."""
    sync_requested: str | None
    """The tenantsync.io/sync-requested-at annotation's value."""


@dataclass(frozen=True)
class TenantDecision:
    start: Trigger | None = None
    """Start one run with this trigger (never more than one per pass)."""
    handled_request: str | None = None
    """The sync request this pass handled (it started the run)."""
    tick: datetime | None = None
    """The schedule tick this pass handled (it started the run, or was skipped)."""
    skipped_tick: bool = False
    """The tick was skipped because a run is still active (CronJob's Forbid policy)."""
    prune: tuple[str, ...] = ()


def decide(facts: TenantPass) -> TenantDecision:
    spec, status = facts.spec, facts.status
    start: Trigger | None = None
    handled_request = None
    busy = bool(facts.active)
    # A request that arrives while a run is active stays unhandled until that run has finished.
    if facts.sync_requested and facts.sync_requested != status.lastHandledSyncRequest and not busy:
        start, handled_request, busy = Trigger.SYNC_REQUEST, facts.sync_requested, True
    tick = None
    skipped = False
    if facts.schedule is not None and not spec.suspend:
        tick = facts.schedule.due_tick(status.lastScheduleTime or facts.created, facts.now)
        if tick is not None:
            if busy:
                skipped = True
            else:
                start = Trigger.SCHEDULE
    prune = tuple(runs_to_prune(facts.runs, spec.successfulRunsHistoryLimit, spec.failedRunsHistoryLimit))
    return TenantDecision(
        start=start, handled_request=handled_request, tick=tick, skipped_tick=skipped, prune=prune
    )
