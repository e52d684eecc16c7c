"""One active replica per shard: the holder of the shard's Lease runs the handlers, the others wait as
standbys, answering their liveness probe, and take over when the holder stops renewing it.

The holder that cannot renew in time exits at once, before any standby may take over: a step cut short
that way is resumed from `status.step`, exactly as after a crash, so two replicas never work on a run at
the same time.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


def lease_name(shard: str | None) -> str:
    """One Lease per shard, so each shard elects its own active replica."""
    return f"tenantsync-shard-{shard}" if shard else "tenantsync"


def replica_identity() -> str:
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == self.server.path else 404)  # type: ignore[attr-defined]
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds would drown the log."""


@contextmanager
def standby_liveness(endpoint: str | None) -> Iterator[None]:
    """A standby is alive while it waits: answer the liveness probe until kopf's own endpoint takes over."""
    if endpoint is None:
        yield
        return
    url = urlsplit(endpoint)
    server = ThreadingHTTPServer((url.hostname or "0.0.0.0", url.port or 80), _Healthy)
    server.path = url.path or "/"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="standby-liveness", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
