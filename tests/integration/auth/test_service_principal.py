"""The service principal against the simulator's identity platform, through unmodified MSAL: one
discovery and one token however many requests ask at once, and transient failures retried, each try
reaching the identity platform."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import os
import re
import ssl
import weakref
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import certifi
import msal
import pytest
from pydantic import SecretStr

from tenantsync.api import ErrorCode, TenantSpec
from tenantsync.auth import (
    ClientSecretCredential,
    ServicePrincipal,
    SignInError,
    ca_bundle_file,
    endpoints_for,
)
from tenantsync.auth.retries import MSAL_THROTTLE_SECONDS, TRANSIENT_ATTEMPTS
from tenantsync.auth.service_principal import VerifyingSession
from tenantsync.auth.tls import _context
from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.connect_proxy import connect_proxy
from tests.integration.sim.simtest_support import SimTenant

pytestmark = pytest.mark.integration


def principal(tenant: SimTenant, name: str | None = None) -> ServicePrincipal:
    """The tenant's service principal, signing in to the tenant by ``name`` (its id unless given)."""
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
    return ServicePrincipal(
        endpoints_for(spec),
        name or tenant.id,
        tenant.client_id,
        ClientSecretCredential(client_secret=SecretStr(tenant.secret)),
        secret_name="sp",
        verify=bundle,
    )


def connections_to(url: str) -> int:
    """Established TCP connections this process holds to `url`'s port (its sockets in /proc/net/tcp*)."""
    port = f"{urlsplit(url).port:04X}"
    sockets = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # the fd of the listing itself is gone by now
            sockets.add(os.readlink(f"/proc/self/fd/{fd}"))
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote, state, inode = fields[2], fields[3], fields[9]
            count += remote.endswith(f":{port}") and state == "01" and f"socket:[{inode}]" in sockets
    return count


def identity_paths(sim: SimulatorClient, tenant: SimTenant) -> list[str]:
    return [r["path"].split("?")[0] for r in sim.requests(tenant.id)]


async def test_concurrent_first_requests_share_one_discovery_and_one_token(
    sim: SimulatorClient, tenant: SimTenant
) -> None:
    sp = principal(tenant)
    sim.clear_requests(tenant.id)
    tokens = await asyncio.gather(*(sp.acquire() for _ in range(12)))
    assert len({t.value.get_secret_value() for t in tokens}) == 1
    assert identity_paths(sim, tenant) == [
        f"/{tenant.id}/v2.0/.well-known/openid-configuration",
        f"/{tenant.id}/oauth2/v2.0/token",
    ]
    assert tokens[0].expires_at > datetime.now(UTC)
    await sp.acquire()
    assert len(identity_paths(sim, tenant)) == 2, "the token is reused until it nears expiry"
    await sp.acquire(fresh=True)
    assert identity_paths(sim, tenant)[2:] == [f"/{tenant.id}/oauth2/v2.0/token"], (
        "fresh: a token, no discovery"
    )


