"""TenantRepository over SSH against a real sshd on loopback, the way Flux reads a repository Secret.

The Secret carries `identity` (the private key) and `known_hosts`; the host key is always checked and
never learnt on first use.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tenantsync.api import ErrorCode
from tenantsync.repository import RepositoryError, TenantRepository, credentials_from_secret
from tenantsync.repository.tenant_repository import SSH_DIRECTORY
from tests.integration.repository.repository_support import AUTHOR, git
from tests.support.git_server import GitSshServer, init_bare, keygen

pytestmark = pytest.mark.integration

FOLDER = "tenants/contoso"


@pytest.fixture(scope="session")
def client_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = tmp_path_factory.mktemp("client-key") / "id_ed25519"
    keygen(key)
    return key


@pytest.fixture(scope="session")
def ssh_server(tmp_path_factory: pytest.TempPathFactory, client_key: Path) -> Iterator[GitSshServer]:
    public_key = client_key.with_suffix(".pub").read_text()
    with GitSshServer(tmp_path_factory.mktemp("sshd"), public_key) as server:
        yield server


def _secret(key: Path, known_hosts: str) -> dict[str, bytes]:
    return {"identity": key.read_bytes(), "known_hosts": known_hosts.encode()}


def _repository(url: str, workdir: Path, key: Path, known_hosts: str) -> TenantRepository:
    credentials = credentials_from_secret(url, "deploy-key", _secret(key, known_hosts))
    return TenantRepository(url, workdir, author=AUTHOR, credentials=credentials)


async def test_write_and_read_over_ssh(ssh_server: GitSshServer, client_key: Path, tmp_path: Path) -> None:
    remote = init_bare(tmp_path / "tenants.git")
    # A space in the workdir: the key and known_hosts paths reach ssh quoted.
    workdir = tmp_path / "work dir"
    repository = _repository(ssh_server.repository_url(remote), workdir, client_key, ssh_server.known_hosts)

    await repository.check_reachable()
    sha = await repository.write_folder("main", FOLDER, {"a.json": b"{}"}, "over ssh")

    assert await repository.read_folder("main", FOLDER) == {"a.json": b"{}"}
    assert git("--git-dir", str(remote), "rev-parse", "main") == sha
    ssh_files = workdir / SSH_DIRECTORY
    assert stat.S_IMODE(ssh_files.stat().st_mode) == 0o700
    for name in ("identity", "known_hosts"):
        assert stat.S_IMODE((ssh_files / name).stat().st_mode) == 0o600
    assert (ssh_files / "known_hosts").read_text() == ssh_server.known_hosts
    assert "PRIVATE KEY" not in (workdir / "config").read_text()


async def test_the_scp_like_form_works(ssh_server: GitSshServer, client_key: Path, tmp_path: Path) -> None:
    remote = init_bare(tmp_path / "tenants.git")
    url = ssh_server.scp_like_url(remote)
    if url is None:
        pytest.skip("the scp-like form has no port, and only root may serve port 22")
    repository = _repository(url, tmp_path / "workdir", client_key, ssh_server.known_hosts)

    sha = await repository.write_folder("main", FOLDER, {"a.json": b"1"}, "scp-like")

    assert git("--git-dir", str(remote), "rev-parse", "main") == sha


async def test_an_unknown_host_key_is_refused_and_not_learnt(
    ssh_server: GitSshServer, client_key: Path, tmp_path: Path
) -> None:
    remote = init_bare(tmp_path / "tenants.git")
    impostor = keygen(tmp_path / "impostor_host_key").split()[:2]
    pinned = ssh_server.known_hosts.split()[0] + " " + " ".join(impostor) + "\n"
    workdir = tmp_path / "workdir"
    repository = _repository(ssh_server.repository_url(remote), workdir, client_key, pinned)

    with pytest.raises(RepositoryError) as caught:
        await repository.check_reachable()

    assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE
    assert "Host key verification failed" in caught.value.message
    assert "known_hosts" in caught.value.message
    assert (workdir / SSH_DIRECTORY / "known_hosts").read_text() == pinned
    assert git("--git-dir", str(remote), "for-each-ref") == ""


async def test_an_empty_known_hosts_is_not_trust_on_first_use(
    ssh_server: GitSshServer, client_key: Path, tmp_path: Path
) -> None:
    remote = init_bare(tmp_path / "tenants.git")
    url = ssh_server.repository_url(remote)
    # A known_hosts for another host only: ssh must refuse rather than add this server's key.
    other_host = "other.example " + " ".join(ssh_server.known_hosts.split()[1:]) + "\n"
    repository = _repository(url, tmp_path / "workdir", client_key, other_host)

    with pytest.raises(RepositoryError, match="Host key verification failed"):
        await repository.check_reachable()
    with pytest.raises(RepositoryError, match="Host key verification failed"):
        await repository.check_reachable()

    assert (tmp_path / "workdir" / SSH_DIRECTORY / "known_hosts").read_text() == other_host


async def test_a_rotated_key_is_used_after_update_access(
    ssh_server: GitSshServer, client_key: Path, tmp_path: Path
) -> None:
    remote = init_bare(tmp_path / "tenants.git")
    url = ssh_server.repository_url(remote)
    stranger = tmp_path / "not_a_deploy_key"
    keygen(stranger)
    repository = _repository(url, tmp_path / "workdir", stranger, ssh_server.known_hosts)

    with pytest.raises(RepositoryError) as caught:
        await repository.check_reachable()
    assert "refused the SSH key" in caught.value.message
    assert "PRIVATE KEY" not in caught.value.message

    secret = _secret(client_key, ssh_server.known_hosts)
    await repository.update_access(credentials_from_secret(url, "deploy-key", secret))
    sha = await repository.write_folder("main", FOLDER, {"a.json": b"1"}, "after rotation")

    assert git("--git-dir", str(remote), "rev-parse", "main") == sha
    assert (tmp_path / "workdir" / SSH_DIRECTORY / "identity").read_bytes() == secret["identity"]
