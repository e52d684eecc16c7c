"""Fixtures shared by the integration and end-to-end tests: a real control plane and operator."""

from __future__ import annotations

import uuid
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from _pytest.reports import TestReport

from tests.support.cluster import (
    CRDS,
    cluster_down,
    cluster_running,
    cluster_up,
    delete_while_the_operator_runs,
    kubectl,
)
from tests.support.operator import OperatorProcess


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, TestReport, TestReport]:
    """A failing test that ran the operator shows the end of its log in the report."""
    report = yield
    if report.when == "call" and report.failed:
        for process in OperatorProcess.started:
            if process.log_path.exists():
                report.sections.append((f"operator log (end of {process.log_path})", process.log(4000)))
    if report.when == "teardown":
        OperatorProcess.started.clear()
    return report


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
