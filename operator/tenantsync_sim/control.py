"""The control API under ``/_sim``: what tests and the demo use to arrange and observe a tenant.

It changes state directly, behind any client's back: that is how drift, expired secrets, revoked
consent, blocked users and faults are staged. An object write that names ``?actor=<UPN>`` is a change
made in a portal by that person, and leaves its audit record as one would. Bodies are validated with pydantic; answers are JSON.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from tenantsync_sim.adminapi import ADMIN_SETTINGS
from tenantsync_sim.defaults import default_singletons
from tenantsync_sim.exchange import objects as exchange_objects
from tenantsync_sim.exchange import seeds as exchange_seeds
from tenantsync_sim.exchange.admin_audit import admin_record
from tenantsync_sim.exchange.roles import MANAGE_AS_APP, SEEDED_ROLES
from tenantsync_sim.exchange.schema import types as exchange_types
from tenantsync_sim.faults import FaultRule
from tenantsync_sim.graph import tcm
from tenantsync_sim.graph.audit_trail import portal_actor, record_change
from tenantsync_sim.graph.resources import BY_KEY
from tenantsync_sim.identity import errors as entra
from tenantsync_sim.identity.device_code import sign_in
from tenantsync_sim.runtime import Simulator, simulator
from tenantsync_sim.state import (
    Application,
    ClientCertificate,
    ClientSecret,
    JsonObject,
    PermissionType,
    SimModel,
    SimState,
    Tenant,
    TenantSettings,
    ThrottleSettings,
    User,
    new_id,
    utcnow,
)

Model = TypeVar("Model", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_SINGLETON_KINDS = {r.key for r in BY_KEY.values() if r.singleton} | set(ADMIN_SETTINGS.values())
_COLLECTION_KINDS = {r.key for r in BY_KEY.values() if not r.singleton} | set(exchange_types())


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class CreateTenant(SimModel):
    id: str = Field(default_factory=new_id)
    display_name: str = "Contoso"
    domains: list[str] = Field(default_factory=list)


class NewSecret(SimModel):
    secret_text: str | None = None
    display_name: str = "tenantsync"
    end_date_time: dt.datetime | None = None
    valid_days: int = 365
    replace_existing: bool = False


class CreateApp(SimModel):
    app_id: str = Field(default_factory=new_id)
    display_name: str = "tenantsync"
    public_client: bool = False
    application_permissions: list[str] = Field(default_factory=list)
    delegated_permissions: list[str] = Field(default_factory=list)
    consent_granted: bool = True
    exchange_access: bool | None = None
    """``Exchange.ManageAsApp`` and the Exchange and Compliance Administrator roles; by default every
    confidential client gets them, as every seeded app does, so that existing tests keep syncing."""
    secret: NewSecret | None = None
    certificate_pem: str | None = None


class NewCertificate(SimModel):
    pem: str


class ExpireSecrets(SimModel):
    key_id: str | None = None


class SignIn(SimModel):
    user_principal_name: str | None = None
    decline: bool = False


class UserPatch(SimModel):
    display_name: str | None = None
    password: str | None = None
    blocked_by_conditional_access: bool | None = None
    mfa_required: bool | None = None
    is_global_admin: bool | None = None


class SettingsPatch(SimModel):
    access_token_lifetime_seconds: int | None = None
    refresh_token_lifetime_seconds: int | None = None
    device_code_lifetime_seconds: int | None = None
    device_code_interval_seconds: int | None = None
    page_size: int | None = None


class StatePath(SimModel):
    path: str | None = None


def dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json", by_alias=True)


async def _body(request: web.Request, model: type[Model]) -> Model:
    raw = await request.read()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise ControlError(400, str(exc)) from exc


async def _json_object(request: web.Request) -> JsonObject:
    try:
        body = await request.json()
    except ValueError:
        raise ControlError(400, "Body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise ControlError(400, "Body must be a JSON object.")
    return body


def _tenant(request: web.Request) -> Tenant:
    name = request.match_info["tenant"]
    tenant = simulator(request).state.find_tenant(name)
    if tenant is None:
        raise ControlError(404, f"Tenant '{name}' does not exist.")
    return tenant


def _app(request: web.Request) -> tuple[Tenant, Application]:
    tenant = _tenant(request)
    app = tenant.apps.get(request.match_info["app_id"].lower())
    if app is None:
        raise ControlError(404, f"App '{request.match_info['app_id']}' does not exist in tenant {tenant.id}.")
    return tenant, app


def _user(request: web.Request) -> tuple[Tenant, User]:
    tenant = _tenant(request)
    key = request.match_info["user"]
    user = tenant.users.get(key) or tenant.user_by_upn(key)
    if user is None:
        raise ControlError(404, f"User '{key}' does not exist in tenant {tenant.id}.")
    return tenant, user


def _new_secret(spec: NewSecret) -> ClientSecret:
    end = spec.end_date_time or utcnow() + dt.timedelta(days=spec.valid_days)
    text = spec.secret_text or f"{secrets.token_urlsafe(3)}8Q~{secrets.token_urlsafe(30)}"
    return ClientSecret(secret_text=text, display_name=spec.display_name, end_date_time=end)


# -- handlers ------------------------------------------------------------------------------------


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "tenants": len(simulator(request).state.tenants)})


async def get_state(request: web.Request) -> web.Response:
    return web.json_response(dump(simulator(request).state))


def _state_path(sim: Simulator, spec: StatePath) -> Path:
    if spec.path:
        return Path(spec.path)
    if sim.state_file:
        return sim.state_file
    raise ControlError(400, "No path given and the simulator was started without --state-file.")


async def save_state(request: web.Request) -> web.Response:
    sim = simulator(request)
    path = _state_path(sim, await _body(request, StatePath))
    sim.state.save(path)
    return web.json_response({"path": str(path)})


async def load_state(request: web.Request) -> web.Response:
    sim = simulator(request)
    path = _state_path(sim, await _body(request, StatePath))
    if not path.exists():
        raise ControlError(404, f"State file {path} does not exist.")
    sim.state = SimState.load(path)
    return web.json_response({"path": str(path), "tenants": sorted(sim.state.tenants)})


async def reset(request: web.Request) -> web.Response:
    sim = simulator(request)
    for tenant_id in list(sim.state.tenants):
        sim.throttler.reset(tenant_id)
        sim.requests.clear(tenant_id)
    sim.state = SimState()
    sim.faults.rules.clear()
    return web.json_response({"status": "reset"})


async def list_tenants(request: web.Request) -> web.Response:
    tenants = simulator(request).state.tenants.values()
    return web.json_response(
        [{"id": t.id, "displayName": t.display_name, "domains": t.domains} for t in tenants]
    )


async def create_tenant(request: web.Request) -> web.Response:
    spec = await _body(request, CreateTenant)
    sim = simulator(request)
    if sim.state.find_tenant(spec.id) or any(sim.state.find_tenant(d) for d in spec.domains):
        raise ControlError(409, "A tenant with that id or domain already exists.")
    tenant = sim.state.add_tenant(
        Tenant(
            id=spec.id,
            display_name=spec.display_name,
            domains=spec.domains,
            singletons=default_singletons(spec.id.lower()),
        )
    )
    exchange_seeds.add_builtins(tenant)
    return web.json_response(dump(tenant), status=201)


async def get_tenant(request: web.Request) -> web.Response:
    return web.json_response(dump(_tenant(request)))


async def delete_tenant(request: web.Request) -> web.Response:
    tenant = _tenant(request)
    sim = simulator(request)
    del sim.state.tenants[tenant.id]
    sim.throttler.reset(tenant.id)
    return web.Response(status=204)


async def patch_settings(request: web.Request) -> web.Response:
    tenant = _tenant(request)
    patch = await _body(request, SettingsPatch)
    tenant.settings = TenantSettings.model_validate(
        {**dump(tenant.settings), **patch.model_dump(by_alias=True, exclude_none=True)}
    )
    return web.json_response(dump(tenant.settings))


async def get_throttling(request: web.Request) -> web.Response:
    return web.json_response(dump(_tenant(request).throttling))


async def put_throttling(request: web.Request) -> web.Response:
    tenant = _tenant(request)
    tenant.throttling = await _body(request, ThrottleSettings)
    simulator(request).throttler.reset(tenant.id)
    return web.json_response(dump(tenant.throttling))


async def create_app(request: web.Request) -> web.Response:
    tenant = _tenant(request)
    spec = await _body(request, CreateApp)
    app = Application(
        app_id=spec.app_id.lower(),
        display_name=spec.display_name,
        public_client=spec.public_client,
        application_permissions=spec.application_permissions,
        delegated_permissions=spec.delegated_permissions,
    )
    if spec.exchange_access if spec.exchange_access is not None else not spec.public_client:
        if MANAGE_AS_APP not in app.application_permissions:
            app.application_permissions.append(MANAGE_AS_APP)
        app.directory_roles = list(SEEDED_ROLES)
    if spec.consent_granted:
        app.grant_all()
    if spec.secret:
        app.secrets.append(_new_secret(spec.secret))
    if spec.certificate_pem:
        app.certificates.append(ClientCertificate.from_pem(spec.certificate_pem))
    tenant.apps[app.app_id] = app
    return web.json_response(dump(app), status=201)


async def get_app(request: web.Request) -> web.Response:
    return web.json_response(dump(_app(request)[1]))


async def delete_app(request: web.Request) -> web.Response:
    tenant, app = _app(request)
    del tenant.apps[app.app_id]
    return web.Response(status=204)


async def add_secret(request: web.Request) -> web.Response:
    _, app = _app(request)
    spec = await _body(request, NewSecret)
    secret = _new_secret(spec)
    if spec.replace_existing:
        app.secrets.clear()
    app.secrets.append(secret)
    return web.json_response(dump(secret), status=201)


async def expire_secrets(request: web.Request) -> web.Response:
    _, app = _app(request)
    spec = await _body(request, ExpireSecrets)
    past = utcnow() - dt.timedelta(seconds=1)
    for secret in app.secrets:
        if spec.key_id in (None, secret.key_id):
            secret.end_date_time = past
    return web.json_response(dump(app))


async def add_certificate(request: web.Request) -> web.Response:
    _, app = _app(request)
    spec = await _body(request, NewCertificate)
    try:
        certificate = ClientCertificate.from_pem(spec.pem)
    except ValueError as exc:
        raise ControlError(400, f"Not a PEM certificate: {exc}") from exc
    app.certificates.append(certificate)
    return web.json_response(dump(certificate), status=201)


async def remove_certificate(request: web.Request) -> web.Response:
    """Revoke a certificate credential: assertions signed with its key are refused from now on."""
    _, app = _app(request)
    key_id = request.match_info["key_id"]
    if not any(c.key_id == key_id for c in app.certificates):
        raise ControlError(404, f"App '{app.app_id}' has no certificate with key id '{key_id}'.")
    app.certificates = [c for c in app.certificates if c.key_id != key_id]
    return web.Response(status=204)


async def grant_consent(request: web.Request) -> web.Response:
    _, app = _app(request)
    app.grant_all()
    return web.json_response(dump(app))


async def revoke_consent(request: web.Request) -> web.Response:
    _, app = _app(request)
    app.granted_application_permissions, app.granted_delegated_permissions = [], []
    return web.json_response(dump(app))


def _permission_kind(request: web.Request) -> PermissionType:
    kind = request.match_info["kind"]
    if kind not in ("Application", "Delegated"):
        raise ControlError(400, "Permission kind must be 'Application' or 'Delegated'.")
    return "Application" if kind == "Application" else "Delegated"


async def grant_permission(request: web.Request) -> web.Response:
    _, app = _app(request)
    kind, name = _permission_kind(request), request.match_info["name"]
    requested = app.application_permissions if kind == "Application" else app.delegated_permissions
    for names in (requested, app.granted(kind)):
        if name not in names:
            names.append(name)
    return web.json_response(dump(app))


async def revoke_permission(request: web.Request) -> web.Response:
    _, app = _app(request)
    kind, name = _permission_kind(request), request.match_info["name"]
    granted = app.granted(kind)
    if name in granted:
        granted.remove(name)
    return web.json_response(dump(app))


async def add_role(request: web.Request) -> web.Response:
    """Assign an Entra directory role (by template id) to the app's service principal."""
    _, app = _app(request)
    role_id = request.match_info["role_id"].lower()
    if role_id not in app.directory_roles:
        app.directory_roles.append(role_id)
    return web.json_response(dump(app))


