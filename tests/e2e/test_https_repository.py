"""A private Git server over HTTPS: the Tenant's caBundleSecretRef reaches git as it reaches MSAL and
Graph, so one Secret with the company's CA serves all three."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tenantsync_sim.tls import TlsFiles, ensure_tls_files
from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, git, sync, wait_phase
from tests.support.cluster import kubectl
from tests.support.git_server import TOKEN, USERNAME, GitHttpServer, init_bare
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return ensure_tls_files(tmp_path_factory.mktemp("private-ca"), ["127.0.0.1"])


@pytest.fixture(scope="module")
def https_git(tmp_path_factory: pytest.TempPathFactory, private_ca: TlsFiles) -> Iterator[GitHttpServer]:
    with GitHttpServer(tmp_path_factory.mktemp("https-git"), tls=private_ca) as server:
        yield server


def https_tenant(ws: Workspace, server: GitHttpServer, name: str, ca_secret: str) -> dict[str, object]:
    init_bare(server.root / f"{name}.git")
    kubectl(
        "create", "secret", "generic", "git-credentials", "-n", ws.namespace,
        f"--from-literal=username={USERNAME}", f"--from-literal=password={TOKEN}",
    )  # fmt: skip
    return ws.tenant(
        repository={
            "url": server.repository_url(f"{name}.git"),
            "path": "tenants/contoso",
            "secretRef": {"name": "git-credentials"},
        },
        endpoints={
            "authority": ws.simulator.url,
            "graph": ws.simulator.url,
            "caBundleSecretRef": {"name": ca_secret},
        },
    )


def test_a_private_https_git_server_works_through_the_tenants_ca_bundle(
    fast_operator: OperatorProcess,
    workspace: Workspace,
    https_git: GitHttpServer,
    private_ca: TlsFiles,
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "ca.crt"
    bundle.write_bytes(Path(workspace.simulator.ca).read_bytes() + private_ca.ca_cert.read_bytes())
    kubectl(
        "create", "secret", "generic", "company-ca", "-n", workspace.namespace, f"--from-file=ca.crt={bundle}"
    )
    workspace.resources.create("tenants", https_tenant(workspace, https_git, "with-ca", "company-ca"))
    run = wait_phase(workspace, sync(workspace, "first"), FINISHED)
    assert run["status"]["phase"] == "Succeeded", run["status"]
    files = git(https_git.root / "with-ca.git", "ls-tree", "-r", "--name-only", "tenantsync/backup").split()
    assert "tenants/contoso/authorizationPolicy/authorizationPolicy.json" in files


def test_without_the_git_servers_ca_the_run_says_where_to_add_it(
    fast_operator: OperatorProcess, workspace: Workspace, https_git: GitHttpServer
) -> None:
    workspace.resources.create("tenants", https_tenant(workspace, https_git, "without-ca", "sim-ca"))
    run = wait_phase(workspace, sync(workspace, "first"), FINISHED)
    assert run["status"]["phase"] == "NewError"
    assert run["status"]["error"]["code"] == "RepositoryUnreachable"
    assert "caBundleSecretRef" in run["status"]["message"]
