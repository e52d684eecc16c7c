"""The audit watcher of each Tenant: a kopf daemon that looks at the audit logs every `spec.drift.interval`,
at the Tenant's own offset into it (`spread_wait`), so a fleet's watches do not all look in one second.

Each look's result goes to the Tenant's `status.drift`; each change made behind tenantsync's back
becomes a Warning event and counts in the drift metrics. With `action: Revert` on a Managed Tenant the
daemon asks for a sync the way "Sync now" does (the `sync-requested-at` annotation): the run's plan
reverts the change and waits for approval like any plan (docs/drift.md).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import kopf

from tenantsync.api import (
    GROUP,
    SYNC_REQUESTED_AT,
    VERSION,
    DriftAction,
    DriftChange,
    DriftStatus,
    DriftWatch,
    Mode,
    TenantSpec,
    TenantStatus,
    parse_duration,
)
from tenantsync.controllers.constants import (
    API_FAILURE_RETRY_SECONDS,
    DAEMON_STOP_GRACE_SECONDS,
    DAEMON_STOP_TIMEOUT_SECONDS,
)
from tenantsync.controllers.sharding import shard_filter
from tenantsync.controllers.tenant_services import TenantServices
from tenantsync.drift import DriftChecker, DriftLook, who
from tenantsync.scheduling import spread_wait
from tenantsync.settings import OperatorSettings
from tenantsync.sync import SecretsUntilWait

logger = logging.getLogger(__name__)

FIRST_STATUS_POLL_SECONDS = 1.0
SECRETS_KEPT_FOR = timedelta(hours=1)
"""A watch reuses the Secrets it read for this long (a rotated secret is taken on within the hour, or at
the next look after one fails), so a fleet's watches do not read every Secret every few minutes: two
GETs per Tenant an hour, half a request per sync at a 15-minute schedule."""
LAST_CHECK_WRITTEN_EVERY = timedelta(minutes=10)
"""A look that changes nothing but the time of the check writes it at most this often: a fleet's idle
watches would otherwise patch every Tenant's status every interval (1,000 PATCHes a minute at N = 1,000)."""


def drift_event(tenant: str, change: DriftChange, backup_branch: str) -> str:
    name = f" {change.displayName!r}" if change.displayName else ""
    fields = ", ".join(change.changedFields) or "fields not named"
    recorded = (
        f"; recorded in {backup_branch} as {change.commit[:12]}"
        if change.commit
        else "; nothing new to record"
    )
    return (
        f"Tenant {tenant}: {change.activity} ({change.type}/{change.objectId}{name}) by {who(change)} at"
        f" {change.time:%Y-%m-%dT%H:%M:%SZ}, outside tenantsync ({fields}){recorded}."
    )


class KeptSpec:
    """A watch's Tenant spec, validated again only when the Tenant's generation moves (the API server
    moves it at each change of the spec, never for status writes): an idle fleet's looks would otherwise
    validate every Tenant's whole spec every interval."""

    def __init__(self) -> None:
        self._generation: int | None = None
        self._spec: TenantSpec | None = None

    def of(self, body: kopf.Body) -> TenantSpec:
        generation = body.metadata.get("generation")
        if self._spec is None or generation is None or generation != self._generation:
            self._spec = TenantSpec.model_validate(dict(body.spec))
            self._generation = generation
        return self._spec


