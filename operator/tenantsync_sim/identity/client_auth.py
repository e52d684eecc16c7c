"""Confidential client authentication: a client secret, or a certificate-signed JWT assertion.

Checks run in Entra's order so each mistake yields the AADSTS code a real tenant returns: an unknown
secret is 7000215, a known but expired one 7000222, an assertion signed by an unregistered certificate
700027, one outside its lifetime 700024.
"""

from __future__ import annotations

import hmac
from typing import Any

import jwt
from cryptography import x509

from tenantsync_sim.identity import errors
from tenantsync_sim.identity.signing import b64url
from tenantsync_sim.identity.tokens import ClientAuth
from tenantsync_sim.state import Application, ClientCertificate, utcnow

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def authenticate(app: Application, form: dict[str, str], audiences: list[str]) -> ClientAuth:
    """Authenticate the client of a token request, or raise the matching :class:`EntraError`."""
    if "client_assertion" in form:
        _verify_assertion(app, form, audiences)
        return "certificate"
    if "client_secret" in form:
        _verify_secret(app, form["client_secret"])
        return "secret"
    if app.public_client:
        return "public"
    raise errors.missing_client_credential()


def _verify_secret(app: Application, presented: str) -> None:
    for secret in app.secrets:
        if hmac.compare_digest(secret.secret_text.encode(), presented.encode()):
            if secret.end_date_time <= utcnow():
                raise errors.expired_secret(app.app_id)
            return
    raise errors.invalid_secret(app.app_id)


def _thumbprint_header(header: dict[str, Any]) -> tuple[str, str] | None:
    if "x5t#S256" in header:
        return "sha256", str(header["x5t#S256"])
    if "x5t" in header:
        return "sha1", str(header["x5t"])
    return None


def _find_certificate(app: Application, kind: str, value: str) -> ClientCertificate | None:
    for cert in app.certificates:
        thumb = cert.sha256_thumbprint if kind == "sha256" else cert.sha1_thumbprint
        if b64url(bytes.fromhex(thumb)) == value.rstrip("="):
            return cert
    return None


def _verify_assertion(app: Application, form: dict[str, str], audiences: list[str]) -> None:
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise errors.invalid_request(
            50027, "JWT token is invalid or malformed. client_assertion_type must be jwt-bearer."
        )
    token = form["client_assertion"]
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise errors.assertion_invalid(f"[Reason - {exc}]") from exc
    thumbprint = _thumbprint_header(header)
    if thumbprint is None:
        raise errors.assertion_invalid("[Reason - The assertion header carries neither x5t nor x5t#S256.]")
    cert = _find_certificate(app, *thumbprint)
    if cert is None:
        raise errors.assertion_certificate_unknown(app.app_id)
    if cert.end_date_time <= utcnow():
        raise errors.EntraError(
            401,
            "invalid_client",
            700027,
            "Client assertion contains an invalid signature. [Reason - The key used is expired.]",
        )
    public_key = x509.load_pem_x509_certificate(cert.pem.encode()).public_key()
    algorithm = str(header.get("alg", ""))
    if algorithm not in ("RS256", "PS256"):
        raise errors.assertion_invalid(f"[Reason - The signing algorithm {algorithm!r} is not supported.]")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key,  # type: ignore[arg-type]
            algorithms=[algorithm],
            options={"verify_aud": False, "require": ["exp", "aud", "iss", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise errors.assertion_expired() from exc
    except jwt.ImmatureSignatureError as exc:
        raise errors.assertion_expired() from exc
    except jwt.InvalidTokenError as exc:
        raise errors.assertion_invalid(f"[Reason - {exc}]") from exc
    audience = claims["aud"]
    if audience not in audiences:
        raise errors.assertion_audience(str(audience))
    if claims["iss"] != app.app_id or claims["sub"] != app.app_id:
        raise errors.EntraError(
            401,
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        )
