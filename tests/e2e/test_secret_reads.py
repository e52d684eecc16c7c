"""A sync reads each Secret its Tenant names once, counted by the API server itself (issue 25).

`SecretsUntilWait` answers a run's Secret reads from the first until the run waits; a run that never
waits reads the service principal's credentials and the CA bundle once each, whatever its steps ask."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_exchange_sync import TYPES, exchange_objects
from tests.e2e.test_sync_lifecycle import FINISHED, sync, wait_phase
from tests.support.cluster import kubectl
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration


def secret_gets() -> int:
    """GETs of Secrets the API server has answered since it started (apiserver_request_total)."""
    metrics = kubectl("get", "--raw", "/metrics").stdout
    total = 0
    for line in metrics.splitlines():
        if line.startswith("apiserver_request_total{"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
            if labels.get("resource") == "secrets" and labels.get("verb") == "GET":
                total += int(float(line.rsplit(" ", 1)[1]))
    return total


def test_a_sync_reads_each_of_its_secrets_once(fast_operator: OperatorProcess, workspace: Workspace) -> None:
    ws = workspace
    exchange_objects(ws)
    tenant = ws.tenant(resources=["namedLocations", *TYPES])
    named = {tenant["spec"]["servicePrincipal"]["credentialsSecretRef"]["name"]}
    named.add(tenant["spec"]["endpoints"]["caBundleSecretRef"]["name"])
    ws.resources.create("tenants", tenant)
    assert wait_phase(ws, sync(ws, "first"), FINISHED)["status"]["phase"] == "Succeeded"
    for round_ in ("second", "third"):
        before = secret_gets()
        done = wait_phase(ws, sync(ws, round_), FINISHED)
        assert done["status"]["phase"] == "Succeeded", done["status"]
        # Graph and the Exchange admin API each sign in with the credentials, over the CA bundle.
        assert secret_gets() - before == len(named), round_
