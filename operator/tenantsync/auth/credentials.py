"""The service principal's credentials, read from its Secret and checked before anything is called.

A client secret is a `clientSecret` key; a certificate is `tls.crt` + `tls.key` (a kubernetes.io/tls
Secret, as cert-manager writes it). Values never leave this module except as MSAL needs them, and
`SecretStr` keeps them out of reprs and logs.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, SecretStr

from tenantsync.api import CodedError, CredentialKind, ErrorCode


class CredentialsError(CodedError):
    """The Secret cannot be used; the message says what to fix and never contains its values."""


class ClientSecretCredential(BaseModel):
    model_config = ConfigDict(frozen=True)

    client_secret: SecretStr

    @property
    def kind(self) -> CredentialKind:
        return CredentialKind.CLIENT_SECRET

    @property
    def expires_at(self) -> datetime | None:
        """Unknown from the Secret alone; Graph's passwordCredentials tell it when readable."""
        return None


class CertificateCredential(BaseModel):
    model_config = ConfigDict(frozen=True)

    certificate_pem: str
    private_key_pem: SecretStr
    thumbprint_sha1: str
    not_after: datetime

    @property
    def kind(self) -> CredentialKind:
        return CredentialKind.CERTIFICATE

    @property
    def expires_at(self) -> datetime | None:
        return self.not_after


Credential = ClientSecretCredential | CertificateCredential


def credential_fingerprint(credential: Credential) -> str:
    """Tells credential versions apart without holding the secret: a rotated secret is a new credential."""
    secret = (
        credential.client_secret.get_secret_value()
        if isinstance(credential, ClientSecretCredential)
        else credential.private_key_pem.get_secret_value() + credential.certificate_pem
    )
    return hashlib.sha256(secret.encode()).hexdigest()


def credential_from_secret(secret_name: str, data: dict[str, bytes], now: datetime) -> Credential:
    """Read a credential from a Secret's data, refusing anything that would fail later, later."""
    client_secret = data.get("clientSecret", b"").decode("utf-8", "replace").strip()
    if client_secret:
        return ClientSecretCredential(client_secret=SecretStr(client_secret))
    if "tls.crt" in data or "tls.key" in data:
        return _certificate(secret_name, data, now)
    present = ", ".join(sorted(data)) or "none"
    raise CredentialsError(
        ErrorCode.CREDENTIALS_SECRET_INCOMPLETE,
        f"Secret {secret_name} has neither a non-empty clientSecret key nor tls.crt and tls.key"
        f" (keys present: {present}). Add the app registration's client secret as clientSecret, or its"
        " certificate and private key as tls.crt and tls.key.",
    )


def _certificate(secret_name: str, data: dict[str, bytes], now: datetime) -> CertificateCredential:
    missing = [key for key in ("tls.crt", "tls.key") if not data.get(key)]
    if missing:
        raise CredentialsError(
            ErrorCode.CREDENTIALS_SECRET_INCOMPLETE,
            f"Secret {secret_name} has a certificate credential without {' and '.join(missing)}:"
            " certificate credentials need both tls.crt (PEM certificate) and tls.key (PEM private key).",
        )
    try:
        certificate = x509.load_pem_x509_certificate(data["tls.crt"])
    except ValueError:
        raise CredentialsError(
            ErrorCode.CERTIFICATE_MALFORMED,
            f"Secret {secret_name}: tls.crt is not a PEM-encoded X.509 certificate.",
        ) from None
    try:
        key = serialization.load_pem_private_key(data["tls.key"], password=None)
    except (ValueError, TypeError):
        raise CredentialsError(
            ErrorCode.CERTIFICATE_MALFORMED,
            f"Secret {secret_name}: tls.key is not an unencrypted PEM private key.",
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.public_key().public_numbers() != _rsa_numbers(
        certificate
    ):
        raise CredentialsError(
            ErrorCode.CERTIFICATE_MALFORMED,
            f"Secret {secret_name}: tls.key is not the RSA private key of the certificate in tls.crt"
            " (Entra ID certificate credentials are RSA).",
        )
    not_after = certificate.not_valid_after_utc
    if not_after <= now:
        raise CredentialsError(
            ErrorCode.CERTIFICATE_EXPIRED,
            f"The certificate in Secret {secret_name} (thumbprint"
            f" {certificate.fingerprint(hashes.SHA1()).hex().upper()}) expired on {not_after:%Y-%m-%d}."
            " Upload a new certificate to the app registration and put it and its key in the Secret.",
        )
    return CertificateCredential(
        certificate_pem=data["tls.crt"].decode(),
        private_key_pem=SecretStr(data["tls.key"].decode()),
        thumbprint_sha1=certificate.fingerprint(hashes.SHA1()).hex().upper(),
        not_after=not_after,
    )


def _rsa_numbers(certificate: x509.Certificate) -> rsa.RSAPublicNumbers | None:
    public_key = certificate.public_key()
    return public_key.public_numbers() if isinstance(public_key, rsa.RSAPublicKey) else None
