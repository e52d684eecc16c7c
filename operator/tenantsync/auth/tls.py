"""The sign-ins' TLS trust: one context per CA bundle, shared by every sign-in's connections.

MSAL sends through `requests`, which left alone builds a TLS context for each new connection and loads
every trusted root into it: ~40 ms of CPU, most of a sign-in's cost, paid hundreds of times a minute by a
fleet of audit watches waiting for consent (docs/drift.md). The adapter here gives urllib3 a context
built once per bundle instead, as the Graph client's connection pools do (`graph/connections.py`).

Sign-ins run in worker threads, so connections are made from one context in several threads at once:
OpenSSL allows that as long as the context is not changed meanwhile, and urllib3 sets the context's
ALPN protocols before each connection, which races with another thread's new connection
(python/cpython#141012). The shared context has its ALPN protocols set once and keeps them.
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Iterable
from typing import Any

import certifi
import requests
from requests.adapters import HTTPAdapter

ALPN_PROTOCOLS = ["http/1.1"]
"""What urllib3 offers; it speaks nothing else."""


class _SharedContext(ssl.SSLContext):
    def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
        """Kept as set when built (urllib3 sets the same before each connection)."""


def trust(bundle: str | bool) -> ssl.SSLContext:
    """The context of a CA bundle: a file (the operator names its bundles by their content), or True for
    the public roots, which are, as requests has them, REQUESTS_CA_BUNDLE's, CURL_CA_BUNDLE's or certifi's.
    A bundle that cannot be read or parsed raises OSError (ssl.SSLError) when a connection needs it."""
    if not isinstance(bundle, str):
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    return _context(bundle)


@functools.lru_cache(maxsize=16)
def _context(bundle: str) -> ssl.SSLContext:
    """urllib3's settings (TLS 1.2 at least, no compression or session tickets, no match on a
    certificate's common name) with the bundle's roots; a bundle changed in place under the same path
    (an environment's, not the operator's) is read again only by a new process."""
    context = _SharedContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the host name
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_TICKET
    context.hostname_checks_common_name = False
    ssl.SSLContext.set_alpn_protocols(context, ALPN_PROTOCOLS)
    if os.path.isdir(bundle):
        context.load_verify_locations(capath=bundle)
    else:
        context.load_verify_locations(cafile=bundle)
    return context


class TrustAdapter(HTTPAdapter):
    """HTTPS through the shared context of each request's `verify` bundle; the hop to an HTTPS proxy
    through the session's. `verify=False` is left to requests (nothing verified, nothing shared)."""

    def __init__(self, bundle: str | bool) -> None:
        self._bundle = bundle
        super().__init__()

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host, pool = super().build_connection_pool_key_attributes(request, verify, cert)
        if verify is not False:
            pool.pop("ca_certs", None)
            pool.pop("ca_cert_dir", None)
            pool.update(ssl_context=trust(verify), cert_reqs="CERT_REQUIRED")
        return host, pool

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)
        if verify is not False:
            conn.ca_certs = conn.ca_cert_dir = None  # the context has them: loaded again, they cost as much

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        if self._bundle is not False and not proxy.lower().startswith("socks"):
            proxy_kwargs.setdefault("proxy_ssl_context", trust(self._bundle))
        return super().proxy_manager_for(proxy, **proxy_kwargs)
