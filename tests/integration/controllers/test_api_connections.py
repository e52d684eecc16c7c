"""kopf's session to the real API server opens no more connections than its bound, however many calls."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import kopf
import pytest

from tenantsync.controllers.connections import bounded_session
from tests.support.cluster import KUBECONFIG

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

CALLS = 40


def _open_connections_to(port: int) -> int:
    """This process's established TCP connections to `port`, from /proc (no extra dependency)."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[3] == "01" and fields[9] in inodes:
                count += 1
    return count


def _credentials(monkeypatch: pytest.MonkeyPatch) -> kopf.ConnectionInfo:
    monkeypatch.setenv("KUBECONFIG", str(KUBECONFIG))
    info = kopf.login_with_kubeconfig(settings=kopf.OperatorSettings(), logger=logging.getLogger(__name__))
    assert info is not None
    return info


async def _calls(session: aiohttp.ClientSession, server: str) -> list[int]:
    async def one() -> int:
        async with session.get(f"{server}/api/v1/namespaces/default") as response:
            await response.read()
            return response.status

    return await asyncio.gather(*(one() for _ in range(CALLS)))


async def test_concurrent_calls_share_the_bounded_pool(
    cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = _credentials(monkeypatch)
    port = urlsplit(info.server).port or 443
    before = _open_connections_to(port)  # other clients of this test process, if any
    bounded = bounded_session(info, limit=4)
    try:
        statuses = await _calls(bounded.aiohttp_session, info.server)
        assert statuses == [200] * CALLS  # the credentials were carried over
        assert 1 <= _open_connections_to(port) - before <= 4
    finally:
        await bounded.aiohttp_session.close()


async def test_an_unbounded_session_opens_a_connection_per_concurrent_call(
    cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What kopf's own session does, so the test above shows the bound and not an idle server."""
    info = _credentials(monkeypatch)
    port = urlsplit(info.server).port or 443
    before = _open_connections_to(port)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, ssl=info.as_ssl_context()), headers=info.as_http_headers()
    ) as unbounded:
        statuses = await _calls(unbounded, info.server)
        assert statuses == [200] * CALLS
        assert _open_connections_to(port) - before > 4
