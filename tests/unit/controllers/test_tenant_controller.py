"""The Tenant controller's pass, over an in-memory API server: the first status, a sync request turned
into one owned SyncRun, a schedule that does not parse shown as the Tenant's own error (warned once) and
recovered from, and a first status that never overwrites a run's report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import kopf
import pytest
from prometheus_client import CollectorRegistry

from tenantsync.api import (
    SYNC_REQUESTED_AT,
    ConditionReason,
    ConditionType,
    ErrorCode,
    TenantPhase,
    TenantStatus,
    Trigger,
    find_condition,
)
from tenantsync.controllers.status import StatusWriter
from tenantsync.controllers.tenants import TenantController
from tenantsync.kube import ConflictError, KubeClient
from tenantsync.metrics import OperatorMetrics
from tenantsync.scheduling import RunRecord
from tenantsync.settings import OperatorSettings
from tenantsync.sync import TenantCache

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
DOCS = "https://docs.example/troubleshooting"
SPEC = {
    "tenantId": "contoso.onmicrosoft.com",
    "servicePrincipal": {
        "clientId": "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11",
        "credentialsSecretRef": {"name": "sp"},
    },
    "repository": {"url": "/unused"},
}


class ApiServer:
    """What the controller asks of the API server, in memory: runs created and deleted, status patches."""

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []
        self.deleted: list[str] = []
        self.status_patches: list[tuple[dict[str, Any], str | None]] = []
        self.taken_names: set[str] = set()
        self.conflict_on_status = False

    async def create(self, plural: str, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        assert plural == "syncruns"
        if body["metadata"]["name"] in self.taken_names:
            raise ConflictError(body["metadata"]["name"])
        self.created.append(body)
        return body

    async def delete(self, plural: str, namespace: str, name: str) -> None:
        self.deleted.append(name)

    async def patch_status(
        self,
        plural: str,
        namespace: str,
        name: str,
        status: dict[str, Any],
        *,
        resource_version: str | None = None,
    ) -> dict[str, Any]:
        assert (plural, namespace, name) == ("tenants", "m365", "contoso")
        if self.conflict_on_status:
            raise ConflictError("the Tenant changed")
        self.status_patches.append((status, resource_version))
        return {"metadata": {"name": name, "resourceVersion": "42", "generation": 2}, "status": status}


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The events the pass posts, as (type, reason)."""
    posted: list[tuple[str, str]] = []

    def event(_: Any, *, type: str, reason: str, message: str = "") -> None:
        posted.append((type, reason))

    def warn(_: Any, *, reason: str, message: str = "") -> None:
        posted.append(("Warning", reason))

    monkeypatch.setattr(kopf, "event", event)
    monkeypatch.setattr(kopf, "warn", warn)
    return posted


def controller(
    api: ApiServer, tmp_path: Path, writer: StatusWriter | None = None, shard: str | None = None
) -> TenantController:
    settings = OperatorSettings(docs_base_url=DOCS, clock=lambda: NOW, workdir=tmp_path, shard=shard)
    return TenantController(
        settings,
        cast(KubeClient, api),
        writer or StatusWriter(cast(KubeClient, api)),
        OperatorMetrics(CollectorRegistry()),
        TenantCache(tmp_path),
    )


def tenant(
    status: TenantStatus | None = None, annotations: dict[str, str] | None = None, **spec: Any
) -> kopf.Body:
    raw: Any = {
        "metadata": {
            "name": "contoso",
            "namespace": "m365",
            "uid": "uid-1",
            "generation": 2,
            "resourceVersion": "41",
            "creationTimestamp": "2026-11-01T00:00:00+00:00",
            "annotations": annotations or {},
            "labels": {},
        },
        "spec": {**SPEC, **spec},
        "status": status.model_dump(mode="json", exclude_none=True) if status else {},
    }
    return kopf.Body(raw)


