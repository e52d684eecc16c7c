"""The one error the repository layer raises for anything a person has to fix."""

from __future__ import annotations

from tenantsync.api import ErrorCode


class RepositoryError(Exception):
    """The repository cannot be used; the message says what to fix and never contains a secret."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
