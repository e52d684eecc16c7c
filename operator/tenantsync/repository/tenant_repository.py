"""Tenants' folders in a Git repository: read from a remote branch, replaced by atomic pushes.

The local clone in `workdir` is a bare cache of the remote and nothing more: commits are built from
the fetched remote head with `git fast-import` (no working tree, no index), so a process that crashed
half-way leaves nothing that the next call could pick up by mistake, and the remote only ever sees
whole folders, because a single ref update is the only thing a push changes.

One instance serves every Tenant whose folder lives in the repository (with the same credentials): a
thousand Tenants of one repository share one clone, one fetch at a time answers every caller that was
waiting for it, and the folder writes that queue up while a push is under way leave together, as a
chain of commits (one per folder, each with its own message) in the next push.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tenantsync.api import ErrorCode
from tenantsync.precedence import PriorityGate, is_decided
from tenantsync.repository.credentials import GitCredentials, GitSshCredentials, RepositoryCredentials
from tenantsync.repository.errors import RepositoryError
from tenantsync.repository.git import (
    Git,
    GitAuthor,
    GitFailed,
    GitResult,
    git_environment,
    ssh_command,
)
from tenantsync.repository.remote import RemoteKind, parse_remote
from tenantsync.repository.trees import tree_id

logger = logging.getLogger(__name__)

PUSH_ATTEMPTS = 5
"""Non-fast-forward pushes are retried on top of the new head this many times in all."""

MAX_FOLDERS_PER_PUSH = 100
"""A push carries at most this many folder writes: one refusal never fails more runs than this."""

SSH_DIRECTORY = "tenantsync-ssh"
"""Where, inside the workdir, the SSH key and known_hosts are written (0600, in a 0700 directory)."""

_PENDING_REF = "refs/tenantsync/pending"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
"""Git's id of the empty tree: what a folder is compared with before its first revision."""
_RETRYABLE_REJECTIONS = ("non-fast-forward", "fetch first", "failed to update ref", "failed to lock")


@dataclass
class _FolderWrite:
    """A folder write waiting for the next push of its branch."""

    folder: str
    files: dict[str, bytes]
    message: str
    landed: asyncio.Future[str | None]
    author: GitAuthor | None = None
    """Who the commit is by, when not the operator (a drift commit names the person who changed the
    tenant; the operator stays the committer)."""
    decided: bool = False
    """For a run a person has decided on: it leaves in the next push, ahead of background writes."""


@dataclass(frozen=True)
class FolderRevision:
    """A folder as of the newest commit that changed it."""

    commit: str
    tree: str
    """The folder's tree id: equal trees hold exactly the same files."""


