"""A watch validates its Tenant's spec again only when the spec changed (issue 23's fleet cost)."""

from __future__ import annotations

from typing import Any

import kopf

from tenantsync.controllers.drift import KeptSpec

SPEC: dict[str, Any] = {
    "tenantId": "contoso.onmicrosoft.com",
    "servicePrincipal": {
        "clientId": "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11",
        "credentialsSecretRef": {"name": "sp"},
    },
    "repository": {"url": "/unused"},
    "drift": {"interval": "1m"},
}


def _body(generation: int | None, **spec: Any) -> kopf.Body:
    metadata: dict[str, Any] = {"name": "contoso", "namespace": "team-a"}
    if generation is not None:
        metadata["generation"] = generation
    raw: Any = {"metadata": metadata, "spec": {**SPEC, **spec}}
    return kopf.Body(raw)


def test_the_same_generation_reuses_the_validated_spec() -> None:
    kept = KeptSpec()
    first = kept.of(_body(1))
    assert kept.of(_body(1)) is first
    assert first.drift.interval == "1m"


def test_a_new_generation_is_validated_again() -> None:
    kept = KeptSpec()
    kept.of(_body(1))
    assert kept.of(_body(2, drift={"interval": "5m"})).drift.interval == "5m"


def test_a_body_without_a_generation_is_always_validated() -> None:
    kept = KeptSpec()
    first = kept.of(_body(None))
    assert kept.of(_body(None)) is not first
