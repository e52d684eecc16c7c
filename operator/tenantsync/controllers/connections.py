"""kopf's connections to the API server, bounded.

kopf's own HTTP session opens a new TLS connection for every request it cannot put on an idle one,
with no upper bound (``aiohttp.TCPConnector(limit=0)``). An operator that starts with 1,000 Tenants
patches all of them at once, so it opened ~1,000 connections, each with asyncio's 256 KiB read buffer
and OpenSSL's state: the RSS rose from ~140 to ~500 MiB for a minute (benchmarks/memory_bench.py
--operator --tenants 1000). The same session with a bounded pool keeps requests beyond it waiting for a
free connection, in order, and the start-up peak stays near the steady state.

A watch holds its connection for as long as it streams, so the bound leaves room for every watch kopf
keeps: one per watched resource in each namespace. With namespace patterns (globs, exclusions) the
namespaces are not known when kopf logs in, and kopf's unbounded session is kept.
"""

from __future__ import annotations

import aiohttp
import kopf

REQUEST_CONNECTIONS = 32
"""Connections for requests (patches, posts, lists), beside the watches: as many as the operator's own
Kubernetes client keeps (`tenantsync.kube.client.REQUESTS_AT_ONCE`)."""
WATCHED_RESOURCES = 3
"""Tenants, SyncRuns and Baselines: one watch each per namespace."""
_PATTERN_CHARACTERS = frozenset("*?[!,")
"""What makes a namespace a pattern to kopf (globs, exclusions, lists; kopf's `select_specific_namespaces`)."""


def connection_limit(namespaces: list[str]) -> int | None:
    """How many connections kopf may open, or None when the namespaces' number is not known ahead."""
    if any(_PATTERN_CHARACTERS & set(pattern) for pattern in namespaces):
        return None
    return REQUEST_CONNECTIONS + WATCHED_RESOURCES * max(1, len(namespaces))


def bounded_session(info: kopf.ConnectionInfo, limit: int) -> kopf.AiohttpSession:
    """kopf's session for these credentials, at most `limit` connections open at once.

    Call it in the event loop (an async login handler): the session belongs to the loop it is made in.
    kopf closes it when the credentials are replaced (a new login after a 401) or the operator stops.
    """
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, ssl=info.as_ssl_context()),
        headers=info.as_http_headers(),
        proxy=info.proxy_url,
        trust_env=info.trust_env,
    )
    return kopf.AiohttpSession(
        server=info.server,
        default_namespace=info.default_namespace,
        priority=info.priority,
        expiration=info.expiration,
        aiohttp_session=session,
    )
