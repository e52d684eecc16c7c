"""The key that signs every token, published as JWKS like Entra's ``discovery/v2.0/keys``.

The key and its self-signed certificate live in the state directory, so tokens a client cached stay
valid when the simulator restarts with the same state.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

_VERIFIED_MAX = 4096


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class TokenSigner:
    """Signs RS256 JWTs with a published key and verifies the ones it signed."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    _verified: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = field(default_factory=dict, compare=False)

    @property
    def kid(self) -> str:
        # Entra's kid equals the x5t: the certificate's SHA-1 thumbprint, base64url.
        return b64url(self.certificate.fingerprint(hashes.SHA1()))  # x5t is SHA-1 by spec

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid, "x5t": self.kid})

    def verify(self, token: str, audiences: list[str]) -> dict[str, Any]:
        """Decode a token this simulator issued; raises :class:`jwt.InvalidTokenError`.

        The RSA check dominates the cost of a Graph request, so a token verified once is remembered
        until it expires.
        """
        key = (token, tuple(audiences))
        cached = self._verified.get(key)
        if cached is not None and cached["exp"] > time.time():
            return cached
        claims: dict[str, Any] = jwt.decode(
            token,
            self.key.public_key(),
            algorithms=["RS256"],
            audience=audiences,
            options={"require": ["exp", "iat", "tid"]},
            leeway=0,
        )
        if len(self._verified) >= _VERIFIED_MAX:
            self._verified.clear()
        self._verified[key] = claims
        return claims

    def jwks(self, issuer: str) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "kid": self.kid,
                    "x5t": self.kid,
                    "n": _uint_b64(numbers.n),
                    "e": _uint_b64(numbers.e),
                    "x5c": [base64.b64encode(der).decode()],
                    "issuer": issuer,
                }
            ]
        }

    @classmethod
    def load_or_create(cls, directory: Path) -> TokenSigner:
        key_path, cert_path = directory / "signing-key.pem", directory / "signing-cert.pem"
        directory.mkdir(parents=True, exist_ok=True)
        if key_path.exists() and cert_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            if isinstance(key, rsa.RSAPrivateKey):
                return cls(key, x509.load_pem_x509_certificate(cert_path.read_bytes()))
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.tenantsync-sim")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_path.chmod(0o600)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(key, cert)
