"""Access tokens, id tokens and client_info, with the claims Graph and MSAL look at.

Graph access tokens are v1.0 tokens (``iss`` https://sts.windows.net/{tid}/, ``appid``); id tokens are
v2.0 tokens whose issuer matches the discovery document. App-only tokens carry ``roles`` (only the
consented application permissions; none at all is not an error), delegated ones ``scp``.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Literal

from tenantsync_sim.identity.scopes import ScopeRequest
from tenantsync_sim.identity.signing import TokenSigner, b64url
from tenantsync_sim.state import Application, Tenant, User

ClientAuth = Literal["public", "secret", "certificate"]
_APPIDACR = {"public": "0", "secret": "1", "certificate": "2"}


def access_token(
    signer: TokenSigner,
    tenant: Tenant,
    app: Application,
    scopes: ScopeRequest,
    now: float,
    *,
    auth: ClientAuth,
    user: User | None = None,
    granted: list[str],
) -> str:
    issuer = f"https://sts.windows.net/{tenant.id}/"
    claims: dict[str, Any] = {
        "aud": scopes.resource,
        "iss": issuer,
        "iat": int(now),
        "nbf": int(now),
        "exp": int(now) + tenant.settings.access_token_lifetime_seconds,
        "aio": secrets.token_urlsafe(24),
        "app_displayname": app.display_name,
        "appid": app.app_id,
        "appidacr": _APPIDACR[auth],
        "idp": issuer,
        "tid": tenant.id,
        "uti": secrets.token_urlsafe(16),
        "ver": "1.0",
        "rh": "0.A" + secrets.token_urlsafe(12),
    }
    if user is None:
        claims |= {"idtyp": "app", "oid": app.service_principal_id, "sub": app.service_principal_id}
        if granted:
            claims["roles"] = sorted(granted)
        if app.directory_roles:
            claims["wids"] = sorted(app.directory_roles)
    else:
        claims |= {
            "idtyp": "user",
            "oid": user.id,
            "sub": b64url(f"{user.id}:{app.app_id}".encode())[:43],
            "upn": user.user_principal_name,
            "unique_name": user.user_principal_name,
            "name": user.display_name,
            "scp": " ".join(granted),
            "amr": ["pwd", "mfa"] if user.mfa_required else ["pwd"],
        }
    return signer.sign(claims)


def id_token(
    signer: TokenSigner, issuer: str, tenant: Tenant, app: Application, user: User, now: float
) -> str:
    return signer.sign(
        {
            "aud": app.app_id,
            "iss": issuer,
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now) + 3600,
            "name": user.display_name,
            "oid": user.id,
            "preferred_username": user.user_principal_name,
            "sub": b64url(f"{user.id}:{app.app_id}:id".encode())[:43],
            "tid": tenant.id,
            "uti": secrets.token_urlsafe(16),
            "ver": "2.0",
        }
    )


def client_info(tenant: Tenant, user: User) -> str:
    """MSAL builds the account's home_account_id (uid.utid) from this."""
    return b64url(json.dumps({"uid": user.id, "utid": tenant.id}).encode())


def app_token_response(token: str, lifetime: int) -> dict[str, Any]:
    return {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}
