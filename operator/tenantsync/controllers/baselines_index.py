"""Baselines' specs and statuses, kept by kopf from its watch: a run composes, for each Baseline its
Tenant adopts, the revision released to that Tenant, read here without an API call per step.

Read-only: the Baseline handlers (`controllers.baselines`) write the statuses this index shows. Its
interface is `baseline_of` ((namespace, name) -> {"spec": ..., "status": ...}) and `adopted_baselines`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import kopf

from tenantsync.api import GROUP, VERSION, BaselineSpec, TenantSpec
from tenantsync.sync import AdoptedBaseline

INDEX_ID = "baselines_by_name"

BaselineView = dict[str, Any]
"""{"spec": ..., "status": ...}: a Baseline as the watch last showed it."""

BaselinesIndex = kopf.Index[tuple[str, str], BaselineView]


def baseline_of(handler_kwargs: dict[str, Any], namespace: str | None, name: str) -> BaselineView | None:
    """The Baseline as the watch last showed it; None when the watch has not seen it (or it is gone)."""
    index: BaselinesIndex = handler_kwargs[INDEX_ID]
    for view in index.get((namespace or "", name), []):
        return view
    return None


def released_revision(view: BaselineView, tenant: str) -> str | None:
    """The revision a Tenant composes: the one released to it, else the one every Tenant has."""
    status = view.get("status") or {}
    for release in status.get("releases") or []:
        if release.get("tenant") == tenant and release.get("revision"):
            return str(release["revision"])
    completed = status.get("completedRevision")
    return str(completed) if completed else None


async def adopted_baselines(
    tenant: str, spec: TenantSpec, find: Callable[[str], Awaitable[BaselineView | None]]
) -> list[AdoptedBaseline]:
    """The Baselines a Tenant's spec names, in its order, each with its folder and released revision."""
    adopted = []
    for reference in spec.baselines:
        view = await find(reference.name)
        adopted.append(
            AdoptedBaseline(
                name=reference.name,
                repository=BaselineSpec.model_validate(view["spec"]).repository if view else None,
                revision=released_revision(view, tenant) if view else None,
                overrides_path=reference.overridesPath,
            )
        )
    return adopted


def register(registry: kopf.OperatorRegistry) -> None:
    """Every Baseline, whichever shard handles it: runs of any shard compose them."""

    @kopf.index(GROUP, VERSION, "baselines", registry=registry, id=INDEX_ID)
    def baselines_by_name(
        name: str, namespace: str | None, spec: kopf.Spec, status: kopf.Status, **_: Any
    ) -> dict[tuple[str, str], BaselineView]:
        return {(namespace or "", name): {"spec": dict(spec), "status": dict(status)}}
