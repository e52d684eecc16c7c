"""Real Git servers on loopback for tests: `git http-backend` (CGI) behind HTTP basic authentication,
and OpenSSH's sshd serving git over SSH.

HTTP on 127.0.0.1 with a random port, or HTTPS with a certificate from a private CA when `tls` is given;
every repository under `root` is served at `<url>/<name>`. `before_receive_pack`, when set, runs once in
the server just before a client starts a push, which lets a test make another push land between a
client's fetch and its push. `rotate_password` changes the accepted token, as a Git host does when a
token is rotated.
"""

from __future__ import annotations

import base64
import getpass
import os
import random
import socket
import ssl
import subprocess
import threading
import time
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


SSHD = Path("/usr/sbin/sshd")


class GitSshServer:
    """OpenSSH's sshd on loopback serving git over SSH, as the running user, for one client key.

    The key may run nothing but git-shell (upload-pack and receive-pack); repositories are addressed by
    absolute path: `ssh://<user>@<host>:<port>/<path>`. It listens on a random 127.x.y.z address, on port
    22 when it may (root), so that the scp-like `user@host:path` form, which cannot name a port, reaches
    it too. `known_hosts` is the line that pins the server's host key, as a repository Secret carries it.
    """

    def __init__(self, directory: Path, client_public_key: str) -> None:
        self.user = getpass.getuser()
        self._directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._host_key = directory / "ssh_host_ed25519_key"
        keygen(self._host_key)
        self.host_public_key = self._host_key.with_suffix(".pub").read_text().split()[:2]
        authorized = directory / "authorized_keys"
        authorized.write_text(
            f'restrict,command="git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"" {client_public_key}\n'
        )
        authorized.chmod(0o600)
        self.host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"
        self.port = 22 if os.geteuid() == 0 and _port_free(self.host, 22) else _free_port(self.host)
        self._config = directory / "sshd_config"
        self._config.write_text(
            "\n".join(
                [
                    f"ListenAddress {self.host}",
                    f"Port {self.port}",
                    f"HostKey {self._host_key}",
                    f"AuthorizedKeysFile {authorized}",
                    f"PidFile {directory / 'sshd.pid'}",
                    f"AllowUsers {self.user}",
                    "PermitRootLogin prohibit-password",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    # pytest's temporary directories sit under the world-writable /tmp.
                    "StrictModes no",
                    "LogLevel VERBOSE",
                    "",
                ]
            )
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def known_hosts(self) -> str:
        name = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{name} {' '.join(self.host_public_key)}\n"

    def repository_url(self, path: Path) -> str:
        return f"ssh://{self.user}@{self.host}:{self.port}{path}"

    def scp_like_url(self, path: Path) -> str | None:
        """The `user@host:path` form, or None when the server could not take port 22 (not root)."""
        return f"{self.user}@{self.host}:{path}" if self.port == 22 else None

    def __enter__(self) -> GitSshServer:
        if os.geteuid() == 0:
            # sshd started by root insists on its privilege separation directory, as the service creates it.
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self._process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(self._config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(self._directory / "sshd.log").open("wb"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self._directory / 'sshd.log').read_text()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as connection:
                    if connection.recv(8).startswith(b"SSH-"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"sshd did not answer on port {self.port}")

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)

    @property
    def log(self) -> str:
        return (self._directory / "sshd.log").read_text()


def keygen(path: Path) -> str:
    """A new unencrypted ed25519 key pair at `path` and `path`.pub; the public key line."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path.with_suffix(".pub").read_text().strip()


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True
