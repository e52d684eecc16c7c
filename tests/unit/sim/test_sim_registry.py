"""The registry of served types: consistent with itself and documented in docs/simulator.md."""

from __future__ import annotations

from pathlib import Path

from tenantsync_sim.graph.resources import RESOURCES, match_resource
from tenantsync_sim.graph.service import parse_expand

DOCS = Path(__file__).resolve().parents[3] / "docs" / "simulator.md"


def test_every_type_is_documented_with_its_path() -> None:
    text = DOCS.read_text()
    missing = [r.key for r in RESOURCES if f"| `{r.key}` | `{r.path}` |" not in text]
    assert not missing


def test_keys_and_paths_are_unique_and_each_path_finds_its_own_type() -> None:
    assert len({r.key for r in RESOURCES}) == len(RESOURCES)
    tenant = "3f2b9c4e-5a6d-4e7f-8a9b-0c1d2e3f4a5b"
    for resource in RESOURCES:
        segments = resource.path.replace("{tenantId}", tenant).upper().split("/")
        found = match_resource(segments, tenant)
        assert found is not None and found[0].key == resource.key and found[1] == []


def test_actions_replace_navigations_the_type_has() -> None:
    for resource in RESOURCES:
        for name, action in resource.actions.items():
            for navigation in action.replaces.values():
                assert resource.nav(navigation), f"{resource.key}.{name} replaces unknown {navigation}"
            if action.returns:
                assert resource.nav(action.returns)


def test_expand_clauses_nest() -> None:
    tree = parse_expand(
        "definitionValues($expand=presentationValues($expand=presentation),definition),assignments"
    )
    assert tree == {
        "definitionValues": {"presentationValues": {"presentation": {}}, "definition": {}},
        "assignments": {},
    }
    assert parse_expand("scheduledActionsForRule($expand=scheduledActionConfigurations)") == {
        "scheduledActionsForRule": {"scheduledActionConfigurations": {}}
    }
    assert parse_expand("") == {}
