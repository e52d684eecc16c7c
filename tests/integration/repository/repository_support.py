"""Helpers for the repository tests: plain git, as a person or another tool would run it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tenantsync.repository import GitAuthor

AUTHOR = GitAuthor(name="tenantsync-test", email="tenantsync-test@localhost")


def git(*args: str, cwd: Path | None = None) -> str:
    """Plain git, as a person or another tool would run it, to set up and inspect repositories."""
    command = ["git", "-c", "user.name=Someone Else", "-c", "user.email=else@example.com", *args]
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def push_from_another_clone(remote: Path, branch: str, files: dict[str, str], scratch: Path) -> str:
    """Commit `files` to `branch` from a separate clone of the bare repository `remote`; the new sha."""
    clone = scratch / f"other-{len(list(scratch.glob('other-*')))}"
    git("clone", "--quiet", str(remote), str(clone))
    if git("ls-remote", "origin", f"refs/heads/{branch}", cwd=clone):
        git("checkout", "--quiet", branch, cwd=clone)
    else:
        git("checkout", "--quiet", "--orphan", branch, cwd=clone)
    for name, content in files.items():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        (clone / name).write_text(content)
    git("add", "--all", cwd=clone)
    git("commit", "--quiet", "-m", f"someone else edits {', '.join(files)}", cwd=clone)
    git("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", cwd=clone)
    return git("rev-parse", "HEAD", cwd=clone)


def tree(remote: Path, ref: str) -> dict[str, str]:
    """Every file on `ref` of a bare repository, by path."""
    names = git("--git-dir", str(remote), "ls-tree", "-r", "--name-only", ref).splitlines()
    return {name: git("--git-dir", str(remote), "show", f"{ref}:{name}") for name in names}
