"""Credentials rotated while the operator runs: the old one is revoked on the server side, the new one
is put in its Secret, and the next sync uses it without a restart. (The client secret's rotation is in
test_sync_lifecycle.py; the Git token's and the SSH key's in tests/integration/repository.)"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import msal
import pytest
from kubernetes import client

from tenantsync.catalog import ADMIN_API_SCOPE
from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, first_sync, sync, wait_phase
from tests.e2e.test_user_authentication import pending_code, user_tenant
from tests.support.certificates import certificate_pair
from tests.support.operator import OperatorProcess
from tests.support.resources import condition

pytestmark = pytest.mark.integration

CACHE_KEY = "msal_token_cache.json"


def token_requests(ws: Workspace, app_id: str) -> list[dict[str, Any]]:
    return [
        r
        for r in ws.sim.requests(ws.tenant_id)
        if r["appId"] == app_id and r["path"].split("?")[0].endswith("/oauth2/v2.0/token")
    ]


def sign_in_with_certificate(ws: Workspace, certificate: bytes, key: bytes) -> dict[str, Any]:
    """What the identity platform answers a client signing in with this certificate, through MSAL."""
    app = msal.ConfidentialClientApplication(
        ws.client_id,
        client_credential={"private_key": key.decode(), "public_certificate": certificate.decode()},
        authority=f"{ws.simulator.url}/{ws.tenant_id}",
        instance_discovery=False,
        verify=ws.simulator.ca,
    )
    result: dict[str, Any] = app.acquire_token_for_client(["https://graph.microsoft.com/.default"])
    return result


def tls_secret(certificate: bytes, key: bytes) -> client.V1Secret:
    return client.V1Secret(
        metadata=client.V1ObjectMeta(name="contoso-sp"),
        type="kubernetes.io/tls",
        string_data={"tls.crt": certificate.decode(), "tls.key": key.decode()},
    )


def test_a_rotated_certificate_is_used_by_the_next_sync(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    ws, core = workspace, workspace.resources.core
    now = datetime.now(UTC).replace(microsecond=0)
    old_certificate, old_key = certificate_pair(now + timedelta(days=40))
    old = ws.sim.add_certificate(ws.tenant_id, ws.client_id, old_certificate.decode())
    ws.sim.expire_secrets(ws.tenant_id, ws.client_id)  # only the certificate signs in
    core.delete_namespaced_secret("contoso-sp", ws.namespace)
    core.create_namespaced_secret(ws.namespace, tls_secret(old_certificate, old_key))
    first = first_sync(ws)
    assert first["status"]["phase"] == "Succeeded", first["status"]
    credentials = ws.resources.get("tenants", "contoso")["status"]["credentials"]
    assert credentials["kind"] == "Certificate"
    assert datetime.fromisoformat(credentials["expiresAt"]) == now + timedelta(days=40)

    new_certificate, new_key = certificate_pair(now + timedelta(days=400))
    ws.sim.add_certificate(ws.tenant_id, ws.client_id, new_certificate.decode())
    ws.sim.remove_certificate(ws.tenant_id, ws.client_id, old["keyId"])
    core.replace_namespaced_secret("contoso-sp", ws.namespace, tls_secret(new_certificate, new_key))
    assert "access_token" not in sign_in_with_certificate(ws, old_certificate, old_key), "revoked"
    ws.sim.clear_requests(ws.tenant_id)

    rotated = wait_phase(ws, sync(ws, "new-certificate"), FINISHED)
    assert rotated["status"]["phase"] == "Succeeded", rotated["status"]
    # A new sign-in with the new certificate: the old one is revoked, so nothing else could succeed.
    assert [r["status"] for r in token_requests(ws, ws.client_id)] == [200]
    tenant = ws.resources.get("tenants", "contoso")
    assert datetime.fromisoformat(tenant["status"]["credentials"]["expiresAt"]) == now + timedelta(days=400)
    assert condition(tenant, "CredentialsValid")["status"] == "True"  # type: ignore[index]
    assert "PRIVATE KEY" not in json.dumps(tenant) + json.dumps(rotated)
    assert "PRIVATE KEY" not in fast_operator.log_path.read_text(errors="replace")


def public_client(ws: Workspace, cache: msal.SerializableTokenCache) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        ws.public_client_id,
        authority=f"{ws.simulator.url}/{ws.tenant_id}",
        instance_discovery=False,
        verify=ws.simulator.ca,
        token_cache=cache,
    )


def refreshes(ws: Workspace, serialised_cache: str) -> bool:
    """Whether the cache's refresh token still gets a token (its access tokens are not looked at)."""
    cache = msal.SerializableTokenCache()
    cache.deserialize(serialised_cache)
    app = public_client(ws, cache)
    return any(
        "access_token"
        in (app.acquire_token_silent([ADMIN_API_SCOPE], account=account, force_refresh=True) or {})
        for account in app.get_accounts()
    )


def signed_in_cache(ws: Workspace) -> str:
    """A token cache made elsewhere, as a person would with MSAL: a device code sign-in for another
    scope than the operator's, so the operator can only use it through its refresh token."""
    cache = msal.SerializableTokenCache()
    app = public_client(ws, cache)
    flow = app.initiate_device_flow(["https://graph.microsoft.com/Policy.Read.All"])
    ws.sim.sign_in(flow["user_code"], ws.admin_upn)
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result.get("error_description")
    serialised: str = cache.serialize()
    return serialised


def test_a_replaced_token_cache_is_used_by_the_next_sync(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    ws = workspace
    ws.resources.create("tenants", user_tenant(ws))
    run = sync(ws, "first")
    ws.sim.sign_in(pending_code(ws, run)["userCode"], ws.admin_upn)
    assert wait_phase(ws, run, FINISHED)["status"]["phase"] == "Succeeded"
    secret = ws.resources.core.read_namespaced_secret("contoso-user-token", ws.namespace)
    old_cache = (secret.data or {})[CACHE_KEY]

    ws.sim.revoke_sign_in_sessions(ws.tenant_id, ws.admin_upn)
    revoked = not refreshes(ws, base64.b64decode(old_cache).decode())
    assert revoked, "the old refresh token still works"
    new_cache = signed_in_cache(ws)
    ws.resources.core.patch_namespaced_secret(
        "contoso-user-token", ws.namespace, {"stringData": {CACHE_KEY: new_cache}}
    )
    ws.sim.clear_requests(ws.tenant_id)

    done = wait_phase(ws, sync(ws, "new-cache"), FINISHED)
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert done["status"]["authentication"]["user"]["state"] == "SignedIn"
    # The old cache's refresh token is revoked and its access token was not in the new cache: the one
    # token request that succeeded redeemed the new cache's refresh token; no device code was asked for.
    requests = token_requests(ws, ws.public_client_id)
    assert [r["status"] for r in requests] == [200], requests
    assert not [r for r in ws.sim.requests(ws.tenant_id) if "devicecode" in r["path"]]
    assert ws.sim.pending_device_codes(ws.tenant_id) == []
    written = ws.resources.core.read_namespaced_secret("contoso-user-token", ws.namespace)
    assert (written.data or {})[CACHE_KEY] != old_cache
