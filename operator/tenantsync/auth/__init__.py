"""Signing in to Entra ID: the service principal's credentials and token, and the delegated user."""

from tenantsync.auth.credentials import (
    CertificateCredential,
    ClientSecretCredential,
    Credential,
    CredentialsError,
    credential_fingerprint,
    credential_from_secret,
)
from tenantsync.auth.endpoints import TenantEndpoints, ca_bundle_file, endpoints_for
from tenantsync.auth.expiry import EXPIRY_WARNING, expiry_warning, secret_end
from tenantsync.auth.service_principal import AccessToken, ServicePrincipal, SignInError
from tenantsync.auth.user import DelegatedUser, DeviceCodeChallenge, PollOutcome

__all__ = [
    "EXPIRY_WARNING",
    "AccessToken",
    "CertificateCredential",
    "ClientSecretCredential",
    "Credential",
    "CredentialsError",
    "DelegatedUser",
    "DeviceCodeChallenge",
    "PollOutcome",
    "ServicePrincipal",
    "SignInError",
    "TenantEndpoints",
    "ca_bundle_file",
    "credential_fingerprint",
    "credential_from_secret",
    "endpoints_for",
    "expiry_warning",
    "secret_end",
]
