"""The image as a process (hack/run-image) and what a cluster gives a pod: its API server's Service."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import socketserver
import subprocess
import threading
from pathlib import Path
from types import TracebackType
from urllib.parse import SplitResult, urlsplit

from tests.support.cluster import ROOT, kubectl

SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
API_SERVICE_NAME = "kubernetes.default.svc"
CLUSTER_FIELD = "jsonpath={{.clusters[0].cluster.{}}}"


def api_server() -> SplitResult:
    return urlsplit(kubectl("config", "view", "--minify", "-o", CLUSTER_FIELD.format("server")).stdout)


def _pump(one: socket.socket, other: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    peers = {one: other, other: one}
    with selectors.DefaultSelector() as selector:
        for side in peers:
            selector.register(side, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                data = source.recv(65536)
                if not data:
                    return
                peers[source].sendall(data)


class ApiServerService:
    """The cluster's `kubernetes` Service: connections to `listen` (port 443) go to the API server.

    kopf's service-account login always connects to https://kubernetes.default.svc:443, which a pod
    resolves with the cluster's DNS. Here the name resolves (hack/run-image --add-host) to a loopback
    address of its own, and the API server's certificate already names kubernetes.default.svc.
    """

    def __init__(self, listen: tuple[str, int], upstream: tuple[str, int]) -> None:
        class Forward(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with socket.create_connection(upstream) as server:
                    _pump(self.request, server)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(listen, Forward)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ApiServerService:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class ImageContainer:
    """hack/run-image as a process. SIGTERM to it reaches the operator, which stops gracefully."""

    OPERATOR_PROGRAM = b"/opt/tenantsync/bin/tenantsync"

    def __init__(self, image: str, arguments: list[str], log_path: Path) -> None:
        self.image = image
        self.arguments = arguments
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(ROOT / "hack" / "run-image"), *self.arguments],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "IMAGE": self.image},
                start_new_session=True,
            )

    def exited(self) -> int | None:
        assert self._process is not None
        return self._process.poll()

    def operator_pid(self) -> int | None:
        """The operator's process id on this machine: the descendant running the image's tenantsync."""
        assert self._process is not None
        pending = [self._process.pid]
        while pending:
            pid = pending.pop()
            try:
                if self.OPERATOR_PROGRAM in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                    return pid
                for task in Path(f"/proc/{pid}/task").iterdir():
                    pending.extend(int(child) for child in (task / "children").read_text().split())
            except FileNotFoundError:
                continue
        return None

    def stop(self) -> int:
        assert self._process is not None
        self._process.send_signal(signal.SIGTERM)
        try:
            return self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
            raise AssertionError(f"the operator ignored SIGTERM for 60 s; log: {self.log()}") from None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]
