"""The operator as a real process (`tenantsync run`), as it runs in a cluster."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.support.cluster import KUBECONFIG, ROOT, wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OperatorProcess:
    started: list[OperatorProcess] = []
    """Every operator started by the current test: a failing test's report shows the end of their logs
    (tests/conftest.py), since CI keeps no files."""

    def __init__(
        self,
        namespace: str,
        log_path: Path,
        scheduler_interval: float = 1.0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.namespace = namespace
        self.extra_args = extra_args
        self.log_path = log_path
        self.scheduler_interval = scheduler_interval
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.liveness_port = free_port()
        self.metrics_port = free_port()
        command = [
            str(Path(sys.executable).parent / "tenantsync"),
            "run",
            "--namespace", self.namespace,
            "--scheduler-interval", str(self.scheduler_interval),
            "--metrics-port", str(self.metrics_port),
            "--liveness", f"http://127.0.0.1:{self.liveness_port}/healthz",
            "--workdir", str(self.log_path.parent / "operator-workdir"),
            "--verbose",
            *self.extra_args,
        ]  # fmt: skip
        OperatorProcess.started.append(self)
        env = {**os.environ, "KUBECONFIG": str(KUBECONFIG)}
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        wait_for(self._live, f"the operator's liveness endpoint (log: {self.log_path})", timeout=60)

    def _live(self) -> bool:
        assert self._process is not None
        if self._process.poll() is not None:
            raise AssertionError(f"the operator exited with {self._process.returncode}; log: {self.log()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.liveness_port}/healthz", timeout=2):
                return True
        except OSError:
            return False

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def kill(self) -> None:
        """SIGKILL: a crash, with no chance to clean up."""
        if self._process and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=30)

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def log(self, characters: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:]
