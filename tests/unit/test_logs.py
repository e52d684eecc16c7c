"""Every line names its objects, JSON lines are JSON, and routine lines (Graph requests, timer ticks)
wait for --verbose."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any, Protocol

import kopf
import pytest
from kopf._cogs.clients import watching
from kopf._core.engines import peering, posting
from kopf._core.reactor import observation

from tenantsync.cli.main import _parser
from tenantsync.logs import LogFormat, configure_logging, log_context


class Configure(Protocol):
    def __call__(self, log_format: LogFormat, verbose: bool = False) -> io.StringIO: ...


RUN = {"namespace": "m365", "tenant": "contoso", "syncrun": "contoso-20261128-060000"}


@pytest.fixture
def configure() -> Iterator[Configure]:
    """`configure_logging` into a buffer; the root logger's handlers and level are put back afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)

    def configure(log_format: LogFormat, verbose: bool = False) -> io.StringIO:
        stream = io.StringIO()
        configure_logging(log_format, verbose=verbose, stream=stream)
        return stream

    yield configure
    logging.captureWarnings(False)
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _kopf_logger(kind: str, name: str) -> kopf.LocalObjectLogger:
    """kopf's own per-object logger, as it logs `Handler 'execute' succeeded.` (no event is posted)."""
    raw: Any = {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "m365", "uid": "u1"},
    }
    body = kopf.Body(raw)
    return kopf.LocalObjectLogger(body=body, settings=kopf.OperatorSettings())


def test_text_line_has_time_level_logger_and_the_run(configure: Configure) -> None:
    stream = configure(LogFormat.FULL)
    with log_context(**RUN):
        logging.getLogger("tenantsync.sync.backup").info("backed up %d objects", 42)
    logging.getLogger("tenantsync.sync.backup").info("outside")
    line, outside = stream.getvalue().splitlines(keepends=True)
    assert outside.endswith(" INFO    tenantsync.sync.backup outside\n")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO    tenantsync\.sync\.backup"
        r" \[namespace=m365 tenant=contoso syncrun=contoso-20261128-060000\] backed up 42 objects\n",
        line,
    ), line


def test_plain_format_leaves_the_time_to_the_collector(configure: Configure) -> None:
    stream = configure(LogFormat.PLAIN)
    with log_context(namespace="m365", tenant="contoso"):
        logging.getLogger("tenantsync.sync").warning("x")
    assert stream.getvalue() == "WARNING tenantsync.sync [namespace=m365 tenant=contoso] x\n"


def test_kopf_records_name_their_tenant_or_syncrun(configure: Configure) -> None:
    stream = configure(LogFormat.PLAIN)
    _kopf_logger("SyncRun", "contoso-20261128-060000").info("Handler 'execute' succeeded.")
    _kopf_logger("Tenant", "contoso").info("Handler 'reconcile' succeeded.")
    assert stream.getvalue().splitlines() == [
        "INFO    kopf.objects [namespace=m365 syncrun=contoso-20261128-060000] Handler 'execute' succeeded.",
        "INFO    kopf.objects [namespace=m365 tenant=contoso] Handler 'reconcile' succeeded.",
    ]


def test_the_context_follows_the_run_into_its_tasks_and_threads(configure: Configure) -> None:
    stream = configure(LogFormat.PLAIN)

    def in_a_thread() -> None:
        logging.getLogger("msal").warning("token endpoint slow")

    async def run(name: str) -> None:
        with log_context(namespace="m365", tenant="contoso", syncrun=name):
            await asyncio.sleep(0)  # the two runs interleave
            await asyncio.create_task(asyncio.to_thread(in_a_thread))
            _kopf_logger("Tenant", "contoso").warning("kopf names its own object")

    async def both() -> None:
        await asyncio.gather(run("contoso-1"), run("contoso-2"))

    asyncio.run(both())
    assert sorted(stream.getvalue().splitlines()) == [
        "WARNING kopf.objects [namespace=m365 tenant=contoso] kopf names its own object",
        "WARNING kopf.objects [namespace=m365 tenant=contoso] kopf names its own object",
        "WARNING msal [namespace=m365 tenant=contoso syncrun=contoso-1] token endpoint slow",
        "WARNING msal [namespace=m365 tenant=contoso syncrun=contoso-2] token endpoint slow",
    ]


