"""The simulator's whole world: tenants, their apps, users, grants and directory objects.

Everything a client can observe lives in one pydantic model, so it can be dumped to a JSON file and
loaded back (``--state-file``) and so the control API validates what tests feed it. Runtime-only
machinery (token buckets, fault rules, request logs) lives in :mod:`tenantsync_sim.runtime`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import uuid
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

JsonObject = dict[str, Any]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def graph_timestamp() -> str:
    """Graph's DateTimeOffset format: UTC, milliseconds, trailing Z."""
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_id() -> str:
    return str(uuid.uuid4())


class SimModel(BaseModel):
    """camelCase on the wire like Microsoft's APIs, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ClientSecret(SimModel):
    key_id: str = Field(default_factory=new_id)
    display_name: str = "tenantsync"
    secret_text: str
    start_date_time: dt.datetime = Field(default_factory=utcnow)
    end_date_time: dt.datetime

    @property
    def hint(self) -> str:
        return self.secret_text[:3]


class ClientCertificate(SimModel):
    """A registered public certificate; thumbprints are what assertion headers name."""

    key_id: str = Field(default_factory=new_id)
    pem: str
    sha1_thumbprint: str
    sha256_thumbprint: str
    start_date_time: dt.datetime
    end_date_time: dt.datetime

    @classmethod
    def from_pem(cls, pem: str) -> ClientCertificate:
        cert = x509.load_pem_x509_certificate(pem.encode())
        return cls(
            pem=pem,
            sha1_thumbprint=cert.fingerprint(hashes.SHA1()).hex(),  # x5t is SHA-1 by spec
            sha256_thumbprint=cert.fingerprint(hashes.SHA256()).hex(),
            start_date_time=cert.not_valid_before_utc,
            end_date_time=cert.not_valid_after_utc,
        )


PermissionType = Literal["Application", "Delegated"]


class Application(SimModel):
    """An app registration and its service principal in one tenant."""

    app_id: str = Field(default_factory=new_id)
    object_id: str = Field(default_factory=new_id)
    service_principal_id: str = Field(default_factory=new_id)
    display_name: str = "tenantsync"
    public_client: bool = False
    secrets: list[ClientSecret] = Field(default_factory=list)
    certificates: list[ClientCertificate] = Field(default_factory=list)
    application_permissions: list[str] = Field(default_factory=list)
    delegated_permissions: list[str] = Field(default_factory=list)
    granted_application_permissions: list[str] = Field(default_factory=list)
    granted_delegated_permissions: list[str] = Field(default_factory=list)
    directory_roles: list[str] = Field(default_factory=list)
    """Entra role template ids held by the service principal (the app-only token's ``wids``)."""

    def grant_all(self) -> None:
        self.granted_application_permissions = list(self.application_permissions)
        self.granted_delegated_permissions = list(self.delegated_permissions)

    def granted(self, kind: PermissionType) -> list[str]:
        if kind == "Application":
            return self.granted_application_permissions
        return self.granted_delegated_permissions


class User(SimModel):
    id: str = Field(default_factory=new_id)
    user_principal_name: str
    display_name: str = ""
    password: str
    blocked_by_conditional_access: bool = False
    mfa_required: bool = False
    is_global_admin: bool = False


DeviceCodeState = Literal["pending", "approved", "declined"]


class DeviceCodeGrant(SimModel):
    device_code: str
    user_code: str
    client_id: str
    scopes: list[str]
    expires_at: float
    interval: int
    state: DeviceCodeState = "pending"
    user_id: str | None = None
    last_poll: float | None = None
    redeemed: bool = False


class RefreshGrant(SimModel):
    client_id: str
    user_id: str
    scopes: list[str]
    expires_at: float


class ServiceThrottle(SimModel):
    """Two token buckets guard a service: one per tenant, one per app in that tenant."""

    tenant_capacity: float
    tenant_refill_per_second: float
    app_capacity: float
    app_refill_per_second: float


def _default_throttles() -> dict[str, ServiceThrottle]:
    # Intune documents 2000 requests / 20 s per tenant and 1000 / 20 s per app in a tenant; the
    # identity and directory figures approximate the documented resource-unit budgets.
    return {
        "intune": ServiceThrottle(
            tenant_capacity=2000, tenant_refill_per_second=100, app_capacity=1000, app_refill_per_second=50
        ),
        "identity": ServiceThrottle(
            tenant_capacity=3500, tenant_refill_per_second=350, app_capacity=3000, app_refill_per_second=300
        ),
        "directory": ServiceThrottle(
            tenant_capacity=8000, tenant_refill_per_second=800, app_capacity=6000, app_refill_per_second=600
        ),
        # The Exchange admin API budgets per tenant and per app too (its figures are not published):
        # bursts of a few hundred cmdlets, then tens per second.
        "exchange": ServiceThrottle(
            tenant_capacity=600, tenant_refill_per_second=30, app_capacity=400, app_refill_per_second=20
        ),
        "compliance": ServiceThrottle(
            tenant_capacity=300, tenant_refill_per_second=15, app_capacity=200, app_refill_per_second=10
        ),
    }


class ThrottleSettings(SimModel):
    enabled: bool = True
    services: dict[str, ServiceThrottle] = Field(default_factory=_default_throttles)


class TenantSettings(SimModel):
    access_token_lifetime_seconds: int = 3599
    refresh_token_lifetime_seconds: int = 90 * 24 * 3600
    device_code_lifetime_seconds: int = 900
    device_code_interval_seconds: int = 5
    page_size: int = 100


class StoredStream(SimModel):
    """A stream property's bytes (a branding image), base64 so that the state stays JSON."""

    content_type: str
    content_base64: str

    @property
    def content(self) -> bytes:
        return base64.b64decode(self.content_base64)

    @classmethod
    def of(cls, content_type: str, content: bytes) -> StoredStream:
        return cls(content_type=content_type, content_base64=base64.b64encode(content).decode())


class Tenant(SimModel):
    id: str = Field(default_factory=new_id)
    display_name: str = "Contoso"
    domains: list[str] = Field(default_factory=list)
    apps: dict[str, Application] = Field(default_factory=dict)
    users: dict[str, User] = Field(default_factory=dict)
    collections: dict[str, dict[str, JsonObject]] = Field(default_factory=dict)
    singletons: dict[str, JsonObject] = Field(default_factory=dict)
    streams: dict[str, StoredStream] = Field(default_factory=dict)
    """Stream properties by ``<type>/<localization id>/<property>`` (``0`` is the default branding)."""
    device_codes: dict[str, DeviceCodeGrant] = Field(default_factory=dict)
    refresh_tokens: dict[str, RefreshGrant] = Field(default_factory=dict)
    settings: TenantSettings = Field(default_factory=TenantSettings)
    throttling: ThrottleSettings = Field(default_factory=ThrottleSettings)

    def collection(self, key: str) -> dict[str, JsonObject]:
        return self.collections.setdefault(key, {})

    def user_by_upn(self, upn: str) -> User | None:
        return next(
            (u for u in self.users.values() if u.user_principal_name.lower() == upn.strip().lower()), None
        )

    def new_refresh_token(self, client_id: str, user_id: str, scopes: list[str], now: float) -> str:
        token = "0.A" + secrets.token_urlsafe(96)
        self.refresh_tokens[token] = RefreshGrant(
            client_id=client_id,
            user_id=user_id,
            scopes=scopes,
            expires_at=now + self.settings.refresh_token_lifetime_seconds,
        )
        return token


class SimState(SimModel):
    tenants: dict[str, Tenant] = Field(default_factory=dict)

    def find_tenant(self, id_or_domain: str) -> Tenant | None:
        """Resolve a tenant the way Entra does: by GUID or by any verified domain, case-insensitively."""
        key = id_or_domain.lower()
        if key in self.tenants:
            return self.tenants[key]
        return next((t for t in self.tenants.values() if key in (d.lower() for d in t.domains)), None)

    def add_tenant(self, tenant: Tenant) -> Tenant:
        tenant.id = tenant.id.lower()
        self.tenants[tenant.id] = tenant
        return tenant

    def find_device_code(self, user_code: str) -> tuple[Tenant, DeviceCodeGrant] | None:
        wanted = user_code.strip().upper()
        for tenant in self.tenants.values():
            for grant in tenant.device_codes.values():
                if grant.user_code == wanted:
                    return tenant, grant
        return None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(self.model_dump_json(by_alias=True, indent=1))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> SimState:
        return cls.model_validate_json(path.read_text())


def stable_id(*parts: str) -> str:
    """Deterministic GUIDs, so seeded tenants have the same ids on every start."""
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return str(uuid.UUID(digest[:32], version=4))