class TenantRepository:
    """One Git repository (https://, ssh:// or scp-like, or a local path) seen through the folders the
    operator owns.

    Calls may run concurrently: reads share fetches, writes to a branch are pushed in turns. One
    workdir must belong to one instance. `ca_bundle` is the file of CA certificates to trust for https
    (as `ca_bundle_file` writes it), or a bool for git's own trust store: TLS verification is never
    turned off.
    """

    def __init__(
        self,
        url: str,
        workdir: Path,
        *,
        author: GitAuthor,
        credentials: RepositoryCredentials | None = None,
        ca_bundle: str | Path | bool = True,
        timeout: float = 120.0,
        write_lock: PriorityGate | None = None,
    ) -> None:
        """`write_lock`, shared by the instances that write to one repository (other credentials, other
        Secrets), makes their pushes take turns too: they then never race each other. A push carrying a
        decided run's write takes its turn first."""
        self.url = url
        """The URL as given (spec.repository.url): a different one needs a new instance."""
        self._origin = parse_remote(url)
        self._url = self._origin.url
        self._display_url = self._origin.display
        self._workdir = workdir
        self._author = author
        self._timeout = timeout
        self._write_lock = write_lock or PriorityGate(1)
        self._prepare_lock = asyncio.Lock()
        self._commit_lock = asyncio.Lock()
        self._configured = False
        self._queued_fetch: asyncio.Task[None] | None = None
        self._running_fetch: asyncio.Task[None] | None = None
        self._queued_writes: dict[str, list[_FolderWrite]] = {}
        self._pushers: dict[str, asyncio.Task[None]] = {}
        self._use(credentials, ca_bundle)

    @property
    def display_url(self) -> str:
        """The URL without user information, as messages name the repository."""
        return self._display_url

    @property
    def credentials_fingerprint(self) -> str | None:
        """The fingerprint of the credentials in use; None without any."""
        return self._credentials.fingerprint() if self._credentials is not None else None

    async def update_access(
        self, credentials: RepositoryCredentials | None, ca_bundle: str | Path | bool = True
    ) -> None:
        """Use rotated credentials or another CA bundle from the next git command on, keeping the clone."""
        async with self._prepare_lock:
            self._use(credentials, ca_bundle)

    def _use(self, credentials: RepositoryCredentials | None, ca_bundle: str | Path | bool) -> None:
        kind = self._origin.kind
        if kind is RemoteKind.SSH and not isinstance(credentials, GitSshCredentials):
            raise RepositoryError(
                ErrorCode.REPOSITORY_UNREACHABLE,
                f"The SSH repository {self._display_url} needs spec.repository.secretRef naming a Secret with"
                " identity (the private key) and known_hosts (the server's host keys, which are always"
                " checked).",
            )
        if kind is RemoteKind.HTTP and isinstance(credentials, GitSshCredentials):
            raise RepositoryError(
                ErrorCode.REPOSITORY_UNREACHABLE,
                f"The Secret named by spec.repository.secretRef holds an SSH key, but {self._display_url} is"
                " an https:// URL: use the repository's ssh:// URL, or put username and password in the Secret.",
            )
        self._credentials = credentials if kind is not RemoteKind.LOCAL else None
        basic = self._credentials if isinstance(self._credentials, GitCredentials) else None
        ssh_directory = self._workdir.absolute() / SSH_DIRECTORY
        self._env = git_environment(
            os.environ,
            basic,
            None if isinstance(ca_bundle, bool) else Path(ca_bundle),
            protocol=self._origin.protocol,
            ssh=ssh_command(ssh_directory / "identity", ssh_directory / "known_hosts")
            if kind is RemoteKind.SSH
            else None,
        )
        secrets = [_secret_of(self._credentials)] if self._credentials is not None else []
        self._git = Git(self._workdir, self._env, secrets, self._timeout)
        self._ssh_files_written = False

    async def check_reachable(self) -> None:
        """Preflight: the remote answers and accepts the credentials."""
        await self._prepare()
        await self._remote("ls-remote", "origin", "HEAD")

    async def head(self, branch: str) -> str | None:
        """The remote branch's commit, or None when the branch does not exist."""
        await self._prepare()
        result = await self._remote("ls-remote", "origin", f"refs/heads/{branch}")
        for line in result.stdout.decode().splitlines():
            sha, _, ref = line.partition("\t")
            if ref == f"refs/heads/{branch}":
                return sha
        return None

    async def read_folder_at(self, commit: str, path: str) -> dict[str, bytes] | None:
        """The files under `path` at a commit of any branch (a baseline's released revision), fetched
        only when the local cache does not have it yet; None when the remote does not have it either."""
        folder = _folder(path)
        await self._prepare()
        if not await self._has_commit(commit):
            await self._fetch()
            if not await self._has_commit(commit):
                return None
        return await self._files(commit, folder)

    async def read_folder(self, branch: str, path: str) -> dict[str, bytes] | None:
        """The files under `path` on the remote branch, by path relative to it.

        None when the branch does not exist; an empty dict when the folder is empty or missing.
        """
        read = await self.read_folder_at_head(branch, path)
        return read[1] if read is not None else None

    async def read_folder_at_head(self, branch: str, path: str) -> tuple[str, dict[str, bytes]] | None:
        """The remote branch's head and the files under `path` there: the commit names exactly the
        content read, so a later `head()` that returns it means the folder has not changed since."""
        folder = _folder(path)
        await self._prepare()
        await self._fetch()
        commit = await self._tracking_head(branch)
        if commit is None:
            return None
        return commit, await self._files(commit, folder)

    async def folder_revision(self, branch: str, path: str) -> FolderRevision | None:
        """The newest commit of the remote branch that touches `path`, and the folder's tree there.

        None when the branch does not exist or no commit ever touched the folder. A Baseline's revision
        is this commit; the tree id names the folder's exact content, which is what an approval binds to.
        """
        folder = _folder(path)
        await self._prepare()
        await self._fetch()
        commit = await self._newest_commit(await self._tracking_head(branch), folder, "%H")
        if commit is None:
            return None
        tree = await self._git.run("rev-parse", f"{commit}:{folder}" if folder else f"{commit}^{{tree}}")
        return FolderRevision(commit=commit, tree=tree.stdout.decode().strip())

    async def folder_time_at(self, commit: str, path: str) -> datetime | None:
        """When the newest commit touching `path`, as of `commit`, was made (None: never).

        `commit` is a head `read_folder_at_head` returned: the time belongs to the files read with it,
        and nothing is fetched again.
        """
        folder = _folder(path)
        await self._prepare()
        stamp = await self._newest_commit(commit, folder, "%cI")
        return datetime.fromisoformat(stamp) if stamp is not None else None

    async def holds(self, branch: str, commit: str) -> bool:
        """Whether the remote branch, as last fetched, still has `commit` in its history: a force push
        can take away a commit a Baseline's rollout was approved for."""
        await self._prepare()
        head = await self._tracking_head(branch)
        if head is None or not _COMMIT_ID.fullmatch(commit):
            return False
        result = await self._git.run("merge-base", "--is-ancestor", commit, head, check=False)
        return result.returncode == 0

    async def branches(self) -> list[str]:
        """The remote's branches as last fetched, by name: what a message can offer when one is missing."""
        await self._prepare()
        result = await self._git.run("for-each-ref", "--format=%(refname:lstrip=3)", "refs/remotes/origin/")
        return sorted(line for line in result.stdout.decode("utf-8", "replace").splitlines() if line)

    async def folder_changes(self, old: str | None, new: str, path: str) -> list[str]:
        """The files of the folder that differ from commit `old` (None: from nothing) to `new`, as
        "A|M|D <path relative to the folder>", for the person who approves the change.

        Both commits must have been fetched (a `folder_revision` call fetches them).
        """
        folder = _folder(path)
        relative = [f"--relative={folder}"] if folder else []
        pathspec = ["--", folder] if folder else []
        result = await self._git.run(
            "diff", "--name-status", "--no-renames", "-z", *relative, old or EMPTY_TREE, new, *pathspec
        )
        fields = [field.decode("utf-8", "surrogateescape") for field in result.stdout.split(b"\0") if field]
        return [f"{kind} {name}" for kind, name in zip(fields[::2], fields[1::2], strict=True)]

    async def write_folder(
        self,
        branch: str,
        path: str,
        files: dict[str, bytes],
        message: str,
        *,
        protected_branches: Collection[str] = (),
        author: GitAuthor | None = None,
        read_at: str | None = None,
    ) -> str | None:
        """Make `path` on the remote branch hold exactly `files` in one commit; the new commit's sha.

        None when the folder already holds exactly these files: no empty commit, and a missing branch is
        not created for nothing. `read_at`, the head `read_folder_at_head` returned for this folder,
        spares the fetch that compares before queueing (a backup reads its folder once): files that
        differ from what the folder held there go to the push, which compares with the head it fetches;
        the same files are "unchanged" when the branch still points there (asked of the remote). A missing branch starts from the remote's default branch, or as a root
        commit in an empty repository. When someone else pushed meanwhile, the folder is written again on
        top of their commit, so their work stays; the rest of the branch is never touched. A branch in
        `protected_branches` is refused before anything is fetched: a backup names the desired state's
        branch there, so no spec can make it overwrite reviewed changes.

        The commit may reach the remote in one push with other folders' commits (each its own commit);
        the sha returned is this folder's, an ancestor of the branch's head or the head itself.
        """
        if branch in protected_branches:
            raise RepositoryError(
                ErrorCode.REPOSITORY_UNREACHABLE,
                f"Refusing to write to branch {branch} of {self._display_url}: it holds the desired state,"
                " which a backup never writes. Set spec.repository.backupBranch to a branch other than"
                " spec.repository.branch.",
            )
        folder = _folder(path)
        for relative in files:
            _file_path(relative)
        await self._prepare()
        unchanged = None if read_at is None else await self._unchanged_since(branch, folder, files, read_at)
        if unchanged:
            return None
        if unchanged is None:  # nothing to compare with yet: the branch as it is now
            await self._fetch()
            parent = await self._tracking_head(branch) or await self._default_head(branch)
            if parent is None and not files:
                return None
            if parent is not None and (await self._folder_trees(parent, [folder]))[0] == tree_id(files):
                return None  # an unchanged folder never waits for a push
        landed = asyncio.get_running_loop().create_future()
        write = _FolderWrite(folder, files, message, landed, author, decided=is_decided())
        self._queued_writes.setdefault(branch, []).append(write)
        if branch not in self._pushers:
            self._pushers[branch] = asyncio.create_task(self._push_queued(branch))
        try:
            return await asyncio.shield(write.landed)
        except asyncio.CancelledError:
            queued = self._queued_writes.get(branch, [])
            if write in queued:
                queued.remove(write)  # not taken yet: it never reaches the remote (taken, it still may)
            raise

    async def _unchanged_since(
        self, branch: str, folder: str, files: dict[str, bytes], commit: str
    ) -> bool | None:
        """Whether the folder holds `files` on the remote branch, from a read at `commit`: False when
        the files differ from what it held there (the push compares with the head it fetches anyway),
        True when they match and the branch still points at `commit` (asked of the remote, no fetch);
        None when the branch moved since, or `commit` is not in the clone."""
        if not await self._has_commit(commit):
            return None
        if (await self._folder_trees(commit, [folder]))[0] != tree_id(files):
            return False
        return True if await self.head(branch) == commit else None

    async def _folder_trees(self, commit: str, folders: list[str]) -> list[str]:
        """The tree id of each folder at `commit`, in one read; git keeps no empty folder, so a missing
        one holds what the empty tree holds."""
        names = [f"{commit}:{folder}" if folder else f"{commit}^{{tree}}" for folder in folders]
        result = await self._git.run(
            "cat-file",
            "--batch-check=%(objectname) %(objecttype)",
            "-z",
            stdin="\0".join(names).encode() + b"\0",
        )
        found: list[str] = []
        for line in result.stdout.decode("utf-8", "surrogateescape").splitlines():
            name, _, kind = line.rpartition(" ")
            found.append(name if kind == "tree" else EMPTY_TREE)
        return found

    async def _push_queued(self, branch: str) -> None:
        """Push the writes queued for `branch`, in batches, until none is left; one task per branch."""
        try:
            while queued := self._queued_writes.get(branch):
                async with self._write_lock.turn(decided=any(write.decided for write in queued)):
                    batch = self._take_batch(branch)
                    try:
                        commits = await self._push_batch(branch, batch)
                    except asyncio.CancelledError:
                        _cancel(batch)
                        raise
                    except Exception as error:
                        for write in batch:
                            if not write.landed.done():
                                write.landed.set_exception(error)
                    else:
                        for write, commit in zip(batch, commits, strict=True):
                            if not write.landed.done():
                                write.landed.set_result(commit)
        finally:
            del self._pushers[branch]
            _cancel(self._queued_writes.pop(branch, []))

    def _take_batch(self, branch: str) -> list[_FolderWrite]:
        """The queued writes that leave in the next push: decided runs' first, then in order, up to
        MAX_FOLDERS_PER_PUSH, and none inside another's folder (each is compared with the branch's head
        alone); the rest wait."""
        batch: list[_FolderWrite] = []
        waiting: list[_FolderWrite] = []
        for write in sorted(self._queued_writes.pop(branch), key=lambda queued: not queued.decided):
            if len(batch) < MAX_FOLDERS_PER_PUSH and not any(_overlap(write.folder, w.folder) for w in batch):
                batch.append(write)
            else:
                waiting.append(write)
        if waiting:
            self._queued_writes[branch] = waiting
        return batch

    async def _push_batch(self, branch: str, batch: list[_FolderWrite]) -> list[str | None]:
        """Commit each write on top of the last and push the chain; each write's commit, or None for
        a folder that already holds its files."""
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            await self._fetch()
            head = await self._tracking_head(branch) or await self._default_head(branch)
            if head is None:
                changing = [write for write in batch if write.files]
            else:
                trees = await self._folder_trees(head, [write.folder for write in batch])
                changing = [
                    write for write, tree in zip(batch, trees, strict=True) if tree != tree_id(write.files)
                ]
            if not changing:
                return [None] * len(batch)
            commits = dict(zip(map(id, changing), await self._commit_chain(head, changing), strict=True))
            if await self._push(commits[id(changing[-1])], branch):
                return [commits.get(id(write)) for write in batch]
            logger.info(
                "Branch %s of %s moved while writing %s (attempt %d of %d); writing again on its new head",
                branch,
                self._display_url,
                ", ".join(write.folder or "/" for write in batch),
                attempt,
                PUSH_ATTEMPTS,
            )
        raise RepositoryError(
            ErrorCode.PUSH_REJECTED,
            f"Branch {branch} of {self._display_url} kept moving: {PUSH_ATTEMPTS} pushes in a row were"
            " overtaken by other pushes. Retry the sync when the branch is quieter.",
        )

    async def _prepare(self) -> None:
        """Make sure the remote (when local) and the bare cache exist; the first call clears what a
        crashed process left."""
        if self._configured and not self._ssh_files_pending() and _is_bare_repository(self._workdir):
            return
        async with self._prepare_lock:
            await self._prepare_once()

    def _ssh_files_pending(self) -> bool:
        return isinstance(self._credentials, GitSshCredentials) and not self._ssh_files_written

    async def _prepare_once(self) -> None:
        if self._origin.kind is RemoteKind.LOCAL and _needs_bare_repository(Path(self._url)):
            try:
                await Git(Path(self._url), self._env, [], self._timeout).run(
                    "init", "--quiet", "--bare", "--initial-branch=main"
                )
            except GitFailed as error:
                raise RepositoryError(
                    ErrorCode.REPOSITORY_UNREACHABLE,
                    f"Cannot create a Git repository at {self._url}: {error.stderr}",
                ) from None
        if not self._configured:
            _clear_stale_locks(self._workdir)  # nothing of this process has run git here yet
        if isinstance(self._credentials, GitSshCredentials) and not self._ssh_files_written:
            _write_private(
                self._workdir / SSH_DIRECTORY, "identity", self._credentials.identity.get_secret_value()
            )
            _write_private(self._workdir / SSH_DIRECTORY, "known_hosts", self._credentials.known_hosts)
            self._ssh_files_written = True
        if self._configured and _is_bare_repository(self._workdir):
            return
        self._workdir.mkdir(parents=True, exist_ok=True)
        await self._git.run("init", "--quiet", "--bare")
        await self._git.run("config", "remote.origin.url", self._url)
        await self._git.run(
            "config", "--replace-all", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"
        )
        self._configured = True

    async def _remote(self, *args: str) -> GitResult:
        """A command that talks to the remote; any failure means it cannot be reached or read."""
        try:
            return await self._git.run(*args)
        except GitFailed as error:
            raise RepositoryError(ErrorCode.REPOSITORY_UNREACHABLE, self._unreachable(error)) from None

    def _unreachable(self, error: GitFailed) -> str:
        reason = error.stderr or "git failed"
        return f"Cannot reach the Git repository {self._display_url}: {reason}. {unreachable_hint(error)}"

    async def _fetch(self) -> None:
        """A fetch that started after this call: callers that arrive while one runs share the next."""
        queued = self._queued_fetch
        if queued is None:
            queued = asyncio.create_task(self._fetch_after(self._running_fetch))
            queued.add_done_callback(_retrieve)
            self._queued_fetch = queued
        await asyncio.shield(queued)

    async def _fetch_after(self, running: asyncio.Task[None] | None) -> None:
        if running is not None:
            await asyncio.wait([running])
        self._running_fetch, self._queued_fetch = self._queued_fetch, None
        await self._remote("fetch", "--quiet", "--prune", "--no-tags", "--no-auto-gc", "origin")
        # Housekeeping git would start in the background after a fetch, run here instead, when no commit is
        # being built: a repack that packs refs meanwhile would make fast-import or the next fetch fail
        # to lock a ref.
        async with self._commit_lock:
            result = await self._git.run("-c", "gc.autoDetach=false", "gc", "--auto", "--quiet", check=False)
        if result.returncode != 0:
            logger.warning("Housekeeping of the clone of %s failed: %s", self._display_url, result.stderr)

    async def _tracking_head(self, branch: str) -> str | None:
        result = await self._git.run(
            "rev-parse", "--verify", "--quiet", f"refs/remotes/origin/{branch}^{{commit}}", check=False
        )
        return result.stdout.decode().strip() if result.returncode == 0 else None

    async def _default_head(self, branch: str) -> str | None:
        """Where a new branch starts: the remote's default branch, unless that is the branch itself."""
        result = await self._remote("ls-remote", "--symref", "origin", "HEAD")
        for line in result.stdout.decode().splitlines():
            target, _, name = line.partition("\t")
            if name == "HEAD" and target.startswith("ref: refs/heads/"):
                default = target.removeprefix("ref: refs/heads/")
                return None if default == branch else await self._tracking_head(default)
        return None

    async def _newest_commit(self, head: str | None, folder: str, format: str) -> str | None:
        """`git log` of the newest commit reachable from `head` that touches the folder, in `format`;
        None without a head or without such a commit."""
        if head is None:
            return None
        pathspec = ["--", folder] if folder else []
        log = await self._git.run("log", "-1", f"--format={format}", head, *pathspec)
        return log.stdout.decode().strip() or None

    async def _files(self, commit: str, folder: str) -> dict[str, bytes]:
        pathspec = ["--", f"{folder}/"] if folder else []
        listing = await self._git.run("ls-tree", "-r", "-z", "--full-tree", commit, *pathspec)
        blobs: dict[str, str] = {}
        for entry in listing.stdout.split(b"\0"):
            if not entry:
                continue
            info, _, name = entry.partition(b"\t")
            _mode, kind, sha = info.decode().split(" ")
            if kind == "blob":
                full = name.decode("utf-8", "surrogateescape")
                blobs[full.removeprefix(f"{folder}/") if folder else full] = sha
        if not blobs:
            return {}
        batch = await self._git.run(
            "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in blobs.values()).encode()
        )
        return dict(zip(blobs, _batch_contents(batch.stdout), strict=True))

    async def _commit_chain(self, parent: str | None, writes: list[_FolderWrite]) -> list[str]:
        """One commit per write, each on top of the one before (the first on `parent`), with the folder
        replaced by its files; built by one fast-import, without a working tree."""
        now = int(time.time())
        ident = f"{self._author.name} <{self._author.email}> {now} +0000".encode()
        # The pending ref is scratch space: reset, it starts from `parent` (or nothing) whatever it held.
        stream = [b"reset " + _PENDING_REF.encode() + b"\n"]
        if parent is not None:
            stream.append(f"from {parent}\n".encode())
        for mark, write in enumerate(writes, start=1):
            stream += [b"commit " + _PENDING_REF.encode() + b"\n", b"mark :%d\n" % mark]
            author = write.author or self._author
            author_ident = f"{author.name} <{author.email}> {now} +0000".encode()
            stream += [b"author " + author_ident + b"\n", b"committer " + ident + b"\n"]
            message = write.message if write.message.endswith("\n") else f"{write.message}\n"
            stream.append(_data(message.encode()))
            stream.append(b"D " + _quote(write.folder) + b"\n" if write.folder else b"deleteall\n")
            for relative, content in sorted(write.files.items()):
                path = f"{write.folder}/{relative}" if write.folder else relative
                stream += [b"M 100644 inline " + _quote(path) + b"\n", _data(content)]
        stream += [b"get-mark :%d\n" % mark for mark in range(1, len(writes) + 1)]
        stream.append(b"done\n")
        async with self._commit_lock:  # one fast-import at a time moves the pending ref
            result = await self._git.run(
                "fast-import", "--quiet", "--done", "--force", stdin=b"".join(stream)
            )
        return result.stdout.decode().split()

    async def _has_commit(self, commit: str) -> bool:
        if not all(c in "0123456789abcdef" for c in commit.lower()) or not 7 <= len(commit) <= 64:
            return False
        result = await self._git.run("cat-file", "-e", f"{commit}^{{commit}}", check=False)
        return result.returncode == 0

    async def _push(self, commit: str, branch: str) -> bool:
        """Push; False when the branch moved meanwhile (worth another attempt), else pushed or raise."""
        try:
            result = await self._git.run(
                # To the URL, not to "origin": a push to a named remote also moves its tracking ref, which
                # would race the fetch other callers may be running.
                "push",
                "--porcelain",
                self._url,
                f"{commit}:refs/heads/{branch}",
                check=False,
            )
        except GitFailed as error:
            raise RepositoryError(ErrorCode.REPOSITORY_UNREACHABLE, self._unreachable(error)) from None
        if result.returncode == 0:
            return True
        rejection = _rejection(result.stdout.decode("utf-8", "replace"), branch)
        if rejection is not None and any(reason in rejection for reason in _RETRYABLE_REJECTIONS):
            return False
        # What the server said (hook output arrives as "remote:" lines) explains the refusal best.
        reasons = [
            line.strip() for line in result.stderr.splitlines() if line.startswith(("remote:", "fatal:"))
        ]
        details = (
            "; ".join([rejection, *reasons] if rejection else reasons) or result.stderr or "no reason given"
        )
        raise RepositoryError(
            ErrorCode.PUSH_REJECTED,
            f"The Git server refused the push to branch {branch} of {self._display_url}: {details}. Give the"
            " operator's credentials write access to the branch, and exempt it from branch protection and"
            " server hooks that refuse its commits.",
        )