def test_a_traceback_stays_on_the_line_of_its_run(configure: Configure) -> None:
    stream = configure(LogFormat.FULL)
    try:
        raise ValueError("first\nsecond")
    except ValueError:
        with log_context(**RUN):
            logging.getLogger("tenantsync").exception("deploy failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert "syncrun=contoso-20261128-060000] deploy failed\\nTraceback" in lines[0]
    assert "ValueError: first\\nsecond" in lines[0]


def test_json_is_one_object_per_line_with_the_run_as_fields(configure: Configure) -> None:
    stream = configure(LogFormat.JSON)
    with log_context(**RUN):
        logging.getLogger("tenantsync.sync.plan").info("3 changes", extra={"changes": 3})
    _kopf_logger("SyncRun", RUN["syncrun"]).warning("Handler 'execute' failed\ntemporarily.")
    records: list[dict[str, Any]] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(records) == 2
    ours, kopfs = records
    assert {k: ours[k] for k in ("level", "logger", "message", "changes", *RUN)} == {
        "level": "INFO", "logger": "tenantsync.sync.plan", "message": "3 changes", "changes": 3, **RUN,
    }  # fmt: skip
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", ours["timestamp"])
    assert (kopfs["level"], kopfs["namespace"], kopfs["syncrun"]) == ("WARNING", "m365", RUN["syncrun"])
    assert kopfs["message"] == "Handler 'execute' failed\ntemporarily."
    assert "tenant" not in kopfs
    assert not {"settings", "k8s_ref", "k8s_skip"} & kopfs.keys()


def test_graph_request_lines_are_debug(configure: Configure) -> None:
    request = (
        'HTTP Request: GET https://graph.example/v1.0/identity/conditionalAccess/policies "HTTP/1.1 200 OK"'
    )
    quiet = configure(LogFormat.PLAIN)
    logging.getLogger("httpx").info(request)
    logging.getLogger("httpx").warning("a warning stays a warning")
    assert quiet.getvalue() == "WARNING httpx a warning stays a warning\n"
    verbose = configure(LogFormat.PLAIN, True)
    logging.getLogger("httpx").info(request)
    assert verbose.getvalue() == f"DEBUG   httpx {request}\n"


def test_liveness_probes_are_debug(configure: Configure) -> None:
    quiet = configure(LogFormat.PLAIN)
    logging.getLogger("aiohttp.access").info('127.0.0.1 "GET /healthz HTTP/1.1" 200 179')
    assert quiet.getvalue() == ""


def test_timer_ticks_are_debug_but_their_failures_are_not(configure: Configure) -> None:
    quiet = configure(LogFormat.PLAIN)
    baseline = _kopf_logger("Baseline", "contoso")
    baseline.info("Timer 'poll' succeeded.")
    baseline.info("Handler 'reconcile' succeeded.")
    baseline.error("Timer 'poll' failed with an exception.")
    assert quiet.getvalue().splitlines() == [
        "INFO    kopf.objects [namespace=m365] Handler 'reconcile' succeeded.",
        "ERROR   kopf.objects [namespace=m365] Timer 'poll' failed with an exception.",
    ]
    verbose = configure(LogFormat.PLAIN, True)
    _kopf_logger("Baseline", "contoso").info("Timer 'poll' succeeded.")
    assert verbose.getvalue() == "DEBUG   kopf.objects [namespace=m365] Timer 'poll' succeeded.\n"


def test_each_syncrun_watch_event_handled_is_debug_but_its_failures_are_not(configure: Configure) -> None:
    quiet = configure(LogFormat.PLAIN)
    run = _kopf_logger("SyncRun", "contoso-20261128-060000")
    run.info("Handler 'run-events' succeeded.")
    run.info("Indexer 'runs_by_tenant' succeeded.")
    run.error("Handler 'run-events' failed with an exception. Will ignore.")
    assert quiet.getvalue().splitlines() == [
        "ERROR   kopf.objects [namespace=m365 syncrun=contoso-20261128-060000] Handler 'run-events' failed"
        " with an exception. Will ignore.",
    ]


