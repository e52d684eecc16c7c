"""The operator's HTTPS connections: kept open between requests and shared by every Tenant's clients.

Microsoft Graph and the Exchange admin API serve every tenant from the same hosts (graph.microsoft.com,
outlook.office365.com); the token in each request's Authorization header says which tenant it is for,
not the connection. So the operator keeps its connections as any long-running client of those hosts
does: open between a step's clients, a watch's looks and different Tenants, instead of connecting and
shaking hands again for every client (an idle audit-log look spent most of its CPU on its two TLS
handshakes, docs/drift.md).

A pool serves one TLS trust (the CA bundle: the public roots, or those plus a Tenant's
``caBundleSecretRef``): a connection verified against one Tenant's CA is never handed to a Tenant that
does not trust it. Bounds: ``POOLS_KEPT`` pools, the least recently leased going first; at most
``KEEPALIVE_CONNECTIONS`` idle connections per pool, each closed after ``KEEPALIVE_SECONDS`` unused.
Connections in use are bounded by the clients themselves (each limits its requests in flight, so one
Tenant's sync cannot take every connection). The environment's proxy (``HTTPS_PROXY``, ``ALL_PROXY``,
``NO_PROXY``) is honoured as by requests, MSAL's HTTP client. A pool belongs to the event loop it was
first used in: the operator runs one.
"""

from __future__ import annotations

import ssl
import urllib.request
from collections import OrderedDict

import httpx

POOLS_KEPT = 16
"""Pools kept, one per CA bundle content: Tenants use the public roots or a few private CAs, and a
rotated CA is a new bundle. Each holds a TLS context with the public roots (about a MiB)."""
KEEPALIVE_CONNECTIONS = 32
"""Idle connections kept per pool, over all its hosts: an idle fleet's looks need a few, but watches
started together look in the same second, and a burst of syncs opens more; what is above this bound is
closed as its requests end. httpcore checks every kept connection for expiry at each request, so more
is not free either, but 8 measured worse than 32 at 1,000 watches (docs/drift.md)."""
KEEPALIVE_SECONDS = 90.0
"""How long an unused connection is kept: longer than the default 1-minute look interval, so even a
single Tenant's next look finds its connection. A connection the server closed first is noticed before
it is used and replaced (and a read that loses its connection anyway is repeated, see ``GraphClient``)."""


class ConnectionPools:
    """Every pool of the operator, by TLS trust; closed when the operator stops."""

    def __init__(
        self,
        *,
        pools_kept: int = POOLS_KEPT,
        keepalive_connections: int = KEEPALIVE_CONNECTIONS,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        self._pools_kept = pools_kept
        self._limits = httpx.Limits(
            max_connections=None,
            max_keepalive_connections=keepalive_connections,
            keepalive_expiry=keepalive_seconds,
        )
        self._proxies = urllib.request.getproxies()
        self._pools: OrderedDict[str | bool, _Pool] = OrderedDict()

    async def lease(self, bundle: str | bool) -> PoolLease:
        """A client's hold on the pool that trusts ``bundle`` (a CA bundle file, named by its content, or
        True for the public roots); the client's ``aclose`` gives it back and closes no connection.

        A pool no longer kept is closed once no client holds it: a long sync keeps its connections."""
        pool = self._pools.pop(bundle, None) or _Pool(_tls(bundle), self._limits, self._proxies)
        self._pools[bundle] = pool
        while len(self._pools) > self._pools_kept:
            await self._pools.popitem(last=False)[1].retire()
        return PoolLease(pool)

    async def aclose(self) -> None:
        """Close every pool's connections: the operator stops."""
        pools = list(self._pools.values())
        self._pools.clear()
        for pool in pools:
            await pool.aclose()


class PoolLease(httpx.AsyncBaseTransport):
    """The transport a client sends through: the shared pool, which closing the client leaves open."""

    def __init__(self, pool: _Pool) -> None:
        self._pool: _Pool | None = pool
        pool.leases += 1

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._pool is None:
            raise httpx.ConnectError("the connection pool lease was given back", request=request)
        return await self._pool.transport_for(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.release()


class _Pool:
    """Connections trusting one CA bundle: direct, or through the environment's proxy."""

    def __init__(self, verify: ssl.SSLContext | bool, limits: httpx.Limits, proxies: dict[str, str]) -> None:
        self._verify = verify
        self._limits = limits
        self._proxies = proxies
        self._direct = httpx.AsyncHTTPTransport(verify=verify, limits=limits)
        self._proxied: dict[str, httpx.AsyncHTTPTransport] = {}
        self.leases = 0
        self._retired = False
        """No longer leased out: closed as soon as no client holds it."""

    def transport_for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
        if not proxy or urllib.request.proxy_bypass(url.host):
            return self._direct
        if "://" not in proxy:
            proxy = f"http://{proxy}"
        if proxy not in self._proxied:
            self._proxied[proxy] = httpx.AsyncHTTPTransport(
                verify=self._verify, limits=self._limits, proxy=proxy
            )
        return self._proxied[proxy]

    async def retire(self) -> None:
        self._retired = True
        if not self.leases:
            await self.aclose()

    async def release(self) -> None:
        self.leases -= 1
        if self._retired and not self.leases:
            await self.aclose()

    async def aclose(self) -> None:
        for transport in (self._direct, *self._proxied.values()):
            await transport.aclose()
        self._proxied.clear()


def _tls(bundle: str | bool) -> ssl.SSLContext | bool:
    """The TLS context of a bundle, built once per pool (building one costs milliseconds of CPU)."""
    return ssl.create_default_context(cafile=bundle) if isinstance(bundle, str) else bundle
