"""Where each service of a Tenant is reached: the cloud's hosts, explicit overrides, and the Exchange
admin API following an overridden Graph (the simulator serves everything from one host)."""

from __future__ import annotations

from tenantsync.api import TenantSpec
from tenantsync.auth import endpoints_for

SPEC = {
    "tenantId": "contoso.onmicrosoft.com",
    "servicePrincipal": {
        "clientId": "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11",
        "credentialsSecretRef": {"name": "sp"},
    },
    "repository": {"url": "/unused"},
}


def endpoints(**spec: object) -> tuple[str, str, str, str]:
    found = endpoints_for(TenantSpec.model_validate({**SPEC, **spec}))
    return found.exchange_url, found.exchange_resource, found.compliance_url, found.compliance_resource


def test_the_exchange_admin_api_defaults_to_the_clouds_hosts() -> None:
    assert endpoints() == (
        "https://outlook.office365.com",
        "https://outlook.office365.com",
        "https://ps.compliance.protection.outlook.com",
        "https://ps.compliance.protection.outlook.com",
    )
    assert endpoints(cloud="USGovernment")[0::2] == (
        "https://outlook.office365.us",
        "https://ps.compliance.protection.office365.us",
    )


def test_an_overridden_graph_carries_both_endpoints_unless_they_are_overridden_too() -> None:
    sim = "https://sim.example:8443"
    assert endpoints(endpoints={"graph": sim}) == (
        sim,
        "https://outlook.office365.com",
        sim,
        "https://ps.compliance.protection.outlook.com",
    )
    own = endpoints(
        endpoints={"graph": sim, "exchange": "https://exo.proxy/", "compliance": "https://scc.proxy"}
    )
    assert own[0::2] == ("https://exo.proxy", "https://scc.proxy")
