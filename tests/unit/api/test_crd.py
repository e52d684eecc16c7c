"""The checked-in CRDs are exactly what the models generate, and their schemas are structural."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tenantsync.api import all_crds, crds_yaml
from tenantsync.api.tenant import UserAuthentication

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
    assert len(list(yaml.safe_load_all(text))) == len(all_crds()) == 3


def _undescribed(schema: dict[str, Any], path: str) -> list[str]:
    """Fields `kubectl explain` would show as `<empty>`: every property, nested too, needs a description."""
    missing = []
    for name, sub in (schema.get("properties") or {}).items():
        if not sub.get("description"):
            missing.append(f"{path}.{name}")
        missing += _undescribed(sub, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        missing += _undescribed(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        missing += _undescribed(schema["additionalProperties"], f"{path}{{}}")
    return missing


@pytest.mark.parametrize("crd", all_crds(), ids=lambda crd: crd["spec"]["names"]["kind"])
def test_every_field_explains_itself(crd: dict[str, Any]) -> None:
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert schema.get("description")
    # The API server describes apiVersion, kind and metadata itself (ObjectMeta's text).
    root_fields = {"apiVersion", "kind", "metadata"}
    schema = {**schema, "properties": {k: v for k, v in schema["properties"].items() if k not in root_fields}}
    assert _undescribed(schema, crd["spec"]["names"]["kind"]) == []


def test_descriptions_come_from_the_models_docstrings() -> None:
    tenant, syncrun, _ = (crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] for crd in all_crds())
    user = tenant["properties"]["spec"]["properties"]["userAuthentication"]["properties"]
    assert (
        user["timeoutSeconds"]["description"] == UserAuthentication.model_fields["timeoutSeconds"].description
    )
    condition = syncrun["properties"]["status"]["properties"]["conditions"]["items"]["properties"]
    assert condition["lastTransitionTime"]["description"] == "When the status last changed."


def _columns(crd: dict[str, Any], *, wide: bool) -> list[str]:
    columns = crd["spec"]["versions"][0]["additionalPrinterColumns"]
    return [c["name"] for c in columns if wide or "priority" not in c]


def test_printer_columns_answer_the_first_questions() -> None:
    tenant, syncrun, baseline = all_crds()
    assert _columns(tenant, wide=False) == ["Status", "Last Run", "Last Sync", "Age"]
    assert _columns(syncrun, wide=False) == ["Tenant", "Status", "Changes", "Duration", "Age"]
    assert _columns(baseline, wide=False) == ["Rollout", "Conforming", "Drifted", "Excepted", "Age"]


def test_prose_is_only_in_the_wide_view() -> None:
    for crd in all_crds():
        assert "Message" not in _columns(crd, wide=False)
        assert _columns(crd, wide=True)[-1] == "Message"
