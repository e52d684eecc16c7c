"""TenantRepository against a local bare repository, with the real git CLI."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from tenantsync.api import ErrorCode
from tenantsync.precedence import PriorityGate, decided_work
from tenantsync.repository import RepositoryError, TenantRepository, tenant_repository
from tenantsync.repository.trees import tree_id
from tests.integration.repository.repository_support import AUTHOR, git, push_from_another_clone, tree

pytestmark = pytest.mark.integration

FOLDER = "tenants/contoso"
FILES = {
    "conditionalAccessPolicies/block-legacy.json": b'{"id": "1"}\n',
    "namedLocations/office.json": b'{"id": "2"}\n',
}


async def test_write_then_read_back(repository: TenantRepository, remote: Path) -> None:
    sha = await repository.write_folder("main", FOLDER, FILES, "Backup of contoso by sync-1")

    assert sha is not None
    assert await repository.head("main") == sha
    assert await repository.read_folder("main", FOLDER) == FILES
    assert git("--git-dir", str(remote), "log", "-1", "--format=%an <%ae>|%s", "main") == (
        f"{AUTHOR.name} <{AUTHOR.email}>|Backup of contoso by sync-1"
    )
    # An empty repository gets a root commit.
    assert git("--git-dir", str(remote), "rev-list", "--count", "main") == "1"


async def test_unchanged_folder_makes_no_commit(repository: TenantRepository) -> None:
    first = await repository.write_folder("main", FOLDER, FILES, "first")

    assert await repository.write_folder("main", FOLDER, dict(FILES), "second") is None
    assert await repository.head("main") == first


async def test_modifications_and_deletions(repository: TenantRepository, remote: Path) -> None:
    await repository.write_folder("main", FOLDER, FILES, "first")
    changed = {"namedLocations/office.json": b'{"id": "2", "name": "HQ"}\n', "new.json": b"{}\n"}

    await repository.write_folder("main", FOLDER, changed, "second")

    assert await repository.read_folder("main", FOLDER) == changed
    assert sorted(tree(remote, "main")) == [f"{FOLDER}/namedLocations/office.json", f"{FOLDER}/new.json"]


async def test_emptying_the_folder_removes_it(repository: TenantRepository, remote: Path) -> None:
    await repository.write_folder("main", FOLDER, FILES, "first")

    assert await repository.write_folder("main", FOLDER, {}, "tenant is empty") is not None
    assert await repository.read_folder("main", FOLDER) == {}
    assert tree(remote, "main") == {}


async def test_other_folders_and_their_history_are_untouched(
    repository: TenantRepository, remote: Path, tmp_path: Path
) -> None:
    await repository.write_folder("main", FOLDER, FILES, "first")
    theirs = push_from_another_clone(
        remote, "main", {"tenants/fabrikam/a.json": "{}", "README.md": "hello"}, tmp_path
    )

    sha = await repository.write_folder("main", FOLDER, {"only.json": b"1"}, "second")

    files = tree(remote, "main")
    assert files["tenants/fabrikam/a.json"] == "{}"
    assert files["README.md"] == "hello"
    assert git("--git-dir", str(remote), "rev-parse", f"{sha}^") == theirs
    assert await repository.read_folder("main", "tenants/fabrikam") == {"a.json": b"{}"}


async def test_missing_branch_and_folder(repository: TenantRepository) -> None:
    assert await repository.read_folder("main", FOLDER) is None
    assert await repository.head("main") is None

    await repository.write_folder("main", "tenants/other", {"x.json": b"1"}, "first")

    assert await repository.read_folder("main", FOLDER) == {}
    assert await repository.read_folder("tenantsync/backup", FOLDER) is None


async def test_new_branch_starts_from_the_default_branch(
    repository: TenantRepository, remote: Path, tmp_path: Path
) -> None:
    main = push_from_another_clone(remote, "main", {"README.md": "desired state"}, tmp_path)

    sha = await repository.write_folder("tenantsync/backup", FOLDER, FILES, "Backup by sync-1")

    assert git("--git-dir", str(remote), "rev-parse", f"{sha}^") == main
    assert await repository.head("tenantsync/backup") == sha
    assert await repository.head("main") == main
    assert await repository.read_folder("tenantsync/backup", FOLDER) == FILES


async def test_nothing_to_write_creates_no_branch(repository: TenantRepository) -> None:
    assert await repository.write_folder("tenantsync/backup", FOLDER, {}, "empty tenant") is None
    assert await repository.head("tenantsync/backup") is None


async def test_missing_local_path_becomes_a_bare_repository(tmp_path: Path) -> None:
    path = tmp_path / "does" / "not" / "exist.git"
    repository = TenantRepository(str(path), tmp_path / "workdir", author=AUTHOR)

    await repository.check_reachable()
    sha = await repository.write_folder("main", FOLDER, FILES, "first")

    assert git("--git-dir", str(path), "rev-parse", "--is-bare-repository") == "true"
    assert git("--git-dir", str(path), "symbolic-ref", "HEAD") == "refs/heads/main"
    assert git("--git-dir", str(path), "rev-parse", "main") == sha


async def test_empty_directory_becomes_a_bare_repository(tmp_path: Path) -> None:
    path = tmp_path / "volume"
    path.mkdir()

    await TenantRepository(str(path), tmp_path / "workdir", author=AUTHOR).check_reachable()

    assert git("--git-dir", str(path), "rev-parse", "--is-bare-repository") == "true"


async def test_directory_with_other_content_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photos"
    path.mkdir()
    (path / "cat.jpg").write_bytes(b"meow")
    repository = TenantRepository(str(path), tmp_path / "workdir", author=AUTHOR)

    with pytest.raises(RepositoryError) as caught:
        await repository.check_reachable()

    assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE
    assert "neither a Git repository nor an empty directory" in caught.value.message


async def test_write_after_a_crash_is_clean(remote: Path, tmp_path: Path) -> None:
    """A crashed process may leave locks, a stray commit and a lying tracking ref; none of it is pushed."""
    workdir = tmp_path / "workdir"
    first = await TenantRepository(str(remote), workdir, author=AUTHOR).write_folder(
        "main", FOLDER, FILES, "one"
    )
    assert first is not None
    junk = git(
        "--git-dir",
        str(workdir),
        "commit-tree",
        "-p",
        first,
        "-m",
        "half-written",
        git("--git-dir", str(workdir), "mktree", "--missing"),
    )
    git("--git-dir", str(workdir), "update-ref", "refs/remotes/origin/main", junk)
    git("--git-dir", str(workdir), "update-ref", "refs/tenantsync/pending", junk)
    for lock in ("refs/remotes/origin/main.lock", "packed-refs.lock", "config.lock", "index.lock"):
        (workdir / lock).write_text("stale")
    (workdir / "stray-file.json").write_text("junk")

    restarted = TenantRepository(str(remote), workdir, author=AUTHOR)
    assert await restarted.read_folder("main", FOLDER) == FILES
    sha = await restarted.write_folder("main", FOLDER, {"only.json": b"1"}, "two")

    assert git("--git-dir", str(remote), "rev-parse", f"{sha}^") == first
    assert tree(remote, "main") == {f"{FOLDER}/only.json": "1"}


async def test_repository_root_as_folder(repository: TenantRepository, remote: Path) -> None:
    await repository.write_folder("main", "", {"a.json": b"1", "b/c.json": b"2"}, "root")

    assert await repository.read_folder("main", "") == {"a.json": b"1", "b/c.json": b"2"}
    assert sorted(tree(remote, "main")) == ["a.json", "b/c.json"]


async def test_paths_outside_the_folder_are_refused(repository: TenantRepository, remote: Path) -> None:
    with pytest.raises(RepositoryError, match=r"'\.\.' segments"):
        await repository.write_folder("main", FOLDER, {"../escape.json": b"1"}, "nope")
    assert git("--git-dir", str(remote), "for-each-ref") == ""


@pytest.mark.parametrize(
    ("path", "words"),
    [("../escape", "'..' segments"), ("/etc", "an absolute path"), ("tenants/a\nb", "control characters")],
)
async def test_a_folder_outside_the_repository_is_refused_for_reads_and_writes(
    repository: TenantRepository, remote: Path, tmp_path: Path, path: str, words: str
) -> None:
    with pytest.raises(RepositoryError) as read:
        await repository.read_folder("main", path)
    with pytest.raises(RepositoryError) as write:
        await repository.write_folder("main", path, {"a.json": b"1"}, "nope")

    for caught in (read, write):
        assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE
        assert words in caught.value.message
        assert "spec.repository.path" in caught.value.message
    assert git("--git-dir", str(remote), "for-each-ref") == ""
    assert not (tmp_path / "escape").exists()


async def test_a_protected_branch_is_never_written(repository: TenantRepository, remote: Path) -> None:
    desired = await repository.write_folder("main", FOLDER, FILES, "reviewed change")

    with pytest.raises(RepositoryError) as caught:
        await repository.write_folder(
            "main", FOLDER, {"backup.json": b"{}"}, "backup", protected_branches={"main"}
        )

    assert "spec.repository.backupBranch" in caught.value.message
    assert git("--git-dir", str(remote), "rev-parse", "main") == desired
    assert await repository.read_folder("main", FOLDER) == FILES
    # Another branch is written as usual with the same protection in place.
    assert await repository.write_folder(
        "tenantsync/backup", FOLDER, {"backup.json": b"{}"}, "backup", protected_branches={"main"}
    )


async def test_a_file_url_works_like_its_path(remote: Path, tmp_path: Path) -> None:
    repository = TenantRepository(f"file://{remote}", tmp_path / "workdir", author=AUTHOR)

    sha = await repository.write_folder("main", FOLDER, FILES, "first")

    assert git("--git-dir", str(remote), "rev-parse", "main") == sha


def test_an_ssh_url_is_never_taken_for_a_local_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    with pytest.raises(RepositoryError, match=r"spec\.repository\.secretRef"):
        TenantRepository("ssh://git@127.0.0.1:9/tenants.git", tmp_path / "workdir", author=AUTHOR)

    assert sorted(path.name for path in tmp_path.iterdir()) == []


async def test_tenants_sharing_a_write_lock_push_in_turn_without_a_retry(
    remote: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Eight Tenants' clones of one repository write their folders at once: with the shared lock none
    loses a push race (each race would be logged and retried) and every folder lands. The server takes
    its time accepting a push, as a busy one does: without the lock most writes would race."""
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nsleep 0.3\n")
    hook.chmod(0o755)
    lock = PriorityGate(1)
    clones = [
        TenantRepository(str(remote), tmp_path / f"tenant-{i}", author=AUTHOR, write_lock=lock)
        for i in range(8)
    ]
    with caplog.at_level(logging.INFO, logger="tenantsync.repository"):
        commits = await asyncio.gather(
            *(
                clone.write_folder("main", f"tenants/t{i}", FILES, f"Backup {i}")
                for i, clone in enumerate(clones)
            )
        )
    assert all(commits)
    assert [r.message for r in caplog.records if "moved while writing" in r.message] == []
    assert sorted(p for p in tree(remote, "main") if p.endswith("office.json")) == [
        f"tenants/t{i}/namedLocations/office.json" for i in range(8)
    ]