async def test_between_sign_ins_a_principal_keeps_its_tokens_not_an_msal_application(
    sim: SimulatorClient, tenant: SimTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fleet's Tenants each keep a principal: an MSAL application, its session and caches kept
    between hourly sign-ins cost ~20 KB a Tenant. MSAL's HTTP cache is kept: no second discovery."""
    sp = principal(tenant)
    built: list[weakref.ref[msal.ConfidentialClientApplication]] = []
    application = sp._application

    def recorded(http: VerifyingSession) -> msal.ConfidentialClientApplication:
        app = application(http)
        built.append(weakref.ref(app))
        return app

    monkeypatch.setattr(sp, "_application", recorded)
    sim.clear_requests(tenant.id)
    first = await sp.acquire()
    gc.collect()
    assert len(built) == 1
    assert built[0]() is None, "the application is let go of after the sign-in"
    again = await sp.acquire(fresh=True)
    assert again.value.get_secret_value() != first.value.get_secret_value()
    assert [p.rsplit("/", 1)[-1] for p in identity_paths(sim, tenant)] == [
        "openid-configuration",
        "token",
        "token",
    ]


@pytest.mark.parametrize("status", [429, 503])
async def test_a_throttled_or_failing_token_endpoint_is_retried(
    sim: SimulatorClient, tenant: SimTenant, status: int
) -> None:
    sp = principal(tenant)
    sim.add_fault(f"/{tenant.id}/oauth2/v2.0/token", status=status, count=1, retry_after_seconds=1)
    try:
        token = await sp.acquire()
    finally:
        sim.clear_faults()
    assert token.roles


async def test_an_identity_platform_that_keeps_failing_is_a_sign_in_error_that_says_so(
    sim: SimulatorClient, tenant: SimTenant
) -> None:
    sp = principal(tenant)
    sim.add_fault(f"/{tenant.id}/", status=500)
    try:
        with pytest.raises(SignInError) as failed:
            await sp.acquire()
    finally:
        sim.clear_faults()
    assert failed.value.code == ErrorCode.AUTHENTICATION_FAILED
    assert (
        f"The identity platform at {tenant.url} was unavailable: {TRANSIENT_ATTEMPTS} tries"
        in failed.value.message
    )
    assert "each got HTTP 500" in failed.value.message
    assert tenant.secret not in failed.value.message


def token_answers(sim: SimulatorClient, tenant: SimTenant) -> list[tuple[float, int]]:
    """(time, status) of every token request that reached the simulator."""
    token = f"/{tenant.id}/oauth2/v2.0/token"
    return [(r["time"], r["status"]) for r in sim.requests(tenant.id) if r["path"].split("?")[0] == token]


async def test_one_503_fewer_than_the_tries_still_signs_in_and_every_try_reaches_the_identity_platform(
    sim: SimulatorClient, tenant: SimTenant
) -> None:
    """MSAL gives a 503 back from its cache for 5 s: tries sooner than that would never leave the process."""
    sp = principal(tenant)
    sim.clear_requests(tenant.id)
    sim.add_fault(f"/{tenant.id}/oauth2/v2.0/token", status=503, count=TRANSIENT_ATTEMPTS - 1)
    try:
        token = await sp.acquire()
    finally:
        sim.clear_faults()
    assert token.roles
    assert [status for _, status in token_answers(sim, tenant)] == [503] * (TRANSIENT_ATTEMPTS - 1) + [200]


async def test_as_many_503s_as_tries_end_the_sign_in_saying_how_many_tries_over_how_long(
    sim: SimulatorClient, tenant: SimTenant
) -> None:
    sp = principal(tenant)
    sim.clear_requests(tenant.id)
    sim.add_fault(f"/{tenant.id}/oauth2/v2.0/token", status=503, count=TRANSIENT_ATTEMPTS)
    try:
        with pytest.raises(SignInError) as failed:
            await sp.acquire()
    finally:
        sim.clear_faults()
    answers = token_answers(sim, tenant)
    assert [status for _, status in answers] == [503] * TRANSIENT_ATTEMPTS, "each try reached the simulator"
    assert failed.value.code == ErrorCode.AUTHENTICATION_FAILED
    said = re.search(r"was unavailable: (\d+) tries over (\d+) s, each got HTTP 503\.", failed.value.message)
    assert said, failed.value.message
    assert int(said[1]) == TRANSIENT_ATTEMPTS
    between_first_and_last = answers[-1][0] - answers[0][0]
    assert between_first_and_last >= (TRANSIENT_ATTEMPTS - 1) * MSAL_THROTTLE_SECONDS, (
        "MSAL's window waited out"
    )
    assert int(said[2]) >= math.floor(between_first_and_last)
    assert tenant.secret not in failed.value.message


async def test_a_retry_after_longer_than_a_sync_waits_ends_the_sign_in_at_once(
    sim: SimulatorClient, tenant: SimTenant
) -> None:
    sp = principal(tenant)
    sim.clear_requests(tenant.id)
    sim.add_fault(f"/{tenant.id}/oauth2/v2.0/token", status=503, count=1, retry_after_seconds=120)
    try:
        with pytest.raises(SignInError) as failed:
            await sp.acquire()
    finally:
        sim.clear_faults()
    assert [status for _, status in token_answers(sim, tenant)] == [503]
    assert "1 try over 0 s, it got HTTP 503; another try could not reach it for 120 s" in failed.value.message


async def test_a_sign_in_while_msal_keeps_the_last_refusal_says_so_without_asking_again(
    sim: SimulatorClient, tenant: SimTenant
) -> None:
    """MSAL gives a refused token request back from its HTTP cache for the Retry-After it was told, and
    the cache outlives each sign-in's MSAL application: the next sign-in must still say why."""
    sp = principal(tenant)
    sim.clear_requests(tenant.id)
    sim.add_fault(f"/{tenant.id}/oauth2/v2.0/token", status=503, count=1, retry_after_seconds=120)
    try:
        with pytest.raises(SignInError):
            await sp.acquire()
        with pytest.raises(SignInError) as again:
            await sp.acquire()
    finally:
        sim.clear_faults()
    assert [status for _, status in token_answers(sim, tenant)] == [503], "MSAL answered the second itself"
    assert again.value.code == ErrorCode.AUTHENTICATION_FAILED
    assert "it got HTTP 503; another try could not reach it for 120 s" in again.value.message


async def test_a_tenant_named_by_its_domain_learns_its_directory_id_from_the_token(tenant: SimTenant) -> None:
    token = await principal(tenant, tenant.domain).acquire()
    assert token.directory_id == tenant.id


async def test_a_signed_in_principal_keeps_no_connection_open_between_sign_ins(
    sim: SimulatorClient, tenant: SimTenant
) -> None:
    """A connection kept alive per Tenant, for a token asked for again an hour later, would hold a socket
    on both sides for nothing."""
    sp = principal(tenant)
    sim.clear_requests(tenant.id)
    before = connections_to(tenant.url)
    await sp.acquire()
    assert connections_to(tenant.url) == before
    await sp.acquire(fresh=True)
    assert connections_to(tenant.url) == before
    assert identity_paths(sim, tenant)[-1] == f"/{tenant.id}/oauth2/v2.0/token", (
        "signs in again after closing"
    )


async def test_sign_ins_load_a_ca_bundle_into_one_tls_context_not_one_per_connection(
    sim: SimulatorClient, tenant: SimTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading every trusted root into a new context was most of a sign-in's CPU (~40 ms): a fleet
    waiting for consent signs in hundreds of times a minute (benchmarks/look_bench.py --waiting)."""
    loads: list[object] = []
    load = ssl.SSLContext.load_verify_locations

    def counted(context: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loads.append(args or kwargs)
        load(context, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    _context.cache_clear()
    sim.clear_requests(tenant.id)
    for sp in (principal(tenant), principal(tenant)):
        await sp.acquire()
        await sp.acquire(fresh=True)
    assert [p.rsplit("/", 1)[-1] for p in identity_paths(sim, tenant)].count("token") == 4
    assert len(loads) == 1


async def test_a_principal_trusting_only_the_public_roots_refuses_a_privately_signed_identity_platform(
    tenant: SimTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shared contexts still verify: the simulator's private CA is trusted only through a bundle (or,
    as requests does, REQUESTS_CA_BUNDLE for the public roots' place), and a bundle wins over that."""
    discovery = f"{tenant.url}/{tenant.id}/v2.0/.well-known/openid-configuration"
    monkeypatch.setattr("tenantsync.auth.service_principal.wait_before_retry", lambda *_: 0.0)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tenant.ca)
    assert VerifyingSession(True).get(discovery, timeout=30).ok
    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        VerifyingSession(certifi.where()).get(discovery, timeout=30)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    sp = principal(tenant)
    sp._verify = True
    with pytest.raises(SignInError) as refused:
        await sp.acquire()
    assert "each got SSLError" in str(refused.value)
    assert "caBundleSecretRef" in str(refused.value)


async def test_a_sign_in_through_a_proxy_tunnel_verifies_the_identity_platform_with_the_bundle(
    sim: SimulatorClient, tenant: SimTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTPS_PROXY, as a corporate network sets it: the tunnel's TLS is the shared context's."""
    authority = urlsplit(tenant.url)
    assert authority.hostname is not None and authority.port is not None
    upstream = (authority.hostname, authority.port)
    with connect_proxy(upstream, {authority.hostname}, authority.port) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        sim.clear_requests(tenant.id)
        token = await principal(tenant).acquire()
        assert proxy.tunnelled and not proxy.refused
    assert token.directory_id == tenant.id


async def test_a_ca_bundle_that_does_not_parse_ends_the_sign_in_naming_the_bundle(
    tenant: SimTenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tenantsync.auth.service_principal.wait_before_retry", lambda *_: 0.0)
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    sp = principal(tenant)
    sp._verify = str(broken)
    with pytest.raises(SignInError) as refused:
        await sp.acquire()
    assert "caBundleSecretRef" in str(refused.value)
