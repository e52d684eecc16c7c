"""A run's daemon over a fake API server and a scripted pipeline: what it writes, when, and in which queue.

The pipeline here is a script of transitions (the real steps have their own tests); the API server is a
dict that counts each request, so the tests read what a sync costs the API server.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import kopf
import pytest
from prometheus_client import CollectorRegistry

from tenantsync.api import ConditionReason, RunPhase, RunStep
from tenantsync.controllers.concurrency import Priority
from tenantsync.controllers.status import StatusWriter
from tenantsync.controllers.syncruns import RunExecutor
from tenantsync.kube import ConflictError, KubeClient
from tenantsync.metrics import OperatorMetrics
from tenantsync.precedence import is_decided
from tenantsync.settings import OperatorSettings
from tenantsync.sync import Advance, Finish, RunContext, TenantCache, Transition
from tests.unit.sync.fakes import SPEC

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
NEXT = {
    RunStep.PREFLIGHT: RunStep.AUTHENTICATE,
    RunStep.AUTHENTICATE: RunStep.BACKUP,
    RunStep.BACKUP: RunStep.PLAN,
    RunStep.PLAN: RunStep.APPROVAL,
    RunStep.APPROVAL: RunStep.DEPLOY,
    RunStep.DEPLOY: RunStep.VERIFY,
}


@pytest.fixture(autouse=True)
def events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The events the run posts (kopf posts them through its own queue, absent here), by reason."""
    posted: list[str] = []
    monkeypatch.setattr(kopf, "event", lambda *_, reason, **__: posted.append(reason))
    monkeypatch.setattr(kopf, "warn", lambda *_, reason, **__: posted.append(reason))
    return posted


class ApiServer:
    """The requests a run makes, by (verb, resource), against one Tenant."""

    def __init__(self) -> None:
        self.tenant: dict[str, Any] = {
            "metadata": {"name": "contoso", "namespace": "m365", "generation": 1, "resourceVersion": "1"},
            "spec": SPEC,
            "status": {},
        }
        self.requests: list[tuple[str, str]] = []
        self.run_status: dict[str, Any] = {}
        self.waiting_shown = asyncio.Event()

    async def get(self, plural: str, namespace: str, name: str) -> dict[str, Any]:
        self.requests.append(("GET", plural))
        return copy.deepcopy(self.tenant)

    async def patch_status(
        self,
        plural: str,
        namespace: str,
        name: str,
        patch: dict[str, Any],
        *,
        resource_version: str | None = None,
    ) -> dict[str, Any]:
        self.requests.append(("PATCH", f"{plural}/status"))
        if plural == "tenants" and resource_version not in (None, self.tenant["metadata"]["resourceVersion"]):
            raise ConflictError("the Tenant changed")
        if plural == "syncruns":
            self.run_status = patch
            if (patch.get("message") or "").startswith("Waiting for a free slot"):
                self.waiting_shown.set()
            return {}
        self.tenant["status"] = {k: v for k, v in {**self.tenant["status"], **patch}.items() if v is not None}
        self.tenant["metadata"]["resourceVersion"] = str(int(self.tenant["metadata"]["resourceVersion"]) + 1)
        return copy.deepcopy(self.tenant)


class Script:
    """The pipeline: each step's transition in turn, noting whether it ran as decided work."""

    def __init__(self, transitions: list[Callable[[RunContext], Transition]]) -> None:
        self.transitions = transitions
        self.decided: list[tuple[RunStep, bool]] = []

    async def advance(self, ctx: RunContext) -> Transition:
        status = ctx.status
        if status.step is None:
            status.step, status.phase, status.startTime = RunStep.PREFLIGHT, RunPhase.STARTING, ctx.now
        self.decided.append((status.step, is_decided()))
        transition = self.transitions.pop(0)(ctx)
        status.phase, status.message = transition.phase, transition.message
        if isinstance(transition, Advance):
            status.step = NEXT[status.step]
        elif isinstance(transition, Finish):
            status.step, status.completionTime = RunStep.DONE, ctx.now
        return transition


class Stopped:
    """The daemon's stop flag, never raised; a wait returns at once."""

    def __bool__(self) -> bool:
        return False

    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(0)


def advance(message: str) -> Callable[[RunContext], Transition]:
    return lambda _ctx: Advance(RunPhase.IN_PROGRESS, message)


def checked_credentials(ctx: RunContext) -> Transition:
    ctx.observations.credentials_valid = ("True", ConditionReason.VALID, "Secret sp holds a usable secret.")
    return Advance(RunPhase.IN_PROGRESS, "Preflight passed; authenticating.")


async def run_daemon(
    tmp_path: Path,
    script: Script,
    api: ApiServer | None = None,
    executor: RunExecutor | None = None,
    handed_over: dict[str, Any] | None = None,
) -> tuple[ApiServer, RunExecutor]:
    """The run's daemon until it ends; `handed_over` is the Tenant as the pass that started it wrote it."""
    api = api or ApiServer()
    kube = cast(KubeClient, api)
    settings = OperatorSettings(max_concurrent_syncs=1, workdir=tmp_path, clock=lambda: NOW)
    writer = StatusWriter(kube)
    if handed_over is not None:
        writer.hand_over("m365", "contoso", handed_over)
    executor = executor or RunExecutor(
        settings,
        kube,
        writer,
        cast(Any, script),
        TenantCache(tmp_path),
        OperatorMetrics(CollectorRegistry(), version="1"),
    )
    body = kopf.Body(
        cast(
            Any,
            {
                "metadata": {"name": "contoso-1", "namespace": "m365", "creationTimestamp": NOW.isoformat()},
                "spec": {"tenantRef": {"name": "contoso"}},
                "status": {},
            },
        )
    )
    await executor.execute(
        body, cast(Any, Stopped()), list, lambda: copy.deepcopy(api.tenant), lambda _: None
    )
    return api, executor


