"""The one place that writes status: SyncRun status from the pipeline, Tenant status mirroring it.

Patches are JSON merge patches of the status subresource; a field set to None is removed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from tenantsync.api import (
    ConditionReason,
    ConditionStatus,
    ConditionType,
    RunError,
    RunPhase,
    SyncRunStatus,
    TenantPhase,
    TenantSpec,
    TenantStatus,
    set_condition,
)
from tenantsync.kube import ConflictError, KubeClient, NotFoundError
from tenantsync.sync import TenantObservations

# Two writers share a Tenant's status, each patching only the fields it owns, so neither can put back
# a value the other has just changed.
SCHEDULE_FIELDS = frozenset(
    {"lastScheduleTime", "lastSkippedScheduleTime", "lastHandledSyncRequest", "observedGeneration"}
)
RUN_MIRROR_FIELDS = frozenset(
    {
        "phase", "phaseTransitionTime", "message", "error", "conditions", "lastSyncRun", "lastSyncTime",
        "lastSuccessfulSyncTime", "credentials", "observedGeneration",
    }
)  # fmt: skip


def initial_tenant_status(spec: TenantSpec, generation: int | None, now: datetime) -> TenantStatus:
    status = TenantStatus(
        phase=TenantPhase.NOT_RUN,
        phaseTransitionTime=now,
        message="Never synced.",
        observedGeneration=generation,
    )
    unknown: list[tuple[ConditionType, ConditionStatus, StrEnum, str]] = [
        (ConditionType.READY, "False", TenantPhase.NOT_RUN, "The tenant has never been synced."),
        (
            ConditionType.CREDENTIALS_VALID,
            "Unknown",
            ConditionReason.NOT_CHECKED,
            "Checked at the next sync.",
        ),
        (
            ConditionType.ADMIN_CONSENT_GRANTED,
            "Unknown",
            ConditionReason.NOT_CHECKED,
            "Checked at the next sync.",
        ),
    ]
    if spec.userAuthentication is None:
        unknown.append(
            (
                ConditionType.USER_AUTHENTICATED,
                "True",
                ConditionReason.NOT_REQUIRED,
                "No delegated user is configured.",
            )
        )
    else:
        unknown.append(
            (
                ConditionType.USER_AUTHENTICATED,
                "Unknown",
                ConditionReason.NOT_CHECKED,
                "Checked at the next sync.",
            )
        )
    for type_, cond_status, reason, message in unknown:
        status.conditions = set_condition(
            status.conditions,
            type_,
            cond_status,
            reason,
            message,
            generation=generation,
            now=now,
        )
    return status


def progress_only(current: TenantStatus, updated: TenantStatus) -> bool:
    """The update changes only the words of a working run's progress (the message, and the Ready
    condition's, which repeats it): the Tenant shows where its run stands, the run its step-by-step
    progress, so such an update is not worth a write (`kubectl tenantsync logs` and the run have it)."""

    def without_progress(status: TenantStatus) -> TenantStatus:
        conditions = [
            c.model_copy(update={"message": ""}) if c.type == ConditionType.READY else c
            for c in status.conditions
        ]
        return status.model_copy(update={"message": None, "conditions": conditions})

    return updated.phase == TenantPhase.IN_PROGRESS and without_progress(updated) == without_progress(current)


def tenant_error_status(
    current: TenantStatus, error: RunError, generation: int | None, now: datetime
) -> TenantStatus:
    """A problem of the Tenant itself (not of one run), e.g. a schedule that cannot be parsed."""
    status = current.model_copy(deep=True)
    if status.phase != TenantPhase.NEW_ERROR:
        status.phaseTransitionTime = now
    status.phase = TenantPhase.NEW_ERROR
    status.message = error.message
    status.error = error
    status.observedGeneration = generation
    status.conditions = set_condition(
        status.conditions, ConditionType.READY, "False", TenantPhase.NEW_ERROR, error.message,
        generation=generation, now=now,
    )  # fmt: skip
    return status


def tenant_status_for_run(
    current: TenantStatus,
    run_name: str,
    run: SyncRunStatus,
    observations: TenantObservations,
    generation: int | None,
    now: datetime,
) -> TenantStatus:
    """The Tenant mirrors its newest run: phase, message, times and the Ready condition."""
    status = current.model_copy(deep=True)
    phase = (run.phase or RunPhase.STARTING).tenant_phase()
    if status.phase != phase:
        status.phaseTransitionTime = now
    status.phase = phase
    status.message = run.message
    status.error = run.error
    status.lastSyncRun = run_name
    status.lastSyncTime = run.startTime
    status.observedGeneration = generation
    if run.phase == RunPhase.SUCCEEDED:
        status.lastSuccessfulSyncTime = run.completionTime
    ready = run.phase == RunPhase.SUCCEEDED
    status.conditions = set_condition(
        status.conditions,
        ConditionType.READY,
        "True" if ready else "False",
        RunPhase.SUCCEEDED if ready else phase,
        run.message or "",
        generation=generation,
        now=now,
    )
    if observations.credentials is not None:
        status.credentials = observations.credentials
    observed = [
        (ConditionType.CREDENTIALS_VALID, observations.credentials_valid),
        (ConditionType.ADMIN_CONSENT_GRANTED, observations.admin_consent),
        (ConditionType.USER_AUTHENTICATED, observations.user_authenticated),
    ]
    for type_, observation in observed:
        if observation is not None:
            cond_status, reason, message = observation
            status.conditions = set_condition(
                status.conditions, type_, cond_status, reason, message, generation=generation, now=now
            )
    return status


class StatusWriter:
    def __init__(self, kube: KubeClient) -> None:
        self._kube = kube
        self._handed_over: dict[tuple[str, str], dict[str, Any]] = {}

    def hand_over(self, namespace: str, name: str, tenant: dict[str, Any]) -> None:
        """The Tenant as the pass that started a run has just written it: the run's first mirror starts
        from it rather than reading the Tenant (a GET per sync). Only its status and the version the
        mirror's write is conditional on are kept, until the run takes them."""
        metadata = tenant.get("metadata") or {}
        self._handed_over[(namespace, name)] = {
            "metadata": {key: metadata.get(key) for key in ("resourceVersion", "generation")},
            "status": tenant.get("status") or {},
        }

    def take_over(self, namespace: str, name: str) -> dict[str, Any] | None:
        """What `hand_over` left for a run of the Tenant, once; None when nothing was."""
        return self._handed_over.pop((namespace, name), None)

    async def tenant(
        self,
        namespace: str,
        name: str,
        status: TenantStatus,
        fields: frozenset[str] | None = None,
        *,
        resource_version: str | None = None,
    ) -> dict[str, Any]:
        """Patch `fields` of the Tenant's status (all of them when None); with `resource_version`, only
        that version of the Tenant (ConflictError otherwise): a new Tenant's first status never overwrites
        a run that has already reported, and a run's mirror computed from the Tenant as it last wrote it
        never puts back what another writer changed since. Returns the Tenant as the write left it."""
        patch: dict[str, Any] = status.model_dump(mode="json", include=set(fields) if fields else None)
        return await self._kube.patch_status(
            "tenants", namespace, name, patch, resource_version=resource_version
        )

    async def run(self, namespace: str, name: str, status: SyncRunStatus) -> None:
        """The run's status has a single writer (its pipeline), so it is written whole."""
        await self._kube.patch_status("syncruns", namespace, name, status.model_dump(mode="json"))