async def remove_role(request: web.Request) -> web.Response:
    _, app = _app(request)
    role_id = request.match_info["role_id"].lower()
    app.directory_roles = [r for r in app.directory_roles if r != role_id]
    return web.json_response(dump(app))


async def create_user(request: web.Request) -> web.Response:
    tenant = _tenant(request)
    user = await _body(request, User)
    if tenant.user_by_upn(user.user_principal_name):
        raise ControlError(409, f"User {user.user_principal_name} already exists.")
    user.display_name = user.display_name or user.user_principal_name.split("@")[0]
    tenant.users[user.id] = user
    return web.json_response(dump(user), status=201)


async def patch_user(request: web.Request) -> web.Response:
    _, user = _user(request)
    patch = await _body(request, UserPatch)
    for field, value in patch.model_dump(exclude_none=True).items():
        setattr(user, field, value)
    return web.json_response(dump(user))


async def revoke_sign_in_sessions(request: web.Request) -> web.Response:
    """Graph's revokeSignInSessions: every refresh token issued to the user stops working."""
    tenant, user = _user(request)
    tenant.refresh_tokens = {t: g for t, g in tenant.refresh_tokens.items() if g.user_id != user.id}
    return web.Response(status=204)


async def delete_user(request: web.Request) -> web.Response:
    tenant, user = _user(request)
    del tenant.users[user.id]
    return web.Response(status=204)


