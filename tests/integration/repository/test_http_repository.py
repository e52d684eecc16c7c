"""TenantRepository against a real Git HTTP server (`git http-backend`) with basic authentication.

The server speaks plain http:// on loopback; TenantRepository takes the URL as given, exactly as it
takes an https:// URL from spec.repository.url.
"""

from __future__ import annotations

import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tenantsync.api import ErrorCode
from tenantsync.repository import GitCredentials, RepositoryError, TenantRepository
from tenantsync.repository.tenant_repository import PUSH_ATTEMPTS
from tests.integration.repository.repository_support import AUTHOR, git, push_from_another_clone, tree
from tests.support.git_server import TOKEN, USERNAME, GitHttpServer

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