class DriftController(TenantServices):
    @cached_property
    def _checker(self) -> DriftChecker:
        """The watches of every Tenant, kept between looks (one per controller)."""
        return DriftChecker(self._cache, self._settings.docs_base_url, self._settings.clock)

    async def watch(self, body: kopf.Body, stopped: kopf.DaemonStopped) -> None:
        """Look, write, wait an interval; again until the Tenant goes (or the operator stops). Each look
        starts from the status the last one wrote, not from the watch's copy, which may lag behind it."""
        namespace, name = body.metadata.namespace or "", body.metadata.name or ""
        secrets = SecretsUntilWait(self._kube)
        written = _drift_status(body)
        secrets_read: datetime | None = None
        specs = KeptSpec()
        key = body.metadata.uid or f"{namespace}/{name}"
        while not stopped:
            if not (body.status and body.status.get("phase")):
                # The Tenant controller writes a new Tenant's first status whole, and only onto a Tenant
                # with none: the watch writes nothing before it.
                await stopped.wait(FIRST_STATUS_POLL_SECONDS)
                continue
            spec = specs.of(body)
            if spec.drift.enabled:
                now = self._settings.clock()
                if secrets_read is None or now - secrets_read >= SECRETS_KEPT_FOR:
                    secrets.forget()
                    secrets_read = now
                written = await self._look(body, spec, written, secrets)
            elif written is None or written.watch != DriftWatch.DISABLED:
                written = (written or DriftStatus()).model_copy(update={"watch": DriftWatch.DISABLED})
                written.message = "Drift is not watched: spec.drift.enabled is false."
                await self._write(namespace, name, written)
            interval = parse_duration(spec.drift.interval).total_seconds()
            await stopped.wait(spread_wait(key, interval, self._settings.clock().timestamp()))
        self._checker.forget(namespace, name)

    async def _look(
        self, body: kopf.Body, spec: TenantSpec, before: DriftStatus | None, secrets: SecretsUntilWait
    ) -> DriftStatus:
        namespace, name = body.metadata.namespace or "", body.metadata.name or ""
        try:
            look = await self._checker.look(namespace, name, body.metadata.get("uid"), spec, before, secrets)
        except Exception as error:
            # The exception's text is not shown: a library's message may quote a request, credentials included.
            logger.warning(
                "Looking at the audit logs of Tenant %s/%s failed: %s", namespace, name, type(error).__name__
            )
            status = (before or DriftStatus()).model_copy(deep=True)
            status.watch = DriftWatch.FAILING
            status.lastCheckTime = self._settings.clock()
            status.message = (
                f"Reading the audit logs failed ({type(error).__name__}); trying again next interval."
            )
            look = DriftLook(status)
        if worth_writing(look.status, before):
            await self._write(namespace, name, look.status)
        else:
            look.status.lastCheckTime = before.lastCheckTime if before else None
        self._metrics.observe_graph(namespace, name, *self._cache.take_graph_counts(namespace, name))
        status = look.status
        if status.watch != DriftWatch.WATCHING:
            if status.watch == DriftWatch.FAILING:
                secrets.forget()  # a rotated or repaired Secret is taken on at the next look
            if before is None or before.watch != status.watch or before.message != status.message:
                kopf.warn(body, reason=f"Drift{status.watch}", message=f"Tenant {name}: {status.message}")
            return status
        for change in look.new:
            kopf.warn(
                body, reason="DriftDetected", message=drift_event(name, change, spec.repository.backupBranch)
            )
        if not look.new:
            return status
        self._metrics.observe_drift(
            namespace, name, [str(change.type) for change in look.new], look.new[-1].time
        )
        if spec.drift.action == DriftAction.REVERT and spec.mode == Mode.MANAGED:
            await self._request_revert(namespace, name, self._settings.clock())
        return status

    async def _request_revert(self, namespace: str, name: str, now: datetime) -> None:
        """A sync whose plan reverts the drift, started as "Sync now" starts one."""
        requested = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        await self._kube.patch(
            "tenants", namespace, name, {"metadata": {"annotations": {SYNC_REQUESTED_AT: requested}}}
        )

    async def _write(self, namespace: str, name: str, status: DriftStatus) -> None:
        await self._writer.tenant(namespace, name, TenantStatus(drift=status), frozenset({"drift"}))


def worth_writing(status: DriftStatus, before: DriftStatus | None) -> bool:
    """Whether a look's status says something the Tenant's does not: anything but the time of the
    check, or a time of the check older than ``LAST_CHECK_WRITTEN_EVERY``."""
    if before is None or before.lastCheckTime is None or status.lastCheckTime is None:
        return True
    if status.model_copy(update={"lastCheckTime": None}) != before.model_copy(update={"lastCheckTime": None}):
        return True
    return status.lastCheckTime - before.lastCheckTime >= LAST_CHECK_WRITTEN_EVERY


def _drift_status(body: kopf.Body) -> DriftStatus | None:
    raw = body.status.get("drift") if body.status else None
    return DriftStatus.model_validate(dict(raw)) if raw else None


def register(
    registry: kopf.OperatorRegistry, settings: OperatorSettings, controller: DriftController
) -> None:
    @kopf.daemon(
        GROUP,
        VERSION,
        "tenants",
        registry=registry,
        id="drift",
        labels=shard_filter(settings.shard),
        cancellation_backoff=DAEMON_STOP_GRACE_SECONDS,
        cancellation_timeout=DAEMON_STOP_TIMEOUT_SECONDS,
        backoff=API_FAILURE_RETRY_SECONDS,
    )
    async def watch_drift(body: kopf.Body, stopped: kopf.DaemonStopped, **_: Any) -> None:
        await controller.watch(body, stopped)
