"""The audit record each write leaves: which object of which type changed, which properties, by whom.

A write is recorded as the service does, after it succeeded: the object is compared before and after,
and the properties that differ (contained collections such as ``assignments`` included) are the
record's modified properties. Graph writes are attributed to the caller (the app, or the signed-in
user of a delegated token); the control API's portal changes name the person who made them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from tenantsync_sim.audit import Actor, AuditSource, Change, Operation
from tenantsync_sim.graph.auth import Principal
from tenantsync_sim.graph.resources import ResourceType, find_object, match_resource
from tenantsync_sim.runtime import Simulator
from tenantsync_sim.state import JsonObject, Tenant, stable_id

_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def source_of(resource: ResourceType) -> AuditSource | None:
    """Intune's objects are in Intune's audit events; the Microsoft 365 admin centre's settings
    (``admin/...``: SharePoint, people, reports, apps installation) in the unified audit log, which this
    simulator does not serve; everything else in Entra's directory audits."""
    if resource.path.startswith("admin/"):
        return None
    return "intune" if resource.service == "intune" else "directory"


def _display_name(resource: ResourceType, item: JsonObject | None) -> str:
    if not item:
        return ""
    return str(item.get(resource.name_field) or item.get("displayName") or item.get("name") or "")


def modified_properties(
    resource: ResourceType, before: JsonObject | None, after: JsonObject | None
) -> tuple[tuple[str, object, object], ...]:
    """The top-level properties whose values differ, server-kept times and versions left out."""
    old, new = before or {}, after or {}
    ignored = {resource.modified_field, "version", "@odata.context"}
    names = sorted((old.keys() | new.keys()) - ignored)
    return tuple((name, old.get(name), new.get(name)) for name in names if old.get(name) != new.get(name))


def record_change(
    sim: Simulator,
    tenant: Tenant,
    resource: ResourceType,
    before: JsonObject | None,
    after: JsonObject | None,
    actor: Actor,
) -> None:
    """One record for one changed object; nothing when nothing changed."""
    source = source_of(resource)
    modified = modified_properties(resource, before, after)
    if source is None or (before is not None and after is not None and not modified):
        return
    operation: Operation = "Add" if before is None else "Delete" if after is None else "Update"
    item = after if after is not None else before
    object_id = str((item or {}).get(resource.key_field, "")) or resource.key
    change = Change(
        source=source,
        # Entra names an object by its model's own name, a sub-namespace's too ("Update workflow").
        entity=resource.entity.rsplit(".", 1)[-1],
        object_id=object_id,
        display_name=_display_name(resource, item),
        operation=operation,
        modified=() if after is None else modified,
    )
    sim.audits.record(tenant.id, change, actor, sim.clock())


def principal_actor(principal: Principal) -> Actor:
    """The caller as the audit logs name it: the user of a delegated token, else the application."""
    tenant = principal.tenant
    app = next((a for a in tenant.apps.values() if a.app_id == principal.app_id), None)
    app_name = app.display_name if app else None
    if principal.user_id is not None:
        user = tenant.users.get(principal.user_id)
        return Actor(
            user_id=principal.user_id,
            user_principal_name=user.user_principal_name if user else None,
            user_display_name=user.display_name if user else None,
            app_id=principal.app_id,
            app_display_name=app_name,
        )
    return Actor(
        app_id=principal.app_id,
        app_display_name=app_name,
        service_principal_id=app.service_principal_id if app else None,
    )


def portal_actor(tenant: Tenant, user_principal_name: str) -> Actor:
    """A person changing the tenant in a portal: a known user, or one named only by the UPN given."""
    user = tenant.user_by_upn(user_principal_name)
    if user is not None:
        return Actor(user.id, user.user_principal_name, user.display_name or user.user_principal_name)
    return Actor(stable_id(tenant.id, user_principal_name.lower()), user_principal_name, user_principal_name)


@dataclass
class WriteTrail:
    """A Graph write's object before the write, to be compared with it after."""

    tenant: Tenant
    resource: ResourceType
    actor: Actor
    key: str | None
    """The object's key (None for a create, whose key the answer gives)."""
    before: JsonObject | None

    @classmethod
    def start(cls, method: str, segments: list[str], principal: Principal) -> WriteTrail | None:
        """The trail of a write to a configuration object, or None for a read or any other path."""
        if method.upper() not in _WRITES:
            return None
        tenant = principal.tenant
        if segments and segments[0].lower() == "myorganization":
            segments = segments[1:]
        match = match_resource(segments, tenant.id)
        if match is None:
            return None
        resource, rest = match
        actor = principal_actor(principal)
        if resource.singleton:
            current = tenant.singletons.get(resource.key)
            return cls(tenant, resource, actor, resource.key, copy.deepcopy(current))
        if not rest:
            return cls(tenant, resource, actor, None, None) if method.upper() == "POST" else None
        found = find_object(tenant.collection(resource.key), rest[0])
        return cls(tenant, resource, actor, rest[0], copy.deepcopy(found))

    def finish(self, sim: Simulator, status: int, body: object) -> None:
        """Record the write if it succeeded."""
        if not 200 <= status < 300:
            return
        if self.resource.singleton:
            after = self.tenant.singletons.get(self.resource.key)
        else:
            key = self.key
            if key is None and isinstance(body, dict):
                key = str(body.get(self.resource.key_field, ""))
            after = find_object(self.tenant.collection(self.resource.key), key) if key else None
        record_change(sim, self.tenant, self.resource, self.before, after, self.actor)
