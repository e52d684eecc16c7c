"""The service principal's sign-in with MSAL's confidential client, and what its token allows.

MSAL is synchronous, so calls run in a worker thread. One instance lives per Tenant and credential
version: its tokens are reused across steps and runs until they near expiry, and concurrent first
requests wait for one sign-in instead of each asking the identity platform. The MSAL application is
built for each sign-in and let go of after it (about once an hour per resource): kept, with its HTTP
session and caches, it cost ~16 KB for each of a fleet's Tenants between sign-ins. What MSAL must
remember from one sign-in to the next, its HTTP cache (the tenant's OpenID configuration, read once a
day, and the throttling the identity platform asked for), is kept, with the last answer it stands for.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import msal
import requests
from pydantic import BaseModel, ConfigDict, SecretStr

from tenantsync.api import CodedError, ErrorCode
from tenantsync.auth.credentials import CertificateCredential, ClientSecretCredential, Credential
from tenantsync.auth.endpoints import TenantEndpoints
from tenantsync.auth.retries import (
    TRANSIENT_ATTEMPTS,
    TRANSIENT_OAUTH_ERRORS,
    TRANSIENT_STATUSES,
    Answer,
    msal_keeps_for,
    unavailable_message,
    wait_before_retry,
)
from tenantsync.auth.tls import TrustAdapter

log = logging.getLogger(__name__)

# AADSTS codes a person must act on, with what to do. Anything else is AuthenticationFailed.
_AADSTS: dict[int, tuple[ErrorCode, str]] = {
    7000215: (
        ErrorCode.INVALID_CLIENT_SECRET,
        "The client secret in Secret {secret} is not a valid secret of application {client_id}. Copy the"
        " secret's Value (not its ID) from the app registration into the Secret's clientSecret key.",
    ),
    7000222: (
        ErrorCode.CLIENT_SECRET_EXPIRED,
        "The client secret of application {client_id} in Secret {secret} has expired. Create a new client"
        " secret in the app registration and update the Secret's clientSecret key.",
    ),
    90002: (
        ErrorCode.TENANT_NOT_FOUND,
        "Tenant {tenant} was not found by the identity platform. Check spec.tenantId (a tenant GUID or a"
        " verified domain) and spec.cloud.",
    ),
    700016: (
        ErrorCode.APPLICATION_NOT_FOUND,
        "Application {client_id} does not exist in tenant {tenant}. Check spec.servicePrincipal.clientId, or"
        " grant admin consent so the application gets a service principal in this tenant.",
    ),
}


class VerifyingSession(requests.Session):
    """A session whose CA bundle wins over REQUESTS_CA_BUNDLE, and that remembers its last answer.

    requests lets that variable override a session's `verify` (psf/requests#3829), which would make the
    configured caBundleSecretRef silently ineffective; a per-request `verify` does take precedence. HTTPS
    goes through the bundle's one TLS context (`tls.TrustAdapter`). Callers `close()` the session after
    each sign-in: a token is asked for again only when it nears expiry.
    """

    def __init__(self, verify: str | bool) -> None:
        super().__init__()
        self._tenantsync_verify = verify
        if verify is not False:
            self.mount("https://", TrustAdapter(verify))
        self.last_answer = Answer()
        """MSAL turns a failed token request into an error dict: its status and Retry-After are here."""

    def request(self, method: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("verify", self._tenantsync_verify)
        self.last_answer = Answer()
        response = super().request(method, *args, **kwargs)
        self.last_answer = Answer(response.status_code, response.headers.get("Retry-After"), method.upper())
        return response


class SignInError(CodedError):
    """The identity platform refused the sign-in; the message says what to fix and holds no secret."""

    def __init__(self, code: ErrorCode, message: str, aadsts: int | None = None) -> None:
        super().__init__(code, message)
        self.aadsts = aadsts


TOKEN_REUSE_MARGIN = timedelta(minutes=5)
"""A token is reused until this close to its expiry, so no request starts with a token about to lapse."""


class AccessToken(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: SecretStr
    roles: frozenset[str]
    expires_at: datetime
    directory_id: str | None = None
    """The tenant's directory (organization) id, from the token's ``tid``: what Graph paths name."""
    role_ids: frozenset[str] = frozenset()
    """The template ids of the Entra roles the service principal holds (the ``wids`` claim), which the
    Exchange admin API authorises cmdlets by."""


def token_claims(token: str) -> dict[str, Any]:
    """The JWT's payload, unverified: we only read what Entra granted us, the resource verifies it."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


