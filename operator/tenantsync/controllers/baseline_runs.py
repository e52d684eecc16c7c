"""What a Baseline needs to know of each SyncRun, kept by kopf from its watch in an index of its own.

The rollout and conformance read, per run: its phase, which revision of each baseline its plan composed,
how many of its changes came from which baseline, and whether its changes were deployed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import kopf

from tenantsync.api import APPROVAL, GROUP, VERSION, RunPhase

INDEX_ID = "baseline_runs_by_tenant"


@dataclass(frozen=True)
class BaselineRun:
    """One SyncRun, reduced to what baselines ask of it."""

    name: str
    created: datetime
    phase: RunPhase | None = None
    plan_digest: str | None = None
    changes: Mapping[str | None, int] = field(default_factory=dict)
    """How many planned changes came from each baseline (None: the Tenant's own)."""
    truncated: bool = False
    """The status lists only the first changes: where the rest come from is unknown here."""
    revisions: Mapping[str, str | None] = field(default_factory=dict)
    """The revision of each baseline the plan composed."""
    excepted: frozenset[str] = frozenset()
    """Baselines this Tenant overrides or excludes objects of."""
    deployed: bool = False
    """The run sent changes to the tenant (a deploy step ran)."""
    decided: bool = False
    """Someone (a person or a Baseline) already annotated a decision."""
    error: str | None = None

    @property
    def finished(self) -> bool:
        return bool(self.phase and self.phase.finished)

    @property
    def order(self) -> tuple[datetime, str]:
        """Which of a Tenant's runs is newer. creationTimestamp has whole seconds; a run created in the
        same second as the one before it gets the next name suffix (`-1`), so the name breaks the tie."""
        return self.created, self.name

    def changes_from(self, baseline: str) -> int:
        return self.changes.get(baseline, 0)

    def has_other_changes(self, baseline: str) -> bool:
        """Changes that are not the baseline's: they need the Tenant's own approval."""
        return self.truncated or any(count for source, count in self.changes.items() if source != baseline)


def baseline_run(name: str, meta: Mapping[str, Any], status: Mapping[str, Any]) -> BaselineRun:
    phase = status.get("phase")
    plan = status.get("plan") or {}
    changes = Counter(change.get("baseline") for change in plan.get("changes") or [])
    revisions = {entry["name"]: entry.get("revision") for entry in plan.get("baselines") or []}
    excepted = frozenset(
        entry["name"]
        for entry in plan.get("baselines") or []
        if entry.get("overridden") or entry.get("excluded")
    )
    error = status.get("error") or {}
    return BaselineRun(
        name=name,
        created=datetime.fromisoformat(meta["creationTimestamp"]),
        phase=RunPhase(phase) if phase else None,
        plan_digest=plan.get("digest"),
        changes=dict(changes),
        truncated=bool(plan.get("truncated")),
        revisions=revisions,
        excepted=excepted,
        deployed=bool((status.get("deploy") or {}).get("results")),
        decided=APPROVAL in (meta.get("annotations") or {}),
        error=error.get("message"),
    )


BaselineRunsIndex = kopf.Index[tuple[str, str], BaselineRun]


def baseline_runs_of(handler_kwargs: dict[str, Any], namespace: str, tenant: str) -> list[BaselineRun]:
    index: BaselineRunsIndex = handler_kwargs[INDEX_ID]
    return list(index.get((namespace, tenant), []))


def register(registry: kopf.OperatorRegistry) -> None:
    @kopf.index(GROUP, VERSION, "syncruns", registry=registry, id=INDEX_ID)
    def baseline_runs_by_tenant(
        name: str, namespace: str | None, spec: kopf.Spec, meta: kopf.Meta, status: kopf.Status, **_: Any
    ) -> dict[tuple[str, str], BaselineRun]:
        return {(namespace or "", spec["tenantRef"]["name"]): baseline_run(name, meta, status)}
