"""An in-memory index of SyncRuns by Tenant, kept by kopf from its watch: no API list per tick."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import kopf

from tenantsync.api import GROUP, VERSION, RunPhase, RunStep
from tenantsync.scheduling import RunRecord

INDEX_ID = "runs_by_tenant"

RunsIndex = kopf.Index[tuple[str, str], RunRecord]


def run_phase(status: dict[str, Any] | kopf.Status | None) -> RunPhase | None:
    value = (status or {}).get("phase")
    return RunPhase(value) if value else None


def runs_of(handler_kwargs: dict[str, Any], namespace: str | None, tenant: str) -> list[RunRecord]:
    """The runs of one Tenant, from the index kopf passes to every handler as a keyword argument."""
    index: RunsIndex = handler_kwargs[INDEX_ID]
    return list(index.get((namespace or "", tenant), []))


def register(registry: kopf.OperatorRegistry) -> None:
    """Every shard indexes every run, not only its own: a Tenant that has just moved in must still see
    the run its old shard is finishing, so that no second run starts beside it."""

    @kopf.index(GROUP, VERSION, "syncruns", registry=registry, id=INDEX_ID)
    def runs_by_tenant(
        name: str, namespace: str | None, spec: kopf.Spec, meta: kopf.Meta, status: kopf.Status, **_: Any
    ) -> dict[tuple[str, str], RunRecord]:
        phase = run_phase(status)
        record = RunRecord(
            name=name,
            created=datetime.fromisoformat(meta["creationTimestamp"]),
            finished=bool(phase and phase.finished),
            failed=bool(phase and phase.failed),
            advanced=status.get("step") not in (None, RunStep.PREFLIGHT.value),
        )
        return {(namespace or "", spec["tenantRef"]["name"]): record}
