"""SyncRun handlers: adopt hand-made runs, index runs by Tenant, and drive each run's pipeline.

The pipeline runs in a kopf daemon, one per unfinished SyncRun. kopf starts the daemons again for every
unfinished run when the operator restarts, and the pipeline resumes from `status.step`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import kopf

from tenantsync.api import (
    APPROVAL,
    GROUP,
    VERSION,
    ConditionReason,
    ConditionType,
    Decision,
    ErrorCode,
    RunPhase,
    RunStep,
    SyncRunStatus,
    TenantSpec,
    run_error,
)
from tenantsync.controllers.baselines_index import BaselineView, adopted_baselines, baseline_of
from tenantsync.controllers.concurrency import Priority, StepSlots, priority_of
from tenantsync.controllers.constants import (
    API_FAILURE_RETRY_SECONDS,
    DAEMON_STOP_GRACE_SECONDS,
    DAEMON_STOP_TIMEOUT_SECONDS,
    SHARD_LABEL,
    TENANT_LABEL,
)
from tenantsync.controllers.ownership import owner_reference
from tenantsync.controllers.runs_index import run_phase, runs_of
from tenantsync.controllers.sharding import shard_filter, shard_of
from tenantsync.controllers.status import StatusWriter, TenantMirror
from tenantsync.controllers.tenants_index import TenantView, tenant_of
from tenantsync.kube import KubeClient, NotFoundError
from tenantsync.logs import log_context
from tenantsync.metrics import OperatorMetrics, observe_step
from tenantsync.precedence import decided_work
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
    Transition,
    Wait,
    record_transition,
    unencrypted_secrets_warning,
)

QUEUE_POLL_SECONDS = 2.0
EVENTS_HANDLER = "run-events"
SEEN_APPROVAL = "seen_approval"
"""The key of a run's memo that holds its approval annotation as the operator last saw it."""
WRITTEN_WITH_THE_NEXT_STEP = frozenset({RunStep.PREFLIGHT, RunStep.BACKUP})
"""Steps whose status, when they are done, is written with the next step's rather than on its own, an
API request (or two: the run and its Tenant) saved for every sync. Preflight only checks (the Secret,
the repository), so a restart that finds the run before it checks again. The Plan that follows a Backup
reads the backup just written to Git and takes a moment, so the run shows its Backup step until the plan
is made; a restart in that moment backs up again, which writes nothing new to Git. A step that waits
(a retry, a person) is always written at once."""

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


