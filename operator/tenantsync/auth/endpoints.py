"""Where a tenant's identity platform, Graph and the Exchange admin API live: the national cloud's hosts,
or explicit overrides."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import certifi

from tenantsync.api import Cloud, TenantSpec

# (authority host, Graph host): Graph's resource identifier is its public host in each cloud.
_CLOUDS = {
    Cloud.PUBLIC: ("https://login.microsoftonline.com", "https://graph.microsoft.com"),
    Cloud.US_GOVERNMENT: ("https://login.microsoftonline.us", "https://graph.microsoft.us"),
    Cloud.CHINA: ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}
# (Exchange Online, Security & Compliance): the Exchange admin API's two endpoints, which are also the
# resources their tokens are issued for (ExchangeOnlineManagement's -ExchangeEnvironmentName values).
_EXCHANGE = {
    Cloud.PUBLIC: ("https://outlook.office365.com", "https://ps.compliance.protection.outlook.com"),
    Cloud.US_GOVERNMENT: ("https://outlook.office365.us", "https://ps.compliance.protection.office365.us"),
    Cloud.CHINA: ("https://partner.outlook.cn", "https://ps.compliance.protection.partner.outlook.cn"),
}


@dataclass(frozen=True)
class TenantEndpoints:
    authority_host: str
    """Identity platform base URL, without the tenant."""
    graph_url: str
    """Where Graph requests go (the cloud's host, the simulator, or a proxy)."""
    graph_resource: str
    """The resource tokens are issued for: always the cloud's Graph, whatever host serves it."""
    public_cloud_authority: bool
    """Only the public cloud's own authority supports MSAL's instance discovery."""
    exchange_url: str = ""
    """Where Exchange Online's cmdlets go (the cloud's host; the Graph override's when only it is set)."""
    exchange_resource: str = ""
    compliance_url: str = ""
    """Where Security & Compliance (Purview) cmdlets go."""
    compliance_resource: str = ""

    def authority(self, tenant_id: str) -> str:
        return f"{self.authority_host}/{tenant_id}"

    def admin_consent_url(self, tenant_id: str, client_id: str) -> str:
        return f"{self.authority(tenant_id)}/adminconsent?client_id={client_id}"


def endpoints_for(spec: TenantSpec) -> TenantEndpoints:
    """The spec's overrides over the cloud's hosts. With only Graph overridden (the simulator, a proxy),
    the Exchange admin API's endpoints go to the same host too, as the portal's admin API does."""
    authority, graph = _CLOUDS[spec.cloud]
    exchange, compliance = _EXCHANGE[spec.cloud]
    overrides = spec.endpoints
    authority_host = ((overrides.authority if overrides else None) or authority).rstrip("/")
    graph_url = ((overrides.graph if overrides else None) or graph).rstrip("/")
    fallback = graph_url if graph_url != graph else None
    return TenantEndpoints(
        authority_host=authority_host,
        graph_url=graph_url,
        graph_resource=graph,
        public_cloud_authority=authority_host == authority and spec.cloud == Cloud.PUBLIC,
        exchange_url=((overrides.exchange if overrides else None) or fallback or exchange).rstrip("/"),
        exchange_resource=exchange,
        compliance_url=((overrides.compliance if overrides else None) or fallback or compliance).rstrip("/"),
        compliance_resource=compliance,
    )


def ca_bundle_file(extra_pem: bytes | None, directory: Path | None = None) -> str | bool:
    """A CA bundle with the public roots plus `extra_pem`, written once per content; True for the defaults.

    MSAL (requests), httpx and git all take a bundle path; keeping the public roots means a
    TLS-inspecting proxy's CA is added to, not substituted for, what is trusted. The operator keeps the
    files in its own work directory (`directory`), so they go with it instead of piling up in /tmp.
    """
    if not extra_pem:
        return True
    digest = hashlib.sha256(extra_pem).hexdigest()[:16]
    folder = directory or Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"tenantsync-ca-{digest}.pem"
    if not path.exists():
        staging = path.with_suffix(".tmp")
        staging.write_bytes(Path(certifi.where()).read_bytes() + b"\n" + extra_pem)
        staging.replace(path)
    return str(path)
