"""Repository credentials from a Secret: what is accepted, what is refused and how, and fingerprints."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from pydantic import SecretStr

from tenantsync.api import ErrorCode
from tenantsync.repository import (
    GitCredentials,
    GitSshCredentials,
    RepositoryError,
    credentials_from_secret,
)

HTTPS = "https://git.example.com/org/tenants.git"
SSH = "git@git.example.com:org/tenants.git"
TOKEN = "ghp_rotating-token-1"
KNOWN_HOSTS = (
    b"git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
)


def _private_key() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )


def test_https_credentials_from_username_and_password() -> None:
    credentials = credentials_from_secret(HTTPS, "git", {"username": b"bot", "password": TOKEN.encode()})
    assert credentials == GitCredentials(username="bot", password=SecretStr(TOKEN))


def test_a_missing_username_is_git() -> None:
    credentials = credentials_from_secret(HTTPS, "git", {"password": TOKEN.encode()})
    assert isinstance(credentials, GitCredentials)
    assert credentials.username == "git"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"username": b"", "password": TOKEN.encode()}, "has an empty username"),
        ({"username": b"bot"}, "has no password"),
        ({"username": b"bot", "password": b"  "}, "has no password"),
        ({"username": b"\xff\xfe", "password": TOKEN.encode()}, "username that is not UTF-8"),
        ({"identity": _private_key()}, "has no password"),
    ],
)
def test_https_secrets_that_cannot_work_are_refused_clearly(data: dict[str, bytes], words: str) -> None:
    with pytest.raises(RepositoryError) as caught:
        credentials_from_secret(HTTPS, "git-credentials", data)
    assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE
    assert "Secret git-credentials named by spec.repository.secretRef" in caught.value.message
    assert words in caught.value.message
    assert TOKEN not in caught.value.message


def test_ssh_credentials_from_identity_and_known_hosts() -> None:
    key = _private_key()
    credentials = credentials_from_secret(SSH, "git", {"identity": key, "known_hosts": KNOWN_HOSTS})
    assert isinstance(credentials, GitSshCredentials)
    assert credentials.identity.get_secret_value() == key.decode()
    assert credentials.known_hosts == KNOWN_HOSTS.decode()


def test_an_identity_pasted_with_windows_line_ends_and_no_final_newline_works() -> None:
    key = _private_key()
    pasted = key.strip().replace(b"\n", b"\r\n")
    credentials = credentials_from_secret(SSH, "git", {"identity": pasted, "known_hosts": KNOWN_HOSTS})
    assert isinstance(credentials, GitSshCredentials)
    assert credentials.identity.get_secret_value() == key.decode()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"known_hosts": KNOWN_HOSTS}, "has no identity"),
        ({"identity": _private_key()}, "has no known_hosts"),
        ({"identity": _private_key(), "known_hosts": b"\n"}, "has no known_hosts"),
        ({"identity": b"not a key", "known_hosts": KNOWN_HOSTS}, "not a private key"),
        ({"username": b"git", "password": TOKEN.encode()}, "has no identity"),
    ],
)
def test_ssh_secrets_that_cannot_work_are_refused_clearly(data: dict[str, bytes], words: str) -> None:
    with pytest.raises(RepositoryError) as caught:
        credentials_from_secret(SSH, "deploy-key", data)
    assert caught.value.code is ErrorCode.REPOSITORY_UNREACHABLE
    assert "Secret deploy-key" in caught.value.message
    assert words in caught.value.message
    assert "PRIVATE KEY" not in caught.value.message


def test_a_passphrase_protected_key_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", str(key)],
        check=True,
        capture_output=True,
    )
    with pytest.raises(RepositoryError, match="passphrase-protected"):
        credentials_from_secret(SSH, "deploy-key", {"identity": key.read_bytes(), "known_hosts": KNOWN_HOSTS})


def test_the_fingerprint_changes_with_a_rotated_token_and_never_contains_it() -> None:
    first = GitCredentials(username="bot", password=SecretStr(TOKEN))
    same = GitCredentials(username="bot", password=SecretStr(TOKEN))
    rotated = GitCredentials(username="bot", password=SecretStr("ghp_rotating-token-2"))

    assert first.fingerprint() == same.fingerprint()
    assert first.fingerprint() != rotated.fingerprint()
    # What the cache key used to be built from cannot tell them apart.
    assert first.model_dump_json() == rotated.model_dump_json()
    assert TOKEN not in first.fingerprint()
    assert len(first.fingerprint()) == 64


def test_the_fingerprint_changes_with_a_rotated_key_or_host_key() -> None:
    key = _private_key().decode()
    base = GitSshCredentials(identity=SecretStr(key), known_hosts=KNOWN_HOSTS.decode())
    new_key = GitSshCredentials(identity=SecretStr(_private_key().decode()), known_hosts=KNOWN_HOSTS.decode())
    new_host = GitSshCredentials(identity=SecretStr(key), known_hosts="other ssh-ed25519 AAAA\n")

    assert len({base.fingerprint(), new_key.fingerprint(), new_host.fingerprint()}) == 3
    assert (
        base.fingerprint()
        == GitSshCredentials(identity=SecretStr(key), known_hosts=base.known_hosts).fingerprint()
    )
    assert key not in repr(base)