def _overlap(folder: str, other: str) -> bool:
    """Whether one folder is the other or inside it (the repository root holds every folder)."""
    return (
        not folder
        or not other
        or f"{folder}/".startswith(f"{other}/")
        or f"{other}/".startswith(f"{folder}/")
    )


def _cancel(writes: list[_FolderWrite]) -> None:
    """The operator is stopping: the writes' callers are told they did not land (or may not have)."""
    for write in writes:
        write.landed.cancel()


def _retrieve(task: asyncio.Task[None]) -> None:
    """A shared fetch's failure reaches its callers; one whose callers all went away is dropped here."""
    if not task.cancelled():
        task.exception()


def unreachable_hint(error: GitFailed) -> str:
    """What to check, from what git (or ssh) said."""
    text = error.stderr.lower()
    if error.timed_out:
        return "Check that the operator can reach the Git server (network policy, proxy, firewall)."
    if "cannot run ssh" in text:
        return "The operator's image lacks the ssh client: install openssh-client in it."
    if "host key verification failed" in text or "host key for" in text:
        return (
            "The server's SSH host key is not among those in known_hosts of the Secret named by"
            " spec.repository.secretRef, or it changed: add the server's current host key (ssh-keyscan,"
            " checked against what the Git host publishes)."
        )
    if "permission denied (publickey" in text:
        return (
            "The server refused the SSH key: check identity in the Secret named by spec.repository.secretRef"
            " and that its public key is a deploy key with write access to this repository."
        )
    if (
        "authentication failed" in text
        or "could not read username" in text
        or " 401" in text
        or " 403" in text
    ):
        return (
            "The server refused the credentials: check the username and password or token in the Secret"
            " named by spec.repository.secretRef, and that they may read this repository."
        )
    if "certificate" in text or "ssl" in text:
        return (
            "The server's TLS certificate is not trusted: put the CA that signed it in the Secret named by"
            " spec.endpoints.caBundleSecretRef (key ca.crt)."
        )
    if "not found" in text or " 404" in text or "does not appear to be a git repository" in text:
        return "Check spec.repository.url: no Git repository answers there."
    return "Check spec.repository.url and that the operator can reach the Git server."