class TenantMirror:
    """One run's status shown on its Tenant, unless a newer run has started since (the Tenant shows its
    newest run).

    The update is computed from the Tenant as this run's last write left it (its first, from the Tenant
    as the pass that started the run wrote it, when that pass handed it over) and applies only to that
    version, so a run reads its Tenant at most once instead of before every step; when another writer
    (the schedule, a newer run, a spec change, the audit watch) came between, the API server refuses the
    write and the Tenant is read afresh. Nothing another writer put there is overwritten, as with a read
    before every write.
    """

    def __init__(self, kube: KubeClient, writer: StatusWriter, namespace: str, tenant: str, run: str) -> None:
        self._kube = kube
        self._writer = writer
        self.namespace = namespace
        self.tenant = tenant
        self.run = run
        self._known: dict[str, Any] | None = None
        self._taken_over = False

    async def show(
        self, run: SyncRunStatus, observations: TenantObservations, now: datetime, *, advancing: bool = False
    ) -> None:
        """`advancing`: the run went on to its next step; what changed only in its progress message is
        then not written (see `progress_only`), while a wait, a retry or an ending always is."""
        if not self._taken_over:
            self._taken_over = True
            self._known = self._writer.take_over(self.namespace, self.tenant)
        if self._known is not None:
            try:
                self._known = await self._write(
                    self._known, run, observations, now, precondition=True, advancing=advancing
                )
                return
            except ConflictError:
                pass
            except NotFoundError:
                self._known = None
                return
        try:
            tenant = await self._kube.get("tenants", self.namespace, self.tenant)
        except NotFoundError:
            return
        self._known = await self._write(
            tenant, run, observations, now, precondition=False, advancing=advancing
        )

    async def _write(
        self,
        tenant: dict[str, Any],
        run: SyncRunStatus,
        observations: TenantObservations,
        now: datetime,
        *,
        precondition: bool,
        advancing: bool,
    ) -> dict[str, Any]:
        current = TenantStatus.model_validate(tenant.get("status") or {})
        newer_run_shown = current.lastSyncRun not in (None, self.run)
        if (
            newer_run_shown
            and current.lastSyncTime
            and run.startTime
            and current.lastSyncTime > run.startTime
        ):
            return tenant
        metadata = tenant["metadata"]
        updated = tenant_status_for_run(current, self.run, run, observations, metadata.get("generation"), now)
        if updated == current or (advancing and progress_only(current, updated)):
            return tenant
        return await self._writer.tenant(
            self.namespace,
            self.tenant,
            updated,
            RUN_MIRROR_FIELDS,
            resource_version=metadata.get("resourceVersion") if precondition else None,
        )
