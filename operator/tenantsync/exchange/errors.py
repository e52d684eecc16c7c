"""The Exchange admin API's errors, typed like Graph's: each derives from the Graph class of the same
meaning, so the pipeline treats a refused role like a refused permission and a lost answer like Graph's.

The service answers a failed cmdlet with an OData error whose message is ``<id>|<exception type>|<text>``
and whose ``details`` and ``innererror`` repeat the text and name the exception
(``ManagementObjectNotFoundException``, ``ParameterBindingException``...). Messages come from the body
only, never from request headers, and anything shaped like a token is cut out of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from tenantsync.catalog import EXCHANGE_PERMISSION
from tenantsync.graph import (
    GraphError,
    GraphNotFound,
    GraphPermissionDenied,
    GraphThrottled,
    GraphTransientError,
    GraphUnauthorized,
    GraphUnavailable,
    GraphValidationError,
)

_TOKEN = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_REQUIRED_ROLES = re.compile(r"Required: one of ([^.]+)")
_ROLE = re.compile(r"role assigned to application|not allowed to call|Exchange\.ManageAsApp", re.IGNORECASE)
_ABOUT_ROLES = re.compile(r"role assigned to application|not allowed to call", re.IGNORECASE)
NOT_FOUND = "ManagementObjectNotFoundException"


class ExchangeError(GraphError):
    """A cmdlet the Exchange admin API refused or could not run; ``exception`` is the type it named."""

    service: ClassVar[str] = "Exchange admin API"
    exception: str = ""


class ExchangeValidationError(ExchangeError, GraphValidationError):
    """400: an unknown cmdlet or parameter, a value out of range, a name that exists."""


class ExchangeUnauthorized(ExchangeError, GraphUnauthorized):
    """401 with a token that is not for the service (a wrong audience or an expired token)."""


class ExchangePermissionDenied(ExchangeError, GraphPermissionDenied):
    """401 without ``Exchange.ManageAsApp``, or 403: no Entra role of the service principal grants the
    cmdlet. ``permissions`` and ``roles`` name what the service said is missing."""

    def __init__(self, status: int, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(status, code, message, request_id)
        about_roles = bool(_ABOUT_ROLES.search(message)) or status == 403
        self.permissions = [] if about_roles else [EXCHANGE_PERMISSION]
        found = _REQUIRED_ROLES.search(message)
        self.roles = (
            [role.strip() for role in re.split(r",| or ", found.group(1)) if role.strip()] if found else []
        )


class ExchangeNotFound(ExchangeError, GraphNotFound):
    """The object named by ``Identity`` does not exist."""


class ExchangeThrottled(ExchangeError, GraphThrottled):
    """429: the tenant's budget for the service is used up; the cmdlet did not run."""


class ExchangeUnavailable(ExchangeError, GraphUnavailable):
    """5xx or no answer: the cmdlet may or may not have run."""


def _scrubbed(text: str) -> str:
    return _TOKEN.sub("(token withheld)", text)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _parts(body: Any) -> tuple[str, str, str]:
    """(code, exception type, readable text) from the service's error body.

    A failed cmdlet is answered ``{"error": {"code": ..., "message": "Error executing cmdlet", "details":
    [{"message": "<id>|<exception type>|<text>"}], "innererror": {...}}}``: the cmdlet's own exception
    is only in the details (the inner error names the REST layer's wrapper). Refusals before any cmdlet
    (a token, a role) carry their text in ``message``.
    """
    if isinstance(body, str):
        return "", "", body[:500]
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return "", "", ""
    code = str(error.get("code") or "")
    details = error.get("details")
    first = _mapping(details[0]) if isinstance(details, list) and details else {}
    for raw in (first.get("message"), error.get("message")):
        pieces = str(raw or "").split("|", 2)
        if len(pieces) == 3:
            return code, pieces[1], pieces[2]
    inner = _mapping(error.get("innererror"))
    return code, "", str(first.get("message") or error.get("message") or inner.get("message") or "")


_BY_STATUS: dict[int, type[ExchangeError]] = {
    400: ExchangeValidationError,
    401: ExchangePermissionDenied,
    403: ExchangePermissionDenied,
    404: ExchangeNotFound,
    429: ExchangeThrottled,
    500: ExchangeUnavailable,
    502: ExchangeUnavailable,
    503: ExchangeUnavailable,
    504: ExchangeUnavailable,
}


def exchange_error(
    status: int, body: Any, headers: Mapping[str, str], *, retry_after: float | None = None
) -> ExchangeError:
    """The typed error for a failed ``InvokeCommand``.

    The service refuses a missing ``Exchange.ManageAsApp`` and a missing or insufficient Entra role alike
    with 401 ("The role assigned to application ... isn't supported", "User is not allowed to call
    <cmdlet>"): both are a permission to grant, so the run waits for consent. A 401 the service says is
    about the token itself (``invalid_token``) is not."""
    code, exception, text = _parts(body)
    cls = _BY_STATUS.get(status, ExchangeError)
    if exception.endswith(NOT_FOUND):
        cls = ExchangeNotFound
    elif status == 401 and "invalid_token" in headers.get("WWW-Authenticate", "") and not _ROLE.search(text):
        cls = ExchangeUnauthorized
    message = _scrubbed(text) or f"HTTP {status}"
    request_id = headers.get("request-id") or headers.get("client-request-id")
    if issubclass(cls, GraphTransientError):
        error: ExchangeError = cls(
            status, code or f"HTTP{status}", message, request_id, retry_after=retry_after
        )
    else:
        error = cls(status, code or f"HTTP{status}", message, request_id)
    error.exception = exception
    return error