def _secret_of(credentials: RepositoryCredentials) -> str:
    """What must never appear in anything shown: scrubbed from git's output."""
    if isinstance(credentials, GitCredentials):
        return credentials.password.get_secret_value()
    return credentials.identity.get_secret_value()


def is_within(path: str, folder: str) -> bool:
    """Whether `path` names `folder` or a folder below it, with no empty, `.` or `..` segment on the way
    that could lead out of it (`folder` as git names it: no trailing slash)."""
    path = path.rstrip("/")
    if path == folder:
        return True
    return path.startswith(f"{folder}/") and all(
        part not in ("", ".", "..") for part in path.removeprefix(f"{folder}/").split("/")
    )


def _folder(path: str) -> str:
    """The folder as git names it: no trailing slash, "" for the repository root.

    The path comes from spec.repository.path, so anything that could leave the repository or land in
    git's own files is refused with words for the person who wrote it.
    """
    stripped = path.rstrip("/")
    if not stripped:
        if path:
            raise _bad_path(path, "an absolute path")
        return ""
    if stripped.startswith("/"):
        raise _bad_path(path, "an absolute path")
    parts = stripped.split("/")
    if ".." in parts:
        raise _bad_path(path, "a path with '..' segments")
    if any(part in ("", ".", ".git") for part in parts):
        raise _bad_path(path, "not a plain relative path (empty, '.' or '.git' segments)")
    if any(ord(character) < 0x20 or character == "\x7f" for character in stripped):
        raise _bad_path(path, "a path with control characters (a newline, a tab)")
    return stripped


