"""An HTTPS (CONNECT) proxy that tunnels Microsoft's host names to the simulator, for unchanged clients.

Tools such as IntuneCD hard-code ``login.microsoftonline.com`` and ``graph.microsoft.com``. The way
such a tool reaches a service other than the one its URLs name, without changing its code, is the
way a corporate network does: ``HTTPS_PROXY``. This proxy answers ``CONNECT`` for the hosts it was
given by opening a TCP tunnel to the simulator, whose server certificate names those hosts
(``--tls-host``) and whose CA the client trusts (``REQUESTS_CA_BUNDLE``). TLS stays end to end; the
client still verifies the host name it asked for. Any other host, and any other method, is refused
with 403, so nothing reaches the Internet by accident.
"""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_BUFFER = 65536


class _Tunnel(socketserver.BaseRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        method, target, *_ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        host, _, port = target.rpartition(":")
        if method.upper() != "CONNECT" or port != self.server.port or host.lower() not in self.server.hosts:
            self.server.refused.append(f"{method} {target}")
            self.request.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        self.server.tunnelled.append(target)
        with socket.create_connection(self.server.upstream, timeout=30) as upstream:
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _relay(self.request, upstream)


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    sockets = [client, upstream]
    while True:
        readable, _, broken = select.select(sockets, [], sockets, 60)
        if broken or not readable:
            return
        for source in readable:
            data = source.recv(_BUFFER)
            if not data:
                return
            (upstream if source is client else client).sendall(data)


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: tuple[str, int], hosts: set[str], port: int) -> None:
        super().__init__(("127.0.0.1", 0), _Tunnel)
        self.upstream = upstream
        self.hosts = {h.lower() for h in hosts}
        self.port = str(port)
        self.refused: list[str] = []
        self.tunnelled: list[str] = []


@contextmanager
def connect_proxy(upstream: tuple[str, int], hosts: set[str], port: int = 443) -> Iterator[_ProxyServer]:
    """A running proxy on 127.0.0.1 (its URL: ``http://127.0.0.1:{server_address[1]}``) that tunnels
    CONNECTs to `hosts` at `port`."""
    server = _ProxyServer(upstream, hosts, port)
    thread = threading.Thread(target=server.serve_forever, name="connect-proxy", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