def _kind(request: web.Request) -> str:
    kind = request.match_info["kind"]
    if kind not in _SINGLETON_KINDS | _COLLECTION_KINDS:
        kinds = ", ".join(sorted(_SINGLETON_KINDS | _COLLECTION_KINDS))
        raise ControlError(404, f"Unknown object kind '{kind}'. Known kinds: {kinds}.")
    return kind


async def list_objects(request: web.Request) -> web.Response:
    tenant, kind = _tenant(request), _kind(request)
    if kind in _SINGLETON_KINDS:
        return web.json_response(tenant.singletons.get(kind, {}))
    return web.json_response(list(tenant.collection(kind).values()))


def _audit(request: web.Request, tenant: Tenant, kind: str, before: JsonObject | None) -> None:
    """A portal change leaves an audit record when the request names who made it (``?actor=<UPN>``);
    without one (seeding a tenant) it stays out of the audit logs."""
    actor = request.query.get("actor")
    if not actor or kind not in BY_KEY:
        return
    resource = BY_KEY[kind]
    key = request.match_info.get("object_id")
    if resource.singleton:
        after = tenant.singletons.get(kind)
    else:
        after = tenant.collection(kind).get(key) if key else None
    record_change(simulator(request), tenant, resource, before, after, portal_actor(tenant, actor))


