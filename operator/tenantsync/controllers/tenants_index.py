"""Tenants' specs and labels, kept by kopf from its watch: a run reads its Tenant before every step, and a
GET per step of every run is the API server's largest cost in a big fleet."""

from __future__ import annotations

from typing import Any

import kopf

from tenantsync.api import GROUP, VERSION
from tenantsync.controllers.constants import KOPF_ANNOTATION_PREFIX

INDEX_ID = "tenants_by_name"

TenantView = dict[str, Any]
"""{"spec": ..., "metadata": {"name": ..., "labels": ..., "annotations": ..., "uid": ...}}: what a run
needs of its Tenant between steps (baselines' variables may name labels and annotations), and what a run
made by hand needs to be owned by it."""
BOOKKEEPING = (f"{KOPF_ANNOTATION_PREFIX}/", "kubectl.kubernetes.io/")
"""Annotations that are tools' records, large and never a baseline's variable: not kept."""

TenantsIndex = kopf.Index[tuple[str, str], TenantView]


def tenant_of(handler_kwargs: dict[str, Any], namespace: str | None, name: str) -> TenantView | None:
    """The Tenant as the watch last showed it; None when the watch has not seen it (or it is gone)."""
    index: TenantsIndex = handler_kwargs[INDEX_ID]
    for view in index.get((namespace or "", name), []):
        return view
    return None


def register(registry: kopf.OperatorRegistry) -> None:
    """Every Tenant, whichever shard it is in: a run whose Tenant moved away must see where it went."""

    @kopf.index(GROUP, VERSION, "tenants", registry=registry, id=INDEX_ID)
    def tenants_by_name(
        name: str, namespace: str | None, spec: kopf.Spec, meta: kopf.Meta, **_: Any
    ) -> dict[tuple[str, str], TenantView]:
        annotations = {k: v for k, v in meta.annotations.items() if not k.startswith(BOOKKEEPING)}
        metadata = {"name": name, "labels": dict(meta.labels), "annotations": annotations, "uid": meta.uid}
        return {(namespace or "", name): {"spec": dict(spec), "metadata": metadata}}
