"""Every PromQL query the chart ships (dashboard and alerts) parses and asks only for exported metrics.

A query on a metric the operator does not export shows "No data" forever and an alert on it never fires,
so the names are checked against a registry fed by every OperatorMetrics method.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tenantsync.api import TenantPhase
from tests.unit.alerts.conftest import DASHBOARD, RULES, run_promtool
from tests.unit.chart.chart_support import build_helm, render
from tests.unit.metrics.scrape import new_metrics, populate

# Grafana's variables, replaced by values of the kind Grafana puts there.
GRAFANA_VARIABLES = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "7d",
    "$namespace": ".*",
    "$tenant": ".*",
}
HUMAN_PHASES = {
    "NotRun": "Not run",
    "Idle": "Idle",
    "Starting": "Starting",
    "InProgress": "In progress",
    "NewError": "New error",
    "PendingAuthentication": "Pending authentication",
    "PendingApproval": "Pending approval",
    "PartiallySuccessful": "Partially successful",
    "PendingAdminConsent": "Pending admin consent",
}
PROMQL_WORDS = {
    "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
    "group_right", "inf", "nan",
}  # fmt: skip
LABEL_VALUES = re.compile(r"^label_values\((?P<query>.+),\s*(?P<label>\w+)\)$")


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def dashboard_queries() -> list[str]:
    """Panel targets, and the series selectors inside the variables' label_values() queries."""
    board = dashboard()
    queries = [node["expr"] for node in walk(board["panels"]) if "expr" in node]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            match = LABEL_VALUES.match(variable["definition"])
            assert match, f"variable {variable['name']}: expected label_values(<selector>, <label>)"
            queries.append(match["query"])
    return [substitute(query) for query in queries]


def rule_queries() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def substitute(query: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        query = query.replace(variable, value)
    assert "$" not in query, f"unknown Grafana variable in {query!r}"
    return query


def metric_names(query: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers that are not keywords, calls or label names."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', query)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][\w:]*", text):
        if match[0] in PROMQL_WORDS or text[match.end() :].lstrip().startswith("("):
            continue
        names.add(match[0])
    return names


def exported_names(*, per_type_detail: bool = False) -> set[str]:
    metrics = new_metrics(per_type_detail=per_type_detail)
    populate(metrics)
    return {sample.name for family in metrics.registry.collect() for sample in family.samples}


def panel_queries(panel: dict[str, Any]) -> list[str]:
    return [substitute(target["expr"]) for target in panel.get("targets", [])]


def test_metric_names_finds_metrics_and_nothing_else() -> None:
    query = (
        'histogram_quantile(0.9, sum by (le) (rate(a_bucket{x="y{z}"}[5m] offset 1h)))'
        ' / on(job) group_left(tenant) b > 1e3 and c unless time() - d{e=~"f"}'
    )
    assert metric_names(query) == {"a_bucket", "b", "c", "d"}


@pytest.mark.parametrize(
    ("source", "queries", "per_type_detail"),
    [("dashboard", dashboard_queries(), True), ("alert rules", rule_queries(), False)],
)
def test_queries_use_only_exported_metrics(source: str, queries: list[str], per_type_detail: bool) -> None:
    """Alerts only on what the operator exports by default; the dashboard may also chart the per-type
    detail an operator can turn on."""
    allowed = exported_names(per_type_detail=per_type_detail) | {"up"}
    used = set().union(*(metric_names(query) for query in queries))
    assert used, source
    assert used - allowed == set(), f"{source} queries metrics the operator does not export"


def test_panels_on_opt_in_metrics_say_how_to_turn_them_on() -> None:
    opt_in = exported_names(per_type_detail=True) - exported_names()
    assert opt_in
    panels = [
        panel
        for panel in dashboard()["panels"]
        if any(metric_names(query) & opt_in for query in panel_queries(panel))
    ]
    assert panels
    for panel in panels:
        assert "metrics.perTypeDetail" in panel["description"], panel["title"]
        assert "--metrics-per-type" in panel["description"], panel["title"]


def test_every_query_parses(promtool: str, tmp_path: Path) -> None:
    """Each query becomes a recording rule, so `promtool check rules` parses it with Prometheus' parser."""
    queries = dashboard_queries() + rule_queries()
    rules = {
        "groups": [
            {
                "name": "queries",
                "rules": [{"record": f"query:{index}", "expr": query} for index, query in enumerate(queries)],
            }
        ]
    }
    path = tmp_path / "queries.rules.yaml"
    path.write_text(yaml.safe_dump(rules))
    result = run_promtool(promtool, "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(queries)} rules found" in result.stdout


def test_a_query_that_does_not_parse_is_caught(promtool: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.rules.yaml"
    path.write_text(
        yaml.safe_dump({"groups": [{"name": "q", "rules": [{"record": "q", "expr": "sum by (("}]}]})
    )
    assert run_promtool(promtool, "check", "rules", str(path)).returncode != 0


def test_status_table_shows_the_human_name_of_every_phase() -> None:
    tables = [panel for panel in dashboard()["panels"] if panel["title"] == "Tenant status"]
    assert len(tables) == 1
    mappings = [
        prop["value"]
        for override in tables[0]["fieldConfig"]["overrides"]
        if override["matcher"]["options"] == "Sync status"
        for prop in override["properties"]
        if prop["id"] == "mappings"
    ]
    texts = {raw: option["text"] for raw, option in mappings[0][0]["options"].items()}
    assert texts == HUMAN_PHASES
    assert set(texts) == {phase.value for phase in TenantPhase}


def test_panels_use_the_data_source_variable_and_have_unique_ids() -> None:
    panels = dashboard()["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
            for target in panel["targets"]:
                assert target["datasource"] == panel["datasource"], panel["title"]


def test_chart_ships_the_dashboard_in_a_sidecar_configmap_when_enabled() -> None:
    helm = build_helm()
    assert "ConfigMap" not in {doc["kind"] for doc in render(helm)}
    docs = render(
        helm,
        release="r",
        values={
            "metrics.grafanaDashboard.enabled": "true",
            "metrics.grafanaDashboard.namespace": "monitoring",
            "metrics.grafanaDashboard.annotations.grafana_folder": "Microsoft 365",
        },
    )
    configmap = next(doc for doc in docs if doc["kind"] == "ConfigMap")
    assert configmap["metadata"]["name"] == "r-tenantsync-dashboard"
    assert configmap["metadata"]["namespace"] == "monitoring"
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert configmap["metadata"]["annotations"] == {"grafana_folder": "Microsoft 365"}
    assert json.loads(configmap["data"]["tenantsync.json"]) == dashboard()
