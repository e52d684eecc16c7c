"""Graph error bodies: ``{"error": {"code", "message", "innerError": {...}}}``, per service.

Intune wraps its message in a JSON string with an Operation ID and Activity ID; the directory uses
``Authorization_RequestDenied`` and ``Request_ResourceNotFound``; identity policies use ``AccessDenied``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from tenantsync_sim.state import utcnow

Service = Literal["identity", "intune", "directory"]


@dataclass
class GraphError(Exception):
    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, request_id: str | None, client_request_id: str | None) -> dict[str, Any]:
        request_id = request_id or str(uuid.uuid4())
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": utcnow().strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": client_request_id or request_id,
                },
            }
        }


def intune_message(text: str, url: str, retry_after: int | None = None) -> str:
    """Intune's message field is itself JSON, carrying the support identifiers."""
    return json.dumps(
        {
            "_version": 3,
            "Message": f"{text} - Operation ID (for customer support): {uuid.uuid4()} - Activity ID: "
            f"{uuid.uuid4()} - Url: {url}",
            "CustomApiErrorPhrase": "",
            "RetryAfter": retry_after,
            "ErrorSourceService": "",
            "HttpHeaders": "{}",
        },
        separators=(",", ":"),
    )


def forbidden(service: Service, alternatives: list[str], url: str) -> GraphError:
    """403 naming the permissions that would have allowed the call."""
    names = ", ".join(alternatives)
    if service == "intune":
        text = (
            "Application is not authorized to perform this operation. Application must have one of the "
            f"following scopes: {names}"
        )
        return GraphError(403, "Forbidden", intune_message(text, url))
    if service == "directory":
        return GraphError(
            403,
            "Authorization_RequestDenied",
            f"Insufficient privileges to complete the operation. Required permissions: {names}.",
        )
    return GraphError(
        403,
        "AccessDenied",
        f"You cannot perform the requested operation, required scopes are missing in the token. "
        f"Required scopes: {names}.",
    )


def not_found(service: Service, object_id: str, url: str) -> GraphError:
    if service == "intune":
        return GraphError(404, "ResourceNotFound", intune_message(f"Resource not found: {object_id}", url))
    if service == "directory":
        return GraphError(
            404,
            "Request_ResourceNotFound",
            f"Resource '{object_id}' does not exist or one of its queried reference-property objects are not "
            "present.",
        )
    return GraphError(404, "ResourceNotFound", f"The resource with id '{object_id}' was not found.")


def bad_request(message: str, service: Service | None = None, url: str = "") -> GraphError:
    if service == "intune":
        return GraphError(400, "BadRequest", intune_message(message, url))
    return GraphError(400, "BadRequest", message)


def segment_not_found(segment: str) -> GraphError:
    return GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


def method_not_allowed() -> GraphError:
    return GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.")


def throttled(service: Service, retry_after: int, url: str) -> GraphError:
    if service == "intune":
        return GraphError(
            429,
            "TooManyRequests",
            intune_message("Too many requests", url, retry_after),
            {"Retry-After": str(retry_after)},
        )
    if service == "directory":
        return GraphError(
            429,
            "Request_ThrottledTemporarily",
            "Your request is throttled temporarily. Please try after a few moments.",
            {"Retry-After": str(retry_after)},
        )
    # Conditional Access and the other identity policies answer 429 with no Retry-After header.
    return GraphError(429, "TooManyRequests", "Too many requests. Please retry after some time.")


def unauthorized(message: str) -> GraphError:
    return GraphError(
        401,
        "InvalidAuthenticationToken",
        message,
        {
            "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/'
            'oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"'
        },
    )
