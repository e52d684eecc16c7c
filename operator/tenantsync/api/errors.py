"""Stable error codes: the one place that names every failure a person may have to act on.

Each code has a troubleshooting page `docs/troubleshooting/<code>.md`; status carries its URL.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class ErrorCode(StrEnum):
    INVALID_SCHEDULE = "InvalidSchedule"
    TENANT_RESOURCE_NOT_FOUND = "TenantResourceNotFound"
    TENANT_NOT_FOUND = "TenantNotFound"
    CREDENTIALS_SECRET_NOT_FOUND = "CredentialsSecretNotFound"
    CREDENTIALS_SECRET_INCOMPLETE = "CredentialsSecretIncomplete"
    CERTIFICATE_MALFORMED = "CertificateMalformed"
    CERTIFICATE_EXPIRED = "CertificateExpired"
    INVALID_CLIENT_SECRET = "InvalidClientSecret"
    CLIENT_SECRET_EXPIRED = "ClientSecretExpired"
    APPLICATION_NOT_FOUND = "ApplicationNotFound"
    AUTHENTICATION_FAILED = "AuthenticationFailed"
    ADMIN_CONSENT_REQUIRED = "AdminConsentRequired"
    GRAPH_REQUEST_FAILED = "GraphRequestFailed"
    REPOSITORY_UNREACHABLE = "RepositoryUnreachable"
    PUSH_REJECTED = "PushRejected"
    REFERENCED_OBJECT_MISSING = "ReferencedObjectMissing"
    DELETION_GUARD = "DeletionGuard"
    PLAN_OUTDATED = "PlanOutdated"
    INVALID_DESIRED_STATE = "InvalidDesiredState"
    BASELINE_NOT_FOUND = "BaselineNotFound"
    UNEXPECTED_ERROR = "UnexpectedError"


CREDENTIAL_ERRORS = frozenset(
    {
        ErrorCode.CREDENTIALS_SECRET_NOT_FOUND,
        ErrorCode.CREDENTIALS_SECRET_INCOMPLETE,
        ErrorCode.CERTIFICATE_MALFORMED,
        ErrorCode.CERTIFICATE_EXPIRED,
        ErrorCode.INVALID_CLIENT_SECRET,
        ErrorCode.CLIENT_SECRET_EXPIRED,
    }
)
"""Codes that mean the service principal's credentials are unusable: the Tenant's CredentialsValid is False."""


class CodedError(Exception):
    """A failure a person must act on: a stable code and a message that says what to fix.

    Layers below the pipeline raise subclasses; the pipeline alone turns them into a finished run.
    The message never holds a secret value.
    """

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RunError(BaseModel):
    """What stopped a run, as status shows it: a code to search for, words for people, a page to read."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    code: ErrorCode
    """Stable code of the failure, e.g. ClientSecretExpired; search for it in logs and docs."""
    message: str
    """What went wrong and what to do about it."""
    troubleshootingUrl: str
    """The troubleshooting page for the code."""


def troubleshooting_page(docs_base_url: str, page: str) -> str:
    """Where a troubleshooting page is published: an error code's, or a warning's (UnencryptedSecrets)."""
    return f"{docs_base_url.rstrip('/')}/{page}.md"


def run_error(code: ErrorCode, message: str, *, docs_base_url: str) -> RunError:
    """The one way to build an error for status: its link points at the code's troubleshooting page."""
    return RunError(
        code=code, message=message, troubleshootingUrl=troubleshooting_page(docs_base_url, code.value)
    )
