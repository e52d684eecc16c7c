"""A small typed client for the control API, used by tests and the demo.

Every method maps to one ``/_sim`` endpoint and returns its decoded JSON; failures raise
:class:`SimulatorError` carrying the status and the simulator's message.
"""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import httpx

JsonObject = dict[str, Any]
PermissionKind = Literal["Application", "Delegated"]


class SimulatorError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SimulatorClient:
    """Synchronous client for one running simulator, trusting its CA bundle."""

    def __init__(self, base_url: str, ca_bundle: str | Path, timeout: float = 10.0) -> None:
        context = ssl.create_default_context(cafile=str(ca_bundle))
        self._http = httpx.Client(base_url=base_url.rstrip("/") + "/_sim", verify=context, timeout=timeout)

    def __enter__(self) -> SimulatorClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, path, json=json, params=params)
        if response.status_code >= 400:
            try:
                message = str(response.json().get("error", response.text))
            except ValueError:
                message = response.text
            raise SimulatorError(response.status_code, message)
        return response.json() if response.content else None

    # -- whole simulator ---------------------------------------------------------------------

    def health(self) -> JsonObject:
        result: JsonObject = self._call("GET", "/health")
        return result

    def state(self) -> JsonObject:
        result: JsonObject = self._call("GET", "/state")
        return result

    def save_state(self, path: str | Path | None = None) -> str:
        return str(self._call("POST", "/state/save", {"path": str(path) if path else None})["path"])

    def load_state(self, path: str | Path | None = None) -> list[str]:
        return list(self._call("POST", "/state/load", {"path": str(path) if path else None})["tenants"])

    def reset(self) -> None:
        self._call("POST", "/reset")

    # -- tenants -----------------------------------------------------------------------------

    def create_tenant(self, tenant_id: str, domains: list[str], display_name: str = "Contoso") -> JsonObject:
        result: JsonObject = self._call(
            "POST", "/tenants", {"id": tenant_id, "domains": domains, "displayName": display_name}
        )
        return result

    def tenant(self, tenant: str) -> JsonObject:
        result: JsonObject = self._call("GET", f"/tenants/{tenant}")
        return result

    def delete_tenant(self, tenant: str) -> None:
        self._call("DELETE", f"/tenants/{tenant}")

    def update_settings(self, tenant: str, **settings: int) -> JsonObject:
        """Token lifetimes, device code interval and lifetime, default page size (camelCase keys)."""
        result: JsonObject = self._call("PATCH", f"/tenants/{tenant}/settings", settings)
        return result

    def throttling(self, tenant: str) -> JsonObject:
        result: JsonObject = self._call("GET", f"/tenants/{tenant}/throttling")
        return result

    def set_throttling(
        self,
        tenant: str,
        *,
        enabled: bool = True,
        services: dict[str, dict[str, float]] | None = None,
    ) -> JsonObject:
        """Replace throttling; ``services`` maps intune/identity/directory to bucket sizes and rates."""
        body: JsonObject = {"enabled": enabled}
        if services is not None:
            current = self.throttling(tenant)["services"]
            body["services"] = {**current, **services}
        result: JsonObject = self._call("PUT", f"/tenants/{tenant}/throttling", body)
        return result

    # -- apps --------------------------------------------------------------------------------

    def create_app(
        self,
        tenant: str,
        app_id: str,
        *,
        display_name: str = "tenantsync",
        public_client: bool = False,
        application_permissions: list[str] | None = None,
        delegated_permissions: list[str] | None = None,
        consent_granted: bool = True,
        secret: str | None = None,
        secret_expires: dt.datetime | None = None,
        certificate_pem: str | None = None,
        exchange_access: bool | None = None,
    ) -> JsonObject:
        body: JsonObject = {
            "appId": app_id,
            "displayName": display_name,
            "publicClient": public_client,
            "applicationPermissions": application_permissions or [],
            "delegatedPermissions": delegated_permissions or [],
            "consentGranted": consent_granted,
            "certificatePem": certificate_pem,
            "exchangeAccess": exchange_access,
        }
        if secret is not None or secret_expires is not None:
            body["secret"] = {
                "secretText": secret,
                "endDateTime": secret_expires.isoformat() if secret_expires else None,
            }
        result: JsonObject = self._call("POST", f"/tenants/{tenant}/apps", body)
        return result

    def app(self, tenant: str, app_id: str) -> JsonObject:
        result: JsonObject = self._call("GET", f"/tenants/{tenant}/apps/{app_id}")
        return result

    def add_secret(
        self,
        tenant: str,
        app_id: str,
        secret: str | None = None,
        *,
        expires: dt.datetime | None = None,
        replace_existing: bool = False,
    ) -> JsonObject:
        """Add (or, with ``replace_existing``, rotate to) a secret; the answer holds its text."""
        body = {
            "secretText": secret,
            "endDateTime": expires.isoformat() if expires else None,
            "replaceExisting": replace_existing,
        }
        result: JsonObject = self._call("POST", f"/tenants/{tenant}/apps/{app_id}/secrets", body)
        return result

    def expire_secrets(self, tenant: str, app_id: str, key_id: str | None = None) -> None:
        self._call("POST", f"/tenants/{tenant}/apps/{app_id}/secrets/expire", {"keyId": key_id})

    def add_certificate(self, tenant: str, app_id: str, pem: str) -> JsonObject:
        result: JsonObject = self._call("POST", f"/tenants/{tenant}/apps/{app_id}/certificates", {"pem": pem})
        return result

    def remove_certificate(self, tenant: str, app_id: str, key_id: str) -> None:
        """Revoke a certificate credential by the key id `add_certificate` answered with."""
        self._call("DELETE", f"/tenants/{tenant}/apps/{app_id}/certificates/{key_id}")

    def grant_consent(self, tenant: str, app_id: str) -> None:
        self._call("POST", f"/tenants/{tenant}/apps/{app_id}/consent")

    def revoke_consent(self, tenant: str, app_id: str) -> None:
        self._call("DELETE", f"/tenants/{tenant}/apps/{app_id}/consent")

    def grant_permission(
        self, tenant: str, app_id: str, name: str, kind: PermissionKind = "Application"
    ) -> None:
        self._call("PUT", f"/tenants/{tenant}/apps/{app_id}/permissions/{kind}/{name}")

    def revoke_permission(
        self, tenant: str, app_id: str, name: str, kind: PermissionKind = "Application"
    ) -> None:
        self._call("DELETE", f"/tenants/{tenant}/apps/{app_id}/permissions/{kind}/{name}")

    def add_role(self, tenant: str, app_id: str, role_template_id: str) -> None:
        """Assign an Entra directory role to the app's service principal (the token's ``wids``)."""
        self._call("PUT", f"/tenants/{tenant}/apps/{app_id}/roles/{role_template_id}")

    def remove_role(self, tenant: str, app_id: str, role_template_id: str) -> None:
        self._call("DELETE", f"/tenants/{tenant}/apps/{app_id}/roles/{role_template_id}")

    # -- users and sign-in -------------------------------------------------------------------

    def create_user(
        self,
        tenant: str,
        user_principal_name: str,
        password: str,
        *,
        blocked_by_conditional_access: bool = False,
        mfa_required: bool = False,
        is_global_admin: bool = False,
    ) -> JsonObject:
        body = {
            "userPrincipalName": user_principal_name,
            "password": password,
            "blockedByConditionalAccess": blocked_by_conditional_access,
            "mfaRequired": mfa_required,
            "isGlobalAdmin": is_global_admin,
        }
        result: JsonObject = self._call("POST", f"/tenants/{tenant}/users", body)
        return result

    def update_user(self, tenant: str, user: str, **changes: Any) -> JsonObject:
        """Change a user by id or UPN, e.g. ``blockedByConditionalAccess=True``."""
        result: JsonObject = self._call("PATCH", f"/tenants/{tenant}/users/{user}", changes)
        return result

    def revoke_sign_in_sessions(self, tenant: str, user: str) -> None:
        """Invalidate every refresh token issued to the user (by id or UPN), as Graph's
        revokeSignInSessions does."""
        self._call("POST", f"/tenants/{tenant}/users/{user}/revoke-sign-in-sessions")

    def delete_user(self, tenant: str, user: str) -> None:
        self._call("DELETE", f"/tenants/{tenant}/users/{user}")

    def pending_device_codes(self, tenant: str) -> list[JsonObject]:
        result: list[JsonObject] = self._call("GET", f"/tenants/{tenant}/device-codes")
        return result

    def sign_in(
        self, user_code: str, user_principal_name: str | None = None, *, decline: bool = False
    ) -> JsonObject:
        """Complete (or decline) a pending device code as a user, without the password."""
        body = {"userPrincipalName": user_principal_name, "decline": decline}
        result: JsonObject = self._call("POST", f"/device-codes/{user_code}/sign-in", body)
        return result

    # -- directory and configuration objects -------------------------------------------------

    def objects(self, tenant: str, kind: str) -> Any:
        """A collection's objects (list) or a singleton's body (dict), e.g. ``conditionalAccessPolicies``."""
        return self._call("GET", f"/tenants/{tenant}/objects/{kind}")

    def object(self, tenant: str, kind: str, object_id: str) -> JsonObject:
        result: JsonObject = self._call("GET", f"/tenants/{tenant}/objects/{kind}/{object_id}")
        return result

    def create_object(
        self, tenant: str, kind: str, body: JsonObject, *, actor: str | None = None
    ) -> JsonObject:
        params = {"actor": actor} if actor else None
        result: JsonObject = self._call("POST", f"/tenants/{tenant}/objects/{kind}", body, params=params)
        return result

    def create_group(self, tenant: str, display_name: str, group_id: str | None = None) -> JsonObject:
        body: JsonObject = {
            "displayName": display_name,
            "mailEnabled": False,
            "mailNickname": display_name.lower().replace(" ", "-"),
            "securityEnabled": True,
            "groupTypes": [],
        }
        if group_id:
            body["id"] = group_id
        return self.create_object(tenant, "groups", body)

    def drift(
        self,
        tenant: str,
        kind: str,
        changes: JsonObject,
        object_id: str | None = None,
        *,
        actor: str | None = None,
    ) -> JsonObject:
        """Change an object (or a singleton, without ``object_id``) behind the clients' back; with
        ``actor`` (a UPN) as that person would in a portal, leaving an audit record naming them."""
        path = f"/tenants/{tenant}/objects/{kind}" + (f"/{object_id}" if object_id else "")
        params = {"actor": actor} if actor else None
        result: JsonObject = self._call("PATCH", path, changes, params=params)
        return result

    def audit_delay(self) -> float:
        """Seconds before a change's audit record is visible in the audit logs."""
        return float(self._call("GET", "/audit")["ingestionDelaySeconds"])

    def admin_audit_delay(self) -> float:
        """Seconds before an Exchange or Purview change's record is visible to Search-UnifiedAuditLog."""
        return float(self._call("GET", "/audit")["adminIngestionDelaySeconds"])

    def set_audit_delay(self, seconds: float, admin: float | None = None) -> None:
        """Both delays: the Graph logs' ``seconds``, the admin audit's ``admin`` (``seconds`` if None)."""
        body = {
            "ingestionDelaySeconds": seconds,
            "adminIngestionDelaySeconds": seconds if admin is None else admin,
        }
        self._call("PUT", "/audit", body)

    def replace_object(
        self, tenant: str, kind: str, body: JsonObject, object_id: str | None = None
    ) -> JsonObject:
        path = f"/tenants/{tenant}/objects/{kind}" + (f"/{object_id}" if object_id else "")
        result: JsonObject = self._call("PUT", path, body)
        return result

    def delete_object(self, tenant: str, kind: str, object_id: str, *, actor: str | None = None) -> None:
        params = {"actor": actor} if actor else None
        self._call("DELETE", f"/tenants/{tenant}/objects/{kind}/{object_id}", params=params)

    # -- faults and observation --------------------------------------------------------------

    def teams_policies(self, tenant: str, resource: str) -> list[JsonObject]:
        """The Teams objects of one TCM resource type (``microsoft.teams.meetingpolicy``)."""
        found: list[JsonObject] = self._call("GET", f"/tenants/{tenant}/teams/{resource}")
        return found

    def change_teams_policy(self, tenant: str, resource: str, identity: str, **changes: Any) -> JsonObject:
        """A change made in the Teams admin centre, merged into the policy."""
        changed: JsonObject = self._call("PATCH", f"/tenants/{tenant}/teams/{resource}/{identity}", changes)
        return changed

    def set_tcm(self, tenant: str, **settings: Any) -> JsonObject:
        """How the tenant's snapshot jobs behave (``delaySeconds``, ``outcome``, ``errorDetails``,
        ``servicePrincipalPresent``)."""
        answer: JsonObject = self._call("PUT", f"/tenants/{tenant}/tcm", settings)
        return answer

    def add_fault(
        self,
        path_prefix: str,
        *,
        status: int | None = None,
        rate: float = 1.0,
        count: int | None = None,
        latency_ms: int = 0,
        method: str | None = None,
        retry_after_seconds: int | None = None,
        lose_response: bool = False,
        cmdlet: str | None = None,
    ) -> JsonObject:
        """Answer ``status`` (for ``rate`` of requests, or the next ``count``) and/or add latency.

        With ``lose_response`` the request is applied first and then its answer is lost: the client
        gets ``status`` instead, or a dropped connection when ``status`` is None (see
        :meth:`lose_responses`)."""
        body = {
            "pathPrefix": path_prefix,
            "status": status,
            "rate": rate,
            "count": count,
            "latencyMs": latency_ms,
            "method": method,
            "retryAfterSeconds": retry_after_seconds,
            "loseResponse": lose_response,
            "cmdlet": cmdlet,
        }
        result: JsonObject = self._call("POST", "/faults", body)
        return result

    def lose_responses(
        self,
        path_prefix: str,
        method: str,
        *,
        count: int | None = 1,
        status: int | None = None,
        latency_ms: int = 0,
        rate: float = 1.0,
        cmdlet: str | None = None,
    ) -> JsonObject:
        """Apply the next ``count`` matching writes, then lose their answers: a dropped connection,
        or ``status`` (500, 503, 504 ...) when given; ``latency_ms`` after applying makes a client
        with a shorter timeout give up while the write stays applied."""
        return self.add_fault(
            path_prefix,
            status=status,
            rate=rate,
            count=count,
            latency_ms=latency_ms,
            method=method,
            lose_response=True,
            cmdlet=cmdlet,
        )

    def faults(self) -> list[JsonObject]:
        result: list[JsonObject] = self._call("GET", "/faults")
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def requests(self, tenant: str, limit: int | None = None) -> list[JsonObject]:
        result: list[JsonObject] = self._call(
            "GET", f"/tenants/{tenant}/requests", params={"limit": limit or 0}
        )
        return result

    def clear_requests(self, tenant: str) -> None:
        self._call("DELETE", f"/tenants/{tenant}/requests")

    def counters(self, tenant: str) -> dict[str, int]:
        result: dict[str, int] = self._call("GET", f"/tenants/{tenant}/counters")
        return result