async def test_the_first_pass_writes_the_whole_first_status_only_over_the_tenant_it_read(
    tmp_path: Path, events: list[tuple[str, str]]
) -> None:
    api = ApiServer()
    await controller(api, tmp_path).reconcile(tenant(), kopf.Memo(), [])
    [(status, version)] = api.status_patches
    assert version == "41"
    assert (status["phase"], status["message"], status["observedGeneration"]) == (
        "NotRun",
        "Never synced.",
        2,
    )
    written = TenantStatus.model_validate(status)
    consent = find_condition(written.conditions, ConditionType.ADMIN_CONSENT_GRANTED)
    assert consent is not None and (consent.status, consent.reason) == (
        "Unknown",
        ConditionReason.NOT_CHECKED,
    )
    assert api.created == [] and events == []


async def test_a_run_that_reported_first_keeps_the_tenant_for_the_next_pass(
    tmp_path: Path, events: list[tuple[str, str]]
) -> None:
    api = ApiServer()
    api.conflict_on_status = True
    await controller(api, tmp_path).reconcile(tenant(), kopf.Memo(), [])
    assert api.status_patches == []


async def test_a_sync_request_starts_one_owned_run_and_is_recorded_as_handled(
    tmp_path: Path, events: list[tuple[str, str]]
) -> None:
    api = ApiServer()
    api.taken_names = {"contoso-20261128-090000"}  # a run of the same second exists: the next name is taken
    body = tenant(TenantStatus(phase=TenantPhase.IDLE), {SYNC_REQUESTED_AT: "2026-11-28T08:59:59Z"})
    memo = kopf.Memo()
    writer = StatusWriter(cast(KubeClient, api))
    await controller(api, tmp_path, writer).reconcile(body, memo, [])
    [run] = api.created
    assert run["metadata"]["name"] == "contoso-20261128-090000-1"
    assert run["metadata"]["labels"]["tenantsync.io/tenant"] == "contoso"
    assert run["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert run["spec"] == {"tenantRef": {"name": "contoso"}, "trigger": Trigger.SYNC_REQUEST.value}
    assert events == [("Normal", "SyncRequested")]
    [(status, version)] = api.status_patches
    assert version is None
    assert set(status) == {
        "lastHandledSyncRequest",
        "lastScheduleTime",
        "lastSkippedScheduleTime",
        "observedGeneration",
    }
    assert (status["lastHandledSyncRequest"], status["observedGeneration"]) == ("2026-11-28T08:59:59Z", 2)
    assert memo["created_runs"] == {"contoso-20261128-090000-1"}
    assert writer.take_over("m365", "contoso") is None, "kopf's note of the annotation moves the Tenant on"

    events.clear()
    handled = tenant(
        TenantStatus(phase=TenantPhase.IDLE, lastHandledSyncRequest="2026-11-28T08:59:59Z"),
        {SYNC_REQUESTED_AT: "2026-11-28T08:59:59Z"},
    )
    await controller(api, tmp_path).reconcile(handled, memo, [])
    assert len(api.created) == 1 and events == [], "a handled request starts nothing"


async def test_a_scheduled_run_is_created_with_its_finalizer_unannounced_and_handed_the_tenant(
    tmp_path: Path, events: list[tuple[str, str]]
) -> None:
    """The finalizer kopf would add with a PATCH of its own is in the manifest (this shard's); the run
    posts no event, and the Tenant the pass wrote waits for the run's first mirror, once."""
    api = ApiServer()
    writer = StatusWriter(cast(KubeClient, api))
    body = tenant(TenantStatus(phase=TenantPhase.IDLE), schedule="0 * * * *")
    await controller(api, tmp_path, writer, shard="blue").reconcile(body, kopf.Memo(), [])
    [run] = api.created
    assert run["spec"]["trigger"] == Trigger.SCHEDULE.value
    assert run["metadata"]["finalizers"] == ["tenantsync.io/finalizer-blue"]
    assert events == []
    [(status, _)] = api.status_patches
    assert status["lastScheduleTime"] is not None
    handed = writer.take_over("m365", "contoso")
    assert handed == {"metadata": {"resourceVersion": "42", "generation": 2}, "status": status}
    assert writer.take_over("m365", "contoso") is None, "taken once"


async def test_a_schedule_that_does_not_parse_is_the_tenants_error_warned_once_and_recovered_from(
    tmp_path: Path, events: list[tuple[str, str]]
) -> None:
    api = ApiServer()
    await controller(api, tmp_path).reconcile(
        tenant(TenantStatus(phase=TenantPhase.IDLE), schedule="every day"), kopf.Memo(), []
    )
    [(status, _)] = api.status_patches
    failed = TenantStatus.model_validate(status)
    assert failed.phase == TenantPhase.NEW_ERROR and failed.error is not None
    assert failed.error.code == ErrorCode.INVALID_SCHEDULE
    assert failed.error.troubleshootingUrl == f"{DOCS}/InvalidSchedule.md"
    assert failed.error.message.endswith(" Fix spec.schedule.")
    assert events == [("Warning", "InvalidSchedule")]

    events.clear()
    await controller(api, tmp_path).reconcile(tenant(failed, schedule="every day"), kopf.Memo(), [])
    assert events == [], "the same error is not warned of again"

    api.status_patches.clear()
    await controller(api, tmp_path).reconcile(tenant(failed, schedule="0 6 * * *"), kopf.Memo(), [])
    [(status, _)] = api.status_patches
    recovered = TenantStatus.model_validate(status)
    assert (recovered.phase, recovered.message, recovered.error) == (
        TenantPhase.NOT_RUN,
        "Never synced.",
        None,
    )


async def test_a_periodic_look_skips_the_pass_until_the_tenant_its_runs_or_the_next_tick_change(
    tmp_path: Path, events: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = ApiServer()
    clock = [datetime(2026, 11, 28, 9, 10, tzinfo=UTC)]
    settings = OperatorSettings(docs_base_url=DOCS, clock=lambda: clock[0], workdir=tmp_path)
    ctl = TenantController(
        settings,
        cast(KubeClient, api),
        StatusWriter(cast(KubeClient, api)),
        OperatorMetrics(CollectorRegistry()),
        TenantCache(tmp_path),
    )
    passes: list[datetime] = []
    full_pass = ctl._reconcile

    async def counted(body: kopf.Body, memo: kopf.Memo, runs: list[RunRecord]) -> None:
        passes.append(clock[0])
        await full_pass(body, memo, runs)

    monkeypatch.setattr(ctl, "_reconcile", counted)
    status = TenantStatus(
        phase=TenantPhase.IDLE, observedGeneration=2, lastScheduleTime=datetime(2026, 11, 28, 9, tzinfo=UTC)
    )
    body, memo = tenant(status, schedule="0 * * * *"), kopf.Memo()
    finished = [RunRecord("contoso-1", datetime(2026, 11, 28, 9, tzinfo=UTC), finished=True, failed=False)]

    await ctl.look(body, memo, finished)  # the first look passes: nothing seen yet
    clock[0] = datetime(2026, 11, 28, 9, 40, tzinfo=UTC)
    await ctl.look(body, memo, finished)  # same Tenant, same runs, before the 10:00 tick: skipped
    assert len(passes) == 1 and api.created == []

    await ctl.look(body, memo, [*finished, RunRecord("contoso-2", clock[0], finished=False, failed=False)])
    assert len(passes) == 2, "a run that appeared or changed is a reason to pass"
    moved = tenant(status, {SYNC_REQUESTED_AT: "2026-11-28T09:40:00Z"}, schedule="0 * * * *")
    moved["metadata"]["resourceVersion"] = "42"
    await ctl.look(moved, memo, finished)
    assert len(passes) == 3 and len(api.created) == 1, "a changed Tenant passes (here: a sync request)"

    requested = RunRecord(api.created[0]["metadata"]["name"], clock[0], finished=True, failed=False)
    await ctl.look(body, memo, [*finished, requested])
    await ctl.look(body, memo, [*finished, requested])
    assert len(passes) == 4, "once the requested run has finished, the Tenant is quiet again"
    clock[0] = datetime(2026, 11, 28, 10, 0, 30, tzinfo=UTC)
    await ctl.look(body, memo, [*finished, requested])
    assert len(passes) == 5 and len(api.created) == 2, "the next tick passed: the scheduled run starts"
    assert api.created[-1]["spec"]["trigger"] == Trigger.SCHEDULE.value