def test_a_request_kopf_retries_is_a_warning_and_one_it_gives_up_on_an_error(configure: Configure) -> None:
    stream = configure(LogFormat.PLAIN)
    tenant = _kopf_logger("Tenant", "contoso")
    what = "PATCH https://127.0.0.1:6443/apis/tenantsync.io/v1alpha1/namespaces/m365/tenants/contoso"
    tenant.error(f"Request attempt #1/9 failed; will retry: {what} -> ConnectionResetError()")
    tenant.error(f"Request attempt #9/9 failed; escalating: {what} -> ConnectionResetError()")
    assert [line.split(" ", 1)[0] for line in stream.getvalue().splitlines()] == ["WARNING", "ERROR"]


@pytest.mark.parametrize(
    "module", [watching, observation, peering, posting], ids=lambda module: module.__name__
)
def test_a_retried_request_is_a_warning_whichever_kopf_logger_kopf_passes(
    configure: Configure, module: ModuleType
) -> None:
    """kopf's request function logs with its caller's logger: a watch stream's retries come from the
    watching module's logger (they were ERROR while only kopf.objects' were demoted), the peering's,
    the observer's and the event poster's from theirs."""
    stream = configure(LogFormat.PLAIN)
    logger: logging.Logger = module.logger
    what = "GET https://127.0.0.1:6443/apis/tenantsync.io/v1alpha1/tenants?watch=true"
    logger.error(f"Request attempt #1/9 failed; will retry: {what} -> ServerDisconnectedError()")
    logger.error(f"Request attempt #9/9 failed; escalating: {what} -> ServerDisconnectedError()")
    assert stream.getvalue().splitlines() == [
        f"WARNING {module.__name__} Request attempt #1/9 failed; will retry: {what} -> ServerDisconnectedError()",
        f"ERROR   {module.__name__} Request attempt #9/9 failed; escalating: {what} -> ServerDisconnectedError()",
    ]


def test_only_kopf_retries_are_demoted(configure: Configure) -> None:
    """The match is the `kopf` hierarchy, not a name that merely starts with it, nor another library."""
    stream = configure(LogFormat.PLAIN)
    message = "Request attempt #1/9 failed; will retry: GET https://example.test -> TimeoutError()"
    for name in ("kopfish", "tenantsync.repository"):
        logging.getLogger(name).error(message)
    assert [line.split(" ", 1)[0] for line in stream.getvalue().splitlines()] == ["ERROR", "ERROR"]


def test_python_warnings_are_log_lines(configure: Configure) -> None:
    stream = configure(LogFormat.JSON)
    warnings.warn("the kubeconfig's client certificate expires in 3 days", UserWarning, stacklevel=1)
    record = json.loads(stream.getvalue())
    assert (record["level"], record["logger"]) == ("WARNING", "py.warnings")
    assert "client certificate expires in 3 days" in record["message"]


def test_msal_never_logs_below_warning(configure: Configure) -> None:
    stream = configure(LogFormat.PLAIN, True)
    logging.getLogger("msal.token_cache").debug("device_code=ABC123")
    assert stream.getvalue() == ""


def test_log_format_comes_from_the_flag_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _parser().parse_args(["run"]).log_format is LogFormat.FULL
    assert _parser().parse_args(["run", "--log-format", "json"]).log_format is LogFormat.JSON
    monkeypatch.setenv("TENANTSYNC_LOG_FORMAT", "plain")
    assert _parser().parse_args(["run"]).log_format is LogFormat.PLAIN


def test_an_unknown_log_format_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TENANTSYNC_LOG_FORMAT", "xml")
    with pytest.raises(SystemExit) as exited:
        _parser().parse_args(["run"])
    assert exited.value.code == 2
    assert "argument --log-format: invalid LogFormat value: 'xml'" in capsys.readouterr().err
