"""Fixtures for the image tests: the image built by hack/build-image, and what a pod would be given.

These tests need root, buildah and debootstrap (hack/build-image installs them) and take minutes (a
cold build of the base and the image), so they run only with TENANTSYNC_IMAGE_TESTS=1.
"""

from __future__ import annotations

import base64
import os
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# The end-to-end fixtures: the simulator and a simulated tenant with its Secrets in the test's namespace.
from tests.e2e.conftest import sim, simulator, workspace  # noqa: F401
from tests.image.image_support import CLUSTER_FIELD, ApiServerService, api_server
from tests.support.cluster import ROOT, kubectl
from tests.support.git_server import GitHttpServer

ENABLED = os.environ.get("TENANTSYNC_IMAGE_TESTS") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not ENABLED and Path(item.path).is_relative_to(Path(__file__).parent):
            item.add_marker(
                pytest.mark.skip(reason="builds and runs the image: set TENANTSYNC_IMAGE_TESTS=1")
            )


@pytest.fixture(scope="session")
def image() -> str:
    """The image from this checkout: hack/build-image reuses every cached layer whose input is unchanged."""
    name = os.environ.get("IMAGE", "localhost/tenantsync:dev")
    started = time.monotonic()
    subprocess.run([ROOT / "hack" / "build-image"], check=True, env={**os.environ, "IMAGE": name})
    print(f"\nhack/build-image: {time.monotonic() - started:.0f} s")
    return name


@pytest.fixture
def git_server(tmp_path: Path) -> Iterator[GitHttpServer]:
    """Git over HTTP on loopback: a local path on the machine would not exist inside the image."""
    root = tmp_path / "git-server"
    root.mkdir()
    with GitHttpServer(root) as server:
        yield server


@pytest.fixture
def service_account(namespace: str, tmp_path: Path) -> Path:
    """What Kubernetes mounts at /var/run/secrets/kubernetes.io/serviceaccount: token, ca.crt, namespace.

    The account may do anything in the test's namespace and nothing elsewhere (the chart's own RBAC is
    tested with the chart).
    """
    kubectl("create", "serviceaccount", "tenantsync", "-n", namespace)
    kubectl(
        "create", "rolebinding", "tenantsync", "-n", namespace,
        "--clusterrole=cluster-admin", f"--serviceaccount={namespace}:tenantsync",
    )  # fmt: skip
    folder = tmp_path / "serviceaccount"
    folder.mkdir()
    token = kubectl("create", "token", "tenantsync", "-n", namespace, "--duration=1h").stdout.strip()
    (folder / "token").write_text(token)
    ca = kubectl(
        "config", "view", "--minify", "--flatten", "-o", CLUSTER_FIELD.format("certificate-authority-data")
    )
    (folder / "ca.crt").write_bytes(base64.b64decode(ca.stdout))
    (folder / "namespace").write_text(namespace)
    return folder


@pytest.fixture
def api_service(cluster: None) -> Iterator[str]:
    """A loopback address of the test's own where port 443 is the API server, as kubernetes.default.svc."""
    address = ".".join(["127", *(str(random.randint(1, 254)) for _ in range(3))])
    server = api_server()
    assert server.hostname and server.port, server
    with ApiServerService((address, 443), (server.hostname, server.port)):
        yield address
