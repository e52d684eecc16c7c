"""Which revision of each adopted Baseline a run composes, from the Baselines' index."""

from __future__ import annotations

from typing import Any

from tenantsync.api import TenantSpec
from tenantsync.controllers.baselines_index import BaselineView, adopted_baselines
from tests.unit.sync.fakes import SPEC

BASELINE: BaselineView = {
    "spec": {"repository": {"url": "https://git.example/baselines.git", "path": "security"}},
    "status": {"completedRevision": "old", "releases": [{"tenant": "canary", "revision": "new"}]},
}


def tenant(**baselines: Any) -> TenantSpec:
    return TenantSpec.model_validate({**SPEC, "baselines": [{"name": n, **v} for n, v in baselines.items()]})


async def find(name: str) -> BaselineView | None:
    return {"security": BASELINE, "unreleased": {"spec": BASELINE["spec"], "status": {}}}.get(name)


async def test_a_tenant_composes_its_release_else_the_completed_revision() -> None:
    spec = tenant(
        security={}, unreleased={"overridesPath": "tenants/canary/baselines/security-2026"}, gone={}
    )
    canary = await adopted_baselines("canary", spec, find)
    other = await adopted_baselines("other", spec, find)
    assert [(a.name, a.revision) for a in canary] == [
        ("security", "new"),
        ("unreleased", None),
        ("gone", None),
    ]
    assert [a.revision for a in other] == ["old", None, None]
    assert canary[0].repository is not None and canary[0].repository.path == "security"
    assert canary[1].overrides_path == "tenants/canary/baselines/security-2026"
    assert canary[2].repository is None  # the run stops with BaselineNotFound
