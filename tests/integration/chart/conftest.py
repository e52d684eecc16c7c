"""Fixtures for the chart's integration tests: helm, the local control plane, throwaway namespaces.

The control plane is shared with other test sessions, so every object created here lives in a namespace
made for the test, or is cluster-scoped with a unique name, and is deleted afterwards. The one exception
is the tenantsync CRDs: they are created when absent and left in place, because other sessions may hold
Tenants and SyncRuns of their own.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.chart.kube_support import Kubectl
from tests.unit.chart.chart_support import CHART, ROOT, build_helm

LOCAL_CLUSTER = ROOT / "hack" / "local-cluster"


@pytest.fixture(scope="session")
def helm() -> Path:
    return build_helm()


def _local_cluster(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LOCAL_CLUSTER), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def kubectl() -> Kubectl:
    """kubectl against the local control plane; starts it (`hack/local-cluster up`) when it is down."""
    if _local_cluster("status", timeout=30).returncode != 0:
        up = _local_cluster("up", timeout=3600)
        if up.returncode != 0:
            pytest.fail(f"hack/local-cluster up failed:\n{up.stderr[-4000:]}", pytrace=False)
    env = dict(os.environ)
    for line in _local_cluster("env", timeout=30).stdout.splitlines():
        # Lines look like: export KUBECONFIG=/path  and  export PATH=/path/bin:"$PATH"
        key, _, value = line.removeprefix("export ").partition("=")
        if key == "KUBECONFIG":
            env["KUBECONFIG"] = value
        elif key == "PATH":
            env["PATH"] = value.split(":", 1)[0] + os.pathsep + os.environ.get("PATH", "")
    client = Kubectl(env)
    client.run("version", timeout=30)
    return client


@pytest.fixture
def make_namespace(kubectl: Kubectl) -> Iterator[Callable[[str], str]]:
    created: list[str] = []

    def make(prefix: str) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        kubectl.run("create", "namespace", name)
        created.append(name)
        return name

    yield make
    for name in created:
        kubectl.run("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


@pytest.fixture(scope="session")
def tenantsync_crds(kubectl: Kubectl) -> None:
    """The chart's CRDs, created when absent (never replaced: other sessions may rely on theirs)."""
    created = kubectl.run("create", "-f", str(CHART / "crds" / "tenantsync.io_crds.yaml"), check=False)
    if created.returncode != 0 and "AlreadyExists" not in created.stderr:
        pytest.fail(f"could not create the tenantsync CRDs:\n{created.stderr}", pytrace=False)
    kubectl.run(
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/tenants.tenantsync.io",
        "crd/syncruns.tenantsync.io",
        "crd/baselines.tenantsync.io",
    )
