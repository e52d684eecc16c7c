"""The operator's log through a real sync: lines about a run name it, JSON is JSON, routine at DEBUG."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import first_sync
from tests.support.cluster import kubectl, restart_api_server, wait_for
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

TEXT_LINE = re.compile(
    r"(?P<timestamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) +"
    r"(?P<logger>\S+)(?: \[(?P<context>[^\]]*)\])? (?P<message>.*)"
)

TRANSPORT = {"urllib3", "httpx", "httpcore"}


def _parse_text(line: str) -> dict[str, Any]:
    match = TEXT_LINE.fullmatch(line)
    assert match, f"not a `TIME LEVEL LOGGER [objects] message` line: {line!r}"
    record: dict[str, Any] = {k: v for k, v in match.groupdict().items() if k != "context"}
    for pair in (match["context"] or "").split():
        key, _, value = pair.partition("=")
        record[key] = value
    return record


def _parse_json(line: str) -> dict[str, Any]:
    record = json.loads(line)
    assert isinstance(record, dict), line
    assert {"timestamp", "level", "logger", "message"} <= record.keys(), line
    return record


@pytest.fixture(params=["full", "json"])
def logged_operator(
    request: pytest.FixtureRequest, namespace: str, tmp_path: Path
) -> Iterator[OperatorProcess]:
    process = OperatorProcess(
        namespace, tmp_path / "operator.log", extra_args=("--log-format", request.param)
    )
    process.start()
    yield process
    if process.running():
        kubectl("delete", "tenants", "--all", "-n", namespace, "--timeout=60s", check=False)
    process.stop()


def test_a_runs_lines_carry_its_names(logged_operator: OperatorProcess, workspace: Workspace) -> None:
    run = first_sync(workspace)
    name = run["metadata"]["name"]
    kubectl("delete", "tenants", "--all", "-n", workspace.namespace, "--timeout=60s")
    logged_operator.stop()

    lines = logged_operator.log_path.read_text().splitlines()
    args = logged_operator.extra_args
    parse = _parse_json if args[args.index("--log-format") + 1] == "json" else _parse_text
    records = [parse(line) for line in lines]

    of_the_run = [r for r in records if r.get("syncrun") == name]
    assert len(of_the_run) >= 3, "\n".join(lines)
    assert all(r["namespace"] == workspace.namespace for r in of_the_run)
    # HTTP client traces (DEBUG) name the run only in their URLs; every other line about it names it.
    mentioning = [r for r in records if name in r["message"] and r["logger"].split(".")[0] not in TRANSPORT]
    assert mentioning, "\n".join(lines)
    for record in mentioning:
        assert record.get("namespace") == workspace.namespace, record
        assert record.get("syncrun") == name or record.get("tenant") == "contoso", record

    requests = [r for r in records if r["logger"] == "httpx"]
    assert requests, "the backup read Graph through httpx"
    probes = [r for r in records if r["logger"] == "aiohttp.access"]
    assert probes
    assert {r["level"] for r in requests + probes} == {"DEBUG"}
    text = logged_operator.log_path.read_text()
    assert "Will escalate" not in text, "a daemon stopped (run finished, Tenant deleted) ends by itself"
    assert workspace.secret not in text
    assert "eyJ" not in text  # the start of every JWT


def _retried_requests(log: Path) -> list[dict[str, Any]]:
    """The records of API requests kopf will retry, from the complete lines written so far."""
    text = log.read_text()
    complete = text[: text.rfind("\n") + 1]
    retried = re.compile(r"Request attempt \S+ failed; will retry: ")
    return [r for r in map(_parse_text, complete.splitlines()) if retried.match(r["message"])]


def test_watch_requests_retried_through_an_api_server_restart_are_warnings(
    namespace: str, tmp_path: Path
) -> None:
    """The API server stops for 5 s under a running operator: kopf's watch streams reconnect, and each
    attempt it retries is logged by kopf._cogs.clients.watching (not kopf.objects) as a WARNING; no line
    about a retried request is an ERROR."""
    operator = OperatorProcess(namespace, tmp_path / "operator.log")
    operator.start()
    try:
        restart_api_server(5)
        wait_for(
            lambda: _retried_requests(operator.log_path), "a retried watch request in the operator's log"
        )
    finally:
        operator.stop()
    lines = [(r["level"], r["logger"]) for r in _retried_requests(operator.log_path)]
    assert ("WARNING", "kopf._cogs.clients.watching") in lines, lines
    assert {level for level, _ in lines} == {"WARNING"}, lines
