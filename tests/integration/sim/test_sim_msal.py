"""Unmodified MSAL Python against the simulator: only the authority URL and the CA bundle change."""

from __future__ import annotations

import threading
import time

import httpx
import jwt
import msal
import pytest

from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import GRAPH_DEFAULT, PASSWORD, SimTenant, make_certificate

pytestmark = pytest.mark.integration


def confidential(
    tenant: SimTenant, credential: object, authority: str | None = None
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        tenant.client_id,
        client_credential=credential,
        authority=authority or tenant.authority,
        instance_discovery=False,
        verify=tenant.ca,
    )


def public(
    tenant: SimTenant, cache: msal.SerializableTokenCache | None = None
) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        tenant.public_client_id,
        authority=tenant.authority,
        instance_discovery=False,
        verify=tenant.ca,
        token_cache=cache,
    )


def verified_claims(http: httpx.Client, tenant: SimTenant, token: str, audience: str) -> dict[str, object]:
    """Check the signature against the published JWKS, as a resource server would."""
    config = http.get(f"/{tenant.id}/v2.0/.well-known/openid-configuration").json()
    jwks = jwt.PyJWKSet.from_dict(http.get(config["jwks_uri"]).json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims: dict[str, object] = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience)
    return claims


def complete_device_login(
    tenant: SimTenant, user_code: str, username: str, password: str = PASSWORD
) -> httpx.Response:
    """What a person does in the browser: post the form on the verification page."""
    with httpx.Client(verify=__import__("ssl").create_default_context(cafile=tenant.ca)) as client:
        return client.post(
            f"{tenant.url}/devicelogin",
            data={"user_code": user_code, "username": username, "password": password, "decision": "approve"},
        )


def test_discovery_by_domain_names_the_tenant_guid(http: httpx.Client, tenant: SimTenant) -> None:
    config = http.get(f"/{tenant.domain.upper()}/v2.0/.well-known/openid-configuration").json()
    assert config["token_endpoint"] == f"{tenant.url}/{tenant.id}/oauth2/v2.0/token"
    assert config["device_authorization_endpoint"] == f"{tenant.url}/{tenant.id}/oauth2/v2.0/devicecode"
    assert config["issuer"] == f"{tenant.url}/{tenant.id}/v2.0"


def test_client_secret_token_carries_consented_roles(http: httpx.Client, tenant: SimTenant) -> None:
    app = confidential(tenant, tenant.secret, authority=f"{tenant.url}/{tenant.domain}")
    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "access_token" in result, result
    claims = verified_claims(http, tenant, result["access_token"], "https://graph.microsoft.com")
    assert claims["tid"] == tenant.id
    assert claims["appid"] == tenant.client_id
    assert claims["appidacr"] == "1"
    assert "Policy.Read.All" in claims["roles"]  # type: ignore[operator]
    assert "scp" not in claims


def test_certificate_assertion_sha256(http: httpx.Client, sim: SimulatorClient, tenant: SimTenant) -> None:
    cert = make_certificate()
    sim.add_certificate(tenant.id, tenant.client_id, cert.cert_pem)
    app = confidential(tenant, {"private_key": cert.key_pem, "public_certificate": cert.cert_pem})
    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "access_token" in result, result
    claims = verified_claims(http, tenant, result["access_token"], "https://graph.microsoft.com")
    assert claims["appidacr"] == "2"


def test_unregistered_certificate_is_700027(sim: SimulatorClient, tenant: SimTenant) -> None:
    registered, other = make_certificate(), make_certificate("someone-else")
    sim.add_certificate(tenant.id, tenant.client_id, registered.cert_pem)
    app = confidential(tenant, {"private_key": other.key_pem, "public_certificate": other.cert_pem})
    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700027]


def test_a_removed_certificate_no_longer_signs_in(sim: SimulatorClient, tenant: SimTenant) -> None:
    cert = make_certificate()
    registered = sim.add_certificate(tenant.id, tenant.client_id, cert.cert_pem)
    app = confidential(tenant, {"private_key": cert.key_pem, "public_certificate": cert.cert_pem})
    assert "access_token" in app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    sim.remove_certificate(tenant.id, tenant.client_id, registered["keyId"])
    again = confidential(tenant, {"private_key": cert.key_pem, "public_certificate": cert.cert_pem})
    assert again.acquire_token_for_client(scopes=[GRAPH_DEFAULT])["error_codes"] == [700027]


def test_unknown_tenant_fails_discovery_with_90002(tenant: SimTenant) -> None:
    with pytest.raises(ValueError, match="Unable to get authority configuration") as raised:
        confidential(tenant, tenant.secret, authority=f"{tenant.url}/no-such-tenant.example")
    # MSAL chains the discovery failure, which carries Entra's body verbatim.
    cause = raised.value.__cause__ or raised.value.__context__
    assert "AADSTS90002" in str(cause)
    assert "HTTP status: 400" in str(cause)


def test_wrong_secret_is_7000215(tenant: SimTenant) -> None:
    result = confidential(tenant, "not-the-secret").acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert (result["error"], result["error_codes"]) == ("invalid_client", [7000215])
    assert result["error_description"].startswith("AADSTS7000215: ")
    for field in ("timestamp", "trace_id", "correlation_id", "error_uri"):
        assert result[field]


