"""How the operator proves itself to a Git server, read from the repository Secret.

HTTPS takes `username` and `password` (or a token as password); SSH takes Flux's keys: `identity` (a
private key) and `known_hosts` (the server's host keys, always checked). A Secret that cannot work is
refused here with a message naming the key to fix, never with a validation error that could echo it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from tenantsync.api import ErrorCode, SecretReference
from tenantsync.repository.errors import RepositoryError
from tenantsync.repository.remote import RemoteKind, parse_remote

DEFAULT_USERNAME = "git"

# Fingerprints are cache keys inside this process: keyed, so one that leaked could not be used to
# check guesses of a token offline.
_FINGERPRINT_KEY = secrets.token_bytes(32)


def _fingerprint(kind: str, *values: str) -> str:
    return hmac.new(_FINGERPRINT_KEY, json.dumps([kind, *values]).encode(), hashlib.sha256).hexdigest()


class GitCredentials(BaseModel):
    """HTTPS basic authentication: a username and a password or access token."""

    model_config = ConfigDict(frozen=True)

    username: str = Field(min_length=1)
    password: SecretStr

    def fingerprint(self) -> str:
        """HMAC-SHA256 over the real values: changes when the token is rotated, reveals nothing of it."""
        return _fingerprint("https", self.username, self.password.get_secret_value())


class GitSshCredentials(BaseModel):
    """An SSH private key and the known_hosts lines that pin the server's host keys."""

    model_config = ConfigDict(frozen=True)

    identity: SecretStr
    """An unencrypted private key, OpenSSH or PEM format, ending with a newline as ssh requires."""
    known_hosts: str = Field(min_length=1)

    def fingerprint(self) -> str:
        """HMAC-SHA256 over the real values: changes when the key is rotated, reveals nothing of it."""
        return _fingerprint("ssh", self.identity.get_secret_value(), self.known_hosts)


RepositoryCredentials = GitCredentials | GitSshCredentials


def repository_credentials(
    url: str,
    reference: SecretReference | None,
    data: Mapping[str, bytes] | None,
    *,
    named_by: str,
    namespace: str,
) -> RepositoryCredentials | None:
    """The credentials a repository's spec names (`reference`, whose Secret holds `data`, None when it
    does not exist): None for a repository read without credentials, a RepositoryError naming the fix
    for a Secret that is missing or cannot work. The one way from a Secret to a repository's access."""
    if reference is None:
        return None
    if data is None:
        raise RepositoryError(
            ErrorCode.REPOSITORY_UNREACHABLE,
            f"Secret {reference.name} named by {named_by} does not exist in namespace {namespace}. Create it"
            " with username and password (or a token as password), or identity and known_hosts for an SSH"
            " remote.",
        )
    return credentials_from_secret(url, reference.name, data)


def credentials_from_secret(url: str, secret_name: str, data: Mapping[str, bytes]) -> RepositoryCredentials:
    """The credentials for `url` from the repository Secret's data, or a RepositoryError naming the fix."""
    if parse_remote(url).kind is RemoteKind.SSH:
        return _ssh_credentials(secret_name, data)
    username = _optional(secret_name, data, "username")
    password = _required(secret_name, data, "password")
    if username == "":
        raise _incomplete(secret_name, "has an empty username: remove the key to use 'git', or set it")
    return GitCredentials(username=username or DEFAULT_USERNAME, password=SecretStr(password))


def _ssh_credentials(secret_name: str, data: Mapping[str, bytes]) -> GitSshCredentials:
    identity = _required(secret_name, data, "identity").replace("\r\n", "\n")
    known_hosts = _required(secret_name, data, "known_hosts").replace("\r\n", "\n")
    key = identity.strip().encode() + b"\n"
    try:
        if key.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----"):
            serialization.load_ssh_private_key(key, password=None)
        else:
            serialization.load_pem_private_key(key, password=None)
    except TypeError:
        raise _incomplete(
            secret_name, "holds a passphrase-protected identity: give the operator a key without a passphrase"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise _incomplete(
            secret_name, "has an identity that is not a private key (OpenSSH or PEM format)"
        ) from None
    return GitSshCredentials(identity=SecretStr(key.decode()), known_hosts=known_hosts)


def _optional(secret_name: str, data: Mapping[str, bytes], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise _incomplete(secret_name, f"has a {key} that is not UTF-8 text") from None


def _required(secret_name: str, data: Mapping[str, bytes], key: str) -> str:
    value = _optional(secret_name, data, key)
    if value is None or not value.strip():
        raise _incomplete(secret_name, f"has no {key}")
    return value


def _incomplete(secret_name: str, problem: str) -> RepositoryError:
    return RepositoryError(
        ErrorCode.REPOSITORY_UNREACHABLE,
        f"Secret {secret_name} named by spec.repository.secretRef {problem}. An https:// repository needs"
        " username and password (or a token as password); an SSH repository needs identity and known_hosts.",
    )