def _admin_audit(
    request: web.Request, tenant: Tenant, kind: str, verb: str, item: JsonObject, parameters: JsonObject
) -> None:
    """A portal change to an Exchange or Purview object, made by ``?actor=<UPN>``, is in the admin audit
    as the cmdlet the portal runs for it; without an actor it stays out."""
    actor = request.query.get("actor")
    if not actor:
        return
    exchange_type = exchange_types()[kind]
    identity = str(item.get("Name") or item.get("Identity") or item.get("Guid") or "")
    sim = simulator(request)
    record = admin_record(
        tenant,
        exchange_type,
        f"{verb}-{exchange_type.noun}",
        identity,
        dict(parameters),
        portal_actor(tenant, actor),
        sim.clock(),
    )
    sim.audits.record_admin(tenant.id, record, sim.clock())


def _current(tenant: Tenant, kind: str, object_id: str | None) -> JsonObject | None:
    if kind in _SINGLETON_KINDS:
        return copy.deepcopy(tenant.singletons.get(kind))
    return copy.deepcopy(tenant.collection(kind).get(object_id)) if object_id else None


async def create_object(request: web.Request) -> web.Response:
    """Create an object as the portal would: no Graph validation, server fields stamped."""
    tenant, kind = _tenant(request), _kind(request)
    if kind in _SINGLETON_KINDS:
        raise ControlError(405, f"'{kind}' is a singleton: use PUT or PATCH.")
    item = await _json_object(request)
    if kind in exchange_types():
        exchange_type = exchange_types()[kind]
        name = str(item.get("Name") or item.get("Identity") or uuid.uuid4())
        created = exchange_objects.create(tenant, exchange_type, name, item, simulator(request).clock())
        tenant.collection(kind)[str(created["Guid"])] = created
        _admin_audit(request, tenant, kind, "New", created, item)
        return web.json_response(created, status=201)
    resource = BY_KEY[kind]
    item.setdefault(resource.key_field, str(uuid.uuid4()))
    resource.stamp_created(item)
    tenant.collection(kind)[str(item[resource.key_field])] = item
    if request.query.get("actor"):
        record_change(
            simulator(request), tenant, resource, None, item, portal_actor(tenant, request.query["actor"])
        )
    return web.json_response(item, status=201)