@dataclass
class ActiveRun:
    """A run its daemon is working on: what stays the same from one step to the next."""

    body: kopf.Body
    name: str
    namespace: str
    tenant_name: str
    status: SyncRunStatus
    secrets: SecretsUntilWait
    """Each Secret read once until the run next waits."""
    mirror: TenantMirror
    writes: StatusWrites = field(default_factory=StatusWrites)
    arrived: float = field(default_factory=time.monotonic)
    """When this daemon took the run up: its queue wait runs from here to its first step."""
    unwritten: TenantObservations | None = None
    """What a step whose status is written with the next one's observed of the Tenant, until then."""


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
        """Step the run until it finishes, waits for its daemon's stop, or leaves this shard."""
        run = ActiveRun(
            body=body,
            name=name,
            namespace=namespace,
            tenant_name=tenant_name,
            status=SyncRunStatus.model_validate(dict(body.status or {})),
            secrets=SecretsUntilWait(self._kube),
            mirror=TenantMirror(self._kube, self._writer, namespace, tenant_name, name),
        )
        try:
            while not stopped and not (run.status.phase and run.status.phase.finished):
                began = time.monotonic()
                tenant = await self._tenant(run, watched_tenant)
                if tenant is None:
                    await run.writes.settle()
                    await self._finish_orphan(body, run.status, self._settings.clock())
                    return
                if self._moved_shard(run, tenant):
                    await run.writes.settle()
                    await self._hand_over(body, tenant_name, tenant["metadata"].get("labels"), run.status)
                    return
                if await self._queued_behind_another_run(run, runs()):
                    await stopped.wait(QUEUE_POLL_SECONDS)
                    continue
                # A decided run's calls go ahead in the queues below the step slots too: the Kubernetes
                # API's threads, the Git pushes (tenantsync.precedence).
                with decided_work(priority_of(run.status.step) is Priority.DECIDED):
                    transition, ctx, before = await self._step(run, tenant, watched_baseline, began)
                    await self._record(run, transition, ctx, before)
                if isinstance(transition, Finish):
                    return
                if isinstance(transition, Wait):
                    run.secrets.forget()
                    await self._pause(namespace, name, stopped, transition.seconds)
        finally:
            await run.writes.settle()

    async def _tenant(self, run: ActiveRun, watched: Callable[[], TenantView | None]) -> TenantView | None:
        """The run's Tenant as the watch shows it, or read once: the watch may not have shown a Tenant
        created a moment ago. None when it does not exist."""
        tenant = watched()
        if tenant is None:
            try:
                tenant = await self._kube.get("tenants", run.namespace, run.tenant_name)
            except NotFoundError:
                return None
        return tenant

    def _moved_shard(self, run: ActiveRun, tenant: TenantView) -> bool:
        """The Tenant now belongs to another shard than the run (its label changed)."""
        return self._settings.shard is not None and shard_of(tenant["metadata"].get("labels")) != shard_of(
            run.body.metadata.labels
        )

    async def _queued_behind_another_run(self, run: ActiveRun, runs: list[RunRecord]) -> bool:
        """A run that has not started waits, visibly, for its Tenant's other runs and for a free slot.
        True when it must look again later (another run of the Tenant goes first)."""
        if run.status.step not in (None, RunStep.PREFLIGHT):
            return False
        if blocker := self._older_active_run(run.name, run.body, runs):
            await run.writes.settle()
            await self._wait_in_queue(run.body, run.status, blocker)
            return True
        if self._slots.would_wait():
            await run.writes.settle()
            await self._wait_for_slot(run.body, run.status)
        return False

    async def _step(
        self,
        run: ActiveRun,
        tenant: TenantView,
        watched_baseline: Callable[[str], BaselineView | None],
        began: float,
    ) -> tuple[Transition, RunContext, SyncRunStatus]:
        """One step of the pipeline in a slot; returns its transition, its context and the status before it."""
        queued = time.monotonic()
        async with self._slots.slot(priority_of(run.status.step)):
            slotted = time.monotonic()
            if run.status.step is None:  # the first step: the run leaves the queue
                run.status.queuedSeconds = round(slotted - run.arrived, 1)
            ctx = await self._context(run, tenant, watched_baseline)
            before = run.status.model_copy(deep=True)
            stepping = time.monotonic()
            transition = await self._pipeline.advance(ctx)
        stepped = time.monotonic()
        if run.status != before:
            log.debug(
                "Step %s -> %s: %.2fs in all; %.2fs before the slot, %.2fs for the slot, %.2fs reading"
                " the Tenant's baselines, %.2fs in the step.",
                (before.step or RunStep.PREFLIGHT).value,
                (run.status.step or RunStep.PREFLIGHT).value,
                stepped - began,
                queued - began,
                slotted - queued,
                stepping - slotted,
                stepped - stepping,
            )
        return transition, ctx, before

    async def _context(
        self, run: ActiveRun, tenant: TenantView, watched_baseline: Callable[[str], BaselineView | None]
    ) -> RunContext:
        """What the step sees: the Tenant and its Baselines as they are now, the run's status."""
        spec = TenantSpec.model_validate(tenant["spec"])

        async def find(baseline: str) -> BaselineView | None:
            return await self._baseline(run.namespace, baseline, watched_baseline)

        return RunContext(
            namespace=run.namespace,
            run_name=run.name,
            tenant_name=run.tenant_name,
            tenant=spec,
            status=run.status,
            generation=run.body.metadata.get("generation"),
            now=self._settings.clock(),
            docs_base_url=self._settings.docs_base_url,
            secrets=run.secrets,
            annotations=dict(run.body.metadata.annotations),
            checkpoint=lambda: self._checkpoint(run),
            tenant_uid=tenant["metadata"].get("uid"),
            baselines=await adopted_baselines(run.tenant_name, spec, find),
            tenant_labels=dict(tenant["metadata"].get("labels") or {}),
            tenant_annotations=dict(tenant["metadata"].get("annotations") or {}),
            clock=self._settings.clock,
        )

    async def _checkpoint(self, run: ActiveRun) -> None:
        """A long step's progress, written mid-step (after the writes before it)."""
        await run.writes.settle()
        await self._writer.run(run.namespace, run.name, run.status)

    async def _record(
        self, run: ActiveRun, transition: Transition, ctx: RunContext, before: SyncRunStatus
    ) -> None:
        """Metrics, the event of a phase change, and the status written to the Tenant and the run."""
        status = run.status
        self._observe(run.namespace, run.tenant_name, before, status, isinstance(transition, Wait), ctx.now)
        if before.step == RunStep.BACKUP and status.step != RunStep.BACKUP:
            self._warn_of_unencrypted_secrets(run.body, run.tenant_name, status)
        if before.step == RunStep.PLAN and status.step != RunStep.PLAN:
            self._warn_of_admin_centre_changes(run.body, run.tenant_name, status)
        if status.phase != before.phase or isinstance(transition, Finish):
            # Before the status write: once the status says finished, kopf cancels this daemon,
            # possibly while the write's response is still on its way, and the event would be lost.
            self._announce(run.body, run.tenant_name, status)
        if status == before:  # a run waiting for a person polls often and mostly changes nothing
            return
        advancing = isinstance(transition, Advance)
        observations = merged(run.unwritten, ctx.observations)
        if advancing and (before.step or RunStep.PREFLIGHT) in WRITTEN_WITH_THE_NEXT_STEP:
            run.unwritten = observations
            return
        run.unwritten = None
        await run.writes.settle()
        # The Tenant first: once the run's status says finished, kopf stops this daemon.
        persisted = self._persist(
            run.mirror, status.model_copy(deep=True), observations, ctx.now, advancing=advancing
        )
        if advancing and priority_of(status.step) is Priority.DECIDED:
            run.writes.behind(persisted)  # a person is waiting: the next step starts now
        else:
            # Background steps write first, as before: nobody waits for them, and starting
            # their next step sooner made a run compose a Baseline before the watch showed
            # its release more often (the rollout e2e then waited for a run never asked).
            await persisted

    async def _persist(
        self,
        mirror: TenantMirror,
        status: SyncRunStatus,
        observations: TenantObservations,
        now: datetime,
        *,
        advancing: bool,
    ) -> None:
        """The Tenant mirrors the run, then the run's own status is written."""
        began = time.monotonic()
        await mirror.show(status, observations, now, advancing=advancing)
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
        for service, (requests, throttled) in self._cache.take_request_counts(namespace, tenant).items():
            if requests:
                self._metrics.observe_requests(namespace, tenant, service, requests, throttled)
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

    async def _wait_in_queue(self, body: kopf.Body, status: SyncRunStatus, blocker: str) -> None:
        message = f"Waiting for SyncRun {blocker} of the same tenant to finish."
        if status.message != message:
            status.phase, status.message = RunPhase.STARTING, message
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

    async def _wait_for_slot(self, body: kopf.Body, status: SyncRunStatus) -> None:
        """A run that has not started yet shows why it waits (the cap on concurrent syncs)."""
        limit = self._settings.max_concurrent_syncs
        message = f"Waiting for a free slot: {limit} runs are working, the operator's limit (--max-concurrent-syncs)."
        if status.message != message:
            status.phase, status.message = RunPhase.STARTING, message
            await self._writer.run(body.metadata.namespace or "", body.metadata.name or "", status)

    async def _finish_orphan(self, body: kopf.Body, status: SyncRunStatus, now: datetime) -> None:
        tenant_name = body.spec["tenantRef"]["name"]
        message = (
            f"Tenant {tenant_name} named by spec.tenantRef does not exist in namespace"
            f" {body.metadata.namespace}. Create the Tenant or fix spec.tenantRef in a new SyncRun."
        )
        error = run_error(
            ErrorCode.TENANT_RESOURCE_NOT_FOUND, message, docs_base_url=self._settings.docs_base_url
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
    def _warn_of_admin_centre_changes(body: kopf.Body, tenant_name: str, status: SyncRunStatus) -> None:
        """One Warning event when the plan holds changes no API can make (Teams policies): a person must
        make them in the admin centre, and the run will not, whatever is approved."""
        plan = status.plan
        if plan is None or not plan.adminCentreChangeCount:
            return
        condition = next((c for c in status.conditions if c.type == ConditionType.PLANNED), None)
        text = f"Tenant {tenant_name}, SyncRun {body.metadata.name}: {condition.message if condition else status.message}"
        kopf.warn(body, reason=ConditionReason.ADMIN_CENTRE_CHANGES.value, message=text)

    @staticmethod
    def _announce(body: kopf.Body, tenant_name: str, status: SyncRunStatus) -> None:
        """One event per phase change a person reads, naming the Tenant and the SyncRun: an ending, a
        wait for someone (approval, sign-in, consent) or an error. Starting and InProgress are not
        announced: the run's status and conditions show its progress, and an event each was two API
        requests per sync that nobody acted on."""
        if status.error is None and status.phase in (None, RunPhase.STARTING, RunPhase.IN_PROGRESS):
            return
        text = f"Tenant {tenant_name}, SyncRun {body.metadata.name}: {status.message}"
        if status.error is not None:
            kopf.warn(
                body, reason=status.error.code.value, message=f"{text} See {status.error.troubleshootingUrl}"
            )
        else:
            kopf.event(body, type="Normal", reason=(status.phase or RunPhase.STARTING).value, message=text)


def merged(earlier: TenantObservations | None, later: TenantObservations) -> TenantObservations:
    """What two steps observed of the Tenant, the later step's observation winning where both made one."""
    if earlier is None:
        return later
    values = {}
    for one in fields(TenantObservations):
        value = getattr(later, one.name)
        values[one.name] = getattr(earlier, one.name) if value is None else value
    return TenantObservations(**values)


async def adopt_run(
    body: kopf.Body, patch: kopf.Patch, kube: KubeClient, shard: str | None, watched: TenantView | None
) -> None:
    """Runs made by hand get the labels and owner a scheduled run has, so they are pruned, collected
    and handled by their Tenant's shard. `watched` is the Tenant as the watch shows it; it is read
    only when the watch has not shown it yet."""
    tenant_name = body.spec["tenantRef"]["name"]
    if body.metadata.labels.get(TENANT_LABEL) != tenant_name:
        patch.metadata.setdefault("labels", {})[TENANT_LABEL] = tenant_name
    if body.metadata.get("ownerReferences") and shard is None:
        return
    tenant = watched
    if tenant is None:
        try:
            tenant = await kube.get("tenants", body.metadata.namespace or "", tenant_name)
        except NotFoundError:
            return
    if not body.metadata.get("ownerReferences"):
        patch.metadata["ownerReferences"] = [owner_reference(tenant)]
    tenant_shard = shard_of(tenant["metadata"].get("labels"))
    if shard is not None and tenant_shard != shard_of(body.metadata.labels):
        patch.metadata.setdefault("labels", {})[SHARD_LABEL] = tenant_shard


def act_on_decision(body: kopf.Body, old: Any, new: Any, patch: kopf.Patch, executor: RunExecutor) -> None:
    """Refuse, with an event a person sees in `kubectl describe`, decisions the run will not act on;
    wake the run for one it will."""
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


async def on_run_event(
    kind: str | None,
    body: kopf.Body,
    patch: kopf.Patch,
    memo: kopf.Memo,
    kube: KubeClient,
    shard: str | None,
    executor: RunExecutor,
    watched_tenant: Callable[[], TenantView | None],
) -> None:
    """A run's watch event: adopt it when it is new, act on a decision when its annotation changed.

    A watch handler, not kopf's on-create and on-field handlers: those keep the last handled state in an
    annotation of every run, a PATCH per sync for the decision that a few runs in ten ever get. The
    annotation as last seen is kept in the run's memo instead (kopf drops it with the run). A run this
    process has not seen before and that is not new (listed at start, or come over from another shard)
    is adopted only if it still lacks its labels or owner, and its annotation counts as a new decision
    only while the run has neither finished nor recorded a decision: a decision made while no operator
    watched is then refused or acted on, and one acted on before is not refused again."""
    new = body.metadata.annotations.get(APPROVAL)
    if SEEN_APPROVAL in memo:
        old = memo[SEEN_APPROVAL]
    else:
        if kind == "ADDED" or not adopted(body):
            await adopt_run(body, patch, kube, shard, watched_tenant())
        phase = run_phase(body.status)
        undecided = not (phase and phase.finished) and not body.status.get("approval")
        old = None if kind == "ADDED" or undecided else new
    memo[SEEN_APPROVAL] = new
    act_on_decision(body, old, new, patch, executor)


def adopted(body: kopf.Body) -> bool:
    """The run has its Tenant's label and an owner: made by the operator, or adopted before."""
    tenant = body.spec["tenantRef"]["name"]
    return body.metadata.labels.get(TENANT_LABEL) == tenant and bool(body.metadata.get("ownerReferences"))


def unfinished(status: kopf.Status, **_: Any) -> bool:
    """The daemon runs while the run has not finished."""
    phase = run_phase(status)
    return not (phase and phase.finished)


def register(
    registry: kopf.OperatorRegistry, executor: RunExecutor, kube: KubeClient, shard: str | None
) -> None:
    """The SyncRun handlers: adopt a new run, act on a decision, and the daemon that steps each run."""
    mine = shard_filter(shard)

    @kopf.on.event(GROUP, VERSION, "syncruns", registry=registry, id=EVENTS_HANDLER, labels=mine)
    async def run_event(
        event: kopf.RawEvent,
        body: kopf.Body,
        patch: kopf.Patch,
        memo: kopf.Memo,
        namespace: str | None,
        **kwargs: Any,
    ) -> None:
        if event["type"] == "DELETED":
            return
        tenant = body.spec["tenantRef"]["name"]
        await on_run_event(
            event["type"],
            body,
            patch,
            memo,
            kube,
            shard,
            executor,
            lambda: tenant_of(kwargs, namespace, tenant),
        )

    @kopf.daemon(
        GROUP,
        VERSION,
        "syncruns",
        registry=registry,
        id="execute",
        when=unfinished,
        labels=mine,
        cancellation_backoff=DAEMON_STOP_GRACE_SECONDS,
        cancellation_timeout=DAEMON_STOP_TIMEOUT_SECONDS,
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
