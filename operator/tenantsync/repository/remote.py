"""Which Git remotes the operator talks to, and how: https://, ssh:// or scp-like, or a local path.

Anything else is refused before git sees it: a relative path would resolve against the operator's
working directory (an `ssh:/` directory in a pod, backing up into an ephemeral volume), and git's
`<transport>::<address>` syntax runs remote helpers that can execute commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tenantsync.api import ErrorCode
from tenantsync.repository.errors import RepositoryError

# git's scp-like syntax, [user@]host:path, with a host that cannot be read as an ssh option.
_SCP_LIKE = re.compile(
    r"^(?:[A-Za-z0-9._][A-Za-z0-9._+-]*@)?(?:[A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\]):"
)
_REMOTE_HELPER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_MISTYPED_SCHEME = re.compile(r"^(?:ssh|https?|file|git):/[^/]")
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)?[^/@]*@")

SUPPORTED = "https://…, ssh://…, git@host:path, or an absolute local path (or file://…)"


class RemoteKind(Enum):
    """How git reaches the remote, which decides the credentials it takes."""

    LOCAL = "file"
    HTTP = "http"
    SSH = "ssh"


@dataclass(frozen=True)
class Remote:
    """A repository URL the operator accepted."""

    kind: RemoteKind
    url: str
    """What git is given: the URL as written, or the absolute path of a local repository."""
    protocol: str
    """The only protocol git may use for it (GIT_ALLOW_PROTOCOL)."""

    @property
    def display(self) -> str:
        """The URL without user information, safe to show and to store."""
        return scrub_url(self.url)


def parse_remote(url: str) -> Remote:
    """The remote `url` names, or a RepositoryError saying what is wrong with it."""
    if url.startswith(("https://", "http://")):
        _refuse_password(url)
        return Remote(RemoteKind.HTTP, url, urlsplit(url).scheme)
    if url.startswith("ssh://"):
        _refuse_password(url)
        parts = urlsplit(url)
        if not parts.hostname or parts.hostname.startswith("-") or not parts.path.strip("/"):
            raise _invalid(
                url, "an ssh:// URL needs a host and a repository path, as ssh://git@host/org/repo.git"
            )
        return Remote(RemoteKind.SSH, url, "ssh")
    if url.startswith("file://"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise _invalid(url, "a file:// URL must name an absolute path on the operator's machine")
        return Remote(RemoteKind.LOCAL, parts.path, "file")
    if url.startswith("/"):
        return Remote(RemoteKind.LOCAL, url, "file")
    if _REMOTE_HELPER.match(url):
        raise _invalid(url, "git remote helpers (<transport>::<address>) are not supported")
    if _SCHEME.match(url):
        raise _invalid(url, f"the scheme {url.partition('://')[0]}:// is not supported")
    if _MISTYPED_SCHEME.match(url):
        raise _invalid(url, "it looks like a URL with a slash missing after the scheme")
    if _SCP_LIKE.match(url) and url.partition(":")[2].strip("/"):
        return Remote(RemoteKind.SSH, url, "ssh")
    raise _invalid(url, "a relative path would depend on the operator's working directory")


def missing_local_remote(url: str) -> bool:
    """A local-path remote with nothing at its path. A Tenant's embedded default is created there on first
    use; a reader (a Baseline) must say it does not exist instead, before anything creates it."""
    remote = parse_remote(url)
    return remote.kind is RemoteKind.LOCAL and not Path(remote.url).exists()


def scrub_url(url: str) -> str:
    """The URL without its user information, safe to show and to store."""
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _refuse_password(url: str) -> None:
    if urlsplit(url).password is not None:
        raise RepositoryError(
            ErrorCode.REPOSITORY_UNREACHABLE,
            f"The repository URL {scrub_url(url)} carries a password in it. Remove it from spec.repository.url"
            " and put the credentials in the Secret named by spec.repository.secretRef.",
        )


def _invalid(url: str, reason: str) -> RepositoryError:
    shown = _USERINFO.sub(r"\g<scheme>", url)
    return RepositoryError(
        ErrorCode.REPOSITORY_UNREACHABLE,
        f"spec.repository.url {shown!r} is not a repository the operator can use: {reason}. Use {SUPPORTED}.",
    )
