"""The Exchange admin API client: cmdlets run over ``InvokeCommand``, as the ExchangeOnlineManagement
v3 module runs them (docs/types.md, "Exchange Online, Defender for Office 365 and Purview").

``POST {base}/adminapi/beta/{tenant}/InvokeCommand`` with ``{"CmdletInput": {"CmdletName": ...,
"Parameters": {...}}}``, an app-only token for the endpoint's resource and the system mailbox the
module anchors app-only calls to; a long answer is paged by ``@odata.nextLink``, which takes the same
body. It is the Graph client underneath, so the retry model is Graph's: 429 waits its Retry-After (and
holds the other requests back), a visible bounded wait, reads (``Get-``) repeated after 5xx and lost
connections, writes never repeated blindly — the caller reads a lost write back. The compliance
endpoint first redirects to the tenant's region; the client follows within the configured host only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from tenantsync.exchange.errors import ExchangeError, ExchangeUnavailable, exchange_error
from tenantsync.graph import GraphClient, GraphError, TokenProvider

JsonObject = dict[str, Any]

ANCHOR_MAILBOX = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}"
"""The mailbox the ExchangeOnlineManagement module anchors app-only sessions to."""
PAGE_SIZE = 1000
MAX_CONCURRENCY = 3
"""Requests in flight per tenant and endpoint. *Assumed* from Exchange Online's documented limit of
three concurrent connections per account; the REST endpoint's own limit is not published."""
_REDIRECTS = frozenset({301, 302, 307, 308})
_MAX_REDIRECTS = 3


class ExchangeClient(GraphClient):
    """Runs cmdlets on one endpoint (Exchange Online, or Security & Compliance) for one tenant."""

    unavailable = ExchangeUnavailable

    def __init__(self, base_url: str, tenant_id: str, token_provider: TokenProvider, **options: Any) -> None:
        options.setdefault("max_concurrency", MAX_CONCURRENCY)
        super().__init__(
            base_url,
            token_provider,
            headers={
                "X-AnchorMailbox": f"APP:{ANCHOR_MAILBOX}@{tenant_id}",
                "X-ResponseFormat": "json",
                "Prefer": f"odata.maxpagesize={PAGE_SIZE}",
            },
            **options,
        )
        self.tenant_id = tenant_id
        self._host = urlsplit(self.base_url).hostname or ""

    @property
    def invoke_url(self) -> str:
        return f"{self.base_url}/adminapi/beta/{self.tenant_id}/InvokeCommand"

    def _error(
        self, status: int, body: Any, headers: Mapping[str, str], *, retry_after: float | None
    ) -> GraphError:
        return exchange_error(status, body, headers, retry_after=retry_after)

    async def invoke(self, cmdlet: str, parameters: Mapping[str, Any] | None = None) -> list[JsonObject]:
        """Run ``cmdlet`` and return every object it output, page after page. ``Get-`` cmdlets change
        nothing and are repeated after a lost answer; any other is sent once (see ``GraphClient``)."""
        body = {"CmdletInput": {"CmdletName": cmdlet, "Parameters": dict(parameters or {})}}
        reads = cmdlet.startswith("Get-")
        items: list[JsonObject] = []
        url: str | None = self.invoke_url
        redirects = 0
        while url:
            response = await self._request(
                "POST", url, body=body, repeatable=reads, headers={"X-CmdletName": cmdlet}
            )
            if response.status_code in _REDIRECTS:
                redirects += 1
                url = self._regional(response.headers.get("Location", ""), redirects)
                continue
            page: JsonObject = response.json() if response.content else {}
            items.extend(page.get("value") or [])
            url = page.get("@odata.nextLink")
            if url:
                self._check_origin(url)
        return items

    def _regional(self, location: str, redirects: int) -> str:
        """Move to the regional host the endpoint sent us to (``<region>.ps.compliance...``), which then
        serves every later request; never to another domain, and never in a loop."""
        target = urlsplit(location)
        host = target.hostname or ""
        if redirects > _MAX_REDIRECTS or target.scheme != "https" or not host.endswith(f".{self._host}"):
            raise ExchangeError(
                0,
                "UnexpectedRedirect",
                f"refusing to follow a redirect away from {self._host}: {host or location}",
            )
        self.base_url = f"https://{target.netloc}"
        self._origin = urlsplit(self.base_url)[:2]
        self._host = host
        return self.invoke_url
