"""The checked-in CRDs are exactly what the models generate, and their schemas are structural."""

from __future__ import annotations

from pathlib import Path

import yaml

from tenantsync.api import all_crds, crds_yaml

ROOT = Path(__file__).resolve().parents[3]


def test_checked_in_crds_match_the_models() -> None:
    checked_in = (ROOT / "crds" / "tenantsync.io_crds.yaml").read_text()
    assert checked_in == crds_yaml(), "crds/ is stale: run `tenantsync crds > crds/tenantsync.io_crds.yaml`"


def test_chart_carries_the_same_crds() -> None:
    chart_copy = ROOT / "charts" / "tenantsync" / "crds" / "tenantsync.io_crds.yaml"
    assert chart_copy.read_text() == crds_yaml(), "the chart's CRDs are stale: copy crds/ into the chart"


def _walk(schema: dict[str, object], path: str) -> list[str]:
    """Paths of sub-schemas without a type: an API server rejects such a schema as non-structural."""
    problems = []
    if "type" not in schema and "x-kubernetes-preserve-unknown-fields" not in schema:
        problems.append(path)
    for name, sub in (schema.get("properties") or {}).items():  # type: ignore[attr-defined]
        problems += _walk(sub, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        problems += _walk(schema["items"], f"{path}[]")  # type: ignore[arg-type]
    if isinstance(schema.get("additionalProperties"), dict):
        problems += _walk(schema["additionalProperties"], f"{path}{{}}")  # type: ignore[arg-type]
    return problems


def test_every_schema_node_has_a_type() -> None:
    for crd in all_crds():
        schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        assert _walk(schema, crd["metadata"]["name"]) == []


def test_yaml_has_no_anchors_for_people_to_decode() -> None:
    text = crds_yaml()
    assert "&id" not in text
    assert "*id" not in text
    assert len(list(yaml.safe_load_all(text))) == 2


def test_printer_columns_answer_the_first_questions() -> None:
    tenant, syncrun = all_crds()
    tenant_columns = [
        c["name"] for c in tenant["spec"]["versions"][0]["additionalPrinterColumns"] if "priority" not in c
    ]
    run_columns = [
        c["name"] for c in syncrun["spec"]["versions"][0]["additionalPrinterColumns"] if "priority" not in c
    ]
    assert tenant_columns == ["Status", "Message", "Last Sync", "Age"]
    assert run_columns == ["Tenant", "Status", "Age"]
