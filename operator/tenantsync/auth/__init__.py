"""Signing in to Entra ID: the service principal's credentials and (later) the delegated user."""

from tenantsync.auth.credentials import (
    CertificateCredential,
    ClientSecretCredential,
    Credential,
    CredentialsError,
    credential_from_secret,
)

__all__ = [
    "CertificateCredential",
    "ClientSecretCredential",
    "Credential",
    "CredentialsError",
    "credential_from_secret",
]
