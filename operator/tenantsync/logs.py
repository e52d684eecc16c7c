"""One log line per event, naming the namespace, Tenant and SyncRun it concerns, as text or as JSON.

kopf's per-object records carry their object in `k8s_ref` (its ObjectLogger); every other record made
inside a `log_context` (a run's task) carries that context's objects. Both come out as the same
`namespace`, `tenant` and `syncrun` fields, so `grep syncrun=NAME` (text) or `select(.syncrun == "NAME")`
(JSON) finds a run's lines. This module knows nothing of kopf, so every layer may use it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from typing import TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

__all__ = ["CONTEXT_FIELDS", "LogFormat", "configure_logging", "log_context"]

CONTEXT_FIELDS = ("namespace", "tenant", "syncrun")
"""Record attributes that name the objects a line concerns, in the order lines show them."""

_KOPF_ATTRS = ("k8s_ref", "k8s_skip", "settings")
"""What kopf's ObjectLogger puts on records: replaced by the context fields, never serialised."""


class LogFormat(StrEnum):
    """kopf's names: `full` for people, `plain` when the collector adds timestamps, `json` for pipelines."""

    FULL = "full"
    PLAIN = "plain"
    JSON = "json"


_OBJECTS: ContextVar[dict[str, str] | None] = ContextVar("tenantsync_log_objects", default=None)


@contextmanager
def log_context(*, namespace: str, tenant: str, syncrun: str | None = None) -> Iterator[None]:
    """Every record logged inside, by any module, names these objects: the pipeline, Graph and Git alike.

    A context variable, so it follows the task into the tasks and `asyncio.to_thread` calls it starts.
    """
    objects = {"namespace": namespace, "tenant": tenant} | ({"syncrun": syncrun} if syncrun else {})
    token = _OBJECTS.set(objects)
    try:
        yield
    finally:
        _OBJECTS.reset(token)


class ObjectContext(logging.Filter):
    """Names the objects of each record: kopf's own (`k8s_ref`), else those of the `log_context` around it."""

    def filter(self, record: logging.LogRecord) -> bool:
        ref = getattr(record, "k8s_ref", None)
        if isinstance(ref, dict):
            record.namespace = ref.get("namespace")
            field = {"Tenant": "tenant", "SyncRun": "syncrun"}.get(str(ref.get("kind")))
            if field:
                setattr(record, field, ref.get("name"))
        elif not any(hasattr(record, field) for field in CONTEXT_FIELDS):
            for field, value in (_OBJECTS.get() or {}).items():
                setattr(record, field, value)
        return True


class Demoted(logging.Filter):
    """Lowers the records of one level from a logger, or any logger below it, that match a pattern.

    httpx logs every Graph request at INFO (a quarter of a sync's lines); kopf logs every tick of a
    timer (a Baseline's `Timer 'poll' succeeded.`, every 10 s per Baseline), every SyncRun watch event
    the runs' handler and each index see (`Handler 'run-events' succeeded.`, `Indexer 'runs_by_tenant'
    succeeded.`) and its liveness endpoint every
    probe (`aiohttp.access`) at INFO: routine, shown with `--verbose` only. kopf logs each API request it
    is about to retry at ERROR: a thousand Tenants arriving at once can cost a thousand such lines,
    which the retries then resolve; only the request it gives up on is an error. kopf's request function
    logs with whatever logger its caller passes (the object's, the watch stream's, the peering's ...),
    so the retries are matched under the whole `kopf` hierarchy, and the filter sits on the handler:
    a logger's own filters never see its children's records.
    """

    def __init__(self, logger: str, level: int, to: int, pattern: re.Pattern[str]) -> None:
        super().__init__()
        self._logger, self._level, self._to, self._pattern = logger, level, to, pattern

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.levelno != self._level
            or (record.name != self._logger and not record.name.startswith(f"{self._logger}."))
            or not self._pattern.fullmatch(record.getMessage())
        ):
            return True
        record.levelno, record.levelname = self._to, logging.getLevelName(self._to)
        return logging.getLogger(record.name).isEnabledFor(self._to)


_RETRIED = re.compile(r"Request attempt \S+ failed; will retry: .*", re.DOTALL)
_DEMOTED = [
    Demoted("httpx", logging.INFO, logging.DEBUG, re.compile(r".*", re.DOTALL)),
    Demoted("aiohttp.access", logging.INFO, logging.DEBUG, re.compile(r".*", re.DOTALL)),
    Demoted(
        "kopf.objects",
        logging.INFO,
        logging.DEBUG,
        re.compile(r"(Timer '[^']*'|Indexer '[^']*'|Handler 'run-events') succeeded\."),
    ),
    Demoted("kopf", logging.ERROR, logging.WARNING, _RETRIED),
]
"""Per logger (and the loggers below it), the records that are routine (only their failures are news)
or not yet failures."""


def _utc_timestamp(record: logging.LogRecord) -> str:
    return (
        datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


class TextFormatter(logging.Formatter):
    """`TIME LEVEL LOGGER [namespace=.. tenant=.. syncrun=..] message`; newlines (tracebacks too) escaped."""

    def __init__(self, *, with_time: bool) -> None:
        super().__init__()
        self._with_time = with_time

    def format(self, record: logging.LogRecord) -> str:
        head = [_utc_timestamp(record)] if self._with_time else []
        head += [f"{record.levelname:<7}", record.name]
        context = " ".join(
            f"{field}={value}" for field in CONTEXT_FIELDS if (value := getattr(record, field, None))
        )
        if context:
            head.append(f"[{context}]")
        return " ".join([*head, super().format(record)]).replace("\n", "\\n")


def _json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        reserved_attrs=[*RESERVED_ATTRS, *_KOPF_ATTRS],
        timestamp=True,
    )


def _formatter(log_format: LogFormat) -> logging.Formatter:
    if log_format is LogFormat.JSON:
        return _json_formatter()
    return TextFormatter(with_time=log_format is LogFormat.FULL)


def configure_logging(log_format: LogFormat, *, verbose: bool, stream: TextIO | None = None) -> None:
    """The process's one log handler (instead of `kopf.configure`, whose plain format names nothing)."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(ObjectContext())
    for demoted in _DEMOTED:
        handler.addFilter(demoted)
    handler.setFormatter(_formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.captureWarnings(True)  # Python warnings are lines in the same format, not bare stderr text
    # httpcore's DEBUG lines trace every socket operation: noise even in verbose mode.
    logging.getLogger("httpcore").setLevel(logging.INFO)
    # MSAL's debug log prints token-endpoint responses, device codes included: never below WARNING.
    logging.getLogger("msal").setLevel(logging.WARNING)
