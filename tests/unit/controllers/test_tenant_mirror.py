"""A run shows its status on its Tenant reading the Tenant once, never overwriting what came between."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tenantsync.api import ConditionReason, RunPhase, SyncRunStatus
from tenantsync.controllers.status import StatusWriter, TenantMirror
from tenantsync.kube import ConflictError, KubeClient, NotFoundError
from tenantsync.sync import TenantObservations

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class Tenants:
    """The API server's part the mirror uses: GET, and status merge patches with a resourceVersion
    precondition, as the real one answers them (409 for another version, 404 for a deleted Tenant)."""

    def __init__(self) -> None:
        self.tenant: dict[str, Any] | None = {
            "metadata": {"name": "contoso", "generation": 2, "resourceVersion": "1"},
            "status": {"lastScheduleTime": NOW.isoformat()},
        }
        self.gets = 0

    async def get(self, plural: str, namespace: str, name: str) -> dict[str, Any]:
        self.gets += 1
        if self.tenant is None:
            raise NotFoundError(name)
        return copy.deepcopy(self.tenant)

    async def patch_status(
        self, plural: str, namespace: str, name: str, status: dict[str, Any], *, resource_version: str | None
    ) -> dict[str, Any]:
        if self.tenant is None:
            raise NotFoundError(name)
        if resource_version is not None and resource_version != self.tenant["metadata"]["resourceVersion"]:
            raise ConflictError("the object has been modified")
        self.write(status)
        return copy.deepcopy(self.tenant)

    def write(self, status: dict[str, Any]) -> None:
        """Another writer's (or the mirror's) merge patch: a new resourceVersion."""
        assert self.tenant is not None
        merged = {**self.tenant["status"], **status}
        self.tenant["status"] = {k: v for k, v in merged.items() if v is not None}
        metadata = self.tenant["metadata"]
        metadata["resourceVersion"] = str(int(metadata["resourceVersion"]) + 1)


def mirror_of(tenants: Tenants, run: str) -> TenantMirror:
    kube = cast(KubeClient, tenants)
    return TenantMirror(kube, StatusWriter(kube), "ns", "contoso", run)


def step(message: str, phase: RunPhase = RunPhase.IN_PROGRESS) -> SyncRunStatus:
    return SyncRunStatus(phase=phase, message=message, startTime=NOW)


async def test_a_run_reads_its_tenant_once_and_shows_every_step() -> None:
    tenants = Tenants()
    mirror = mirror_of(tenants, "contoso-1")
    for message in ("Checking the credentials.", "Backing up.", "Planned 1 update.", "Deploying."):
        await mirror.show(step(message), TenantObservations(), NOW)
    assert tenants.gets == 1
    assert tenants.tenant is not None
    status = tenants.tenant["status"]
    assert (status["message"], status["lastSyncRun"]) == ("Deploying.", "contoso-1")
    assert status["lastScheduleTime"] == NOW.isoformat()
    assert status["observedGeneration"] == 2


async def test_a_newer_run_shown_between_two_steps_is_not_overwritten() -> None:
    tenants = Tenants()
    older = mirror_of(tenants, "contoso-1")
    await older.show(step("Backing up."), TenantObservations(), NOW)
    newer_start = (NOW + timedelta(minutes=1)).isoformat()
    tenants.write({"lastSyncRun": "contoso-2", "lastSyncTime": newer_start, "message": "Preflight."})
    await older.show(step("Done.", RunPhase.SUCCEEDED), TenantObservations(), NOW)
    assert tenants.gets == 2  # the write from what it knew was refused: read afresh
    assert tenants.tenant is not None
    assert (tenants.tenant["status"]["lastSyncRun"], tenants.tenant["status"]["message"]) == (
        "contoso-2",
        "Preflight.",
    )


async def test_another_writers_change_is_kept_and_the_step_still_shown() -> None:
    tenants = Tenants()
    mirror = mirror_of(tenants, "contoso-1")
    await mirror.show(step("Backing up."), TenantObservations(), NOW)
    assert tenants.tenant is not None
    tenants.tenant["metadata"]["generation"] = 3  # the spec was edited meanwhile
    tenants.write({"lastSkippedScheduleTime": NOW.isoformat()})
    await mirror.show(step("Planning."), TenantObservations(), NOW)
    status = tenants.tenant["status"]
    assert (status["message"], status["observedGeneration"]) == ("Planning.", 3)
    assert status["lastSkippedScheduleTime"] == NOW.isoformat()


async def test_a_deleted_tenant_is_left_alone() -> None:
    tenants = Tenants()
    mirror = mirror_of(tenants, "contoso-1")
    await mirror.show(step("Backing up."), TenantObservations(), NOW)
    tenants.tenant = None
    await mirror.show(step("Planning."), TenantObservations(), NOW)
    await mirror.show(step("Deploying."), TenantObservations(), NOW)
    assert tenants.gets == 2


class CountingTenants(Tenants):
    def __init__(self) -> None:
        super().__init__()
        self.patches = 0

    async def patch_status(
        self, plural: str, namespace: str, name: str, status: dict[str, Any], *, resource_version: str | None
    ) -> dict[str, Any]:
        self.patches += 1
        return await super().patch_status(plural, namespace, name, status, resource_version=resource_version)


async def test_a_step_that_only_moves_a_working_run_on_is_not_written_to_its_tenant() -> None:
    """Signed in, then backed up, then planned: the Tenant shows the run working once, not each step."""
    tenants = CountingTenants()
    mirror = mirror_of(tenants, "contoso-1")
    await mirror.show(step("Signed in; backing up."), TenantObservations(), NOW, advancing=True)
    await mirror.show(step("Backed up; planning."), TenantObservations(), NOW, advancing=True)
    assert tenants.patches == 1
    assert tenants.tenant is not None
    assert tenants.tenant["status"]["message"] == "Signed in; backing up."
    await mirror.show(step("Done.", RunPhase.SUCCEEDED), TenantObservations(), NOW, advancing=False)
    assert tenants.patches == 2
    assert tenants.tenant["status"]["message"] == "Done."


async def test_a_retry_wait_and_what_a_step_observed_are_written_even_while_working() -> None:
    tenants = CountingTenants()
    mirror = mirror_of(tenants, "contoso-1")
    await mirror.show(step("Signed in; backing up."), TenantObservations(), NOW, advancing=True)
    await mirror.show(step("Graph answered 429; trying again at 06:15:00 UTC."), TenantObservations(), NOW)
    assert tenants.patches == 2
    consent = TenantObservations(admin_consent=("True", ConditionReason.GRANTED, "Consented."))
    await mirror.show(step("Graph answered 429; trying again at 06:15:00 UTC."), consent, NOW, advancing=True)
    assert tenants.patches == 3
