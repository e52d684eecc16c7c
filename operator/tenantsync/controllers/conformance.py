"""Each adopting Tenant's conformance to a Baseline, read from its newest SyncRun, as a pure function."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from tenantsync.api import BaselineStatus, BaselineTenant, BaselineTenantState, RolloutPhase, RunPhase
from tenantsync.controllers.baseline_runs import BaselineRun

FAILING_PHASES = frozenset({RunPhase.NEW_ERROR, RunPhase.PARTIALLY_SUCCESSFUL})


def released_revision(status: BaselineStatus, tenant: str) -> str | None:
    """The revision a Tenant composes: its release, else the completed one."""
    for release in status.releases:
        if release.tenant == tenant:
            return release.revision
    return status.completedRevision


def covered(status: BaselineStatus, tenant: str) -> bool:
    """Whether the baseline's approval covers the Tenant's baseline-only runs right now: a rollout under
    way that the Tenant adopted the baseline before it was approved."""
    rollout = status.rollout
    return (
        rollout is not None
        and rollout.phase in (RolloutPhase.PROGRESSING, RolloutPhase.PAUSED)
        and released_revision(status, tenant) == rollout.revision
        and tenant in rollout.approvedTenants
    )


def tenant_state(
    baseline: str, revision: str | None, runs: Sequence[BaselineRun], covered: bool = True
) -> tuple[BaselineTenantState, str | None, str]:
    """The state, the run it was read from, and why, for people. `covered`: the baseline's approval
    covers this Tenant's baseline-only runs (else they wait for a person too)."""
    waiting = [
        run
        for run in runs
        if run.phase == RunPhase.PENDING_APPROVAL
        and revision is not None
        and run.revisions.get(baseline) == revision
        and run.changes_from(baseline)
        and (run.has_other_changes(baseline) or not covered)
    ]
    if waiting:
        run = max(waiting, key=lambda r: r.order)
        why = (
            "local changes"
            if run.has_other_changes(baseline)
            else "the baseline's approval covers only the Tenants that adopted it before"
        )
        return BaselineTenantState.PENDING, run.name, f"needs its own approval: {why}"
    if revision is None:
        return BaselineTenantState.PENDING, None, "no revision of the baseline has been released yet"
    finished = [run for run in runs if run.finished]
    newest = max(finished, key=lambda r: r.order, default=None)
    if newest is None:
        return BaselineTenantState.PENDING, None, "not synced yet"
    if newest.phase in FAILING_PHASES:
        return BaselineTenantState.FAILED, newest.name, newest.error or f"the run ended {newest.phase}"
    composed = newest.revisions.get(baseline)
    if composed != revision:
        return BaselineTenantState.PENDING, newest.name, f"not yet synced at revision {revision[:12]}"
    undeployed = newest.changes_from(baseline)
    if undeployed and not (newest.phase == RunPhase.SUCCEEDED and newest.deployed):
        return (
            BaselineTenantState.DRIFTED,
            newest.name,
            f"{undeployed} change(s) from the baseline not deployed (run {newest.phase})",
        )
    if baseline in newest.excepted:
        return BaselineTenantState.EXCEPTED, newest.name, "has documented overrides or exclusions"
    return BaselineTenantState.CONFORMING, newest.name, "matches the baseline"


def conformance(
    baseline: str,
    status: BaselineStatus,
    tenants: Sequence[str],
    runs: Mapping[str, Sequence[BaselineRun]],
    now: datetime,
) -> BaselineStatus:
    """The status with `tenants[]` and the counts set; `since` moves only when a Tenant's state changes."""
    updated = status.model_copy(deep=True)
    before = {tenant.name: tenant for tenant in status.tenants}
    rows: list[BaselineTenant] = []
    for name in sorted(tenants):
        state, run, message = tenant_state(
            baseline, released_revision(status, name), runs.get(name, ()), covered(status, name)
        )
        previous = before.get(name)
        since = previous.since if previous is not None and previous.state == state else now
        rows.append(BaselineTenant(name=name, state=state, since=since, syncRun=run, message=message))
    updated.tenants = rows
    updated.conforming = sum(row.state == BaselineTenantState.CONFORMING for row in rows)
    updated.drifted = sum(row.state == BaselineTenantState.DRIFTED for row in rows)
    updated.excepted = sum(row.state == BaselineTenantState.EXCEPTED for row in rows)
    return updated
