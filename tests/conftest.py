"""Fixtures shared by the integration and end-to-end tests: a real control plane and operator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cluster import (
    CRDS,
    cluster_down,
    cluster_running,
    cluster_up,
    delete_while_the_operator_runs,
    kubectl,
)
from tests.support.operator import OperatorProcess


@pytest.fixture(scope="session")
def cluster() -> Iterator[None]:
    """The local control plane with our CRDs; started for the session unless one is already running."""
    started_here = not cluster_running()
    if started_here:
        cluster_up()
    kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRDS))
    kubectl("wait", "--for=condition=Established", "crd/tenants.tenantsync.io", "crd/syncruns.tenantsync.io")
    yield
    if started_here:
        cluster_down()


@pytest.fixture
def namespace(cluster: None) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", name)
    yield name
    kubectl("delete", "namespace", name, "--wait=false")


@pytest.fixture
def operator(namespace: str, tmp_path: Path) -> Iterator[OperatorProcess]:
    """A real `tenantsync run` process watching the test's namespace."""
    process = OperatorProcess(namespace, tmp_path / "operator.log")
    process.start()
    yield process
    if process.running():
        delete_while_the_operator_runs(namespace)
    process.stop()
