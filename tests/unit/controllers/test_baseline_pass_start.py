"""A Baseline's pass starts from the status this operator last wrote, not from a watch that lags behind
it: a pass that started from an older status would release the same wave (and sync its Tenants) again."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import kopf
from prometheus_client import CollectorRegistry

from tenantsync.controllers.baselines import BaselineController
from tenantsync.kube import KubeClient
from tenantsync.metrics import OperatorMetrics
from tenantsync.settings import OperatorSettings
from tenantsync.sync import TenantCache

RELEASED = {"rollout": {"phase": "Rolling", "wave": 1}, "releases": [{"tenant": "tenant-c"}]}


class ApiServer:
    """The Baseline as the API server holds it, and the reads the pass makes of it."""

    def __init__(self, version: str, status: dict[str, Any], annotations: dict[str, str]) -> None:
        self.stored = {"metadata": {"resourceVersion": version, "annotations": annotations}, "status": status}
        self.reads = 0

    async def get(self, plural: str, namespace: str, name: str) -> dict[str, Any]:
        assert (plural, namespace, name) == ("baselines", "m365", "security")
        self.reads += 1
        return self.stored


def baseline(version: str, status: dict[str, Any], annotations: dict[str, str] | None = None) -> kopf.Body:
    raw: Any = {
        "metadata": {
            "name": "security",
            "namespace": "m365",
            "resourceVersion": version,
            "annotations": annotations or {},
        },
        "spec": {},
        "status": status,
    }
    return kopf.Body(raw)


def controller(api: ApiServer, tmp_path: Path) -> BaselineController:
    return BaselineController(
        OperatorSettings(workdir=tmp_path),
        cast(KubeClient, api),
        OperatorMetrics(CollectorRegistry()),
        TenantCache(tmp_path),
    )


async def test_a_watch_behind_the_last_write_is_not_trusted_the_api_server_is(tmp_path: Path) -> None:
    api = ApiServer("8", RELEASED, {})
    passes = controller(api, tmp_path)
    passes._remember("m365", "security", {"metadata": {"resourceVersion": "8"}})
    stale = baseline("7", {"rollout": {"phase": "Rolling", "wave": 0}}, {"tenantsync.io/rollout": "resume"})
    status, annotations = await passes._latest(stale, "m365", "security")
    assert (status, annotations) == (RELEASED, {}), "the pass starts from what the last pass wrote"
    assert api.reads == 1


async def test_a_watch_that_shows_the_last_write_costs_no_read(tmp_path: Path) -> None:
    api = ApiServer("8", RELEASED, {})
    passes = controller(api, tmp_path)
    passes._remember("m365", "security", {"metadata": {"resourceVersion": "8"}})
    status, _ = await passes._latest(baseline("8", RELEASED), "m365", "security")
    assert status == RELEASED and api.reads == 0


async def test_reads_stop_once_the_watch_catches_up_with_what_was_read(tmp_path: Path) -> None:
    api = ApiServer("9", RELEASED, {})  # someone annotated the Baseline after this operator's write (8)
    passes = controller(api, tmp_path)
    passes._remember("m365", "security", {"metadata": {"resourceVersion": "8"}})
    await passes._latest(baseline("7", {}), "m365", "security")
    await passes._latest(baseline("8", RELEASED), "m365", "security")
    assert api.reads == 2, "a watch still behind the version read is read past again"
    await passes._latest(baseline("9", RELEASED), "m365", "security")
    assert api.reads == 2


async def test_a_baseline_this_operator_never_wrote_is_read_from_the_watch(tmp_path: Path) -> None:
    api = ApiServer("8", RELEASED, {})
    status, _ = await controller(api, tmp_path)._latest(baseline("3", {}), "m365", "security")
    assert status == {} and api.reads == 0