class ServicePrincipal:
    def __init__(
        self,
        endpoints: TenantEndpoints,
        tenant_id: str,
        client_id: str,
        credential: Credential,
        *,
        secret_name: str,
        verify: str | bool,
    ) -> None:
        self._endpoints = endpoints
        self._tenant_id = tenant_id
        self._client_id = client_id
        self._credential = credential
        self._secret_name = secret_name
        self._verify = verify
        self._http_cache: dict[Any, Any] = {}
        self._last_answer = Answer()
        """The identity platform's last answer: while MSAL's HTTP cache gives a refusal back without
        asking again, the next sign-in's session must know what it was (see `retries`)."""
        self._signing_in = threading.Lock()
        """A sign-in whose caller was cancelled goes on in its thread: the next waits for it."""
        self._tokens: dict[str, AccessToken] = {}
        self._lock = asyncio.Lock()

    def _words(self, template: str) -> str:
        return template.format(secret=self._secret_name, client_id=self._client_id, tenant=self._tenant_id)

    def _client_credential(self) -> Any:
        if isinstance(self._credential, ClientSecretCredential):
            return self._credential.client_secret.get_secret_value()
        assert isinstance(self._credential, CertificateCredential)
        return {
            "private_key": self._credential.private_key_pem.get_secret_value(),
            "thumbprint": self._credential.thumbprint_sha1,
            "public_certificate": self._credential.certificate_pem,
        }

    def _application(self, http: VerifyingSession) -> msal.ConfidentialClientApplication:
        """A transient failure (OSError, MsalServiceError) is left to the caller's retry."""
        try:
            return msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._client_credential(),
                authority=self._endpoints.authority(self._tenant_id),
                instance_discovery=self._endpoints.public_cloud_authority,
                http_client=http,
                http_cache=self._http_cache,
                timeout=30,
            )
        except ValueError:  # MSAL reads the tenant's OpenID configuration here, and hides why it failed
            raise self._discovery_error() from None

    def _discovery_error(self) -> SignInError:
        """Ask the discovery endpoint ourselves: its AADSTS code tells an unknown tenant from an outage."""
        url = f"{self._endpoints.authority(self._tenant_id)}/v2.0/.well-known/openid-configuration"
        try:
            response = VerifyingSession(self._verify).get(url, timeout=30)
            body = response.json() if response.content else {}
        except (OSError, ValueError) as error:
            return SignInError(
                ErrorCode.AUTHENTICATION_FAILED,
                f"Cannot read the OpenID configuration of tenant {self._tenant_id} from"
                f" {self._endpoints.authority_host}: {type(error).__name__}.",
            )
        if 90002 in body.get("error_codes", []):
            code, template = _AADSTS[90002]
            return SignInError(code, f"{self._words(template)} (AADSTS90002)", 90002)
        return SignInError(
            ErrorCode.AUTHENTICATION_FAILED,
            f"The OpenID configuration of tenant {self._tenant_id} at {url} answered HTTP {response.status_code}.",
        )

    async def acquire(self, *, fresh: bool = False, resource: str | None = None) -> AccessToken:
        """An app-only token for Graph, or for ``resource`` (the Exchange admin API's endpoints); `fresh`
        asks for a new one, to see newly consented roles.

        Every request asks: a token far from expiry is returned without waiting for the lock."""
        resource = resource or self._endpoints.graph_resource
        token = self._tokens.get(resource)
        if not fresh and token is not None and token.expires_at - datetime.now(UTC) > TOKEN_REUSE_MARGIN:
            return token
        async with self._lock:
            if fresh:
                self._tokens.pop(resource, None)
            token = self._tokens.get(resource)
            if token is None or token.expires_at - datetime.now(UTC) <= TOKEN_REUSE_MARGIN:
                token = self._tokens[resource] = await asyncio.to_thread(self._acquire, resource)
            return token

    def _acquire(self, resource: str) -> AccessToken:
        """Sign in, then let go of the application and its connection until the token nears expiry."""
        with self._signing_in:
            http = VerifyingSession(self._verify)
            http.last_answer = self._last_answer
            try:
                return self._acquire_with_retries(http, resource)
            finally:
                self._last_answer = http.last_answer
                http.close()

    def _acquire_with_retries(self, http: VerifyingSession, resource: str) -> AccessToken:
        """Try again while the identity platform fails transiently, each try reaching it (see `retries`)."""
        started = time.monotonic()
        failures: list[str] = []
        app: msal.ConfidentialClientApplication | None = None
        while True:
            try:
                app = app or self._application(http)
                result = app.acquire_token_for_client([f"{resource}/.default"])
            except (OSError, msal.exceptions.MsalServiceError) as error:
                failures.append(self._failure(http, error))
            else:
                if "access_token" in result:
                    return self._token_from(result)
                if not self._transient(http, result):
                    raise self._error(result)
                failures.append(self._failure(http, result))
            answer, attempt = http.last_answer, len(failures)
            wait = wait_before_retry(attempt, answer)
            if wait is None or attempt == TRANSIENT_ATTEMPTS:
                told = msal_keeps_for(answer) if wait is None else None
                raise SignInError(
                    ErrorCode.AUTHENTICATION_FAILED,
                    unavailable_message(
                        self._endpoints.authority_host, failures, time.monotonic() - started, told
                    ),
                )
            log.warning(
                "The identity platform at %s answered %s to try %d of %d of the service principal's sign-in;"
                " trying again in %.1f s.",
                self._endpoints.authority_host,
                failures[-1],
                attempt,
                TRANSIENT_ATTEMPTS,
                wait,
            )
            time.sleep(wait)

    @staticmethod
    def _transient(http: VerifyingSession, result: dict[str, Any]) -> bool:
        return result.get("error") in TRANSIENT_OAUTH_ERRORS or http.last_answer.status in TRANSIENT_STATUSES

    @staticmethod
    def _failure(http: VerifyingSession, failed: Exception | dict[str, Any]) -> str:
        """What one try got, in a few words that hold no secret: an HTTP status or the exception's type."""
        status = http.last_answer.status
        if status is not None:
            return f"HTTP {status}"
        return (
            type(failed).__name__ if isinstance(failed, Exception) else str(failed.get("error", "an error"))
        )

    @staticmethod
    def _token_from(result: dict[str, Any]) -> AccessToken:
        claims = token_claims(result["access_token"])
        return AccessToken(
            value=SecretStr(result["access_token"]),
            roles=frozenset(claims.get("roles", [])),
            expires_at=datetime.fromtimestamp(int(claims.get("exp", 0)), UTC),
            directory_id=claims.get("tid"),
            role_ids=frozenset(claims.get("wids", [])),
        )

    def _error(self, result: dict[str, Any]) -> SignInError:
        codes = [int(c) for c in result.get("error_codes", [])]
        for aadsts in codes:
            if aadsts in _AADSTS:
                code, template = _AADSTS[aadsts]
                return SignInError(code, f"{self._words(template)} (AADSTS{aadsts})", aadsts)
        description = str(result.get("error_description", "")).split("\r\n")[0].split(" Trace ID:")[0]
        return SignInError(
            ErrorCode.AUTHENTICATION_FAILED,
            f"The identity platform refused the sign-in of application {self._client_id}:"
            f" {result.get('error', 'unknown_error')}: {description}",
            codes[0] if codes else None,
        )
