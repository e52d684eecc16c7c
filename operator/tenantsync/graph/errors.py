"""Typed Graph errors: one class per failure a caller handles differently.

Messages come from the response body only, never from request headers, so no access token can leak
into a status, an event or a log line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar

# Permission names as Graph spells them: Policy.Read.All, DeviceManagementConfiguration.ReadWrite.All.
_PERMISSION = re.compile(r"\b[A-Z][A-Za-z]*(?:\.[A-Z][A-Za-z]*)+\b")


class GraphError(Exception):
    """A Graph request that failed; ``request_id`` is what Microsoft support asks for.

    The one error base of every service the operator calls over HTTP: the Exchange admin API's errors
    (``tenantsync.exchange``) derive from the class of the same meaning here, so the pipeline handles a
    refusal, a missing object or a lost answer alike whichever service gave it. ``service`` names it.
    """

    service: ClassVar[str] = "Graph"

    def __init__(self, status: int, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(
            f"{self.service} {status} {code}: {message}"
            + (f" (request-id {request_id})" if request_id else "")
        )
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id


class GraphValidationError(GraphError):
    """400: the request body or query was refused; retrying it unchanged cannot help."""


class GraphUnauthorized(GraphError):
    """401: the token is missing, expired or for another audience."""


class GraphPermissionDenied(GraphError):
    """403: the principal lacks a permission; ``permissions`` names the ones Graph said would do."""

    def __init__(self, status: int, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(status, code, message, request_id)
        self.permissions = sorted(set(_PERMISSION.findall(message)))


class GraphNotFound(GraphError):
    """404: the object does not exist (deleted behind our back, or a wrong id)."""


class GraphTransientError(GraphError):
    """Graph could not answer now and the same request may succeed later.

    Raised once the client stopped waiting (retries used up, a Retry-After beyond its cap, or a write
    that is not repeated), so the caller can show a visible wait instead of holding silently.
    ``retry_after`` is the wait, in seconds, that Graph asked for or that the backoff chose.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, code, message, request_id)
        self.retry_after = retry_after


class GraphThrottled(GraphTransientError):
    """429: the tenant or app budget is exhausted; Graph did not run the request."""


class GraphUnavailable(GraphTransientError):
    """500, 502, 503, 504 or no answer at all: the service failed; a write may or may not have landed."""


_BY_STATUS: dict[int, type[GraphError]] = {
    400: GraphValidationError,
    401: GraphUnauthorized,
    403: GraphPermissionDenied,
    404: GraphNotFound,
    429: GraphThrottled,
    500: GraphUnavailable,
    502: GraphUnavailable,
    503: GraphUnavailable,
    504: GraphUnavailable,
}


def _readable(message: str) -> str:
    """Intune wraps its message in a JSON string; keep only the human part."""
    if message.startswith("{"):
        try:
            inner = json.loads(message)
        except ValueError:
            return message
        text = inner.get("Message") if isinstance(inner, dict) else None
        if isinstance(text, str):
            return text
    return message


def error_from(
    status: int, body: Any, headers: Mapping[str, str], *, retry_after: float | None = None
) -> GraphError:
    """Build the typed error from a Graph (or admin API) error response; ``retry_after`` for transient ones."""
    code, message, request_id = f"HTTP{status}", "", headers.get("request-id")
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            code = str(error.get("code") or code)
            message = str(error.get("message") or "")
            inner = error.get("innerError")
            if isinstance(inner, Mapping) and not request_id:
                request_id = inner.get("request-id")
        elif isinstance(body.get("message"), str):
            message = body["message"]
    elif isinstance(body, str):
        message = body[:500]
    cls = _BY_STATUS.get(status, GraphError)
    readable = _readable(message) or f"HTTP {status}"
    if issubclass(cls, GraphTransientError):
        return cls(status, code, readable, request_id, retry_after=retry_after)
    return cls(status, code, readable, request_id)
