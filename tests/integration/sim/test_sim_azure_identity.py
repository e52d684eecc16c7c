"""Unmodified azure-identity credentials against the simulator (authority + CA bundle only)."""

from __future__ import annotations

import ssl
import threading

import httpx
import jwt
import pytest
from azure.identity import CertificateCredential, ClientSecretCredential, DeviceCodeCredential

from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import GRAPH_DEFAULT, PASSWORD, SimTenant, make_certificate

pytestmark = pytest.mark.integration


def _claims(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims


def test_client_secret_credential(tenant: SimTenant) -> None:
    credential = ClientSecretCredential(
        tenant.id,
        tenant.client_id,
        tenant.secret,
        authority=tenant.url,
        disable_instance_discovery=True,
        connection_verify=tenant.ca,
    )
    token = credential.get_token(GRAPH_DEFAULT)
    claims = _claims(token.token)
    assert claims["tid"] == tenant.id
    assert "DeviceManagementConfiguration.ReadWrite.All" in claims["roles"]  # type: ignore[operator]
    assert token.expires_on > claims["iat"]  # type: ignore[operator]


def test_certificate_credential_uses_sha1_thumbprint(sim: SimulatorClient, tenant: SimTenant) -> None:
    cert = make_certificate()
    sim.add_certificate(tenant.id, tenant.client_id, cert.cert_pem)
    credential = CertificateCredential(
        tenant.id,
        tenant.client_id,
        certificate_data=(cert.key_pem + cert.cert_pem).encode(),
        authority=tenant.url,
        disable_instance_discovery=True,
        connection_verify=tenant.ca,
    )
    claims = _claims(credential.get_token(GRAPH_DEFAULT).token)
    assert claims["appidacr"] == "2"


def test_device_code_credential_signs_in_through_the_page(tenant: SimTenant) -> None:
    def sign_in(verification_uri: str, user_code: str, expires_on: object) -> None:
        def post() -> None:
            with httpx.Client(verify=ssl.create_default_context(cafile=tenant.ca)) as client:
                page = client.post(
                    verification_uri,
                    data={"user_code": user_code, "username": tenant.admin_upn, "password": PASSWORD},
                )
                assert page.status_code == 200

        threading.Thread(target=post).start()

    credential = DeviceCodeCredential(
        client_id=tenant.public_client_id,
        tenant_id=tenant.id,
        authority=tenant.url,
        disable_instance_discovery=True,
        connection_verify=tenant.ca,
        prompt_callback=sign_in,
        timeout=30,
    )
    token = credential.get_token("https://graph.microsoft.com/Policy.Read.All")
    claims = _claims(token.token)
    assert claims["upn"] == tenant.admin_upn
    assert claims["scp"] == "Policy.Read.All"
