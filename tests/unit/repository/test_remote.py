"""Which repository URLs the operator accepts, what git is given for them, and how others are refused."""

from __future__ import annotations

import pytest

from tenantsync.api import ErrorCode
from tenantsync.repository import RepositoryError
from tenantsync.repository.remote import RemoteKind, parse_remote


@pytest.mark.parametrize(
    ("url", "kind", "given", "protocol"),
    [
        (
            "https://git.example.com/org/tenants.git",
            RemoteKind.HTTP,
            "https://git.example.com/org/tenants.git",
            "https",
        ),
        ("http://127.0.0.1:8080/tenants.git", RemoteKind.HTTP, "http://127.0.0.1:8080/tenants.git", "http"),
        (
            "ssh://git@git.example.com:2222/org/tenants.git",
            RemoteKind.SSH,
            "ssh://git@git.example.com:2222/org/tenants.git",
            "ssh",
        ),
        ("git@github.com:org/tenants.git", RemoteKind.SSH, "git@github.com:org/tenants.git", "ssh"),
        ("git.example.com:org/tenants.git", RemoteKind.SSH, "git.example.com:org/tenants.git", "ssh"),
        ("/var/lib/tenantsync/tenants.git", RemoteKind.LOCAL, "/var/lib/tenantsync/tenants.git", "file"),
        (
            "file:///var/lib/tenantsync/tenants.git",
            RemoteKind.LOCAL,
            "/var/lib/tenantsync/tenants.git",
            "file",
        ),
        ("file://localhost/srv/tenants.git", RemoteKind.LOCAL, "/srv/tenants.git", "file"),
    ],
)
def test_supported_remotes(url: str, kind: RemoteKind, given: str, protocol: str) -> None:
    remote = parse_remote(url)
    assert (remote.kind, remote.url, remote.protocol) == (kind, given, protocol)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("git://git.example.com/tenants.git", "the scheme git:// is not supported"),
        ("ftp://git.example.com/tenants.git", "the scheme ftp:// is not supported"),
        ("ext::sh -c touch% /tmp/pwned", "remote helpers"),
        ("fd::17", "remote helpers"),
        ("tenants.git", "relative path"),
        ("ssh:/git@example.com/tenants.git", "a slash missing"),
        ("https:/git.example.com/tenants.git", "a slash missing"),
        ("~/tenants.git", "relative path"),
        ("ssh://-oProxyCommand=touch/tenants.git", "needs a host"),
        ("ssh://git@example.com", "needs a host and a repository path"),
        ("-oProxyCommand=touch:tenants.git", "relative path"),
        ("file://other-host/srv/tenants.git", "absolute path on the operator's machine"),
    ],
)
def test_other_remotes_are_refused_with_what_to_use(url: str, words: str) -> None:
    with pytest.raises(RepositoryError) as caught:
        parse_remote(url)
    assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE
    assert words in caught.value.message
    assert "https://…, ssh://…, git@host:path" in caught.value.message


@pytest.mark.parametrize(
    "url",
    ["https://bob:hunter2-token@git.example.com/t.git", "ssh://bob:hunter2-token@git.example.com/t.git"],
)
def test_a_password_in_the_url_is_refused_without_showing_it(url: str) -> None:
    with pytest.raises(RepositoryError) as caught:
        parse_remote(url)
    assert "spec.repository.secretRef" in caught.value.message
    assert "hunter2-token" not in caught.value.message


def test_a_refused_url_is_shown_without_its_user_information() -> None:
    with pytest.raises(RepositoryError) as caught:
        parse_remote("ftp://bob:hunter2-token@git.example.com/t.git")
    assert "hunter2-token" not in caught.value.message
    assert "ftp://git.example.com/t.git" in caught.value.message


def test_the_display_url_has_no_user_information() -> None:
    assert parse_remote("ssh://git@git.example.com/t.git").display == "ssh://git.example.com/t.git"
    assert parse_remote("git@github.com:org/t.git").display == "git@github.com:org/t.git"
