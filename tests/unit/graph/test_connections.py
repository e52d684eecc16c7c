"""The operator's shared HTTPS connections, over a real loopback server that tells its connections apart:
clients of different tenants with the same trust send over one kept connection, each with its own token;
closing a client leaves the connection to the others; another CA bundle, another pool; the
environment's proxy is honoured, and a pool no longer kept closes once no client holds it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import certifi
import pytest

from tenantsync.graph import ConnectionPools, GraphClient, TokenProvider


@dataclass
class Seen:
    """What the loopback server saw: per request, its connection's number, request target and token."""

    requests: list[tuple[int, str, str]] = field(default_factory=list)
    connections: int = 0


@asynccontextmanager
async def http_server() -> AsyncIterator[tuple[str, Seen]]:
    """A minimal HTTP/1.1 server that keeps connections alive and answers ``{}`` to everything."""
    seen = Seen()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        number = seen.connections
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                lines = head.decode().split("\r\n")
                headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
                seen.requests.append((number, lines[0].split()[1], headers.get("Authorization", "")))
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}", seen


def token(value: str) -> TokenProvider:
    async def provide() -> str:
        return value

    return provide


async def test_clients_of_two_tenants_with_the_same_trust_share_one_kept_connection() -> None:
    pools = ConnectionPools()
    async with http_server() as (url, seen):
        contoso = GraphClient(url, token("contoso-token"), transport=await pools.lease(True))
        await contoso.get("organization")
        await contoso.aclose()
        fabrikam = GraphClient(url, token("fabrikam-token"), transport=await pools.lease(True))
        await fabrikam.get("organization")
        await fabrikam.get("organization")
        await fabrikam.aclose()
        await pools.aclose()
    assert seen.connections == 1, "closing the first client left the connection for the second"
    assert [(number, auth) for number, _, auth in seen.requests] == [
        (1, "Bearer contoso-token"),
        (1, "Bearer fabrikam-token"),
        (1, "Bearer fabrikam-token"),
    ], "each request carries its own tenant's token over the shared connection"


async def test_another_ca_bundle_is_another_pool(tmp_path: Path) -> None:
    bundle = tmp_path / "tenantsync-ca-0.pem"
    shutil.copyfile(certifi.where(), bundle)
    pools = ConnectionPools()
    async with http_server() as (url, seen):
        async with GraphClient(url, token("a"), transport=await pools.lease(True)) as public:
            await public.get("organization")
        async with GraphClient(url, token("b"), transport=await pools.lease(str(bundle))) as private:
            await private.get("organization")
        await pools.aclose()
    assert seen.connections == 2


async def test_a_pool_no_longer_kept_closes_once_its_last_client_closes(tmp_path: Path) -> None:
    bundles = []
    for i in range(2):  # a CA rotated: each content is a new bundle
        bundles.append(tmp_path / f"tenantsync-ca-{i}.pem")
        shutil.copyfile(certifi.where(), bundles[-1])
    pools = ConnectionPools(pools_kept=1)
    async with http_server() as (url, seen):
        long_sync = GraphClient(url, token("a"), transport=await pools.lease(str(bundles[0])))
        await long_sync.get("organization")
        async with GraphClient(url, token("b"), transport=await pools.lease(str(bundles[1]))) as other:
            await other.get("organization")
        await long_sync.get("organization")
        assert [number for number, _, _ in seen.requests] == [1, 2, 1], "still held: still open"
        await long_sync.aclose()
        again = GraphClient(url, token("a"), transport=await pools.lease(str(bundles[0])))
        await again.get("organization")
        await again.aclose()
        await pools.aclose()
    assert [number for number, _, _ in seen.requests] == [1, 2, 1, 3], "closed, then a new pool"


async def test_the_environments_proxy_is_honoured_and_no_proxy_too(monkeypatch: pytest.MonkeyPatch) -> None:
    async with http_server() as (proxy, through_proxy), http_server() as (direct, seen_direct):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        pools = ConnectionPools()
        async with GraphClient(
            "http://graph.example", token("t"), transport=await pools.lease(True)
        ) as client:
            await client.get("organization")
        async with GraphClient(direct, token("t"), transport=await pools.lease(True)) as client:
            await client.get("organization")
        await pools.aclose()
    assert [target for _, target, _ in through_proxy.requests] == ["http://graph.example/v1.0/organization"]
    assert [target for _, target, _ in seen_direct.requests] == ["/v1.0/organization"]
