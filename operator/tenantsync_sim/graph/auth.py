"""Bearer token validation and permission checks shared by Graph and the admin API."""

from __future__ import annotations

from dataclasses import dataclass

import jwt

from tenantsync_sim.graph import errors
from tenantsync_sim.identity.signing import TokenSigner
from tenantsync_sim.state import SimState, Tenant


@dataclass(frozen=True)
class Principal:
    """Who calls: the tenant, the app, and its roles (app-only) or scopes (delegated)."""

    tenant: Tenant
    app_id: str
    permissions: frozenset[str]
    user_id: str | None

    @property
    def app_only(self) -> bool:
        return self.user_id is None

    def satisfies(self, alternatives: tuple[str, ...]) -> bool:
        """True when every permission of at least one alternative (``"A+B"`` = both) is held."""
        return any(all(p in self.permissions for p in alt.split("+")) for alt in alternatives)


def authenticate(
    authorization: str | None, signer: TokenSigner, state: SimState, audiences: list[str], now: float
) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise errors.unauthorized("Access token is empty.")
    token = authorization[7:].strip()
    if token.count(".") != 2:
        raise errors.unauthorized("IDX14100: JWT is not well formed, there are no dots (.).")
    try:
        claims = signer.verify(token, audiences)
    except jwt.ExpiredSignatureError:
        raise errors.unauthorized("Lifetime validation failed, the token is expired.") from None
    except jwt.InvalidAudienceError:
        raise errors.unauthorized("Access token validation failure. Invalid audience.") from None
    except jwt.InvalidTokenError:
        raise errors.unauthorized("Access token validation failure.") from None
    if claims.get("nbf", 0) > now + 300:
        raise errors.unauthorized("Access token has expired or is not yet valid.")
    tenant = state.tenants.get(str(claims["tid"]))
    if tenant is None:
        raise errors.unauthorized("Access token validation failure. Invalid tenant.")
    if claims.get("idtyp") == "user":
        permissions = frozenset(str(claims.get("scp", "")).split())
        user_id = str(claims["oid"])
    else:
        permissions = frozenset(claims.get("roles", []))
        user_id = None
    return Principal(tenant, str(claims["appid"]), permissions, user_id)
