"""Every series of one Baseline, kept in one record and exported at scrape time, so a deleted Baseline
is one entry to drop and a scrape never shows a Tenant that no longer adopts it."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tenantsync.api import BaselineTenantState, RolloutPhase

BaselineKey = tuple[str, str]
"""(namespace, name) of a Baseline."""


@dataclass(frozen=True)
class BaselineSnapshot:
    """The Baseline as its latest reconciliation saw it; times are Unix seconds."""

    tenants: Mapping[BaselineTenantState, int]
    drift_started: Mapping[str, float]
    """Tenant -> since when it has drifted, for the Tenants that drift now."""
    rollout_phase: RolloutPhase | None


class BaselineSeriesCollector(Collector):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._baselines: dict[BaselineKey, BaselineSnapshot] = {}

    def set(self, namespace: str, name: str, snapshot: BaselineSnapshot) -> None:
        with self._lock:
            self._baselines[(namespace, name)] = snapshot

    def forget(self, namespace: str, name: str) -> None:
        with self._lock:
            self._baselines.pop((namespace, name), None)

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            return _families(self._baselines)

    def describe(self) -> Iterable[Metric]:
        return _families({})


def _families(baselines: Mapping[BaselineKey, BaselineSnapshot]) -> list[Metric]:
    labels = ["namespace", "baseline"]
    tenants = GaugeMetricFamily(
        "tenantsync_baseline_tenants",
        "Tenants adopting the Baseline, by conformance state (Conforming, Drifted, Excepted, Pending, Failed).",
        labels=[*labels, "state"],
    )
    drift_started = GaugeMetricFamily(
        "tenantsync_baseline_drift_started_timestamp_seconds",
        "Since when a Tenant has drifted from the Baseline (Unix time); absent while it does not drift.",
        labels=[*labels, "tenant"],
    )
    rollout = GaugeMetricFamily(
        "tenantsync_baseline_rollout_phase",
        "The phase of the Baseline's latest rollout: 1 for the current phase, 0 for the others.",
        labels=[*labels, "phase"],
    )
    for (namespace, name), snapshot in sorted(baselines.items()):
        key = [namespace, name]
        for state in BaselineTenantState:
            tenants.add_metric([*key, state.value], snapshot.tenants.get(state, 0))
        for tenant, since in sorted(snapshot.drift_started.items()):
            drift_started.add_metric([*key, tenant], since)
        if snapshot.rollout_phase is not None:
            for phase in RolloutPhase:
                rollout.add_metric([*key, phase.value], 1.0 if phase == snapshot.rollout_phase else 0.0)
    return [tenants, drift_started, rollout]
