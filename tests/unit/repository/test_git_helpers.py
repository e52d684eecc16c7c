"""Pure helpers around the git CLI: scrubbing, the process environment, parsing git's output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from tenantsync.api import ErrorCode
from tenantsync.repository import GitAuthor, GitCredentials, RepositoryError
from tenantsync.repository.git import (
    CREDENTIAL_HELPER,
    PASSWORD_VARIABLE,
    USERNAME_VARIABLE,
    GitFailed,
    git_environment,
    scrub,
    ssh_command,
)
from tenantsync.repository.remote import scrub_url
from tenantsync.repository.tenant_repository import (
    _batch_contents,
    _file_path,
    _folder,
    _quote,
    _rejection,
    unreachable_hint,
)

PASSWORD = "s3cr3t-t0ken"


def _config(env: dict[str, str]) -> dict[str, str]:
    return {
        env[f"GIT_CONFIG_KEY_{i}"]: env[f"GIT_CONFIG_VALUE_{i}"] for i in range(int(env["GIT_CONFIG_COUNT"]))
    }


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@example.com/org/repo.git", "https://example.com/org/repo.git"),
        ("https://token@example.com:8443/repo", "https://example.com:8443/repo"),
        ("https://example.com/repo.git", "https://example.com/repo.git"),
        ("/var/lib/tenantsync/repo.git", "/var/lib/tenantsync/repo.git"),
    ],
)
def test_scrub_url_drops_user_information(url: str, expected: str) -> None:
    assert scrub_url(url) == expected


def test_scrub_removes_known_secrets_and_userinfo_in_urls() -> None:
    text = f"fatal: unable to access 'https://bob:{PASSWORD}@git.example.com/r.git/': {PASSWORD} refused"
    scrubbed = scrub(text, [PASSWORD, ""])
    assert PASSWORD not in scrubbed
    assert "bob" not in scrubbed
    assert "https://git.example.com/r.git/" in scrubbed


def test_environment_passes_credentials_only_through_variables() -> None:
    credentials = GitCredentials(username="bob", password=SecretStr(PASSWORD))
    inherited = {"PATH": "/bin", "GIT_DIR": "/elsewhere", "SSH_ASKPASS": "x", "SSH_AUTH_SOCK": "/agent"}
    env = git_environment(inherited, credentials, None, protocol="https")
    assert env[USERNAME_VARIABLE] == "bob"
    assert env[PASSWORD_VARIABLE] == PASSWORD
    assert _config(env) == {"credential.helper": CREDENTIAL_HELPER}
    # The secret sits in exactly one variable: never in git's configuration.
    assert [key for key, value in env.items() if PASSWORD in value] == [PASSWORD_VARIABLE]
    assert PASSWORD not in CREDENTIAL_HELPER
    assert "GIT_DIR" not in env
    assert "SSH_ASKPASS" not in env
    assert "SSH_AUTH_SOCK" not in env
    assert "GIT_SSH_COMMAND" not in env
    assert env["GIT_ALLOW_PROTOCOL"] == "https"
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["GIT_CONFIG_GLOBAL"] == os.devnull
    assert env["PATH"] == "/bin"


def test_environment_without_credentials_configures_no_helper() -> None:
    env = git_environment({}, None, Path("/etc/ca.pem"), protocol="https")
    assert _config(env) == {"http.sslCAInfo": "/etc/ca.pem"}
    assert USERNAME_VARIABLE not in env
    assert PASSWORD_VARIABLE not in env


def test_credentials_repr_hides_the_password() -> None:
    credentials = GitCredentials(username="bob", password=SecretStr(PASSWORD))
    assert PASSWORD not in repr(credentials)
    assert PASSWORD not in str(credentials)


def test_author_refuses_what_breaks_git_idents() -> None:
    with pytest.raises(ValidationError):
        GitAuthor(name="Eve <evil>")
    with pytest.raises(ValidationError):
        GitAuthor(email="a b@example.com")


@pytest.mark.parametrize(
    ("stderr", "words"),
    [
        ("fatal: Authentication failed for 'https://h/r.git/'", "credentials"),
        (
            "fatal: unable to access 'https://h/r/': SSL certificate problem: unable to get local issuer",
            "spec.endpoints.caBundleSecretRef",
        ),
        ("Host key verification failed.\nfatal: Could not read from remote repository.", "known_hosts"),
        ("git@127.0.0.1: Permission denied (publickey).", "deploy key"),
        ("error: cannot run ssh: No such file or directory", "openssh-client"),
        ("fatal: repository 'https://h/r/' not found", "spec.repository.url"),
        ("fatal: unable to access 'https://h/r/': Could not resolve host: h", "reach"),
    ],
)
def test_unreachable_hint_says_what_to_check(stderr: str, words: str) -> None:
    assert words in unreachable_hint(GitFailed("ls-remote", stderr))


def test_unreachable_hint_for_a_timeout() -> None:
    assert "network" in unreachable_hint(GitFailed("fetch", "timed out", timed_out=True))


@pytest.mark.parametrize(
    ("path", "expected"), [("", ""), ("tenants/contoso/", "tenants/contoso"), ("a", "a")]
)
def test_folder_drops_a_trailing_slash(path: str, expected: str) -> None:
    assert _folder(path) == expected


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/", "an absolute path"),
        ("/etc/tenants", "an absolute path"),
        ("../escape", "'..' segments"),
        ("tenants/../../escape", "'..' segments"),
        ("a//b", "not a plain relative path"),
        (".git/config", "not a plain relative path"),
        ("a/./b", "not a plain relative path"),
    ],
)
def test_folder_refuses_paths_leaving_the_repository(path: str, words: str) -> None:
    with pytest.raises(RepositoryError) as caught:
        _folder(path)
    assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE
    assert words in caught.value.message
    assert "spec.repository.path" in caught.value.message


@pytest.mark.parametrize("name", ["", "dir/", "../up.json", "/abs.json"])
def test_file_names_must_stay_inside_the_folder(name: str) -> None:
    with pytest.raises(RepositoryError):
        _file_path(name)


def test_ssh_checks_the_host_key_against_the_given_file_only() -> None:
    command = ssh_command(Path("/work dir/ssh/identity"), Path("/work dir/ssh/known_hosts"))
    env = git_environment({"SSH_AUTH_SOCK": "/agent"}, None, None, protocol="ssh", ssh=command)

    assert env["GIT_SSH_COMMAND"] == command
    assert env["GIT_ALLOW_PROTOCOL"] == "ssh"
    assert "SSH_AUTH_SOCK" not in env
    assert command.startswith("ssh -F /dev/null -i '/work dir/ssh/identity' ")
    for option in (
        "StrictHostKeyChecking=yes",
        'UserKnownHostsFile="/work dir/ssh/known_hosts"',
        "GlobalKnownHostsFile=/dev/null",
        "IdentitiesOnly=yes",
        "IdentityAgent=none",
        "BatchMode=yes",
    ):
        assert option in command


def test_quote_escapes_what_fast_import_would_misread() -> None:
    assert _quote('a "b"\\c\nd é') == b'"a \\"b\\"\\\\c\\012d \xc3\xa9"'


def test_batch_contents_splits_by_declared_size() -> None:
    output = b"aaa blob 3\nx\ny\nbbb blob 0\n\nccc blob 2\n\n\n\n"
    assert _batch_contents(output) == [b"x\ny", b"", b"\n\n"]


def test_rejection_reads_the_refused_branch() -> None:
    porcelain = (
        "To http://127.0.0.1:1/r.git\n"
        "!\tabc:refs/heads/other\t[rejected] (non-fast-forward)\n"
        "!\tabc:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n"
        "Done\n"
    )
    assert _rejection(porcelain, "main") == "[remote rejected] (pre-receive hook declined)"
    assert _rejection("To x\n*\tabc:refs/heads/main\t[new branch]\nDone\n", "main") is None