async def test_an_unchanged_folder_does_not_wait_for_the_write_lock(remote: Path, tmp_path: Path) -> None:
    """Most syncs change nothing: they must not queue behind the Tenants that are pushing."""
    lock = PriorityGate(1)
    repository = TenantRepository(str(remote), tmp_path / "tenant", author=AUTHOR, write_lock=lock)
    assert await repository.write_folder("main", FOLDER, FILES, "Backup")
    async with lock.turn():  # another Tenant is pushing for as long as this block lasts
        unchanged = await asyncio.wait_for(repository.write_folder("main", FOLDER, FILES, "Backup"), 60)
    assert unchanged is None


async def test_a_folder_is_read_at_an_older_commit_fetched_when_another_clone_wrote_it(
    repository: TenantRepository, remote: Path, tmp_path: Path
) -> None:
    """A baseline is composed at the revision released to a Tenant, not at the branch's head."""
    other = TenantRepository(str(remote), tmp_path / "other", author=AUTHOR)
    first = await other.write_folder("main", "baselines/security", FILES, "first")
    await other.write_folder("main", "baselines/security", {"namedLocations/office.json": b"{}\n"}, "second")
    assert first is not None

    assert await repository.read_folder_at(first, "baselines/security") == FILES
    assert await repository.read_folder_at("0" * 40, "baselines/security") is None
    assert await repository.read_folder_at("not-a-commit", "baselines/security") is None