async def put_singleton_or_object(request: web.Request) -> web.Response:
    tenant, kind = _tenant(request), _kind(request)
    body = await _json_object(request)
    object_id = request.match_info.get("object_id")
    before = _current(tenant, kind, object_id)
    if object_id is None:
        if kind not in _SINGLETON_KINDS:
            raise ControlError(405, f"'{kind}' is a collection: PUT needs an object id.")
        tenant.singletons[kind] = body
        _audit(request, tenant, kind, before)
        return web.json_response(body)
    body["Guid" if kind in exchange_types() else BY_KEY[kind].key_field] = object_id
    tenant.collection(kind)[object_id] = body
    _audit(request, tenant, kind, before)
    return web.json_response(body)


def _exchange_object(tenant: Tenant, kind: str, identity: str | None) -> JsonObject:
    """An Exchange object by Guid, name or distinguished name; a single-instance type's without one."""
    exchange_type = exchange_types()[kind]
    items = exchange_objects.objects(tenant, exchange_type)
    if identity is None:
        if not exchange_type.singleton or len(items) != 1:
            raise ControlError(405, f"'{kind}' is a collection: name the object (Guid or name).")
        return next(iter(items.values()))
    found = items.get(identity) or exchange_objects.find(tenant, exchange_type, identity)
    if found is None:
        raise ControlError(404, f"{kind} '{identity}' does not exist.")
    return found


async def patch_singleton_or_object(request: web.Request) -> web.Response:
    """Drift: merge changes into an object and bump its modified time and version."""
    tenant, kind = _tenant(request), _kind(request)
    changes = await _json_object(request)
    object_id = request.match_info.get("object_id")
    if kind in exchange_types():
        item = _exchange_object(tenant, kind, object_id)
    elif object_id is None:
        if kind not in _SINGLETON_KINDS:
            raise ControlError(405, f"'{kind}' is a collection: PATCH needs an object id.")
        item = tenant.singletons.setdefault(kind, {})
    else:
        found = tenant.collection(kind).get(object_id)
        if found is None:
            raise ControlError(404, f"{kind} '{object_id}' does not exist.")
        item = found
    before = copy.deepcopy(item)
    item.update(copy.deepcopy(changes))
    if kind in BY_KEY:
        BY_KEY[kind].touch(item)
    elif kind in exchange_types():
        exchange_objects.touch(item, simulator(request).clock())
        _admin_audit(request, tenant, kind, "Set", item, changes)
    _audit(request, tenant, kind, before)
    return web.json_response(item)


async def get_object(request: web.Request) -> web.Response:
    tenant, kind = _tenant(request), _kind(request)
    if kind in exchange_types():
        return web.json_response(_exchange_object(tenant, kind, request.match_info["object_id"]))
    item = tenant.collection(kind).get(request.match_info["object_id"])
    if item is None:
        raise ControlError(404, f"{kind} '{request.match_info['object_id']}' does not exist.")
    return web.json_response(item)


async def delete_object(request: web.Request) -> web.Response:
    tenant, kind = _tenant(request), _kind(request)
    if kind in exchange_types():
        item = _exchange_object(tenant, kind, request.match_info["object_id"])
        del tenant.collection(kind)[str(item["Guid"])]
        _admin_audit(request, tenant, kind, "Remove", item, {})
        return web.Response(status=204)
    removed = tenant.collection(kind).pop(request.match_info["object_id"], None)
    if removed is None:
        raise ControlError(404, f"{kind} '{request.match_info['object_id']}' does not exist.")
    _audit(request, tenant, kind, removed)
    return web.Response(status=204)


