"""The Tenants a Baseline rolls out to, read from the Tenants' index: its namespace, naming it."""

from __future__ import annotations

from typing import Any

from tenantsync.controllers.baselines import adopting_tenants, namespace_tenants
from tenantsync.controllers.tenants_index import INDEX_ID


def view(baselines: list[str], labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"spec": {"baselines": [{"name": b} for b in baselines]}, "metadata": {"labels": labels or {}}}


def test_only_tenants_of_the_namespace_that_name_the_baseline_adopt_it() -> None:
    index = {
        ("msp", "b-tenant"): [view(["security"], {"ring": "canary"})],
        ("msp", "a-tenant"): [view(["compliance", "security"])],
        ("msp", "other"): [view(["compliance"])],
        ("msp", "none"): [{"spec": {}, "metadata": {}}],
        ("elsewhere", "c-tenant"): [view(["security"])],
    }

    adopting = adopting_tenants({INDEX_ID: index}, "msp", "security")

    assert [(t.name, dict(t.labels)) for t in adopting] == [
        ("a-tenant", {}),
        ("b-tenant", {"ring": "canary"}),
    ]


def test_every_tenant_of_the_namespace_is_one_a_canary_may_name() -> None:
    index = {("msp", "a"): [view(["security"])], ("msp", "b"): [view([])], ("elsewhere", "c"): [view([])]}

    assert namespace_tenants({INDEX_ID: index}, "msp") == {"a", "b"}
