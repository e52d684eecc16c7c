"""TenantRepository against a real Git HTTP server (`git http-backend`) with basic authentication.

Most tests use plain http:// on loopback, which TenantRepository takes as it takes an https:// URL; the
TLS tests serve https:// with a certificate from a private CA.
"""

from __future__ import annotations

import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tenantsync.api import ErrorCode
from tenantsync.auth.endpoints import ca_bundle_file
from tenantsync.repository import GitCredentials, RepositoryError, TenantRepository
from tenantsync.repository.tenant_repository import PUSH_ATTEMPTS
from tenantsync_sim.tls import TlsFiles
from tests.integration.repository.repository_support import AUTHOR, git, push_from_another_clone, tree
from tests.support.git_server import TOKEN, USERNAME, GitHttpServer, init_bare

pytestmark = pytest.mark.integration

FOLDER = "tenants/contoso"
WRONG_PASSWORD = "not-the-token-4b1d"


async def test_write_and_read_over_http(
    served_remote: tuple[Path, str], credentials: GitCredentials, tmp_path: Path
) -> None:
    path, url = served_remote
    repository = TenantRepository(url, tmp_path / "workdir", author=AUTHOR, credentials=credentials)

    await repository.check_reachable()
    sha = await repository.write_folder("main", FOLDER, {"a.json": b"{}"}, "first")

    assert await repository.read_folder("main", FOLDER) == {"a.json": b"{}"}
    assert await repository.head("main") == sha
    assert git("--git-dir", str(path), "rev-parse", "main") == sha
    # The clone's configuration names the remote, never the credentials.
    config = (tmp_path / "workdir" / "config").read_text()
    assert url in config
    assert TOKEN not in config
    assert USERNAME not in config


@pytest.mark.parametrize("operation", ["check_reachable", "read_folder", "head", "write_folder"])
async def test_wrong_password_is_unreachable_without_the_password(
    served_remote: tuple[Path, str], tmp_path: Path, operation: str
) -> None:
    _, url = served_remote
    credentials = GitCredentials(username=USERNAME, password=WRONG_PASSWORD)
    repository = TenantRepository(url, tmp_path / "workdir", author=AUTHOR, credentials=credentials)
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "check_reachable": repository.check_reachable,
        "read_folder": lambda: repository.read_folder("main", FOLDER),
        "head": lambda: repository.head("main"),
        "write_folder": lambda: repository.write_folder("main", FOLDER, {"a": b"1"}, "m"),
    }

    with pytest.raises(RepositoryError) as caught:
        await calls[operation]()

    assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE
    assert "Authentication failed" in caught.value.message
    assert "spec.repository.secretRef" in caught.value.message
    assert WRONG_PASSWORD not in str(caught.value)
    assert WRONG_PASSWORD not in (tmp_path / "workdir" / "config").read_text()


async def test_no_credentials_is_unreachable(served_remote: tuple[Path, str], tmp_path: Path) -> None:
    _, url = served_remote
    repository = TenantRepository(url, tmp_path / "workdir", author=AUTHOR)

    with pytest.raises(RepositoryError) as caught:
        await repository.check_reachable()

    assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE


async def test_closed_port_is_unreachable(tmp_path: Path, credentials: GitCredentials) -> None:
    repository = TenantRepository(
        "http://127.0.0.1:9/nothing.git", tmp_path / "workdir", author=AUTHOR, credentials=credentials
    )

    with pytest.raises(RepositoryError) as caught:
        await repository.check_reachable()

    assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE
    assert "http://127.0.0.1:9/nothing.git" in caught.value.message


async def test_push_race_keeps_both_commits(
    git_server: GitHttpServer, served_remote: tuple[Path, str], credentials: GitCredentials, tmp_path: Path
) -> None:
    path, url = served_remote
    repository = TenantRepository(url, tmp_path / "workdir", author=AUTHOR, credentials=credentials)
    await repository.write_folder("main", FOLDER, {"a.json": b"1"}, "first")
    theirs: list[str] = []
    # Runs in the server after our fetch, just before our push: their commit lands first.
    git_server.before_receive_pack = lambda: theirs.append(
        push_from_another_clone(path, "main", {"tenants/fabrikam/b.json": "2"}, tmp_path)
    )

    ours = await repository.write_folder("main", FOLDER, {"a.json": b"changed"}, "second")

    assert len(theirs) == 1
    assert git("--git-dir", str(path), "rev-parse", "main") == ours
    assert git("--git-dir", str(path), "rev-parse", f"{ours}^") == theirs[0]
    assert tree(path, "main") == {f"{FOLDER}/a.json": "changed", "tenants/fabrikam/b.json": "2"}


