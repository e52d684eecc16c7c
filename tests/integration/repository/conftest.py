"""Fixtures for the repository tests: real git, a local bare repository and a Git HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tenantsync.repository import GitCredentials, TenantRepository
from tenantsync_sim.tls import TlsFiles, ensure_tls_files
from tests.integration.repository.repository_support import AUTHOR
from tests.support.git_server import TOKEN, USERNAME, GitHttpServer, init_bare


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return init_bare(tmp_path / "remote.git")


@pytest.fixture
def repository(remote: Path, tmp_path: Path) -> TenantRepository:
    return TenantRepository(str(remote), tmp_path / "workdir", author=AUTHOR)


@pytest.fixture(scope="session")
def git_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHttpServer]:
    with GitHttpServer(tmp_path_factory.mktemp("git-server")) as server:
        yield server


@pytest.fixture(scope="session")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A private CA and a server certificate it signed for 127.0.0.1, as a company's Git server has."""
    return ensure_tls_files(tmp_path_factory.mktemp("private-ca"), ["127.0.0.1"])


@pytest.fixture(scope="session")
def tls_git_server(tmp_path_factory: pytest.TempPathFactory, private_ca: TlsFiles) -> Iterator[GitHttpServer]:
    with GitHttpServer(tmp_path_factory.mktemp("tls-git-server"), tls=private_ca) as server:
        yield server


@pytest.fixture
def served_remote(git_server: GitHttpServer, tmp_path: Path) -> tuple[Path, str]:
    """A fresh bare repository on the server: its path on disk and its http:// URL."""
    name = f"{tmp_path.name}.git"
    return init_bare(git_server.root / name), git_server.repository_url(name)


@pytest.fixture
def credentials() -> GitCredentials:
    return GitCredentials(username=USERNAME, password=TOKEN)