def _file_path(path: str) -> str:
    """A file name inside the folder; the same rules, for names built by the operator itself."""
    if not path.strip("/") or path.endswith("/"):
        raise _bad_path(path, "not a file name")
    return _folder(path)


def _bad_path(path: str, what: str) -> RepositoryError:
    return RepositoryError(
        ErrorCode.REPOSITORY_UNREACHABLE,
        f"Repository path {path!r} is {what}: the operator only reads and writes folders inside the"
        " repository. Set spec.repository.path to a relative folder such as tenants/contoso, or leave it"
        " empty for the default.",
    )


def _write_private(directory: Path, name: str, content: str) -> None:
    """Write a file only this user can read, in a directory only this user can enter, atomically."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    staging = directory / f".{name}.tmp"
    staging.unlink(missing_ok=True)
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(content)
    staging.replace(directory / name)


def _needs_bare_repository(remote: Path) -> bool:
    """The embedded default: a missing path or an empty directory becomes a bare repository."""
    if _is_bare_repository(remote) or (remote / ".git").exists():
        return False
    if remote.exists() and (not remote.is_dir() or any(remote.iterdir())):
        raise RepositoryError(
            ErrorCode.REPOSITORY_UNREACHABLE,
            f"{remote} is neither a Git repository nor an empty directory. Point spec.repository.url"
            " at a Git repository, or at a path that does not exist yet to have one created there.",
        )
    remote.mkdir(parents=True, exist_ok=True)
    return True


def _clear_stale_locks(workdir: Path) -> None:
    """Remove the lock files of git processes killed mid-way (crash, timeout, cancellation).

    The workdir belongs to one instance, and this runs before it starts any git process: any lock
    found here is stale.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    for lock in [*workdir.glob("*.lock"), *workdir.joinpath("refs").rglob("*.lock")]:
        lock.unlink(missing_ok=True)


