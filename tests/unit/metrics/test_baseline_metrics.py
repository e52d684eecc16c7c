"""A Baseline's series: conformance counts, drifting Tenants' start times, the rollout phase, forgetting."""

from __future__ import annotations

from datetime import UTC, datetime

from tenantsync.api import (
    BaselineStatus,
    BaselineTenant,
    BaselineTenantState,
    RolloutPhase,
    RolloutStatus,
)
from tests.unit.metrics.scrape import new_metrics, scrape, value

SINCE = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
BASELINE = {"namespace": "msp", "baseline": "security"}


def status() -> BaselineStatus:
    return BaselineStatus(
        rollout=RolloutStatus(revision="a" * 40, phase=RolloutPhase.HALTED),
        tenants=[
            BaselineTenant(name="contoso", state=BaselineTenantState.CONFORMING, since=SINCE),
            BaselineTenant(name="fabrikam", state=BaselineTenantState.DRIFTED, since=SINCE),
            BaselineTenant(name="litware", state=BaselineTenantState.DRIFTED, since=SINCE),
            BaselineTenant(name="woodgrove", state=BaselineTenantState.EXCEPTED, since=SINCE),
        ],
    )


def test_tenants_by_state_drift_start_and_rollout_phase() -> None:
    metrics = new_metrics()
    metrics.observe_baseline("msp", "security", status())

    series = scrape(metrics)

    counts = {
        state: value(series, "tenantsync_baseline_tenants", **BASELINE, state=state.value)
        for state in BaselineTenantState
    }
    assert counts == {
        BaselineTenantState.CONFORMING: 1,
        BaselineTenantState.DRIFTED: 2,
        BaselineTenantState.EXCEPTED: 1,
        BaselineTenantState.PENDING: 0,
        BaselineTenantState.FAILED: 0,
    }
    drift = "tenantsync_baseline_drift_started_timestamp_seconds"
    assert value(series, drift, **BASELINE, tenant="fabrikam") == SINCE.timestamp()
    assert (drift, frozenset({**BASELINE, "tenant": "contoso"}.items())) not in series
    phase = "tenantsync_baseline_rollout_phase"
    assert value(series, phase, **BASELINE, phase="Halted") == 1
    assert value(series, phase, **BASELINE, phase="Complete") == 0


def test_a_forgotten_baseline_has_no_series() -> None:
    metrics = new_metrics()
    metrics.observe_baseline("msp", "security", status())

    metrics.forget_baseline("msp", "security")

    assert not [name for name, _ in scrape(metrics) if name.startswith("tenantsync_baseline_")]
