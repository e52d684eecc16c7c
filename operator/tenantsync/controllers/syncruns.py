"""SyncRun handlers: adopt hand-made runs, index runs by Tenant, and drive each run's pipeline.

The pipeline runs in a kopf daemon, one per unfinished SyncRun. kopf starts the daemons again for every
unfinished run when the operator restarts, and the pipeline resumes from `status.step`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import kopf

from tenantsync.api import (
    APPROVAL,
    GROUP,
    VERSION,
    Decision,
    ErrorCode,
    RunError,
    RunPhase,
    RunStep,
    SyncRunStatus,
    TenantSpec,
    troubleshooting_url,
)
from tenantsync.controllers.baselines_index import BaselineView, adopted_baselines, baseline_of
from tenantsync.controllers.concurrency import Priority, StepSlots, priority_of
from tenantsync.controllers.constants import API_FAILURE_RETRY_SECONDS, SHARD_LABEL, TENANT_LABEL
from tenantsync.controllers.ownership import owner_reference
from tenantsync.controllers.runs_index import run_phase, runs_of
from tenantsync.controllers.sharding import shard_filter, shard_of
from tenantsync.controllers.status import StatusWriter, TenantMirror
from tenantsync.controllers.tenants_index import TenantView, tenant_of
from tenantsync.kube import KubeClient, NotFoundError
from tenantsync.logs import log_context
from tenantsync.metrics import OperatorMetrics, observe_step
from tenantsync.scheduling import RunRecord
from tenantsync.settings import OperatorSettings
from tenantsync.sync import (
    UNENCRYPTED_SECRETS,
    Advance,
    Finish,
    Pipeline,
    RunContext,
    SecretsUntilWait,
    Session,
    TenantCache,
    TenantObservations,
    Wait,
    record_transition,
    unencrypted_secrets_warning,
)

QUEUE_POLL_SECONDS = 2.0

log = logging.getLogger(__name__)


class StatusWrites:
    """A run's status writes, in order. A step's writes may go on while the next step works (an approved
    run starts deploying while its approval is written); every later write waits for them first, so an
    older status never lands after a newer one, and a write that failed fails the run's next write."""

    def __init__(self) -> None:
        self._pending: asyncio.Task[None] | None = None

    def behind(self, writes: Coroutine[Any, Any, None]) -> None:
        assert self._pending is None, "settle() the writes before starting others"
        self._pending = asyncio.ensure_future(writes)

    async def settle(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            await pending


class RunExecutor:
    def __init__(
        self,
        settings: OperatorSettings,
        kube: KubeClient,
        writer: StatusWriter,
        pipeline: Pipeline[Session],
        cache: TenantCache,
        metrics: OperatorMetrics,
    ) -> None:
        self._slots = StepSlots(settings.max_concurrent_syncs)
        self._wakeups: dict[tuple[str, str], asyncio.Event] = {}
        metrics.track_queued_steps(lambda: self._slots.queued)
        self._settings = settings
        self._kube = kube
        self._writer = writer
        self._pipeline = pipeline
        self._cache = cache
        self._metrics = metrics

    async def execute(
        self,
        body: kopf.Body,
        stopped: kopf.DaemonStopped,
        runs: Callable[[], list[RunRecord]],
        watched_tenant: Callable[[], TenantView | None],
        watched_baseline: Callable[[str], BaselineView | None],
    ) -> None:
        name, namespace = body.metadata.name, body.metadata.namespace
        assert name is not None and namespace is not None
        tenant_name = body.spec["tenantRef"]["name"]
        with log_context(namespace=namespace, tenant=tenant_name, syncrun=name):
            try:
                await self._execute(
                    body, stopped, runs, watched_tenant, watched_baseline, name, namespace, tenant_name
                )
            finally:
                self._wakeups.pop((namespace, name), None)

    def wake(self, namespace: str, name: str) -> None:
        """A person decided: the run acts on it now, not at its next poll."""
        if wakeup := self._wakeups.get((namespace, name)):
            wakeup.set()

    async def _pause(self, namespace: str, name: str, stopped: kopf.DaemonStopped, seconds: float) -> None:
        """Until the step's next poll, the daemon's stop, or a wake-up, whichever comes first."""
        wakeup = self._wakeups.setdefault((namespace, name), asyncio.Event())
        waiters = [asyncio.ensure_future(stopped.wait(seconds)), asyncio.ensure_future(wakeup.wait())]
        began = time.monotonic()
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            if wakeup.is_set():
                log.debug("Woken by a decision %.2fs into a %gs wait.", time.monotonic() - began, seconds)
            wakeup.clear()

    async def _execute(
        self,
        body: kopf.Body,
        stopped: kopf.DaemonStopped,
        runs: Callable[[], list[RunRecord]],
        watched_tenant: Callable[[], TenantView | None],
        watched_baseline: Callable[[str], BaselineView | None],
        name: str,
        namespace: str,
        tenant_name: str,
    ) -> None:
        status = SyncRunStatus.model_validate(dict(body.status or {}))
        secrets = SecretsUntilWait(self._kube)
        mirror = TenantMirror(self._kube, self._writer, namespace, tenant_name, name)
        writes = StatusWrites()

        async def checkpoint() -> None:
            await writes.settle()
            await self._writer.run(namespace, name, status)

        try:
            while not stopped and not (status.phase and status.phase.finished):
                began = time.monotonic()
                now = self._settings.clock()
                tenant = watched_tenant()
                if tenant is None:
                    try:  # the watch may not have shown a Tenant created a moment ago
                        tenant = await self._kube.get("tenants", namespace, tenant_name)
                    except NotFoundError:
                        await writes.settle()
                        await self._finish_orphan(body, status, now)
                        return
                if self._settings.shard is not None and shard_of(
                    tenant["metadata"].get("labels")
                ) != shard_of(body.metadata.labels):
                    await writes.settle()
                    await self._hand_over(body, tenant_name, tenant["metadata"].get("labels"), status)
                    return
                if status.step in (None, RunStep.PREFLIGHT) and (
                    blocker := self._older_active_run(name, body, runs())
                ):
                    await writes.settle()
                    await self._wait_in_queue(body, status, blocker, now)
                    await stopped.wait(QUEUE_POLL_SECONDS)
                    continue
                if status.step in (None, RunStep.PREFLIGHT) and self._slots.would_wait():
                    await writes.settle()
                    await self._wait_for_slot(body, status, now)
                queued = time.monotonic()
                async with self._slots.slot(priority_of(status.step)):
                    slotted = time.monotonic()
                    now = self._settings.clock()
                    spec = TenantSpec.model_validate(tenant["spec"])

                    async def find(baseline: str) -> BaselineView | None:
                        return await self._baseline(namespace, baseline, watched_baseline)

                    ctx = RunContext(
                        namespace=namespace,
                        run_name=name,
                        tenant_name=tenant_name,
                        tenant=spec,
                        status=status,
                        generation=body.metadata.get("generation"),
                        now=now,
                        docs_base_url=self._settings.docs_base_url,
                        secrets=secrets,
                        annotations=dict(body.metadata.annotations),
                        checkpoint=checkpoint,
                        tenant_uid=tenant["metadata"].get("uid"),
                        baselines=await adopted_baselines(tenant_name, spec, find),
                        tenant_labels=dict(tenant["metadata"].get("labels") or {}),
                        tenant_annotations=dict(tenant["metadata"].get("annotations") or {}),
                        clock=self._settings.clock,
                    )
                    previous_phase, before = status.phase, status.model_copy(deep=True)
                    stepping = time.monotonic()
                    transition = await self._pipeline.advance(ctx)
                stepped = time.monotonic()
                self._observe(namespace, tenant_name, before, status, isinstance(transition, Wait), now)
                if before.step == RunStep.BACKUP and status.step != RunStep.BACKUP:
                    self._warn_of_unencrypted_secrets(body, tenant_name, status)
                if status.phase != previous_phase or isinstance(transition, Finish):
                    # Before the status write: once the status says finished, kopf cancels this daemon,
                    # possibly while the write's response is still on its way, and the event would be lost.
                    self._announce(body, tenant_name, status)
                if status != before:  # a run waiting for a person polls often and mostly changes nothing
                    log.debug(
                        "Step %s -> %s: %.2fs in all; %.2fs before the slot, %.2fs for the slot, %.2fs reading"
                        " the Tenant's baselines, %.2fs in the step.",
                        (before.step or RunStep.PREFLIGHT).value,
                        (status.step or RunStep.PREFLIGHT).value,
                        stepped - began,
                        queued - began,
                        slotted - queued,
                        stepping - slotted,
                        stepped - stepping,
                    )
                    await writes.settle()
                    # The Tenant first: once the run's status says finished, kopf stops this daemon.
                    persisted = self._persist(mirror, status.model_copy(deep=True), ctx.observations, ctx.now)
                    if isinstance(transition, Advance) and priority_of(status.step) is Priority.DECIDED:
                        writes.behind(persisted)  # a person is waiting: the next step starts now
                    else:
                        # Background steps write first, as before: nobody waits for them, and starting
                        # their next step sooner made a run compose a Baseline before the watch showed
                        # its release more often (the rollout e2e then waited for a run never asked).
                        await persisted
                if isinstance(transition, Finish):
                    return
                if isinstance(transition, Wait):
                    secrets.forget()
                    await self._pause(namespace, name, stopped, transition.seconds)
        finally:
            await writes.settle()

    async def _persist(
        self, mirror: TenantMirror, status: SyncRunStatus, observations: TenantObservations, now: datetime
    ) -> None:
        """The Tenant mirrors the run, then the run's own status is written."""
        began = time.monotonic()
        await mirror.show(status, observations, now)
        mirrored = time.monotonic()
        await self._writer.run(mirror.namespace, mirror.run, status)
        log.debug(
            "Status after the step written in %.2fs (%.2fs of it mirroring to the Tenant).",
            time.monotonic() - began,
            mirrored - began,
        )

    async def _baseline(
        self, namespace: str, name: str, watched: Callable[[str], BaselineView | None]
    ) -> BaselineView | None:
        """A Baseline as the watch shows it, or read once when the watch has not shown it yet."""
        view = watched(name)
        if view is None:
            try:
                view = await self._kube.get("baselines", namespace, name)
            except NotFoundError:
                return None
        return view

    def _observe(
        self,
        namespace: str,
        tenant: str,
        before: SyncRunStatus,
        after: SyncRunStatus,
        waiting: bool,
        now: datetime,
    ) -> None:
        requests, throttled = self._cache.take_graph_counts(namespace, tenant)
        if requests:
            self._metrics.observe_graph(namespace, tenant, requests, throttled)
        observe_step(self._metrics, namespace, tenant, before, after, waiting=waiting, now=now)

    @staticmethod
    def _older_active_run(name: str, body: kopf.Body, runs: list[RunRecord]) -> str | None:
        """Never two active runs for one Tenant: a run waits for any that has started working, and for
        older ones still queued (creation times have one-second resolution, so the name breaks ties)."""
        mine = datetime.fromisoformat(body.metadata["creationTimestamp"])
        blockers = [
            r for r in runs
            if r.name != name and not r.finished and (r.advanced or (r.created, r.name) < (mine, name))
        ]  # fmt: skip
        return blockers[0].name if blockers else None

    async def _wait_in_queue(
        self, body: kopf.Body, status: SyncRunStatus, blocker: str, now: datetime
    ) -> None:
        message = f"Waiting for SyncRun {blocker} of the same tenant to finish."
        if status.message != message:
            status.phase, status.message = RunPhase.STARTING, message
            status.startTime = status.startTime or now
            await self._writer.run(body.metadata.namespace or "", body.metadata.name or "", status)

    async def _hand_over(
        self, body: kopf.Body, tenant_name: str, tenant_labels: dict[str, str] | None, status: SyncRunStatus
    ) -> None:
        """The Tenant moved to another shard: give it the run between two steps, so the run is never
        worked on by both shards, and the new shard's daemon resumes it from `status.step`.

        The event goes first: once the label changes, kopf stops this daemon at once (it no longer
        matches the shard), often before the patch's answer is back, and the event would never be posted.
        """
        target = shard_of(tenant_labels)
        kopf.event(
            body,
            type="Normal",
            reason="HandedOver",
            message=f"Tenant {tenant_name}, SyncRun {body.metadata.name}: handed over to shard"
            f" {target or '(unlabelled)'} at step {(status.step or RunStep.PREFLIGHT).value}.",
        )
        await self._kube.patch(
            "syncruns",
            body.metadata.namespace or "",
            body.metadata.name or "",
            {"metadata": {"labels": {SHARD_LABEL: target}}},
        )

    async def _wait_for_slot(self, body: kopf.Body, status: SyncRunStatus, now: datetime) -> None:
        """A run that has not started yet shows why it waits (the cap on concurrent syncs)."""
        limit = self._settings.max_concurrent_syncs
        message = f"Waiting for a free slot: {limit} runs are working, the operator's limit (--max-concurrent-syncs)."
        if status.message != message:
            status.phase, status.message = RunPhase.STARTING, message
            status.startTime = status.startTime or now
            await self._writer.run(body.metadata.namespace or "", body.metadata.name or "", status)

    async def _finish_orphan(self, body: kopf.Body, status: SyncRunStatus, now: datetime) -> None:
        tenant_name = body.spec["tenantRef"]["name"]
        message = (
            f"Tenant {tenant_name} named by spec.tenantRef does not exist in namespace"
            f" {body.metadata.namespace}. Create the Tenant or fix spec.tenantRef in a new SyncRun."
        )
        code = ErrorCode.TENANT_RESOURCE_NOT_FOUND
        error = RunError(
            code=code,
            message=message,
            troubleshootingUrl=troubleshooting_url(self._settings.docs_base_url, code),
        )
        record_transition(
            status,
            Finish(RunPhase.NEW_ERROR, message, error),
            generation=body.metadata.get("generation"),
            now=now,
        )
        self._announce(body, tenant_name, status)
        await self._writer.run(body.metadata.namespace or "", body.metadata.name or "", status)

    def _warn_of_unencrypted_secrets(self, body: kopf.Body, tenant_name: str, status: SyncRunStatus) -> None:
        """One Warning event (and log line) when the backup found secrets Graph serves in clear; the run
        goes on: the values are the tenant's as Graph serves them, and withholding them would lose them."""
        if status.backup is None or not status.backup.unencryptedSecretCount:
            return
        text = (
            f"Tenant {tenant_name}, SyncRun {body.metadata.name}:"
            f" {unencrypted_secrets_warning(status.backup, self._settings.docs_base_url)}"
        )
        log.warning("%s", text)
        kopf.warn(body, reason=UNENCRYPTED_SECRETS, message=text)

    @staticmethod
    def _announce(body: kopf.Body, tenant_name: str, status: SyncRunStatus) -> None:
        """One event per phase change, naming the Tenant and the SyncRun."""
        text = f"Tenant {tenant_name}, SyncRun {body.metadata.name}: {status.message}"
        if status.error is not None:
            kopf.warn(
                body, reason=status.error.code.value, message=f"{text} See {status.error.troubleshootingUrl}"
            )
        else:
            kopf.event(body, type="Normal", reason=(status.phase or RunPhase.STARTING).value, message=text)


def register(
    registry: kopf.OperatorRegistry, executor: RunExecutor, kube: KubeClient, shard: str | None
) -> None:
    mine = shard_filter(shard)

    @kopf.on.create(GROUP, VERSION, "syncruns", registry=registry, id="adopt", labels=mine)
    async def adopt(body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
        """Runs made by hand get the labels and owner a scheduled run has, so they are pruned, collected
        and handled by their Tenant's shard."""
        tenant_name = body.spec["tenantRef"]["name"]
        if body.metadata.labels.get(TENANT_LABEL) != tenant_name:
            patch.metadata.setdefault("labels", {})[TENANT_LABEL] = tenant_name
        if not body.metadata.get("ownerReferences") or shard is not None:
            try:
                tenant = await kube.get("tenants", body.metadata.namespace or "", tenant_name)
            except NotFoundError:
                return
            if not body.metadata.get("ownerReferences"):
                patch.metadata["ownerReferences"] = [owner_reference(tenant)]
            if shard is not None and shard_of(tenant["metadata"].get("labels")) != shard_of(
                body.metadata.labels
            ):
                patch.metadata.setdefault("labels", {})[SHARD_LABEL] = shard_of(
                    tenant["metadata"].get("labels")
                )

    @kopf.on.field(
        GROUP,
        VERSION,
        "syncruns",
        registry=registry,
        id="decision",
        field=("metadata", "annotations", APPROVAL),
        labels=mine,
    )
    async def decision(body: kopf.Body, old: Any, new: Any, patch: kopf.Patch, **_: Any) -> None:
        """Refuse, with an event a person sees in `kubectl describe`, decisions the run will not act on."""
        if new is None or new == old:
            return
        name, tenant = body.metadata.name, body.spec["tenantRef"]["name"]
        phase = run_phase(body.status)
        choices = ", ".join(d.value for d in Decision)
        if new not in Decision.__members__.values():
            kopf.warn(
                body,
                reason="InvalidApproval",
                message=f"Tenant {tenant}, SyncRun {name}: {APPROVAL}={new!r} is not one of {choices}; the run"
                " keeps waiting. Set one of those values.",
            )
        elif phase != RunPhase.PENDING_APPROVAL:
            kopf.warn(
                body,
                reason="DecisionIgnored",
                message=f"Tenant {tenant}, SyncRun {name}: the decision {new!r} was ignored because the run is"
                f" {phase or 'Starting'}, not PendingApproval.",
            )
            if not (phase and phase.finished):
                # Taken off, so the run cannot act on it later when it does reach PendingApproval.
                patch.metadata.setdefault("annotations", {})[APPROVAL] = None
        else:
            with log_context(namespace=body.metadata.namespace or "", tenant=tenant, syncrun=name):
                log.debug("Decision %r noticed; waking the run.", new)
            executor.wake(body.metadata.namespace or "", name or "")

    def unfinished(status: kopf.Status, **_: Any) -> bool:
        phase = run_phase(status)
        return not (phase and phase.finished)

    @kopf.daemon(
        GROUP,
        VERSION,
        "syncruns",
        registry=registry,
        id="execute",
        when=unfinished,
        labels=mine,
        cancellation_timeout=10.0,
        backoff=API_FAILURE_RETRY_SECONDS,
    )
    async def execute(
        body: kopf.Body, stopped: kopf.DaemonStopped, namespace: str | None, **kwargs: Any
    ) -> None:
        tenant = body.spec["tenantRef"]["name"]
        await executor.execute(
            body,
            stopped,
            lambda: runs_of(kwargs, namespace, tenant),
            lambda: tenant_of(kwargs, namespace, tenant),
            lambda baseline: baseline_of(kwargs, namespace, baseline),
        )
