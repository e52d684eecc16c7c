"""Identity pieces without a server: scopes, AADSTS bodies, client authentication, token claims."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tenantsync_sim.identity import errors, tokens
from tenantsync_sim.identity.client_auth import ASSERTION_TYPE, authenticate
from tenantsync_sim.identity.scopes import ADMIN_API_APP_ID, GRAPH_RESOURCE, parse_scopes
from tenantsync_sim.identity.signing import TokenSigner, b64url
from tenantsync_sim.state import Application, ClientCertificate, ClientSecret, Tenant, User, utcnow

TOKEN_URL = "https://sim/t/oauth2/v2.0/token"


def test_scopes_default_named_and_aliases() -> None:
    default = parse_scopes("00000003-0000-0000-c000-000000000000/.default", "Contoso")
    assert (default.resource, default.default, default.permissions) == (GRAPH_RESOURCE, True, ())
    named = parse_scopes("https://graph.microsoft.com/Policy.Read.All offline_access openid", "Contoso")
    assert named.permissions == ("Policy.Read.All",) and named.oidc == ("offline_access", "openid")
    assert named.qualified(["Policy.Read.All"]) == ["https://graph.microsoft.com/Policy.Read.All"]
    admin = parse_scopes("https://main.iam.ad.ext.azure.com/user_impersonation", "Contoso")
    assert admin.resource == ADMIN_API_APP_ID


@pytest.mark.parametrize(
    ("scope", "code"),
    [
        ("", 900144),
        ("https://graph.microsoft.com/.default 74658136-14ec-4630-ad9b-26e160ff0fc6/.default", 1002012),
        ("https://unknown.example/.default", 500011),
        ("https://graph.microsoft.com/.default https://graph.microsoft.com/User.Read", 1002012),
    ],
)
def test_bad_scopes_raise_entra_codes(scope: str, code: int) -> None:
    with pytest.raises(errors.EntraError) as raised:
        parse_scopes(scope, "Contoso")
    assert raised.value.code == code


def test_error_body_has_entra_shape() -> None:
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    body = errors.invalid_secret("app-1").body("corr-1", now)
    assert body["error"] == "invalid_client"
    assert body["error_codes"] == [7000215]
    assert body["timestamp"] == "2026-01-02 03:04:05Z"
    assert body["correlation_id"] == "corr-1"
    description = str(body["error_description"])
    assert description.startswith("AADSTS7000215: Invalid client secret provided.")
    assert (
        f"Trace ID: {body['trace_id']} Correlation ID: corr-1 Timestamp: 2026-01-02 03:04:05Z" in description
    )
    assert body["error_uri"] == "https://login.microsoftonline.com/error?code=7000215"


def _app_with_secret(end: dt.datetime) -> Application:
    return Application(app_id="app-1", secrets=[ClientSecret(secret_text="right", end_date_time=end)])


def test_secret_checks() -> None:
    future, past = utcnow() + dt.timedelta(days=1), utcnow() - dt.timedelta(seconds=1)
    assert authenticate(_app_with_secret(future), {"client_secret": "right"}, [TOKEN_URL]) == "secret"
    for app, secret, code in [
        (_app_with_secret(future), "wrong", 7000215),
        (_app_with_secret(past), "right", 7000222),
        (_app_with_secret(future), None, 7000218),
    ]:
        form = {"client_secret": secret} if secret else {}
        with pytest.raises(errors.EntraError) as raised:
            authenticate(app, form, [TOKEN_URL])
        assert raised.value.code == code
    assert authenticate(Application(app_id="p", public_client=True), {}, [TOKEN_URL]) == "public"


def _certificate() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="module")
def cert_app() -> tuple[Application, rsa.RSAPrivateKey, x509.Certificate]:
    key, cert = _certificate()
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return Application(app_id="app-1", certificates=[ClientCertificate.from_pem(pem)]), key, cert


def _assertion(key: rsa.RSAPrivateKey, cert: x509.Certificate, **overrides: object) -> dict[str, str]:
    now = int(time.time())
    claims = {"aud": TOKEN_URL, "iss": "app-1", "sub": "app-1", "exp": now + 600, "nbf": now, "jti": "x"}
    header = {"x5t#S256": b64url(cert.fingerprint(hashes.SHA256()))}
    algorithm = str(overrides.pop("alg", "PS256"))
    header_override = overrides.pop("header", None)
    claims.update(overrides)
    token = jwt.encode(claims, key, algorithm=algorithm, headers=header_override or header)  # type: ignore[arg-type]
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": token}


def test_valid_assertions_sha256_and_sha1(
    cert_app: tuple[Application, rsa.RSAPrivateKey, x509.Certificate],
) -> None:
    app, key, cert = cert_app
    assert authenticate(app, _assertion(key, cert), [TOKEN_URL]) == "certificate"
    sha1 = {"x5t": b64url(cert.fingerprint(hashes.SHA1()))}
    assert authenticate(app, _assertion(key, cert, alg="RS256", header=sha1), [TOKEN_URL]) == "certificate"


def test_assertion_failures(cert_app: tuple[Application, rsa.RSAPrivateKey, x509.Certificate]) -> None:
    app, key, cert = cert_app
    other_key, other_cert = _certificate()
    cases = [
        (_assertion(key, cert, exp=int(time.time()) - 60), 700024),
        (_assertion(key, cert, aud="https://elsewhere/token"), 700212),
        (_assertion(key, cert, iss="someone-else"), 700021),
        (_assertion(other_key, other_cert), 700027),
        (_assertion(other_key, cert), 700027),
        (_assertion(key, cert, header={"kid": "x"}), 700027),
    ]
    for form, code in cases:
        with pytest.raises(errors.EntraError) as raised:
            authenticate(app, form, [TOKEN_URL])
        assert (raised.value.code, raised.value.status) == (code, 401)


def test_access_token_claims_app_only_and_delegated(tmp_path: Path) -> None:
    signer = TokenSigner.load_or_create(tmp_path)
    tenant = Tenant(id="tid-1", domains=["contoso.com"])
    app = Application(app_id="app-1", display_name="tenantsync")
    scopes = parse_scopes("https://graph.microsoft.com/.default", "Contoso")
    now = time.time()
    app_only = signer.verify(
        tokens.access_token(signer, tenant, app, scopes, now, auth="secret", granted=["Policy.Read.All"]),
        ["https://graph.microsoft.com"],
    )
    assert app_only["roles"] == ["Policy.Read.All"] and app_only["idtyp"] == "app" and "scp" not in app_only
    assert app_only["exp"] - app_only["iat"] == tenant.settings.access_token_lifetime_seconds
    no_roles = signer.verify(
        tokens.access_token(signer, tenant, app, scopes, now, auth="secret", granted=[]), [GRAPH_RESOURCE]
    )
    assert "roles" not in no_roles
    user = User(user_principal_name="a@contoso.com", password="p", display_name="A")
    delegated = signer.verify(
        tokens.access_token(signer, tenant, app, scopes, now, auth="public", user=user, granted=["A", "B"]),
        [GRAPH_RESOURCE],
    )
    assert delegated["scp"] == "A B" and delegated["upn"] == "a@contoso.com" and "roles" not in delegated
    assert (
        jwt.get_unverified_header(tokens.id_token(signer, "iss", tenant, app, user, now))["kid"] == signer.kid
    )


def test_signing_key_is_reused_from_the_state_dir(tmp_path: Path) -> None:
    first = TokenSigner.load_or_create(tmp_path)
    second = TokenSigner.load_or_create(tmp_path)
    assert first.kid == second.kid
    token = first.sign({"aud": "x", "exp": int(time.time()) + 60, "iat": int(time.time()), "tid": "t"})
    assert second.verify(token, ["x"])["tid"] == "t"
    [jwk] = second.jwks("iss")["keys"]
    assert jwk["kid"] == first.kid and jwk["kty"] == "RSA"


def test_assertion_with_expired_certificate_is_refused() -> None:
    key, cert = _certificate()
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    registered = ClientCertificate.from_pem(pem)
    registered.end_date_time = utcnow() - dt.timedelta(seconds=1)
    app = Application(app_id="app-1", certificates=[registered])
    with pytest.raises(errors.EntraError) as raised:
        authenticate(app, _assertion(key, cert), [TOKEN_URL])
    assert raised.value.code == 700027 and "expired" in raised.value.message