async def test_a_branch_that_never_settles_is_reported(
    git_server: GitHttpServer, served_remote: tuple[Path, str], credentials: GitCredentials, tmp_path: Path
) -> None:
    path, url = served_remote
    repository = TenantRepository(url, tmp_path / "workdir", author=AUTHOR, credentials=credentials)
    await repository.write_folder("main", FOLDER, {"a.json": b"1"}, "first")
    pushes: list[str] = []

    def push_again() -> None:
        pushes.append(push_from_another_clone(path, "main", {f"other/{len(pushes)}": "x"}, tmp_path))
        git_server.before_receive_pack = push_again

    git_server.before_receive_pack = push_again
    try:
        with pytest.raises(RepositoryError) as caught:
            await repository.write_folder("main", FOLDER, {"a.json": b"2"}, "second")
    finally:
        git_server.before_receive_pack = None

    assert caught.value.code is ErrorCode.PUSH_REJECTED
    assert len(pushes) == PUSH_ATTEMPTS
    assert git("--git-dir", str(path), "rev-parse", "main") == pushes[-1]


async def test_hook_refusal_is_push_rejected_with_its_reason(
    served_remote: tuple[Path, str], credentials: GitCredentials, tmp_path: Path
) -> None:
    path, url = served_remote
    hook = path / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected: open a pull request instead' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    repository = TenantRepository(url, tmp_path / "workdir", author=AUTHOR, credentials=credentials)

    with pytest.raises(RepositoryError) as caught:
        await repository.write_folder("main", FOLDER, {"a.json": b"1"}, "first")

    assert caught.value.code is ErrorCode.PUSH_REJECTED
    assert "main is protected: open a pull request instead" in caught.value.message
    assert "pre-receive hook declined" in caught.value.message
    assert TOKEN not in caught.value.message
    assert await repository.head("main") is None


@pytest.fixture
def tls_remote(tls_git_server: GitHttpServer, tmp_path: Path) -> tuple[Path, str]:
    name = f"{tmp_path.name}.git"
    return init_bare(tls_git_server.root / name), tls_git_server.repository_url(name)


async def test_https_with_a_private_ca_works_with_the_tenants_ca_bundle(
    tls_remote: tuple[Path, str], private_ca: TlsFiles, credentials: GitCredentials, tmp_path: Path
) -> None:
    path, url = tls_remote
    assert url.startswith("https://")
    # What the operator builds from spec.endpoints.caBundleSecretRef: the public roots plus the extra CA.
    bundle = ca_bundle_file(private_ca.ca_cert.read_bytes())
    assert isinstance(bundle, str)
    repository = TenantRepository(
        url, tmp_path / "workdir", author=AUTHOR, credentials=credentials, ca_bundle=bundle
    )

    await repository.check_reachable()
    sha = await repository.write_folder("main", FOLDER, {"a.json": b"{}"}, "over https")

    assert await repository.read_folder("main", FOLDER) == {"a.json": b"{}"}
    assert git("--git-dir", str(path), "rev-parse", "main") == sha
    # The CA reaches git through its environment only, never through the clone's configuration.
    assert "sslcainfo" not in (tmp_path / "workdir" / "config").read_text().lower()


async def test_https_with_a_private_ca_fails_clearly_without_it(
    tls_remote: tuple[Path, str], credentials: GitCredentials, tmp_path: Path
) -> None:
    _, url = tls_remote
    repository = TenantRepository(url, tmp_path / "workdir", author=AUTHOR, credentials=credentials)

    with pytest.raises(RepositoryError) as caught:
        await repository.check_reachable()

    assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE
    assert "certificate" in caught.value.message
    assert "spec.endpoints.caBundleSecretRef" in caught.value.message
    assert TOKEN not in caught.value.message


async def test_a_rotated_token_is_used_without_a_new_clone(tmp_path: Path) -> None:
    rotated = "rotated-token-5e8a"
    init_bare(tmp_path / "server" / "tenants.git")
    with GitHttpServer(tmp_path / "server") as server:
        workdir = tmp_path / "workdir"
        repository = TenantRepository(
            server.repository_url("tenants.git"),
            workdir,
            author=AUTHOR,
            credentials=GitCredentials(username=USERNAME, password=TOKEN),
        )
        first = await repository.write_folder("main", FOLDER, {"a.json": b"1"}, "before rotation")
        assert first is not None
        before = repository.credentials_fingerprint

        server.rotate_password(rotated)
        with pytest.raises(RepositoryError, match="refused the credentials"):
            await repository.read_folder("main", FOLDER)
        await repository.update_access(GitCredentials(username=USERNAME, password=rotated))
        second = await repository.write_folder("main", FOLDER, {"a.json": b"2"}, "after rotation")

    assert repository.credentials_fingerprint != before
    assert git("--git-dir", str(workdir), "rev-parse", f"{second}^") == first
    # The commit fetched before the rotation is still in the same clone: nothing was cloned again.
    git("--git-dir", str(workdir), "cat-file", "-e", f"{first}^{{commit}}")
    assert rotated not in (workdir / "config").read_text()