class QueuedWrites(dict[str, list[Any]]):
    """A clone's queue of folder writes that says when a write joins it."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def setdefault(self, key: str, default: list[Any]) -> list[Any]:
        self.changed.set()  # the write is appended before the waiting test runs again
        return super().setdefault(key, default)


async def test_a_decided_runs_write_leaves_in_the_next_push_ahead_of_background_writes(
    remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four backups queue behind another clone's push, then an approved run's write: it leaves in the
    first push after, though pushes carry two folders each here and it came last."""
    monkeypatch.setattr(tenant_repository, "MAX_FOLDERS_PER_PUSH", 2)
    lock = PriorityGate(1)
    shared = TenantRepository(str(remote), tmp_path / "shared", author=AUTHOR, write_lock=lock)
    assert await shared.write_folder("main", "tenants/seed", FILES, "seed")
    before = git("--git-dir", str(remote), "rev-parse", "main")

    writes = QueuedWrites()
    shared._queued_writes = writes

    async def queued(count: int) -> None:
        while len(writes.get("main", [])) < count:
            writes.changed.clear()
            await writes.changed.wait()

    async with lock.turn():  # another clone of the repository is pushing
        background = [
            asyncio.create_task(shared.write_folder("main", f"tenants/t{i}", FILES, f"Backup of t{i}"))
            for i in range(4)
        ]
        await asyncio.wait_for(queued(4), 60)
        with decided_work():
            decided = asyncio.create_task(shared.write_folder("main", "tenants/approved", FILES, "Deploy"))
        await asyncio.wait_for(queued(5), 60)
    approved, *backups = await asyncio.gather(decided, *background)

    assert git("--git-dir", str(remote), "rev-parse", f"{approved}^") == before
    for commit in backups:
        assert git("--git-dir", str(remote), "merge-base", "--is-ancestor", str(approved), str(commit)) == ""


