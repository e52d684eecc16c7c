"""A real Git server on loopback for tests: `git http-backend` (CGI) behind HTTP basic authentication.

HTTP on 127.0.0.1 with a random port, or HTTPS with a certificate from a private CA when `tls` is given;
every repository under `root` is served at `<url>/<name>`. `before_receive_pack`, when set, runs once in
the server just before a client starts a push, which lets a test make another push land between a
client's fetch and its push. `rotate_password` changes the accepted token, as a Git host does when a
token is rotated.
"""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from tenantsync_sim.tls import TlsFiles

USERNAME = "tenantsync-test"
TOKEN = "test-token-9f2c1e7a"


def http_backend() -> Path:
    exec_path = subprocess.run(["git", "--exec-path"], check=True, capture_output=True, text=True).stdout
    return Path(exec_path.strip()) / "git-http-backend"


def init_bare(path: Path, initial_branch: str = "main") -> Path:
    subprocess.run(
        ["git", "init", "--quiet", "--bare", f"--initial-branch={initial_branch}", str(path)], check=True
    )
    return path


class GitHttpServer:
    """`git http-backend` over a threaded HTTP server that demands USERNAME and TOKEN."""

    def __init__(
        self, root: Path, username: str = USERNAME, password: str = TOKEN, tls: TlsFiles | None = None
    ) -> None:
        self.root = root
        self.before_receive_pack: Callable[[], None] | None = None
        self._username = username
        self.rotate_password(password)
        self._backend = http_backend()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._scheme = "http"
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(tls.server_cert, tls.server_key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def rotate_password(self, password: str) -> None:
        self._authorization = "Basic " + base64.b64encode(f"{self._username}:{password}".encode()).decode()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host!s}:{port}"

    def repository_url(self, name: str) -> str:
        return f"{self.url}/{name}"

    def __enter__(self) -> GitHttpServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _take_before_receive_pack(self) -> Callable[[], None] | None:
        hook, self.before_receive_pack = self.before_receive_pack, None
        return hook

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: pytest shows failures, not every request."""

            def _serve(self) -> None:
                if self.headers.get("Authorization") != server._authorization:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="tenantsync-test"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                parts = urlsplit(self.path)
                if parts.query == "service=git-receive-pack" and (hook := server._take_before_receive_pack()):
                    hook()
                body = self._body()
                env = {
                    **{key: value for key, value in os.environ.items() if not key.startswith("GIT_")},
                    "GIT_PROJECT_ROOT": str(server.root),
                    "GIT_HTTP_EXPORT_ALL": "1",
                    "REMOTE_USER": USERNAME,
                    "REMOTE_ADDR": self.client_address[0],
                    "REQUEST_METHOD": self.command,
                    "PATH_INFO": parts.path,
                    "QUERY_STRING": parts.query,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                    "CONTENT_LENGTH": str(len(body)),
                    "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                    "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                }
                result = subprocess.run(
                    [str(server._backend)], input=body, capture_output=True, env=env, check=False
                )
                head, _, payload = result.stdout.partition(b"\r\n\r\n")
                status = 200
                headers: list[tuple[str, str]] = []
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                    return self.rfile.read(int(self.headers.get("Content-Length") or 0))
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(chunks)

        return Handler
