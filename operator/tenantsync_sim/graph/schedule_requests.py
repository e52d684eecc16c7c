"""PIM's schedule requests: how Graph creates, changes and ends eligible and active role assignments.

A schedule (``roleEligibilitySchedules``, ``roleAssignmentSchedules``) is never written at its own path:
a request POSTed to its request collection names a principal, a directory role, a scope and an action,
and the service carries it out. ``adminAssign`` makes a schedule (400 when the principal already holds
that role at that scope), ``adminUpdate`` changes its ``scheduleInfo`` and ``adminRemove`` ends it (400
when there is none); the principal and the role must exist (404). The request is answered with its
``status`` and the ``targetScheduleId`` it made or changed.
"""

from __future__ import annotations

import copy
import uuid

from tenantsync_sim.graph.errors import GraphError
from tenantsync_sim.graph.resources import ResourceType, find_object
from tenantsync_sim.state import JsonObject, Tenant, graph_timestamp

_IDENTITY = ("principalId", "roleDefinitionId", "directoryScopeId")
_ACTIONS = frozenset({"adminAssign", "adminUpdate", "adminRemove"})


def directory_object(tenant: Tenant, object_id: str) -> JsonObject | None:
    """A user, group or service principal by id, as ``directoryObjects/{id}`` finds it."""
    user = tenant.users.get(object_id) or next(
        (u for u in tenant.users.values() if u.id.lower() == object_id.lower()), None
    )
    if user is not None:
        return {"@odata.type": "#microsoft.graph.user", "id": user.id, "displayName": user.display_name}
    for key, entity in (("groups", "group"), ("servicePrincipals", "servicePrincipal")):
        found = find_object(tenant.collection(key), object_id)
        if found is not None:
            return {"@odata.type": f"#microsoft.graph.{entity}", "id": found["id"]}
    return None


def carry_out(tenant: Tenant, requests: ResourceType, request: JsonObject) -> None:
    """Apply a new request to its schedules and record the outcome on it; refused requests raise."""
    action = str(request.get("action") or "")
    if action not in _ACTIONS:
        raise GraphError(400, "InvalidRequest", f"The action '{action}' is not supported by this request.")
    assert requests.schedules is not None
    schedules = tenant.collection(requests.schedules)
    principal, role = str(request.get("principalId") or ""), str(request.get("roleDefinitionId") or "")
    if directory_object(tenant, principal) is None:
        raise GraphError(404, "Request_ResourceNotFound", f"The principal '{principal}' does not exist.")
    if find_object(tenant.collection("directoryRoleDefinitions"), role) is None:
        raise GraphError(404, "RoleNotFound", f"The role definition '{role}' does not exist.")
    identity = tuple(str(request.get(name) or "") for name in _IDENTITY)
    existing = next(
        (s for s in schedules.values() if tuple(str(s.get(name) or "") for name in _IDENTITY) == identity),
        None,
    )
    now = graph_timestamp()
    if action == "adminAssign":
        if existing is not None:
            raise GraphError(400, "RoleAssignmentExists", "The role assignment already exists.")
        schedule_id = str(uuid.uuid4())
        schedules[schedule_id] = {
            "id": schedule_id,
            **{name: request.get(name) for name in _IDENTITY},
            "appScopeId": request.get("appScopeId"),
            "scheduleInfo": copy.deepcopy(request.get("scheduleInfo")),
            "createdUsing": request["id"],
            "createdDateTime": now,
            "modifiedDateTime": None,
            "status": "Provisioned",
            "memberType": "Direct",
            **({"assignmentType": "Assigned"} if requests.schedules == "roleAssignmentSchedules" else {}),
        }
        request.update({"status": "Provisioned", "targetScheduleId": schedule_id})
    elif existing is None:
        raise GraphError(400, "RoleAssignmentDoesNotExist", "The role assignment does not exist.")
    elif action == "adminUpdate":
        existing["scheduleInfo"] = copy.deepcopy(request.get("scheduleInfo"))
        existing["modifiedDateTime"] = now
        request.update({"status": "Provisioned", "targetScheduleId": existing["id"]})
    else:
        del schedules[str(existing["id"])]
        request.update({"status": "Revoked", "targetScheduleId": existing["id"]})
    request["completedDateTime"] = now
