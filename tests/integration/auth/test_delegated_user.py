"""The delegated user's device code sign-in against the simulator's identity platform, through
unmodified MSAL: a poll the identity platform fails to answer leaves the code valid and the sign-in
pending, so the person who is typing the code is not told they declined."""

from __future__ import annotations

import asyncio

import pytest

from tenantsync.api import TenantSpec
from tenantsync.auth import ca_bundle_file, endpoints_for
from tenantsync.auth.user import DelegatedUser
from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import SimTenant

pytestmark = pytest.mark.integration

SCOPES = ["https://graph.microsoft.com/Policy.Read.All"]


def delegated_user(tenant: SimTenant) -> DelegatedUser:
    spec = TenantSpec.model_validate(
        {
            "tenantId": tenant.id,
            "endpoints": {"authority": tenant.url, "graph": tenant.url},
            "servicePrincipal": {"clientId": tenant.client_id, "credentialsSecretRef": {"name": "sp"}},
            "repository": {"url": "/unused"},
        }
    )
    with open(tenant.ca, "rb") as ca:
        bundle = ca_bundle_file(ca.read())
    return DelegatedUser(endpoints_for(spec), tenant.id, tenant.public_client_id, verify=bundle)


async def test_a_poll_the_token_endpoint_fails_keeps_the_code_and_the_sign_in_completes(
    sim: SimulatorClient, tenant: SimTenant
) -> None:
    user = delegated_user(tenant)
    challenge = await user.start_device_flow(SCOPES)

    sim.add_fault(f"/{tenant.id}/oauth2/v2.0/token", status=503, count=1, retry_after_seconds=1)
    try:
        failed = await user.poll()
    finally:
        sim.clear_faults()
    assert failed.pending and failed.unanswered == "HTTP 503"
    assert failed.error is None and user.pending_flow

    await asyncio.sleep(2)  # MSAL gives the 503 back until its Retry-After has passed
    waiting = await user.poll()
    assert waiting.pending and waiting.unanswered is None

    sim.sign_in(challenge.user_code, tenant.admin_upn)
    signed_in = await user.poll()
    assert signed_in.signed_in
    assert await user.silent_token(SCOPES)


async def test_without_retry_after_msal_answers_the_failure_again_and_the_code_is_kept(
    sim: SimulatorClient, tenant: SimTenant
) -> None:
    """MSAL keeps a public client's 5xx for a minute when no Retry-After came: polls in that minute are
    answered from its cache, so they stay pending (and say why) instead of ending the sign-in."""
    user = delegated_user(tenant)
    await user.start_device_flow(SCOPES)

    sim.add_fault(f"/{tenant.id}/oauth2/v2.0/token", status=500, count=1)
    try:
        outcomes = [await user.poll(), await user.poll()]
    finally:
        sim.clear_faults()
    assert [(o.pending, o.unanswered, o.error) for o in outcomes] == [(True, "HTTP 500", None)] * 2
    assert user.pending_flow
    token_requests = [r for r in sim.requests(tenant.id) if r["path"].endswith("/oauth2/v2.0/token")]
    assert [r["status"] for r in token_requests] == [500]


async def test_a_declined_code_still_ends_the_sign_in(sim: SimulatorClient, tenant: SimTenant) -> None:
    user = delegated_user(tenant)
    challenge = await user.start_device_flow(SCOPES)
    sim.sign_in(challenge.user_code, tenant.admin_upn, decline=True)

    declined = await user.poll()
    assert declined.error and not declined.pending and declined.unanswered is None
    assert not user.pending_flow
