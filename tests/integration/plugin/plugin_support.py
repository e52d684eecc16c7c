"""Running `kubectl-tenantsync` as a user does, and putting realistic status on our objects."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path
from typing import Any

from tests.support.cluster import KUBECONFIG, ROOT, wait_for
from tests.support.resources import Resources, syncrun_manifest, tenant_manifest

_VENV_PLUGIN = ROOT / ".venv" / "bin" / "kubectl-tenantsync"
PLUGIN = str(_VENV_PLUGIN if _VENV_PLUGIN.exists() else Path(sys.executable).parent / "kubectl-tenantsync")
assert shutil.which(PLUGIN), f"{PLUGIN} is not installed: pip install -e ."


def plugin_command(namespace: str | None, *args: str) -> list[str]:
    command = [PLUGIN, *args, "--kubeconfig", str(KUBECONFIG)]
    return [*command, "-n", namespace] if namespace else command


def plugin(
    namespace: str | None, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """One command, as `kubectl tenantsync ...` runs it: a separate process, output to pipes (no TTY)."""
    return subprocess.run(
        plugin_command(namespace, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def as_foreground_job() -> None:
    """Ctrl-C reaches the command as it would in a terminal: a test suite started in the background
    (`nohup make test &`) ignores SIGINT, and a Python child that inherits the ignored signal never raises
    KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class RunningPlugin:
    """A command that waits (sync --wait, login): its output is read as it comes."""

    def __init__(self, namespace: str, *args: str) -> None:
        self.process = subprocess.Popen(
            plugin_command(namespace, *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=as_foreground_job,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.stdout), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        def probe() -> bool:
            if self.process.poll() is not None and text not in self.output():
                raise AssertionError(f"the plugin exited with {self.process.returncode}: {self.output()}")
            return text in "".join(self.stdout + self.stderr)

        wait_for(probe, f"{text!r} in the plugin's output", timeout=timeout)

    def output(self) -> str:
        return "".join(self.stdout) + "\n--- stderr ---\n" + "".join(self.stderr)

    def finish(self, timeout: float = 30) -> int:
        code = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
GOLDEN = Path(__file__).parent / "golden"


class TerminalPlugin:
    """A command on a real pseudo-terminal of `columns` x `lines`, as a person at a shell runs it.

    stdin and stdout are the terminal (so the plugin sees its size, as it would in a real shell);
    stderr is a pipe, kept apart so the table on stdout can be compared line by line.
    """

    def __init__(self, namespace: str | None, *args: str, columns: int, lines: int = 50) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES", "NO_COLOR")}
        env["TERM"] = "xterm-256color"
        self.process = subprocess.Popen(
            plugin_command(namespace, *args),
            stdin=slave,
            stdout=slave,
            stderr=subprocess.PIPE,
            env=env,
            close_fds=True,
            start_new_session=True,
            preexec_fn=as_foreground_job,
        )
        os.close(slave)
        self._master = master
        self._raw: list[bytes] = []
        self._stderr: list[bytes] = []
        self._readers = [
            threading.Thread(target=self._read_terminal, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_terminal(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 4096)
            except OSError:  # EIO: the command exited and the terminal closed
                return
            if not chunk:
                return
            self._raw.append(chunk)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    @property
    def raw(self) -> str:
        """What the terminal received, colour codes and all (the terminal turns \\n into \\r\\n)."""
        return b"".join(self._raw).decode("utf-8", errors="replace").replace("\r\n", "\n")

    @property
    def screen(self) -> str:
        """The text a person reads: the terminal's bytes without colour codes."""
        return ANSI.sub("", self.raw)

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", errors="replace")

    def wait_for(self, text: str, timeout: float = 30) -> None:
        def probe() -> bool:
            if text in self.screen:
                return True
            if self.process.poll() is not None:
                raise AssertionError(
                    f"exited {self.process.returncode} before {text!r}:\n{self.screen}{self.stderr}"
                )
            return False

        wait_for(probe, f"{text!r} on the terminal", timeout=timeout)

    def interrupt(self) -> None:
        """Ctrl-C: the terminal sends SIGINT to the foreground command."""
        self.process.send_signal(signal.SIGINT)

    def finish(self, timeout: float = 60) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)
            for reader in self._readers:
                reader.join(timeout=5)
            os.close(self._master)
        return code


def on_terminal(namespace: str | None, *args: str, columns: int) -> tuple[int, TerminalPlugin]:
    """Run a command to its end on a terminal `columns` wide."""
    command = TerminalPlugin(namespace, *args, columns=columns)
    return command.finish(), command


def assert_golden(name: str, actual: str, replacements: dict[str, str] | None = None) -> None:
    """Compare with golden/<name>; TENANTSYNC_UPDATE_GOLDEN=1 rewrites the file instead (review the diff)."""
    for old, new in (replacements or {}).items():
        actual = actual.replace(old, new)
    path = GOLDEN / name
    if os.environ.get("TENANTSYNC_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual)
    assert path.exists(), f"no golden file {path}: run with TENANTSYNC_UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_text(), f"{name} differs from the golden file:\n{actual}"


def condition(type_: str, status: str, reason: str, message: str, at: str) -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": at,
        "observedGeneration": 1,
    }


def make_tenant(store: Resources, name: str, status: dict[str, Any] | None = None, **spec: Any) -> None:
    store.create("tenants", tenant_manifest(name, **spec))
    if status is not None:
        store.patch_status("tenants", name, status)


def make_run(
    resources: Resources,
    name: str,
    tenant: str,
    status: dict[str, Any] | None = None,
    trigger: str = "Manual",
) -> dict[str, Any]:
    manifest = syncrun_manifest(name, tenant)
    manifest["spec"]["trigger"] = trigger
    resources.create("syncruns", manifest)
    if status is not None:
        resources.patch_status("syncruns", name, status)
    return resources.get("syncruns", name)


def annotations_of(resources: Resources, plural: str, name: str) -> dict[str, str]:
    found: dict[str, str] = resources.get(plural, name)["metadata"].get("annotations") or {}
    return found
