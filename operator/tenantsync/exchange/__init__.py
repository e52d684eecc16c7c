"""The Exchange admin API over HTTP: cmdlets on the Exchange Online and Security & Compliance endpoints."""

from tenantsync.exchange.client import ANCHOR_MAILBOX, ExchangeClient
from tenantsync.exchange.errors import (
    ExchangeError,
    ExchangeNotFound,
    ExchangePermissionDenied,
    ExchangeThrottled,
    ExchangeUnauthorized,
    ExchangeUnavailable,
    ExchangeValidationError,
)

__all__ = [
    "ANCHOR_MAILBOX",
    "ExchangeClient",
    "ExchangeError",
    "ExchangeNotFound",
    "ExchangePermissionDenied",
    "ExchangeThrottled",
    "ExchangeUnauthorized",
    "ExchangeUnavailable",
    "ExchangeValidationError",
]
