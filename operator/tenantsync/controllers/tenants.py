"""Tenant handlers: initial status, the schedule, "Sync now" requests and run history.

One reconcile function serves creation, resumption, spec or annotation changes and a periodic look;
a per-Tenant lock (kopf's memo) keeps two of them from starting a run at once. The periodic look is a
daemon per Tenant rather than a kopf timer: a thousand timers every ten seconds cost kopf's handler
machinery a hundred times a second, most of an idle operator's CPU. A look skips the pass while the
Tenant, its runs and the schedule's next tick are what the last quiet pass saw.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import kopf

from tenantsync.api import (
    GROUP,
    SYNC_REQUESTED_AT,
    VERSION,
    ErrorCode,
    SyncRunStatus,
    TenantPhase,
    TenantSpec,
    TenantStatus,
    Trigger,
    run_error,
)
from tenantsync.controllers.constants import (
    API_FAILURE_RETRY_SECONDS,
    DAEMON_STOP_GRACE_SECONDS,
    DAEMON_STOP_TIMEOUT_SECONDS,
    TENANT_LABEL,
    TRIGGER_LABEL,
)
from tenantsync.controllers.ownership import owner_reference
from tenantsync.controllers.reconcile import TenantDecision, TenantPass, decide
from tenantsync.controllers.runs_index import runs_of
from tenantsync.controllers.sharding import shard_filter, shard_finalizer, shard_labels
from tenantsync.controllers.status import (
    RUN_MIRROR_FIELDS,
    SCHEDULE_FIELDS,
    initial_tenant_status,
    tenant_error_status,
    tenant_status_for_run,
)
from tenantsync.controllers.tenant_services import TenantServices
from tenantsync.kube import ConflictError
from tenantsync.scheduling import InvalidScheduleError, RunRecord, Schedule, spread_wait
from tenantsync.settings import OperatorSettings
from tenantsync.sync import TenantObservations


def run_manifest(
    tenant: kopf.Body, trigger: Trigger, now: datetime, finalizer: str, suffix: str = ""
) -> dict[str, Any]:
    """A SyncRun owned by its Tenant, so deleting the Tenant garbage-collects its runs, and in its shard.

    It is created with the finalizer kopf puts on a run while its daemon works (`finalizer`, this shard's):
    kopf would otherwise add it with a PATCH of its own, one API request for every sync. kopf still takes
    it off once the run has finished."""
    name = f"{tenant.metadata.name}-{now:%Y%m%d-%H%M%S}{suffix}"
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "SyncRun",
        "metadata": {
            "name": name,
            "namespace": tenant.metadata.namespace,
            "labels": {
                TENANT_LABEL: tenant.metadata.name,
                TRIGGER_LABEL: trigger.value.lower(),
                **shard_labels(tenant.metadata.labels),
            },
            "ownerReferences": [owner_reference(tenant)],
            "finalizers": [finalizer],
        },
        "spec": {"tenantRef": {"name": tenant.metadata.name}, "trigger": trigger.value},
    }


@dataclass(frozen=True)
class QuietPass:
    """What a pass that decided nothing saw: the next look can skip while it still holds."""

    resource_version: str | None
    runs: tuple[RunRecord, ...]
    until: datetime | None
    """The schedule's next tick (None: no schedule, or suspended): a run may be due after it."""

    def holds(self, resource_version: str | None, runs: list[RunRecord], now: datetime) -> bool:
        return (
            resource_version == self.resource_version
            and tuple(runs) == self.runs
            and (self.until is None or now <= self.until)
        )


class TenantController(TenantServices):
    async def reconcile(self, body: kopf.Body, memo: kopf.Memo, runs: list[RunRecord]) -> None:
        lock: asyncio.Lock = memo.setdefault("reconcile_lock", asyncio.Lock())
        async with lock:
            await self._reconcile(body, memo, runs)

    async def look(self, body: kopf.Body, memo: kopf.Memo, runs: list[RunRecord]) -> None:
        """The periodic pass, skipped while nothing it would read has changed since a quiet one."""
        quiet: QuietPass | None = memo.get("quiet")
        if quiet is not None and quiet.holds(
            body.metadata.get("resourceVersion"), runs, self._settings.clock()
        ):
            self._metrics.observe_idle_pass()
            return
        await self.reconcile(body, memo, runs)

    async def _reconcile(self, body: kopf.Body, memo: kopf.Memo, runs: list[RunRecord]) -> None:
        """One pass: read the schedule, decide whether to start a run, act on it, write what changed."""
        memo["quiet"] = None
        now = self._settings.clock()
        name, namespace = body.metadata.name, body.metadata.namespace
        assert name is not None and namespace is not None
        generation = body.metadata.get("generation")
        spec = TenantSpec.model_validate(dict(body.spec))
        before, status = self._statuses(body, spec, generation, now)
        created, active = self._active_runs(memo, runs)
        try:
            schedule = Schedule.parse(spec.schedule) if spec.schedule else None
        except InvalidScheduleError as problem:
            await self._refuse_schedule(body, before, status, problem, now)
            return
        recovered: frozenset[str] = frozenset()
        if status.error is not None and status.error.code == ErrorCode.INVALID_SCHEDULE:
            status = await self._recover_from_tenant_error(namespace, status, generation, now)
            recovered = RUN_MIRROR_FIELDS
        decision = decide(
            TenantPass(
                spec=spec,
                status=status,
                schedule=schedule,
                created=datetime.fromisoformat(body.metadata["creationTimestamp"]),
                now=now,
                runs=runs,
                active=active,
                sync_requested=body.metadata.annotations.get(SYNC_REQUESTED_AT),
            )
        )
        await self._start_decided_run(body, decision, now, created, active)
        self._note_schedule(body, decision, status, active)
        self._metrics.observe_schedule_interval(
            namespace, name, schedule.longest_interval(now) if schedule and not spec.suspend else None
        )
        for stale in decision.prune:
            await self._kube.delete("syncruns", namespace, stale)
        if await self._write_status(
            body, before, status, SCHEDULE_FIELDS | recovered, started=decision.start == Trigger.SCHEDULE
        ):
            self._observe(body, spec, status)
        if decision.start is None and not decision.prune and not created:
            # A status write above changes the resourceVersion, so the next look passes once more.
            memo["quiet"] = QuietPass(
                body.metadata.get("resourceVersion"),
                tuple(runs),
                schedule.next_tick(now) if schedule and not spec.suspend else None,
            )

    @staticmethod
    def _statuses(
        body: kopf.Body, spec: TenantSpec, generation: int | None, now: datetime
    ) -> tuple[TenantStatus | None, TenantStatus]:
        """The status as the Tenant has it (None on its first pass), and a copy this pass changes."""
        before = TenantStatus.model_validate(dict(body.status)) if body.status else None
        # Validated twice rather than deep-copied: pydantic's validation is several times cheaper, and this
        # runs for every Tenant every few seconds.
        status = TenantStatus.model_validate(dict(body.status)) if before else None
        status = status or initial_tenant_status(spec, generation, now)
        status.observedGeneration = generation
        return before, status

    @staticmethod
    def _active_runs(memo: kopf.Memo, runs: list[RunRecord]) -> tuple[set[str], list[str]]:
        """The runs this controller created (kept in its memo) and the names of the Tenant's active runs.

        Runs we created whose watch event has not reached the index yet still count as active."""
        created: set[str] = memo.setdefault("created_runs", set())
        created -= {run.name for run in runs}
        return created, [run.name for run in runs if not run.finished] + sorted(created)

    async def _refuse_schedule(
        self,
        body: kopf.Body,
        before: TenantStatus | None,
        status: TenantStatus,
        problem: InvalidScheduleError,
        now: datetime,
    ) -> None:
        """A schedule that does not parse is the Tenant's own error: shown in status, warned of once."""
        error = run_error(
            ErrorCode.INVALID_SCHEDULE,
            f"{problem} Fix spec.schedule.",
            docs_base_url=self._settings.docs_base_url,
        )
        if before is None or before.error != error:
            kopf.warn(body, reason="InvalidSchedule", message=f"Tenant {body.metadata.name}: {error.message}")
        await self._writer.tenant(
            body.metadata.namespace or "",
            body.metadata.name or "",
            tenant_error_status(status, error, body.metadata.get("generation"), now),
        )

    async def _start_decided_run(
        self, body: kopf.Body, decision: TenantDecision, now: datetime, created: set[str], active: list[str]
    ) -> None:
        """Create the run the pass decided on, if any; a run a person asked for is answered with an event.

        A scheduled run is not announced: the run itself, `status.lastScheduleTime` and the Tenant's
        `lastSyncRun` show it, and an event for each was an API request per sync that nobody read."""
        if decision.start is None:
            return
        run_name = await self._start_run(body, decision.start, now)
        created.add(run_name)
        active.append(run_name)
        if decision.start == Trigger.SYNC_REQUEST:
            kopf.event(
                body,
                type="Normal",
                reason="SyncRequested",
                message=f"Tenant {body.metadata.name}: sync requested ({decision.handled_request});"
                f" started SyncRun {run_name}.",
            )

    @staticmethod
    def _note_schedule(
        body: kopf.Body, decision: TenantDecision, status: TenantStatus, active: list[str]
    ) -> None:
        """The request handled and the schedule's tick, in status; a skipped tick also as an event."""
        if decision.handled_request is not None:
            status.lastHandledSyncRequest = decision.handled_request
        if decision.tick is not None:
            status.lastScheduleTime = decision.tick
        if decision.skipped_tick and decision.tick is not None:
            status.lastSkippedScheduleTime = decision.tick
            kopf.event(
                body,
                type="Normal",
                reason="ScheduleSkipped",
                message=f"Tenant {body.metadata.name}: skipped the {decision.tick:%Y-%m-%dT%H:%M:%SZ} sync because"
                f" SyncRun {active[0]} is still running.",
            )

    async def _write_status(
        self,
        body: kopf.Body,
        before: TenantStatus | None,
        status: TenantStatus,
        fields: frozenset[str],
        *,
        started: bool,
    ) -> bool:
        """The pass's status: whole on the first pass (unless a run reported first), else the fields this
        controller owns when they changed. False when the pass must leave the Tenant to the next one.

        When the pass `started` a scheduled run, the Tenant as written is handed over to the run's first
        mirror. A requested run's is not: kopf notes the request's annotation as handled with a PATCH of
        the Tenant after this pass, so the version handed over would always be refused (a wasted write)."""
        namespace, name = body.metadata.namespace or "", body.metadata.name or ""
        written = None
        if before is None:
            try:
                written = await self._writer.tenant(
                    namespace, name, status, resource_version=body.metadata.get("resourceVersion")
                )
            except ConflictError:
                return False  # a run reported first; the next pass starts from the Tenant as it is now
        elif status != before:
            written = await self._writer.tenant(namespace, name, status, fields)
        if started and written:
            self._writer.hand_over(namespace, name, written)
        return True

    def _observe(self, body: kopf.Body, spec: TenantSpec, status: TenantStatus) -> None:
        """The Tenant as metrics show it, on every pass, so a stuck operator shows as one."""
        phase = status.phase or TenantPhase.NOT_RUN
        credentials = status.credentials
        self._metrics.observe_tenant_phase(
            body.metadata.namespace or "",
            body.metadata.name or "",
            phase,
            created=datetime.fromisoformat(body.metadata["creationTimestamp"]),
            schedule_active=bool(spec.schedule) and not spec.suspend,
            last_success=status.lastSuccessfulSyncTime,
            pending_approval_since=status.phaseTransitionTime
            if phase == TenantPhase.PENDING_APPROVAL
            else None,
            credentials_expiry=credentials.expiresAt if credentials and credentials.kind else None,
            credential_kind=credentials.kind if credentials else None,
        )

    def forget(self, namespace: str, name: str) -> None:
        """A deleted Tenant's series disappear from /metrics, and its sign-ins and clone are dropped."""
        self._metrics.forget_tenant(namespace, name)
        self._cache.forget(namespace, name)
        self._writer.take_over(namespace, name)

    async def _start_run(self, body: kopf.Body, trigger: Trigger, now: datetime) -> str:
        namespace = body.metadata.namespace
        assert namespace is not None
        for suffix in ("", "-1", "-2", "-3"):
            manifest = run_manifest(body, trigger, now, shard_finalizer(self._settings.shard), suffix)
            try:
                await self._kube.create("syncruns", namespace, manifest)
            except ConflictError:
                continue
            return str(manifest["metadata"]["name"])
        raise kopf.TemporaryError("could not find a free SyncRun name; retrying", delay=1)

    async def _recover_from_tenant_error(
        self, namespace: str, status: TenantStatus, generation: int | None, now: datetime
    ) -> TenantStatus:
        """The Tenant's own error is fixed: show its newest run again, or NotRun if it has none."""
        status.error = None
        if status.lastSyncRun:
            run = await self._kube.get("syncruns", namespace, status.lastSyncRun)
            run_status = SyncRunStatus.model_validate(run.get("status") or {})
            return tenant_status_for_run(
                status, status.lastSyncRun, run_status, TenantObservations(), generation, now
            )
        status.phase = TenantPhase.NOT_RUN
        status.phaseTransitionTime = now
        status.message = "Never synced."
        return status


def register(
    registry: kopf.OperatorRegistry, settings: OperatorSettings, controller: TenantController
) -> None:
    mine = shard_filter(settings.shard)

    retry = API_FAILURE_RETRY_SECONDS

    @kopf.on.resume(GROUP, VERSION, "tenants", registry=registry, id="reconcile", labels=mine, backoff=retry)
    @kopf.on.create(GROUP, VERSION, "tenants", registry=registry, id="reconcile", labels=mine, backoff=retry)
    @kopf.on.update(GROUP, VERSION, "tenants", registry=registry, id="reconcile", labels=mine, backoff=retry)
    async def tenant_changed(
        body: kopf.Body, memo: kopf.Memo, name: str, namespace: str | None, **kwargs: Any
    ) -> None:
        await controller.reconcile(body, memo, runs_of(kwargs, namespace, name))

    @kopf.on.delete(GROUP, VERSION, "tenants", registry=registry, id="forget", optional=True, labels=mine)
    def tenant_deleted(name: str, namespace: str | None, **_: Any) -> None:
        controller.forget(namespace or "", name)

    @kopf.daemon(
        GROUP,
        VERSION,
        "tenants",
        registry=registry,
        id="schedule",
        cancellation_backoff=DAEMON_STOP_GRACE_SECONDS,
        cancellation_timeout=DAEMON_STOP_TIMEOUT_SECONDS,
        labels=mine,
        backoff=retry,
    )
    async def tenant_schedule(
        body: kopf.Body,
        memo: kopf.Memo,
        name: str,
        namespace: str | None,
        stopped: kopf.DaemonStopped,
        **kwargs: Any,
    ) -> None:
        key = body.metadata.uid or f"{namespace}/{name}"
        while not stopped:
            now = settings.clock().timestamp()
            await stopped.wait(spread_wait(key, settings.scheduler_interval_seconds, now))
            if not stopped:
                await controller.look(body, memo, runs_of(kwargs, namespace, name))