class AuditSettings(SimModel):
    ingestion_delay_seconds: float = Field(ge=0)
    """Seconds between a change and its audit record's appearance in the Graph audit logs."""
    admin_ingestion_delay_seconds: float | None = Field(default=None, ge=0)
    """The same for the Exchange and Purview admin audit (``Search-UnifiedAuditLog``); unchanged if unset."""


async def get_audit_settings(request: web.Request) -> web.Response:
    audits = simulator(request).audits
    settings = AuditSettings(
        ingestion_delay_seconds=audits.ingestion_delay_seconds,
        admin_ingestion_delay_seconds=audits.admin_ingestion_delay_seconds,
    )
    return web.json_response(dump(settings))


async def put_audit_settings(request: web.Request) -> web.Response:
    spec = await _body(request, AuditSettings)
    audits = simulator(request).audits
    audits.ingestion_delay_seconds = spec.ingestion_delay_seconds
    if spec.admin_ingestion_delay_seconds is not None:
        audits.admin_ingestion_delay_seconds = spec.admin_ingestion_delay_seconds
    spec.admin_ingestion_delay_seconds = audits.admin_ingestion_delay_seconds
    return web.json_response(dump(spec))


async def list_device_codes(request: web.Request) -> web.Response:
    tenant = _tenant(request)
    now = simulator(request).clock()
    pending = [
        {
            "userCode": g.user_code,
            "clientId": g.client_id,
            "scopes": g.scopes,
            "state": g.state,
            "expiresAt": g.expires_at,
        }
        for g in tenant.device_codes.values()
        if not g.redeemed and g.expires_at > now
    ]
    return web.json_response(pending)


async def sign_in_device_code(request: web.Request) -> web.Response:
    spec = await _body(request, SignIn)
    try:
        user = sign_in(
            simulator(request),
            request.match_info["user_code"],
            spec.user_principal_name,
            None,
            decline=spec.decline,
        )
    except entra.EntraError as exc:
        raise ControlError(
            exc.status if exc.status != 401 else 400, f"AADSTS{exc.code}: {exc.message}"
        ) from exc
    return web.json_response(
        {"state": "declined" if user is None else "approved", "userId": user.id if user else None}
    )


async def list_faults(request: web.Request) -> web.Response:
    return web.json_response([dump(rule) for rule in simulator(request).faults.rules])


async def add_fault(request: web.Request) -> web.Response:
    rule = simulator(request).faults.add(await _body(request, FaultRule))
    return web.json_response(dump(rule), status=201)


async def clear_faults(request: web.Request) -> web.Response:
    simulator(request).faults.rules.clear()
    return web.Response(status=204)


async def delete_fault(request: web.Request) -> web.Response:
    if not simulator(request).faults.remove(request.match_info["fault_id"]):
        raise ControlError(404, "No such fault rule.")
    return web.Response(status=204)


async def list_requests(request: web.Request) -> web.Response:
    tenant = _tenant(request)
    limit = int(request.query.get("limit", "0")) or None
    entries = simulator(request).requests.entries(tenant.id, limit)
    return web.json_response([dump(entry) for entry in entries])


async def clear_requests(request: web.Request) -> web.Response:
    simulator(request).requests.clear(_tenant(request).id)
    return web.Response(status=204)


async def counters(request: web.Request) -> web.Response:
    return web.json_response(simulator(request).requests.counters(_tenant(request).id))


@web.middleware
async def control_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/_sim"):
        return await handler(request)
    try:
        return await handler(request)
    except ControlError as exc:
        return web.json_response({"error": str(exc)}, status=exc.status)


# -- Teams policies and Tenant Configuration Management ------------------------------------------------


async def list_teams_policies(request: web.Request) -> web.Response:
    """The Teams objects of one TCM resource type (``microsoft.teams.meetingpolicy``)."""
    found = tcm.policies(_tenant(request), request.match_info["resource"])
    return web.json_response(list(found.values()))


async def change_teams_policy(request: web.Request) -> web.Response:
    """A change made in the Teams admin centre: PATCH merges properties into the policy, PUT sets it whole."""
    tenant = _tenant(request)
    identity = request.match_info["identity"]
    found = tcm.policies(tenant, request.match_info["resource"])
    body = await _json_object(request)
    if request.method == "PATCH":
        if identity not in found:
            raise ControlError(404, f"No Teams policy '{identity}' of {request.match_info['resource']}.")
        found[identity] = {**found[identity], **body, "Identity": identity}
    else:
        found[identity] = {**body, "Identity": identity}
    return web.json_response(found[identity])


