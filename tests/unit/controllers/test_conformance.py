"""Conformance to a Baseline from each Tenant's newest run: conforming, drifted, excepted, pending, failed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tenantsync.api import BaselineRelease, BaselineStatus, BaselineTenantState, RunPhase
from tenantsync.controllers.baseline_runs import BaselineRun, baseline_run
from tenantsync.controllers.conformance import conformance, tenant_state

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
REV = "a" * 40
NAME = "security"
DONE = BaselineRun(
    name="run-1",
    created=NOW,
    phase=RunPhase.SUCCEEDED,
    revisions={NAME: REV},
    changes={NAME: 2},
    deployed=True,
)


def state(*runs: BaselineRun, revision: str | None = REV) -> BaselineTenantState:
    return tenant_state(NAME, revision, runs)[0]


def test_a_deployed_baseline_change_conforms() -> None:
    assert state(DONE) == BaselineTenantState.CONFORMING
    assert state(replace(DONE, changes={})) == BaselineTenantState.CONFORMING


def test_baseline_changes_left_undeployed_drift() -> None:
    assert state(replace(DONE, deployed=False)) == BaselineTenantState.DRIFTED
    assert state(replace(DONE, phase=RunPhase.REJECTED)) == BaselineTenantState.DRIFTED


def test_overrides_are_excepted_when_otherwise_conforming() -> None:
    assert state(replace(DONE, excepted=frozenset({NAME}))) == BaselineTenantState.EXCEPTED
    assert state(replace(DONE, excepted=frozenset({NAME}), deployed=False)) == BaselineTenantState.DRIFTED


def test_a_failed_run_is_failed_with_its_error() -> None:
    failed = replace(DONE, phase=RunPhase.NEW_ERROR, error="Verify found 1 difference")

    assert tenant_state(NAME, REV, [failed]) == (
        BaselineTenantState.FAILED,
        "run-1",
        "Verify found 1 difference",
    )


def test_the_newer_of_two_runs_created_in_the_same_second_decides() -> None:
    """A Tenant's first sync only initialises its desired state; the sync after it can start within the
    same second (whole-second creationTimestamps): its name's suffix says it is the newer one."""
    initialised = BaselineRun(name="contoso-20261128-120000", created=NOW, phase=RunPhase.SUCCEEDED)
    at_revision = replace(DONE, name="contoso-20261128-120000-1")

    assert state(at_revision, initialised) == BaselineTenantState.CONFORMING
    assert state(initialised, at_revision) == BaselineTenantState.CONFORMING


def test_pending_before_a_run_at_the_released_revision() -> None:
    assert state() == BaselineTenantState.PENDING
    assert state(DONE, revision=None) == BaselineTenantState.PENDING
    assert state(replace(DONE, revisions={NAME: "b" * 40})) == BaselineTenantState.PENDING


def test_a_run_waiting_with_local_changes_needs_its_own_approval() -> None:
    waiting = BaselineRun(
        name="run-2",
        created=NOW + timedelta(minutes=1),
        phase=RunPhase.PENDING_APPROVAL,
        revisions={NAME: REV},
        changes={NAME: 1, None: 1},
    )

    assert tenant_state(NAME, REV, [DONE, waiting]) == (
        BaselineTenantState.PENDING, "run-2", "needs its own approval: local changes",
    )  # fmt: skip


def test_counts_and_since_follow_state_changes() -> None:
    status = BaselineStatus(completedRevision=REV, releases=[BaselineRelease(tenant="b", revision="c" * 40)])
    runs = {"a": [DONE], "b": [DONE], "c": [replace(DONE, deployed=False)]}

    first = conformance(NAME, status, ["c", "a", "b"], runs, NOW)
    later = conformance(NAME, first, ["a", "b", "c"], {**runs, "c": [DONE]}, NOW + timedelta(hours=1))

    assert [(t.name, t.state) for t in first.tenants] == [
        ("a", BaselineTenantState.CONFORMING), ("b", BaselineTenantState.PENDING), ("c", BaselineTenantState.DRIFTED),
    ]  # fmt: skip
    assert (first.conforming, first.drifted, first.excepted) == (1, 1, 0)
    assert [t.since for t in later.tenants] == [NOW, NOW, NOW + timedelta(hours=1)]
    assert (later.conforming, later.drifted) == (2, 0)


def test_a_run_body_becomes_a_baseline_run() -> None:
    meta = {"creationTimestamp": "2026-11-28T12:00:00Z", "annotations": {"tenantsync.io/approval": "approve"}}
    status = {
        "phase": "Succeeded",
        "plan": {
            "digest": "abc",
            "changes": [{"baseline": NAME}, {"baseline": NAME}, {}],
            "baselines": [{"name": NAME, "revision": REV, "overridden": ["groups/x"]}, {"name": "other"}],
        },
        "deploy": {"results": [{"id": "1"}]},
    }

    view = baseline_run("run-1", meta, status)

    assert view.changes == {NAME: 2, None: 1}
    assert view.revisions == {NAME: REV, "other": None}
    assert view.excepted == frozenset({NAME})
    assert (view.deployed, view.decided, view.finished, view.plan_digest) == (True, True, True, "abc")
    assert view.has_other_changes(NAME) and view.has_other_changes("other")
