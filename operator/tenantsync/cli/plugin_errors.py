"""What `kubectl tenantsync` exits with: one meaning per code, the same in every command.

Scripts branch on these, so a failed SyncRun (3) is told apart from a command that could not do its
job (1) and from a wait that ran out of time (4).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    RUN_FAILED = 3
    TIMED_OUT = 4
    INTERRUPTED = 130


MEANINGS: Mapping[ExitCode, str] = {
    ExitCode.OK: "done (for a command that waits: the run finished well or now needs a person)",
    ExitCode.ERROR: "the command could not do its job (not found, refused, API server unreachable)",
    ExitCode.USAGE: "bad usage (unknown command, flag or argument)",
    ExitCode.RUN_FAILED: "the SyncRun or sign-in it waited for failed",
    ExitCode.TIMED_OUT: "--timeout passed first (the request stays in place)",
    ExitCode.INTERRUPTED: "interrupted (the SyncRun goes on)",
}
"""What `--help` and docs/kubectl-plugin.md say about each code."""


class PluginError(Exception):
    """Something the user must fix or know: printed as `error: <message>` on stderr."""

    exit_code = ExitCode.ERROR


class ObjectNotFound(PluginError):
    """The named object does not exist (404)."""


class ObjectChanged(PluginError):
    """The object changed since it was read (409 on a write conditional on its resourceVersion)."""


class WaitTimedOut(PluginError):
    """A wait ran out of `--timeout`."""

    exit_code = ExitCode.TIMED_OUT
