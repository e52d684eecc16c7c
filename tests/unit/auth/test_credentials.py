from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tenantsync.api import ErrorCode
from tenantsync.auth import (
    CertificateCredential,
    ClientSecretCredential,
    CredentialsError,
    credential_from_secret,
)
from tests.support.certificates import certificate_pair

NOW = datetime.now(UTC)


def test_client_secret_is_read_and_kept_out_of_reprs() -> None:
    credential = credential_from_secret("sp", {"clientSecret": b"s3cr3t-value\n"}, NOW)
    assert isinstance(credential, ClientSecretCredential)
    assert credential.client_secret.get_secret_value() == "s3cr3t-value"
    assert "s3cr3t" not in repr(credential)
    assert "s3cr3t" not in str(credential.model_dump())


def test_certificate_with_matching_key_is_read_with_its_expiry() -> None:
    expiry = (NOW + timedelta(days=90)).replace(microsecond=0)
    cert, key = certificate_pair(expiry)
    credential = credential_from_secret("sp", {"tls.crt": cert, "tls.key": key}, NOW)
    assert isinstance(credential, CertificateCredential)
    assert credential.not_after == expiry
    assert len(credential.thumbprint_sha1) == 40
    assert "PRIVATE KEY" not in repr(credential)


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        ({}, ErrorCode.CREDENTIALS_SECRET_INCOMPLETE, "keys present: none"),
        (
            {"clientSecret": b"  "},
            ErrorCode.CREDENTIALS_SECRET_INCOMPLETE,
            "neither a non-empty clientSecret",
        ),
        ({"tls.crt": b"x"}, ErrorCode.CREDENTIALS_SECRET_INCOMPLETE, "without tls.key"),
        (
            {"tls.crt": b"not a pem", "tls.key": b"nor this"},
            ErrorCode.CERTIFICATE_MALFORMED,
            "tls.crt is not",
        ),
    ],
)
def test_unusable_secrets_are_refused_with_what_to_fix(
    data: dict[str, bytes], code: ErrorCode, words: str
) -> None:
    with pytest.raises(CredentialsError) as raised:
        credential_from_secret("contoso-sp", data, NOW)
    assert raised.value.code == code
    assert words in raised.value.message
    assert "contoso-sp" in raised.value.message


def test_key_that_does_not_belong_to_the_certificate_is_refused() -> None:
    cert, _ = certificate_pair()
    _, other_key = certificate_pair()
    with pytest.raises(CredentialsError) as raised:
        credential_from_secret("sp", {"tls.crt": cert, "tls.key": other_key}, NOW)
    assert raised.value.code == ErrorCode.CERTIFICATE_MALFORMED
    assert "not the RSA private key" in raised.value.message


def test_expired_certificate_is_refused_with_its_date() -> None:
    expired = NOW - timedelta(days=1)
    cert, key = certificate_pair(expired)
    with pytest.raises(CredentialsError) as raised:
        credential_from_secret("sp", {"tls.crt": cert, "tls.key": key}, NOW)
    assert raised.value.code == ErrorCode.CERTIFICATE_EXPIRED
    assert f"{expired:%Y-%m-%d}" in raised.value.message
    assert "PRIVATE" not in raised.value.message