def unchanged_sync() -> Script:
    return Script(
        [
            checked_credentials,
            advance("Signed in; backing up the tenant."),
            advance("Backed up; planning."),
            lambda _ctx: Finish(RunPhase.SUCCEEDED, "Nothing to deploy."),
        ]
    )


async def test_a_sync_with_nothing_to_change_costs_two_run_and_two_tenant_writes(
    tmp_path: Path, events: list[str]
) -> None:
    """Preflight is written with Authenticate's step and Backup with Plan's; the Tenant, handed over by
    the pass that started the run, is not read: it shows the run working, then its end."""
    api = ApiServer()
    api, _ = await run_daemon(tmp_path, unchanged_sync(), api, handed_over=copy.deepcopy(api.tenant))
    assert api.requests == [
        ("PATCH", "tenants/status"),
        ("PATCH", "syncruns/status"),
        ("PATCH", "tenants/status"),
        ("PATCH", "syncruns/status"),
    ]
    assert api.tenant["status"]["phase"] == "Idle"
    valid = next(c for c in api.tenant["status"]["conditions"] if c["type"] == "CredentialsValid")
    assert valid["reason"] == "Valid", "what Preflight observed reached the Tenant with the next write"
    assert api.run_status["queuedSeconds"] >= 0
    assert api.run_status["step"] == "Done"
    assert events == ["Succeeded"]


async def test_a_run_reads_its_tenant_once_when_nothing_or_an_older_version_was_handed_over(
    tmp_path: Path,
) -> None:
    """Without a hand-over the Tenant is read before the first write; a hand-over that another writer has
    overtaken is refused by the API server (its version moved), and the Tenant is read then."""
    api, _ = await run_daemon(tmp_path / "none", unchanged_sync())
    assert api.requests[:2] == [("GET", "tenants"), ("PATCH", "tenants/status")]
    assert api.requests.count(("GET", "tenants")) == 1

    api = ApiServer()
    older = copy.deepcopy(api.tenant)
    api.tenant["metadata"]["resourceVersion"] = "2"  # the audit watch wrote after the pass
    api, _ = await run_daemon(tmp_path / "older", unchanged_sync(), api, handed_over=older)
    assert api.requests[:3] == [("PATCH", "tenants/status"), ("GET", "tenants"), ("PATCH", "tenants/status")]
    assert api.requests.count(("GET", "tenants")) == 1
    assert api.tenant["status"]["phase"] == "Idle"


async def test_a_decided_runs_steps_run_as_decided_work_and_background_steps_do_not(tmp_path: Path) -> None:
    script = Script(
        [
            advance("Preflight passed."),
            advance("Signed in."),
            advance("Backed up."),
            advance("Planned 1 update."),
            lambda _ctx: Advance(RunPhase.IN_PROGRESS, "Approved; deploying."),
            advance("Deployed; verifying."),
            lambda _ctx: Finish(RunPhase.SUCCEEDED, "Deployed and verified."),
        ]
    )
    await run_daemon(tmp_path, script)
    assert script.decided == [
        (RunStep.PREFLIGHT, False),
        (RunStep.AUTHENTICATE, False),
        (RunStep.BACKUP, False),
        (RunStep.PLAN, False),
        (RunStep.APPROVAL, True),
        (RunStep.DEPLOY, True),
        (RunStep.VERIFY, True),
    ]


async def test_a_run_that_waited_for_a_slot_records_the_wait_and_starts_when_its_first_step_does(
    tmp_path: Path,
) -> None:
    """Another run's step holds the only slot when this run arrives; its first step begins once the slot
    is given back. The wait is queuedSeconds, and startTime is the step's start, not the arrival."""
    script = Script([lambda _ctx: Finish(RunPhase.SUCCEEDED, "Nothing to deploy.")])
    api = ApiServer()
    kube = cast(KubeClient, api)
    executor = RunExecutor(
        OperatorSettings(max_concurrent_syncs=1, workdir=tmp_path, clock=lambda: NOW),
        kube,
        StatusWriter(kube),
        cast(Any, script),
        TenantCache(tmp_path),
        OperatorMetrics(CollectorRegistry(), version="1"),
    )
    other_step_done = asyncio.Event()

    async def other_runs_step() -> None:
        async with executor._slots.slot(Priority.STARTED):
            await other_step_done.wait()

    holder = asyncio.create_task(other_runs_step())
    await asyncio.sleep(0)
    daemon = asyncio.create_task(run_daemon(tmp_path, script, api, executor))
    await asyncio.wait_for(api.waiting_shown.wait(), 10)
    assert api.run_status["phase"] == "Starting"
    assert api.run_status.get("startTime") is None, "a run waiting for a slot has not started"
    await asyncio.sleep(0.2)  # the other run's step goes on a while
    other_step_done.set()
    await asyncio.gather(holder, daemon)
    assert api.run_status["queuedSeconds"] >= 0.2
    assert datetime.fromisoformat(api.run_status["startTime"]) == NOW
