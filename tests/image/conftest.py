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
import yaml

from tenantsync_sim.tls import TlsFiles, ensure_tls_files

# The end-to-end fixtures: the simulator and a simulated tenant with its Secrets in the test's namespace.
from tests.e2e.conftest import sim, simulator, workspace  # noqa: F401
from tests.image.image_support import CLUSTER_FIELD, ApiServerService, api_server
from tests.support.cluster import ROOT, kubectl
from tests.support.git_server import GitHttpServer
from tests.unit.chart.chart_support import build_helm, render_text

ENABLED = os.environ.get("TENANTSYNC_IMAGE_TESTS") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if not ENABLED and item.get_closest_marker("slow") and Path(item.path).is_relative_to(here):
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
def private_ca(tmp_path: Path) -> TlsFiles:
    return ensure_tls_files(tmp_path / "private-ca", ["127.0.0.1"])


@pytest.fixture
def git_server(tmp_path: Path, private_ca: TlsFiles) -> Iterator[GitHttpServer]:
    """Git over HTTPS on loopback, as a company's Git host: a local path would not exist in the image."""
    root = tmp_path / "git-server"
    root.mkdir()
    with GitHttpServer(root, tls=private_ca) as server:
        yield server


@pytest.fixture
def service_account(namespace: str, tmp_path: Path) -> Iterator[Path]:
    """The chart's ServiceAccount and least-privilege RBAC for a release that watches the test's namespace,
    and what Kubernetes mounts for it at /var/run/secrets/kubernetes.io/serviceaccount."""
    release = f"image-{namespace}"  # the ClusterRole and its binding are named after the release
    rendered = render_text(
        build_helm(), release=release, namespace=namespace, values={"watchNamespaces": f"{{{namespace}}}"},
        extra=["--show-only", "templates/serviceaccount.yaml", "--show-only", "templates/rbac.yaml"],
    )  # fmt: skip
    kubectl("apply", "-f", "-", stdin=rendered)
    account = next(doc for doc in yaml.safe_load_all(rendered) if doc and doc["kind"] == "ServiceAccount")
    name = account["metadata"]["name"]
    folder = tmp_path / "serviceaccount"
    folder.mkdir()
    token = kubectl("create", "token", name, "-n", namespace, "--duration=1h").stdout.strip()
    (folder / "token").write_text(token)
    ca = kubectl(
        "config", "view", "--minify", "--flatten", "-o", CLUSTER_FIELD.format("certificate-authority-data")
    )
    (folder / "ca.crt").write_bytes(base64.b64decode(ca.stdout))
    (folder / "namespace").write_text(namespace)
    yield folder
    kubectl("delete", "clusterrolebinding,clusterrole", name, "--ignore-not-found", check=False)


@pytest.fixture
def api_service(cluster: None) -> Iterator[str]:
    """A loopback address of the test's own where port 443 is the API server, as kubernetes.default.svc."""
    address = ".".join(["127", *(str(random.randint(1, 254)) for _ in range(3))])
    server = api_server()
    assert server.hostname and server.port, server
    with ApiServerService((address, 443), (server.hostname, server.port)):
        yield address
