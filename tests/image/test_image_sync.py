"""The image as the chart runs it, through a full sync (issue 12).

hack/run-image starts the image's entrypoint (`tenantsync run`) as the image's non-root user on a
read-only root filesystem with a tmpfs on /tmp, signed in to the local control plane with the token of
the chart's ServiceAccount (and the chart's least-privilege RBAC) mounted where Kubernetes mounts it. The operator inside signs in to the simulator, backs
the tenant up and pushes over HTTPS to a Git server on loopback, with the image's own Python and git.
"""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from tenantsync_sim.tls import TlsFiles
from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, git, sync, wait_phase
from tests.image.image_support import (
    API_SERVICE_NAME,
    SERVICE_ACCOUNT_MOUNT,
    ImageContainer,
    api_server,
)
from tests.support.cluster import kubectl, wait_for
from tests.support.git_server import TOKEN, USERNAME, GitHttpServer, init_bare
from tests.support.operator import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def proc_status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {name: value.strip() for name, _, value in (line.partition(":") for line in lines)}


def mount_options(pid: int) -> dict[str, tuple[str, set[str]]]:
    """Each mount point as the process sees it: its filesystem type and its mount options."""
    mounts = {}
    for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines():
        fields, _, described = line.partition(" - ")
        mount_point, options = fields.split()[4:6]
        mounts[mount_point] = (described.split()[0], set(options.split(",")))
    return mounts


def serves(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            body: bytes = response.read()
            return body
    except OSError:
        return None


def test_the_image_runs_a_full_sync_as_non_root_on_a_read_only_root(
    image: str,
    workspace: Workspace,
    git_server: GitHttpServer,
    private_ca: TlsFiles,
    service_account: Path,
    api_service: str,
    tmp_path: Path,
) -> None:
    remote = init_bare(git_server.root / "tenants.git")
    workspace.resources.secret("git-credentials", {"username": USERNAME.encode(), "password": TOKEN.encode()})
    # One CA bundle for the simulator (identity platform and Graph) and the Git host.
    bundle = Path(workspace.simulator.ca).read_bytes() + private_ca.ca_cert.read_bytes()
    workspace.resources.secret("company-ca", {"ca.crt": bundle})
    server = api_server()
    liveness, metrics = free_port(), free_port()
    container = ImageContainer(
        image,
        [
            "--volume", f"{service_account}:{SERVICE_ACCOUNT_MOUNT}",
            "--add-host", f"{API_SERVICE_NAME}:{api_service}",
            "--env", f"KUBERNETES_SERVICE_HOST={server.hostname}",
            "--env", f"KUBERNETES_SERVICE_PORT={server.port}",
            "--",
            "--namespace", workspace.namespace,
            "--scheduler-interval", "1",
            "--metrics-port", str(metrics),
            "--liveness", f"http://127.0.0.1:{liveness}/healthz",
        ],
        tmp_path / "operator.log",
    )  # fmt: skip
    started = time.monotonic()
    container.start()
    try:

        def live() -> bytes | None:
            if (code := container.exited()) is not None:
                raise AssertionError(f"hack/run-image exited with {code}; log: {container.log()}")
            return serves(f"http://127.0.0.1:{liveness}/healthz")

        wait_for(live, "the operator's liveness endpoint in the image", timeout=180)
        ready = time.monotonic()
        workspace.resources.create(
            "tenants",
            workspace.tenant(
                repository={
                    "url": git_server.repository_url("tenants.git"),
                    "secretRef": {"name": "git-credentials"},
                    "path": "tenants/contoso",
                },
                endpoints={
                    "authority": workspace.simulator.url,
                    "graph": workspace.simulator.url,
                    "caBundleSecretRef": {"name": "company-ca"},
                },
            ),
        )
        run = wait_phase(workspace, sync(workspace, "first"), FINISHED, timeout=180)
        finished = time.monotonic()
        assert run["status"]["phase"] == "Succeeded", f"{run['status']}; log: {container.log()}"
        assert run["status"]["backup"]["objectsByType"] == {
            "namedLocations": 1, "conditionalAccessPolicies": 2, "deviceConfigurations": 1, "authorizationPolicy": 1,
        }  # fmt: skip
        assert run["metadata"]["name"] in git(remote, "log", "-1", "--format=%B", "tenantsync/backup")
        assert len(git(remote, "ls-tree", "-r", "--name-only", "main").split()) == 5
        assert b"tenantsync_" in (serves(f"http://127.0.0.1:{metrics}/metrics") or b"")
        assert "Forbidden" not in container.log_path.read_text(), "the chart's RBAC was not enough"

        pid = container.operator_pid()
        assert pid is not None, container.log()
        status = proc_status(pid)
        assert status["Uid"].split() == ["65532"] * 4
        assert status["Gid"].split() == ["65532"] * 4
        assert int(status["CapEff"], 16) == 0
        mounts = mount_options(pid)
        assert "ro" in mounts["/"][1], mounts["/"]
        assert mounts["/tmp"][0] == "tmpfs"
        assert "ro" in mounts[SERVICE_ACCOUNT_MOUNT.replace("/var/run", "/run")][1]
    finally:
        if container.exited() is None:
            kubectl("delete", "tenants", "--all", "-n", workspace.namespace, "--timeout=60s", check=False)
        exit_code = container.stop()
    assert exit_code == 0, container.log()
    print(
        f"\nimage run: operator live {ready - started:.1f} s after hack/run-image started; "
        f"Tenant created to SyncRun {run['status']['phase']}: {finished - ready:.1f} s"
    )
