"""An idle audit watch reads its Tenant's Secrets once an hour, and again after a failed look."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import kopf
from prometheus_client import CollectorRegistry

from tenantsync.api import DriftStatus, DriftWatch, TenantSpec
from tenantsync.controllers.drift import SECRETS_KEPT_FOR, DriftController
from tenantsync.controllers.status import StatusWriter
from tenantsync.drift import DriftLook
from tenantsync.kube import KubeClient
from tenantsync.metrics import OperatorMetrics
from tenantsync.settings import OperatorSettings
from tenantsync.sync import SecretsUntilWait, TenantCache

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SPEC = {
    "tenantId": "contoso.onmicrosoft.com",
    "servicePrincipal": {
        "clientId": "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11",
        "credentialsSecretRef": {"name": "sp"},
    },
    "repository": {"url": "/unused"},
    "drift": {"interval": "1m"},
}


class Secrets:
    def __init__(self) -> None:
        self.reads: list[datetime] = []

    async def read_secret(self, namespace: str, name: str) -> dict[str, bytes]:
        self.reads.append(clock[0])
        return {"clientSecret": b"s8Q~value"}


class Writer:
    async def tenant(self, *_: Any, **__: Any) -> dict[str, Any]:
        return {}


class Checker:
    """Reads the credentials as a real look does; fails the looks it is told to."""

    def __init__(self, failing: set[int]) -> None:
        self.looks: list[datetime] = []
        self.failing = failing

    async def look(
        self, namespace: str, name: str, uid: str, spec: TenantSpec, before: Any, secrets: SecretsUntilWait
    ) -> DriftLook:
        self.looks.append(clock[0])
        await secrets.read_secret(namespace, "sp")
        if len(self.looks) in self.failing:
            raise ConnectionError("the identity platform did not answer")
        return DriftLook(DriftStatus(watch=DriftWatch.WATCHING, message="Watching.", lastCheckTime=clock[0]))

    def forget(self, namespace: str, name: str) -> None:
        pass


class Stopped:
    """kopf's stop flag for a daemon: each wait moves the clock on; set after `looks` waits."""

    def __init__(self, looks: int) -> None:
        self.left = looks

    def __bool__(self) -> bool:
        return self.left <= 0

    async def wait(self, seconds: float) -> None:
        self.left -= 1
        clock[0] += timedelta(seconds=seconds)


clock = [T0]


async def watch(tmp_path: Path, looks: int, failing: set[int]) -> tuple[Secrets, list[datetime]]:
    clock[0] = T0
    secrets = Secrets()
    controller = DriftController(
        OperatorSettings(docs_base_url="https://docs.example", clock=lambda: clock[0], workdir=tmp_path),
        cast(KubeClient, secrets),
        cast(StatusWriter, Writer()),
        OperatorMetrics(CollectorRegistry()),
        TenantCache(tmp_path),
    )
    checker = Checker(failing)
    controller.__dict__["_checker"] = checker
    raw: Any = {
        "metadata": {"name": "contoso", "namespace": "m365", "uid": "u1", "generation": 1},
        "spec": SPEC,
        "status": {"phase": "Idle"},
    }
    await controller.watch(kopf.Body(raw), cast(kopf.DaemonStopped, Stopped(looks)))
    return secrets, checker.looks


async def test_an_idle_watch_reads_its_secrets_once_an_hour(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(kopf, "warn", lambda *_, **__: None)
    secrets, looks = await watch(tmp_path, looks=150, failing=set())
    first_after = [min(t for t in looks if t >= T0 + n * SECRETS_KEPT_FOR) for n in (1, 2)]
    assert secrets.reads == [T0, *first_after]
    assert first_after[0] < T0 + SECRETS_KEPT_FOR + timedelta(minutes=1)


async def test_a_failed_look_reads_the_secrets_again_at_the_next(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(kopf, "warn", lambda *_, **__: None)
    secrets, looks = await watch(tmp_path, looks=10, failing={5})
    assert secrets.reads == [T0, looks[5]]
