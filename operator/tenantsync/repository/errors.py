"""The one error the repository layer raises for anything a person has to fix."""

from __future__ import annotations

from tenantsync.api import CodedError


class RepositoryError(CodedError):
    """The repository cannot be used; the message says what to fix and never contains a secret."""
