"""State persistence, tenant lookup, the demo seed, faults and the TLS material."""

from __future__ import annotations

import random
import ssl
from pathlib import Path

from cryptography import x509

from tenantsync_sim.faults import FaultInjector, FaultRule
from tenantsync_sim.graph.resources import BY_KEY
from tenantsync_sim.seed import DEMO_CLIENT_ID, DEMO_DOMAINS, DEMO_TENANT_ID, demo
from tenantsync_sim.state import SimState, Tenant
from tenantsync_sim.tls import ensure_tls_files


def test_find_tenant_by_guid_or_domain_case_insensitively() -> None:
    state = SimState()
    tenant = state.add_tenant(Tenant(id="ABC", domains=["Contoso.com"]))
    assert state.find_tenant("abc") is tenant
    assert state.find_tenant("CONTOSO.COM") is tenant
    assert state.find_tenant("fabrikam.com") is None


def test_demo_seed_is_realistic_stable_and_round_trips(tmp_path: Path) -> None:
    first, second = demo(), demo()
    tenant = first.tenants[DEMO_TENANT_ID]
    assert tenant.domains == DEMO_DOMAINS and DEMO_CLIENT_ID in tenant.apps
    sizes = {key: len(items) for key, items in tenant.collections.items()}
    assert sizes["conditionalAccessPolicies"] >= 24 and sizes["namedLocations"] >= 24
    intune = (
        sizes["deviceConfigurations"] + sizes["deviceCompliancePolicies"] + sizes["configurationPolicies"]
    )
    assert intune >= 200
    assert first.model_dump() == second.model_dump()
    for policy in tenant.collection("deviceCompliancePolicies").values():
        assert BY_KEY["deviceCompliancePolicies"].validate is not None
        assert BY_KEY["deviceCompliancePolicies"].validate(policy) is None
    path = tmp_path / "state.json"
    first.save(path)
    assert SimState.load(path).model_dump() == first.model_dump()


def test_fault_rules_by_count_rate_and_method() -> None:
    faults = FaultInjector(rng=random.Random(1))
    faults.add(FaultRule(path_prefix="/v1.0/groups", status=503, count=2, latency_ms=5))
    faults.add(FaultRule(path_prefix="/beta", method="PATCH", status=500, rate=0.0))
    decisions = [faults.decide("GET", "/v1.0/groups") for _ in range(3)]
    assert [d.status if d else None for d in decisions] == [503, 503, None]
    assert faults.decide("GET", "/v1.0/other") is None
    assert faults.decide("GET", "/beta/x") is None
    patch = faults.decide("PATCH", "/beta/x")
    assert patch is not None and patch.status is None


def test_tls_files_are_created_then_reused(tmp_path: Path) -> None:
    first = ensure_tls_files(tmp_path, ["127.0.0.1"])
    ca_before, cert_before = first.ca_cert.read_bytes(), first.server_cert.read_bytes()
    again = ensure_tls_files(tmp_path, ["127.0.0.1"])
    assert again.ca_cert.read_bytes() == ca_before and again.server_cert.read_bytes() == cert_before
    widened = ensure_tls_files(tmp_path, ["sim.example"])
    assert widened.ca_cert.read_bytes() == ca_before and widened.server_cert.read_bytes() != cert_before
    ca = x509.load_pem_x509_certificate(widened.ca_cert.read_bytes())
    server = x509.load_pem_x509_certificate(widened.server_cert.read_bytes())
    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "sim.example" in names.get_values_for_type(x509.DNSName)
    ssl.create_default_context().load_cert_chain(widened.server_cert, widened.server_key)
