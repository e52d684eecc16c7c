"""Running the git CLI: a clean environment, credentials kept out of arguments and files, scrubbed output.

HTTPS credentials reach git only through the environment of its process: a credential helper, configured
with `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, prints them from two environment
variables. They never appear in process arguments, in `.git/config` or in anything this module returns.
SSH needs its key and known_hosts as files (ssh reads nothing else); the caller writes them 0600 and
`ssh_command` points ssh at them, with the host key always checked.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tenantsync.repository.credentials import GitCredentials

logger = logging.getLogger(__name__)

USERNAME_VARIABLE = "TENANTSYNC_GIT_USERNAME"
PASSWORD_VARIABLE = "TENANTSYNC_GIT_PASSWORD"

# Git runs a helper starting with "!" through the shell, with the action (get, store, erase) appended.
CREDENTIAL_HELPER = (
    f'!f() {{ if [ "$1" = get ]; then printf "username=%s\\npassword=%s\\n"'
    f' "${USERNAME_VARIABLE}" "${PASSWORD_VARIABLE}"; fi; }}; f'
)

# Inherited variables that would redirect git (GIT_DIR, GIT_INDEX_FILE...), let it prompt someone, or
# offer ssh keys from an agent.
_DROPPED_VARIABLES = ("GIT_", "SSH_ASKPASS", "SSH_AUTH_SOCK")

_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")


class GitAuthor(BaseModel):
    """Who the operator's commits are by; git's ident format forbids angle brackets and newlines."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(default="tenantsync", pattern=r"^[^<>\n]+$")
    email: str = Field(default="tenantsync@localhost", pattern=r"^[^<>\n\s]+$")


def scrub(text: str, secrets: Sequence[str]) -> str:
    """Text from git with every known secret and every URL's user information removed."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _URL_USERINFO.sub(r"\g<scheme>", text)


def ssh_command(identity: Path, known_hosts: Path) -> str:
    """The ssh git runs: this key only, host keys from this file only, never trust-on-first-use.

    No user configuration (`-F /dev/null`), no agent, no prompts; ssh neither adds nor updates host keys.
    """
    options = {
        "IdentitiesOnly": "yes",
        "IdentityAgent": "none",
        "StrictHostKeyChecking": "yes",
        "UserKnownHostsFile": f'"{known_hosts}"',
        "GlobalKnownHostsFile": "/dev/null",
        "UpdateHostKeys": "no",
        "BatchMode": "yes",
    }
    arguments = ["ssh", "-F", os.devnull, "-i", str(identity)]
    for name, value in options.items():
        arguments += ["-o", f"{name}={value}"]
    return shlex.join(arguments)


def git_environment(
    base: Mapping[str, str],
    credentials: GitCredentials | None,
    ca_bundle: Path | None,
    *,
    protocol: str,
    ssh: str | None = None,
) -> dict[str, str]:
    """The environment of every git process: no user or system configuration, no prompts, C messages.

    Ignoring the global and system configuration keeps the operator's behaviour independent of the
    machine, and guarantees no other credential helper stores the password anywhere. Git may use only
    `protocol` (GIT_ALLOW_PROTOCOL), so a redirect or a crafted URL cannot switch transports; `ssh` is
    the command from `ssh_command` for an SSH remote.
    """
    env = {key: value for key, value in base.items() if not key.startswith(_DROPPED_VARIABLES)}
    env |= {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ALLOW_PROTOCOL": protocol,
        "LC_ALL": "C",
        "LANGUAGE": "C",
    }
    if ssh is not None:
        env |= {"GIT_SSH_COMMAND": ssh, "GIT_SSH_VARIANT": "ssh"}
    config: list[tuple[str, str]] = []
    if credentials is not None:
        config.append(("credential.helper", CREDENTIAL_HELPER))
        env[USERNAME_VARIABLE] = credentials.username
        env[PASSWORD_VARIABLE] = credentials.password.get_secret_value()
    if ca_bundle is not None:
        config.append(("http.sslCAInfo", str(ca_bundle)))
    env["GIT_CONFIG_COUNT"] = str(len(config))
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: bytes
    stderr: str
    """Already scrubbed."""


class GitFailed(Exception):
    """A git command failed or timed out; `stderr` is scrubbed and safe to show."""

    def __init__(self, command: str, stderr: str, *, timed_out: bool = False) -> None:
        super().__init__(f"git {command} failed: {stderr}")
        self.command = command
        self.stderr = stderr
        self.timed_out = timed_out


class Git:
    """Runs git commands against one repository directory with one environment and one set of secrets."""

    def __init__(self, git_dir: Path, env: Mapping[str, str], secrets: Sequence[str], timeout: float) -> None:
        self._git_dir = git_dir
        self._env = dict(env)
        self._secrets = tuple(secrets)
        self._timeout = timeout

    def scrub(self, text: str) -> str:
        return scrub(text, self._secrets)

    async def run(self, *args: str, stdin: bytes | None = None, check: bool = True) -> GitResult:
        """Run `git <args>`; the process is killed when it outlives the timeout or the caller is cancelled."""
        # An explicit --git-dir stops git from discovering an enclosing repository.
        process = await asyncio.create_subprocess_exec(
            "git",
            f"--git-dir={self._git_dir}",
            *args,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._env,
            cwd=self._git_dir,
        )
        try:
            stdout, stderr_bytes = await asyncio.wait_for(process.communicate(stdin), self._timeout)
        except TimeoutError:
            raise GitFailed(args[0], f"timed out after {self._timeout:g} seconds", timed_out=True) from None
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        stderr = self.scrub(stderr_bytes.decode("utf-8", "replace")).strip()
        logger.debug("git %s exited with %s", args[0], process.returncode)
        if check and process.returncode != 0:
            raise GitFailed(args[0], stderr)
        return GitResult(process.returncode or 0, stdout, stderr)
