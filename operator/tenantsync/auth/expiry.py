"""When a credential expires, and the warning a person gets before it does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tenantsync.api import CredentialKind

EXPIRY_WARNING = timedelta(days=30)
"""How long before expiry CredentialsValid says ExpiringSoon (and the alert fires)."""

_ROTATE = {
    CredentialKind.CLIENT_SECRET: "create a new one in the app registration and update the Secret",
    CredentialKind.CERTIFICATE: "rotate it before then",
}


def expiry_warning(kind: CredentialKind, secret_name: str, expires_at: datetime, now: datetime) -> str | None:
    """The ExpiringSoon message, or None while the credential has more than EXPIRY_WARNING left."""
    if expires_at - now > EXPIRY_WARNING:
        return None
    noun = "client secret" if kind == CredentialKind.CLIENT_SECRET else "certificate"
    return (
        f"The {noun} in Secret {secret_name} expires in {(expires_at - now).days} days"
        f" ({expires_at:%Y-%m-%d}); {_ROTATE[kind]}."
    )


def secret_end(credentials: Sequence[dict[str, Any]], secret: str) -> datetime | None:
    """The end of the app's password credential that is ours: Entra keeps each secret's first three
    characters as its `hint`; the latest-ending match wins when hints collide."""
    ends = [
        datetime.fromisoformat(c["endDateTime"].replace("Z", "+00:00"))
        for c in credentials
        if c.get("hint") and secret.startswith(c["hint"]) and c.get("endDateTime")
    ]
    return max(ends, default=None)