def test_expired_secret_is_7000222(sim: SimulatorClient, tenant: SimTenant) -> None:
    sim.expire_secrets(tenant.id, tenant.client_id)
    result = confidential(tenant, tenant.secret).acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert (result["error"], result["error_codes"]) == ("invalid_client", [7000222])


def test_rotated_secret_works_and_old_one_does_not(sim: SimulatorClient, tenant: SimTenant) -> None:
    new = sim.add_secret(tenant.id, tenant.client_id, replace_existing=True)["secretText"]
    assert "access_token" in confidential(tenant, new).acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    old = confidential(tenant, tenant.secret).acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert old["error_codes"] == [7000215]


def test_unknown_application_is_700016(tenant: SimTenant) -> None:
    app = msal.ConfidentialClientApplication(
        "11111111-2222-3333-4444-555555555555",
        client_credential="x",
        authority=tenant.authority,
        instance_discovery=False,
        verify=tenant.ca,
    )
    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert (result["error"], result["error_codes"]) == ("unauthorized_client", [700016])


def test_missing_consent_still_issues_a_token_without_roles(sim: SimulatorClient, tenant: SimTenant) -> None:
    sim.revoke_consent(tenant.id, tenant.client_id)
    result = confidential(tenant, tenant.secret).acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert "roles" not in claims


def _device_flow(
    tenant: SimTenant, username: str, cache: msal.SerializableTokenCache | None = None
) -> dict[str, object]:
    app = public(tenant, cache)
    flow = app.initiate_device_flow(scopes=["https://graph.microsoft.com/Policy.Read.All"])
    assert flow["verification_uri"] == f"{tenant.url}/devicelogin"
    assert flow["user_code"] in flow["message"]
    outcome: dict[str, httpx.Response] = {}
    signer = threading.Thread(
        target=lambda: outcome.setdefault("page", complete_device_login(tenant, flow["user_code"], username))
    )
    signer.start()
    result: dict[str, object] = app.acquire_token_by_device_flow(
        flow, exit_condition=lambda f: time.time() > f["expires_at"]
    )
    signer.join()
    return result


def test_device_flow_through_sign_in_page_then_silent_refresh(tenant: SimTenant) -> None:
    cache = msal.SerializableTokenCache()
    result = _device_flow(tenant, tenant.admin_upn, cache)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == tenant.admin_upn  # type: ignore[index]
    claims = jwt.decode(str(result["access_token"]), options={"verify_signature": False})
    assert claims["scp"] == "Policy.Read.All"
    assert "roles" not in claims

    restored = msal.SerializableTokenCache()
    restored.deserialize(cache.serialize())
    app = public(tenant, restored)
    [account] = app.get_accounts()
    assert account["username"] == tenant.admin_upn
    silent = app.acquire_token_silent(
        ["https://graph.microsoft.com/Policy.Read.All"], account=account, force_refresh=True
    )
    assert silent is not None and "access_token" in silent, silent
    assert silent["access_token"] != result["access_token"]


def test_blocked_user_is_53003(sim: SimulatorClient, tenant: SimTenant) -> None:
    sim.create_user(tenant.id, f"blocked@{tenant.domain}", PASSWORD, blocked_by_conditional_access=True)
    result = _device_flow(tenant, f"blocked@{tenant.domain}")
    assert (result["error"], result["error_codes"]) == ("invalid_grant", [53003])


def test_mfa_user_is_50076(sim: SimulatorClient, tenant: SimTenant) -> None:
    sim.create_user(tenant.id, f"mfa@{tenant.domain}", PASSWORD, mfa_required=True)
    result = _device_flow(tenant, f"mfa@{tenant.domain}")
    assert (result["error"], result["error_codes"]) == ("invalid_grant", [50076])


def test_unconsented_delegated_scope_is_65001(sim: SimulatorClient, tenant: SimTenant) -> None:
    sim.revoke_permission(tenant.id, tenant.public_client_id, "Policy.Read.All", "Delegated")
    result = _device_flow(tenant, tenant.admin_upn)
    assert (result["error"], result["error_codes"]) == ("invalid_grant", [65001])


def test_user_blocked_after_sign_in_fails_refresh_with_53003(sim: SimulatorClient, tenant: SimTenant) -> None:
    cache = msal.SerializableTokenCache()
    assert "access_token" in _device_flow(tenant, tenant.admin_upn, cache)
    sim.update_user(tenant.id, tenant.admin_upn, blockedByConditionalAccess=True)
    app = public(tenant, cache)
    [account] = app.get_accounts()
    result = app.acquire_token_silent_with_error(
        ["https://graph.microsoft.com/Policy.Read.All"], account=account, force_refresh=True
    )
    assert result is not None and result["error_codes"] == [53003]


def test_revoked_sign_in_sessions_fail_refresh(sim: SimulatorClient, tenant: SimTenant) -> None:
    cache = msal.SerializableTokenCache()
    assert "access_token" in _device_flow(tenant, tenant.admin_upn, cache)
    sim.revoke_sign_in_sessions(tenant.id, tenant.admin_upn)
    app = public(tenant, cache)
    [account] = app.get_accounts()
    result = app.acquire_token_silent_with_error(
        ["https://graph.microsoft.com/Policy.Read.All"], account=account, force_refresh=True
    )
    assert result is not None and result["error"] == "invalid_grant"