def _is_bare_repository(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _data(content: bytes) -> bytes:
    return b"data %d\n" % len(content) + content + b"\n"


def _quote(path: str) -> bytes:
    """A C-style quoted path, which fast-import accepts for any file name."""
    escaped = bytearray(b'"')
    for byte in path.encode("utf-8", "surrogateescape"):
        if byte in b'"\\':
            escaped += b"\\" + bytes([byte])
        elif byte < 0x20 or byte == 0x7F:
            escaped += b"\\%03o" % byte
        else:
            escaped.append(byte)
    return bytes(escaped + b'"')


def _batch_contents(output: bytes) -> list[bytes]:
    """The objects in `git cat-file --batch` output, in order: a header line, the content, a newline."""
    contents: list[bytes] = []
    position = 0
    while position < len(output):
        header_end = output.index(b"\n", position)
        size = int(output[position:header_end].split(b" ")[2])
        contents.append(output[header_end + 1 : header_end + 1 + size])
        position = header_end + 1 + size + 1
    return contents


def _rejection(porcelain: str, branch: str) -> str | None:
    """The summary `git push --porcelain` gives for a refused ref, e.g. "[rejected] (fetch first)"."""
    for line in porcelain.splitlines():
        flag, _, rest = line.partition("\t")
        refs, _, summary = rest.partition("\t")
        if flag == "!" and refs.endswith(f":refs/heads/{branch}"):
            return summary
    return None