def _log_pushes(remote: Path, log: Path, *, refuse: bool = False, delay: float = 0.3) -> None:
    """A server that takes its time accepting a push, as a busy one does, and notes each push it gets;
    with `refuse` its pre-receive hook turns every push down."""
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\necho push >> '{log}'\nsleep {delay}\n{'exit 1' if refuse else ''}\n")
    hook.chmod(0o755)


async def test_folders_written_at_once_through_one_clone_leave_in_few_pushes_each_its_own_commit(
    remote: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Thirty Tenants of one repository back up at once through their shared clone: the writes queued
    behind a push leave together, each folder in its own commit with its own message, none retried."""
    pushes = tmp_path / "pushes.log"
    _log_pushes(remote, pushes)
    shared = TenantRepository(str(remote), tmp_path / "shared", author=AUTHOR)
    with caplog.at_level(logging.INFO, logger="tenantsync.repository"):
        commits = await asyncio.gather(
            *(shared.write_folder("main", f"tenants/t{i}", FILES, f"Backup of t{i}") for i in range(30))
        )

    assert len(set(commits)) == 30 and None not in commits
    push_count = len(pushes.read_text().splitlines())
    assert push_count <= 3, f"{push_count} pushes for 30 folders"
    assert [r.message for r in caplog.records if "moved while writing" in r.message] == []
    for i, commit in enumerate(commits):
        assert commit is not None
        assert git("--git-dir", str(remote), "log", "-1", "--format=%s", commit) == f"Backup of t{i}"
        changed = git("--git-dir", str(remote), "show", "--name-only", "--format=", commit).splitlines()
        assert changed == [f"tenants/t{i}/{name}" for name in sorted(FILES)]
        assert git("--git-dir", str(remote), "merge-base", "--is-ancestor", commit, "main") == ""
    assert len(tree(remote, "main")) == 30 * len(FILES)


async def test_a_refused_push_fails_every_write_it_carried_and_lands_none(
    remote: Path, tmp_path: Path
) -> None:
    """What the server refused is reported to every run whose folder was in that push; nothing of
    them reaches the branch, and a later write goes through once the server accepts again."""
    pushes = tmp_path / "pushes.log"
    shared = TenantRepository(str(remote), tmp_path / "shared", author=AUTHOR)
    assert await shared.write_folder("main", "tenants/t0", FILES, "first") is not None
    _log_pushes(remote, pushes, refuse=True)
    before = git("--git-dir", str(remote), "rev-parse", "main")

    results = await asyncio.gather(
        *(shared.write_folder("main", f"tenants/t{i}", {"a.json": b"{}\n"}, f"t{i}") for i in range(5)),
        return_exceptions=True,
    )

    assert all(isinstance(r, RepositoryError) and r.code is ErrorCode.PUSH_REJECTED for r in results)
    assert git("--git-dir", str(remote), "rev-parse", "main") == before
    _log_pushes(remote, pushes)
    assert await shared.write_folder("main", "tenants/t3", {"a.json": b"{}\n"}, "again") is not None
    assert tree(remote, "main")["tenants/t3/a.json"] == "{}"


async def test_a_write_cancelled_while_it_waits_for_the_push_never_lands(
    remote: Path, tmp_path: Path
) -> None:
    pushes = tmp_path / "pushes.log"
    _log_pushes(remote, pushes, delay=1.0)
    shared = TenantRepository(str(remote), tmp_path / "shared", author=AUTHOR)
    first = asyncio.create_task(shared.write_folder("main", "tenants/t0", FILES, "t0"))
    for _ in range(200):  # until the first push is under way: the server has logged it
        if pushes.exists() or first.done():
            break
        await asyncio.sleep(0.05)
    waiting = asyncio.create_task(shared.write_folder("main", "tenants/t1", FILES, "t1"))
    await asyncio.sleep(0.3)  # t1 has been compared with the branch and waits for the next push
    assert not first.done()
    waiting.cancel()
    assert await first is not None
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await shared.write_folder("main", "tenants/t2", FILES, "t2") is not None
    assert not any(path.startswith("tenants/t1/") for path in tree(remote, "main"))


async def test_reads_that_arrive_together_share_a_fetch_and_all_see_what_was_pushed_before_them(
    remote: Path, tmp_path: Path
) -> None:
    """Every read sees the branch as it was when the read was asked for, with far fewer fetches than
    reads: the server is asked once per wave, not once per Tenant."""
    fetches = tmp_path / "fetches.log"
    upload_pack = tmp_path / "upload-pack"
    upload_pack.write_text(f"#!/bin/sh\necho fetch >> '{fetches}'\nsleep 0.2\nexec git-upload-pack \"$@\"\n")
    upload_pack.chmod(0o755)
    shared = TenantRepository(str(remote), tmp_path / "shared", author=AUTHOR)
    await shared.check_reachable()
    git("--git-dir", str(tmp_path / "shared"), "config", "remote.origin.uploadpack", str(upload_pack))
    push_from_another_clone(remote, "main", {f"tenants/t{i}/a.json": f"{i}" for i in range(20)}, tmp_path)

    folders = await asyncio.gather(*(shared.read_folder("main", f"tenants/t{i}") for i in range(20)))

    assert folders == [{"a.json": f"{i}".encode()} for i in range(20)]
    fetch_count = len(fetches.read_text().splitlines())
    assert 1 <= fetch_count <= 3, f"{fetch_count} fetches for 20 reads"


async def test_an_unchanged_backup_writes_nothing_into_the_clone(
    repository: TenantRepository, tmp_path: Path
) -> None:
    """Most syncs change nothing: telling so must not leave a pack behind each time (git would repack
    the whole clone every fifty)."""
    assert await repository.write_folder("main", FOLDER, FILES, "Backup") is not None
    assert await repository.write_folder("main", "tenants/other", {}, "Nothing") is None
    packs = sorted((tmp_path / "workdir" / "objects").rglob("*"))
    for _ in range(3):
        assert await repository.write_folder("main", FOLDER, dict(reversed(FILES.items())), "Backup") is None
    assert sorted((tmp_path / "workdir" / "objects").rglob("*")) == packs


async def test_writes_to_one_folder_and_to_folders_inside_it_queued_together_each_land_in_its_own_push(
    remote: Path, tmp_path: Path
) -> None:
    """Writes whose folders overlap never share a push: each is compared with what the one before left."""
    pushes = tmp_path / "pushes.log"
    _log_pushes(remote, pushes)
    shared = TenantRepository(str(remote), tmp_path / "shared", author=AUTHOR)
    first, second, inner = await asyncio.gather(
        shared.write_folder("main", "tenants", {"a/x.json": b"1"}, "first"),
        shared.write_folder("main", "tenants", {"a/x.json": b"2"}, "second"),
        shared.write_folder("main", "tenants/b", {"y.json": b"3"}, "inner"),
    )
    assert first and second and inner
    log = git("--git-dir", str(remote), "log", "--format=%H %s", "main").splitlines()
    assert sorted(line.split(" ", 1)[1] for line in log) == ["first", "inner", "second"]
    assert git("--git-dir", str(remote), "show", f"{first}:tenants/a/x.json") == "1"
    assert git("--git-dir", str(remote), "show", f"{second}:tenants/a/x.json") == "2"
    assert git("--git-dir", str(remote), "show", f"{inner}:tenants/b/y.json") == "3"
    assert len(pushes.read_text().splitlines()) == 3, "no two of them shared a push"


def test_a_folder_s_tree_id_is_the_one_git_gives_it(tmp_path: Path) -> None:
    files = {"a/b.json": b"{}\n", "c.json": b"x", "d/e/f g.json": "é".encode()}
    work = tmp_path / "work"
    for name, content in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_bytes(content)
    git("init", "--quiet", str(work))
    git("add", "--all", cwd=work)
    assert tree_id(files) == git("write-tree", cwd=work)


async def test_reads_and_writes_through_one_clone_at_once_never_trip_over_each_other(
    remote: Path, tmp_path: Path
) -> None:
    """Fetches, pushes and commits of many Tenants run at once in one clone: none may fail to lock a
    ref another holds (a fetch and a push both moved the tracking ref once: 25 runs of 2,568 failed)."""
    shared = TenantRepository(str(remote), tmp_path / "shared", author=AUTHOR)
    writing = True

    async def read_while_writing(i: int) -> int:
        reads = 0
        while writing:
            await shared.read_folder("main", f"tenants/t{i}")
            await shared.folder_revision("backup", f"tenants/t{i}")
            reads += 1
        return reads

    readers = [asyncio.create_task(read_while_writing(i)) for i in range(8)]
    try:
        for round_ in range(12):
            await asyncio.gather(
                *(
                    shared.write_folder("main", f"tenants/t{i}", {"a.json": b"%d" % round_}, "w")
                    for i in range(8)
                ),
                *(
                    shared.write_folder("backup", f"tenants/t{i}", {"b.json": b"%d" % round_}, "b")
                    for i in range(8)
                ),
            )
    finally:
        writing = False
        reads = await asyncio.gather(*readers)
    assert min(reads) > 0
    assert tree(remote, "main")["tenants/t7/a.json"] == "11"
    assert tree(remote, "backup")["tenants/t0/b.json"] == "11"


async def test_a_write_after_a_read_compares_with_that_read_and_fetches_only_when_the_branch_moved(
    repository: TenantRepository, remote: Path, tmp_path: Path
) -> None:
    """A backup reads its folder once: the write compares with that read (no fetch while the branch
    still points there), and a branch moved since is compared again, so a stale read hides nothing."""
    workdir = tmp_path / "workdir"
    await repository.write_folder("main", FOLDER, FILES, "first")
    read = await repository.read_folder_at_head("main", FOLDER)
    assert read is not None
    push_from_another_clone(remote, "elsewhere", {"x.json": "1"}, tmp_path)

    assert await repository.write_folder("main", FOLDER, FILES, "unchanged", read_at=read[0]) is None
    not_fetched = git("--git-dir", str(workdir), "for-each-ref", "refs/remotes/origin/elsewhere")

    moved = push_from_another_clone(
        remote, "main", {f"{FOLDER}/namedLocations/office.json": "edited"}, tmp_path
    )
    restored = await repository.write_folder("main", FOLDER, FILES, "restore", read_at=read[0])
    changed = await repository.write_folder("main", FOLDER, {"only.json": b"1"}, "changed", read_at=read[0])

    assert not_fetched == ""
    assert restored is not None and restored != moved
    assert changed is not None
    assert await repository.read_folder("main", FOLDER) == {"only.json": b"1"}