async def get_tcm_settings(request: web.Request) -> web.Response:
    return web.json_response(tcm.settings(_tenant(request)))


async def put_tcm_settings(request: web.Request) -> web.Response:
    """How the tenant's snapshot jobs behave: ``delaySeconds`` before they end, their ``outcome``
    (succeeded, failed, partiallySuccessful) and ``errorDetails``, and ``servicePrincipalPresent``."""
    tenant = _tenant(request)
    body = await _json_object(request)
    unknown = set(body) - set(tcm.DEFAULT_SETTINGS)
    if unknown:
        raise ControlError(
            400, f"Unknown TCM settings {sorted(unknown)}; known: {sorted(tcm.DEFAULT_SETTINGS)}."
        )
    if body.get("outcome", "succeeded") not in tcm.FINAL:
        raise ControlError(400, f"outcome must be one of {list(tcm.FINAL)}.")
    tenant.singletons[tcm.SETTINGS] = {**tenant.singletons.get(tcm.SETTINGS, {}), **body}
    return web.json_response(tcm.settings(tenant))


def add_routes(app: web.Application) -> None:
    t = "/_sim/tenants/{tenant}"
    a = t + "/apps/{app_id}"
    o = t + "/objects/{kind}"
    app.add_routes(
        [
            web.get("/_sim/health", health),
            web.get("/_sim/state", get_state),
            web.post("/_sim/state/save", save_state),
            web.post("/_sim/state/load", load_state),
            web.post("/_sim/reset", reset),
            web.get("/_sim/tenants", list_tenants),
            web.post("/_sim/tenants", create_tenant),
            web.get(t, get_tenant),
            web.delete(t, delete_tenant),
            web.patch(t + "/settings", patch_settings),
            web.get(t + "/throttling", get_throttling),
            web.put(t + "/throttling", put_throttling),
            web.post(t + "/apps", create_app),
            web.get(a, get_app),
            web.delete(a, delete_app),
            web.post(a + "/secrets", add_secret),
            web.post(a + "/secrets/expire", expire_secrets),
            web.post(a + "/certificates", add_certificate),
            web.delete(a + "/certificates/{key_id}", remove_certificate),
            web.post(a + "/consent", grant_consent),
            web.delete(a + "/consent", revoke_consent),
            web.put(a + "/permissions/{kind}/{name}", grant_permission),
            web.delete(a + "/permissions/{kind}/{name}", revoke_permission),
            web.put(a + "/roles/{role_id}", add_role),
            web.delete(a + "/roles/{role_id}", remove_role),
            web.post(t + "/users", create_user),
            web.patch(t + "/users/{user}", patch_user),
            web.delete(t + "/users/{user}", delete_user),
            web.post(t + "/users/{user}/revoke-sign-in-sessions", revoke_sign_in_sessions),
            web.get(o, list_objects),
            web.post(o, create_object),
            web.put(o, put_singleton_or_object),
            web.patch(o, patch_singleton_or_object),
            web.get(o + "/{object_id}", get_object),
            web.put(o + "/{object_id}", put_singleton_or_object),
            web.patch(o + "/{object_id}", patch_singleton_or_object),
            web.delete(o + "/{object_id}", delete_object),
            web.get("/_sim/audit", get_audit_settings),
            web.put("/_sim/audit", put_audit_settings),
            web.get(t + "/device-codes", list_device_codes),
            web.post("/_sim/device-codes/{user_code}/sign-in", sign_in_device_code),
            web.get("/_sim/faults", list_faults),
            web.post("/_sim/faults", add_fault),
            web.delete("/_sim/faults", clear_faults),
            web.delete("/_sim/faults/{fault_id}", delete_fault),
            web.get(t + "/requests", list_requests),
            web.delete(t + "/requests", clear_requests),
            web.get(t + "/counters", counters),
            web.get(t + "/teams/{resource}", list_teams_policies),
            web.patch(t + "/teams/{resource}/{identity}", change_teams_policy),
            web.put(t + "/teams/{resource}/{identity}", change_teams_policy),
            web.get(t + "/tcm", get_tcm_settings),
            web.put(t + "/tcm", put_tcm_settings),
        ]
    )
