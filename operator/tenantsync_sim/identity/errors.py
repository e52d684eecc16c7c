"""Entra ID (AADSTS) error responses, shaped and worded like the real token service.

MSAL and azure-identity surface ``error``, ``error_description`` and ``error_codes`` to callers, and the
operator maps those codes to its own error codes, so the body and the HTTP status must match Entra's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from aiohttp import web

from tenantsync_sim.state import utcnow


@dataclass
class EntraError(Exception):
    """One AADSTS failure: OAuth ``error``, numeric code, message and HTTP status."""

    status: int
    error: str
    code: int
    message: str
    extra: dict[str, str] | None = None

    def body(self, correlation_id: str | None = None, now: dt.datetime | None = None) -> dict[str, object]:
        trace_id = str(uuid.uuid4())
        correlation = correlation_id or str(uuid.uuid4())
        timestamp = (now or utcnow()).strftime("%Y-%m-%d %H:%M:%SZ")
        description = (
            f"AADSTS{self.code}: {self.message} Trace ID: {trace_id} Correlation ID: {correlation} "
            f"Timestamp: {timestamp}"
        )
        body: dict[str, object] = {
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }
        body.update(self.extra or {})
        return body

    def response(self, request: web.Request) -> web.Response:
        return web.json_response(
            self.body(request.headers.get("client-request-id")),
            status=self.status,
            headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
        )


def tenant_not_found(tenant: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing "
        "into the correct cloud. Check with your subscription administrator, this may happen if there are "
        "no active subscriptions for the tenant.",
    )


def app_not_found(client_id: str, tenant_name: str) -> EntraError:
    return EntraError(
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory '{tenant_name}'. This "
        "can happen if the application has not been installed by the administrator of the tenant or "
        "consented to by any user in the tenant. You may have sent your authentication request to the "
        "wrong tenant.",
    )


def invalid_secret(client_id: str) -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
        f"value, not the client secret ID, for a secret added to app '{client_id}'.",
    )


def expired_secret(client_id: str) -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        7000222,
        f"The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to "
        "create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
        "credentials for added security: https://aka.ms/certCreds.",
    )


def missing_client_credential() -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )


def assertion_invalid(detail: str) -> EntraError:
    return EntraError(
        401, "invalid_client", 700027, f"Client assertion failed signature validation. {detail}"
    )


def assertion_certificate_unknown(client_id: str) -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        700027,
        "The certificate with identifier used to sign the client assertion is not registered on "
        f"application. [Reason - The key was not found., Please visit the Azure Portal, Graph Explorer or "
        f"directly use MS Graph to see configured keys for app Id '{client_id}'.]",
    )


def assertion_expired() -> EntraError:
    return EntraError(401, "invalid_client", 700024, "Client assertion is not within its valid time range.")


def assertion_audience(audience: str) -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        700212,
        f"No matching federated identity record found for presented assertion audience '{audience}'.",
    )


def blocked_by_conditional_access() -> EntraError:
    return EntraError(
        400,
        "invalid_grant",
        53003,
        "Access has been blocked by Conditional Access policies. The access policy does not allow token "
        "issuance.",
        {"suberror": "message_only"},
    )


def mfa_required(resource: str) -> EntraError:
    return EntraError(
        400,
        "invalid_grant",
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a new "
        f"location, you must use multi-factor authentication to access '{resource}'.",
        {"suberror": "basic_action", "claims": '{"access_token":{"capolids":{"essential":true}}}'},
    )


def consent_required(client_id: str, app_name: str) -> EntraError:
    return EntraError(
        400,
        "invalid_grant",
        65001,
        f"The user or administrator has not consented to use the application with ID '{client_id}' named "
        f"'{app_name}'. Send an interactive authorization request for this user and resource.",
        {"suberror": "consent_required"},
    )


def invalid_scope(detail: str) -> EntraError:
    return EntraError(400, "invalid_scope", 1002012, detail)


def invalid_request(code: int, message: str) -> EntraError:
    return EntraError(400, "invalid_request", code, message)


def unsupported_grant_type(grant: str) -> EntraError:
    return EntraError(
        400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'."
    )


def invalid_refresh_token() -> EntraError:
    return EntraError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")


def expired_refresh_token() -> EntraError:
    return EntraError(
        400,
        "invalid_grant",
        700082,
        "The refresh token has expired due to inactivity. The token was issued on a date and was inactive "
        "for the configured lifetime.",
    )


def authorization_pending() -> EntraError:
    return EntraError(
        400,
        "authorization_pending",
        70016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    )


def slow_down() -> EntraError:
    return EntraError(
        400, "slow_down", 70016, "OAuth 2.0 device flow error. The client is polling too quickly. Slow down."
    )


def authorization_declined() -> EntraError:
    return EntraError(
        400,
        "authorization_declined",
        70000,
        "The user denied the authorization request for this device code.",
    )


def expired_device_code() -> EntraError:
    return EntraError(
        400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is expired."
    )


def bad_verification_code() -> EntraError:
    return EntraError(
        400,
        "bad_verification_code",
        70000,
        "The provided value for the input parameter 'device_code' is not valid.",
    )


def invalid_credentials() -> EntraError:
    return EntraError(
        400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password."
    )


def admin_required() -> EntraError:
    return EntraError(
        403,
        "access_denied",
        90094,
        "Admin consent is required for the permissions requested by this application. An admin consent "
        "request may be sent to the admin.",
    )
