"""The delegated user: MSAL's public client, its token cache kept in a Secret, and the device code flow.

Each call does one short exchange and returns, so a run waiting for a person never blocks the operator:
the run polls once per step, and the pending flow itself lives in the Secret, not in memory, so a
restarted operator keeps polling the same code. One instance lives per Tenant (its MSAL application
reads the OpenID configuration once); `load` brings in the Secret's current content before each use.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msal

from tenantsync.api import ErrorCode
from tenantsync.auth.endpoints import TenantEndpoints
from tenantsync.auth.service_principal import SignInError, VerifyingSession

CACHE_KEY = "msal_token_cache.json"
FLOW_KEY = "device_flow.json"
BLOCKING_CODES = {53003: "ConditionalAccess", 50076: "MfaRequired", 50079: "MfaRequired"}


@dataclass(frozen=True)
class DeviceCodeChallenge:
    """What a person needs to sign in: the code, where to enter it, and until when."""

    user_code: str
    verification_uri: str
    expires_at: datetime
    interval: float
    message: str


TRANSIENT_ERRORS = frozenset({"server_error", "temporarily_unavailable"})
"""OAuth 2.0's errors for a token endpoint that failed or is overloaded (RFC 6749 5.2 and 4.1.2.1)."""


@dataclass(frozen=True)
class PollOutcome:
    signed_in: bool = False
    pending: bool = False
    slow_down: bool = False
    blocked_by: str | None = None
    """ConditionalAccess or MfaRequired when Entra refused the user."""
    error: str | None = None
    """Another terminal error: declined, expired or invalid."""
    unanswered: str | None = None
    """The identity platform did not answer this poll (an HTTP 5xx, a lost connection, `server_error`):
    the device code is still valid, so the run keeps waiting (`pending`) and says why."""


class DelegatedUser:
    """One Tenant's user sign-in, from the Secret data holding its token cache and pending flow."""

    def __init__(
        self,
        endpoints: TenantEndpoints,
        tenant_id: str,
        client_id: str,
        *,
        verify: str | bool,
    ) -> None:
        self._endpoints = endpoints
        self._cache = msal.SerializableTokenCache()
        self._flow: dict[str, Any] | None = None
        self._loaded: dict[str, bytes] | None = None
        self._http = VerifyingSession(verify)
        self._app = msal.PublicClientApplication(
            client_id,
            authority=endpoints.authority(tenant_id),
            token_cache=self._cache,
            instance_discovery=endpoints.public_cloud_authority,
            http_client=self._http,
            timeout=30,
        )
        self._flow_changed = False

    def load(self, secret_data: dict[str, bytes]) -> None:
        """Take the token cache and pending flow from the Secret, unless this instance wrote them."""
        self._flow_changed = False
        if secret_data == self._loaded:
            return
        self._cache.deserialize(secret_data[CACHE_KEY].decode() if secret_data.get(CACHE_KEY) else None)
        raw_flow = secret_data.get(FLOW_KEY)
        self._flow = json.loads(raw_flow) if raw_flow else None
        self._loaded = dict(secret_data)

    def secret_data(self) -> dict[str, bytes | None]:
        """What to write back to the Secret: the cache, and the device flow while one is pending.

        Calling it marks the state as saved: the next `load` of the same content keeps this instance.
        """
        data = {
            CACHE_KEY: self._cache.serialize().encode(),
            FLOW_KEY: json.dumps(self._flow).encode() if self._flow is not None else None,
        }
        self._loaded = {key: value for key, value in data.items() if value is not None}
        self._cache.has_state_changed = False
        self._flow_changed = False
        return data

    def _unreachable(self, error: Exception) -> SignInError:
        return SignInError(
            ErrorCode.AUTHENTICATION_FAILED,
            f"Cannot reach the identity platform at {self._endpoints.authority_host} for the user's sign-in:"
            f" {error if isinstance(error, msal.exceptions.MsalServiceError) else type(error).__name__}."
            " The next sync tries again.",
        )

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run an MSAL call in a worker thread; its connection is closed afterwards (see VerifyingSession)."""
        try:
            return await asyncio.to_thread(self._closing, fn, *args, **kwargs)
        except (OSError, msal.exceptions.MsalServiceError) as error:
            raise self._unreachable(error) from None

    def _closing(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            self._http.close()

    @property
    def changed(self) -> bool:
        return bool(self._cache.has_state_changed) or self._flow_changed

    async def silent_token(self, scopes: list[str]) -> str | None:
        """A token from the cache, refreshed with the refresh token when needed; None if a sign-in is due."""

        def acquire() -> str | None:
            for account in self._app.get_accounts():
                result = self._app.acquire_token_silent(scopes, account=account)
                if result and "access_token" in result:
                    return str(result["access_token"])
            return None

        token: str | None = await self._call(acquire)
        return token

    @property
    def pending_flow(self) -> bool:
        return self._flow is not None

    async def start_device_flow(self, scopes: list[str]) -> DeviceCodeChallenge:
        flow: dict[str, Any] = await self._call(self._app.initiate_device_flow, scopes)
        if "user_code" not in flow:
            description = str(flow.get("error_description") or flow.get("error")).split("\r\n")[0]
            raise SignInError(
                ErrorCode.AUTHENTICATION_FAILED,
                f"The identity platform refused to start the user's device code sign-in: {description}",
            )
        self._flow, self._flow_changed = flow, True
        return self.challenge()

    def challenge(self) -> DeviceCodeChallenge:
        assert self._flow is not None
        return DeviceCodeChallenge(
            user_code=str(self._flow["user_code"]),
            verification_uri=str(self._flow["verification_uri"]),
            expires_at=datetime.fromtimestamp(float(self._flow["expires_at"]), UTC),
            interval=float(self._flow.get("interval", 5)),
            message=str(self._flow.get("message", "")),
        )

    async def poll(self) -> PollOutcome:
        """Ask the token endpoint once whether the person has signed in."""
        assert self._flow is not None
        flow = self._flow
        try:
            result: dict[str, Any] = await asyncio.to_thread(
                self._closing, self._app.acquire_token_by_device_flow, flow, exit_condition=lambda _: True
            )
        except (OSError, msal.exceptions.MsalServiceError) as failure:
            # The status only, never the body. MSAL gives a public client's 5xx back without asking again
            # for its Retry-After, else for a minute: the session's last answer is still that 5xx.
            status = self._http.last_answer.status
            return PollOutcome(
                pending=True, unanswered=f"HTTP {status}" if status else type(failure).__name__
            )
        if "access_token" in result:
            self.forget_flow()
            return PollOutcome(signed_in=True)
        error = str(result.get("error", ""))
        if error in ("authorization_pending", "slow_down"):
            return PollOutcome(pending=True, slow_down=error == "slow_down")
        if error in TRANSIENT_ERRORS:
            return PollOutcome(pending=True, unanswered=error)
        self.forget_flow()
        for code in result.get("error_codes", []):
            if int(code) in BLOCKING_CODES:
                return PollOutcome(blocked_by=BLOCKING_CODES[int(code)])
        return PollOutcome(error=error or "unknown_error")

    def forget_flow(self) -> None:
        self._flow, self._flow_changed = None, True
