"""The demo tenant's PIM for directory roles and its own Teams apps (docs/simulator.md).

Four built-in directory roles, each with the management policy Entra makes for it (its rules: how long
an eligibility and an activation may last, what an activation requires, who is notified) and that
policy's assignment to the role; an eligible and an active role assignment; and two apps the
organisation published to its Teams app catalogue beside one from the store, which a backup leaves out.
"""

from __future__ import annotations

import copy
from typing import Any

from tenantsync_sim.state import JsonObject, Tenant, stable_id

_SEEDED_AT = "2025-04-01T09:00:00Z"
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
SECURITY_ADMINISTRATOR = "194ae4cb-b126-40b2-bd5b-6091b380977d"
EXCHANGE_ADMINISTRATOR = "29232cdf-9323-42fd-ade2-1d097af3e4de"
_ROLES = {
    GLOBAL_ADMINISTRATOR: ("Global Administrator", "microsoft.directory/allEntities/allProperties/allTasks"),
    USER_ADMINISTRATOR: ("User Administrator", "microsoft.directory/users/allProperties/allTasks"),
    SECURITY_ADMINISTRATOR: ("Security Administrator", "microsoft.directory/policies/standard/update"),
    EXCHANGE_ADMINISTRATOR: ("Exchange Administrator", "microsoft.office365.exchange/allEntities/allTasks"),
}


def _target(caller: str, level: str) -> JsonObject:
    return {
        "caller": caller,
        "operations": ["All"],
        "level": level,
        "inheritableSettings": [],
        "enforcedSettings": [],
    }


def _rules(role_id: str) -> list[JsonObject]:
    """The rules Entra gives a directory role's policy, as the PIM rules overview names them."""
    activation_hours = "PT1H" if role_id == GLOBAL_ADMINISTRATOR else "PT8H"
    return [
        {
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
            "id": "Expiration_Admin_Eligibility",
            "isExpirationRequired": False,
            "maximumDuration": "P365D",
            "target": _target("Admin", "Eligibility"),
        },
        {
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
            "id": "Expiration_EndUser_Assignment",
            "isExpirationRequired": True,
            "maximumDuration": activation_hours,
            "target": _target("EndUser", "Assignment"),
        },
        {
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
            "id": "Enablement_EndUser_Assignment",
            "enabledRules": ["MultiFactorAuthentication", "Justification"],
            "target": _target("EndUser", "Assignment"),
        },
        {
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule",
            "id": "Notification_Admin_Admin_Eligibility",
            "notificationType": "Email",
            "recipientType": "Admin",
            "notificationLevel": "All",
            "isDefaultRecipientsEnabled": True,
            "notificationRecipients": [],
            "target": _target("Admin", "Eligibility"),
        },
    ]


def _schedule(principal: str, role: str, **more: Any) -> JsonObject:
    return {
        "principalId": principal,
        "roleDefinitionId": role,
        "directoryScopeId": "/",
        "appScopeId": None,
        "scheduleInfo": {
            "startDateTime": _SEEDED_AT,
            "recurrence": None,
            "expiration": {"type": "noExpiration", "endDateTime": None, "duration": None},
        },
        "createdUsing": None,
        "createdDateTime": _SEEDED_AT,
        "modifiedDateTime": None,
        "status": "Provisioned",
        "memberType": "Direct",
        **more,
    }


def _teams_app(index: int, name: str, method: str) -> JsonObject:
    app_id = stable_id("demo", "teamsApp", name)
    return {
        "id": app_id,
        "externalId": stable_id("demo", "teamsAppManifest", name) if method == "organization" else None,
        "displayName": name,
        "distributionMethod": method,
        "appDefinitions": [
            {
                "id": stable_id("demo", "teamsAppDefinition", name),
                "teamsAppId": app_id,
                "displayName": name,
                "version": f"1.{index}.0",
                "publishingState": "published",
                "description": f"{name} for Contoso's teams",
                "lastModifiedDateTime": _SEEDED_AT,
                "createdBy": None,
                "authorization": None,
            }
        ],
    }


def _requested(tenant: Tenant, kind: str) -> None:
    """The completed ``adminAssign`` request behind each assigned schedule, as Graph keeps it."""
    requests = tenant.collection(f"role{kind}ScheduleRequests")
    for schedule in tenant.collection(f"role{kind}Schedules").values():
        if schedule.get("assignmentType") == "Activated":
            continue
        request_id = stable_id("demo", f"role{kind}ScheduleRequest", str(schedule["id"]))
        schedule["createdUsing"] = request_id
        requests[request_id] = {
            "id": request_id,
            "action": "adminAssign",
            "principalId": schedule["principalId"],
            "roleDefinitionId": schedule["roleDefinitionId"],
            "directoryScopeId": "/",
            "appScopeId": None,
            "justification": "Assigned when the tenant was set up",
            "scheduleInfo": copy.deepcopy(schedule["scheduleInfo"]),
            "status": "Provisioned",
            "targetScheduleId": schedule["id"],
            "createdDateTime": _SEEDED_AT,
            "completedDateTime": _SEEDED_AT,
        }


def add_demo(tenant: Tenant) -> None:
    """PIM's roles, policies, assignments and schedules, and the Teams app catalogue, in ``tenant``."""
    roles = tenant.collection("directoryRoleDefinitions")
    policies = tenant.collection("roleManagementPolicies")
    policy_assignments = tenant.collection("roleManagementPolicyAssignments")
    for role_id, (name, action) in _ROLES.items():
        roles[role_id] = {
            "id": role_id,
            "displayName": name,
            "description": f"Built-in role: {name}.",
            "isBuiltIn": True,
            "isEnabled": True,
            "templateId": role_id,
            "version": "1",
            "resourceScopes": ["/"],
            "rolePermissions": [{"allowedResourceActions": [action], "condition": None}],
        }
        policy_guid = stable_id("demo", "roleManagementPolicy", role_id)
        policy_id = f"DirectoryRole_{tenant.id}_{policy_guid}"
        rules = _rules(role_id)
        policies[policy_id] = {
            "id": policy_id,
            "displayName": "DirectoryRole",
            "description": "DirectoryRole",
            "isOrganizationDefault": False,
            "scopeId": "/",
            "scopeType": "DirectoryRole",
            "lastModifiedDateTime": None,
            "lastModifiedBy": None,
            "rules": rules,
            "effectiveRules": copy.deepcopy(rules),
        }
        assignment_id = f"{policy_id}_{role_id}"
        policy_assignments[assignment_id] = {
            "id": assignment_id,
            "policyId": policy_id,
            "scopeId": "/",
            "scopeType": "DirectoryRole",
            "roleDefinitionId": role_id,
        }
    admin, mfa = stable_id("demo", "user", "admin"), stable_id("demo", "user", "mfa")
    eligible = tenant.collection("roleEligibilitySchedules")
    for principal, role in ((admin, SECURITY_ADMINISTRATOR), (mfa, USER_ADMINISTRATOR)):
        schedule_id = stable_id("demo", "roleEligibilitySchedule", f"{principal}/{role}")
        eligible[schedule_id] = {"id": schedule_id, **_schedule(principal, role)}
    active = tenant.collection("roleAssignmentSchedules")
    schedule_id = stable_id("demo", "roleAssignmentSchedule", f"{admin}/{GLOBAL_ADMINISTRATOR}")
    active[schedule_id] = {
        "id": schedule_id,
        **_schedule(admin, GLOBAL_ADMINISTRATOR, assignmentType="Assigned"),
    }
    activated = stable_id("demo", "roleAssignmentSchedule", f"{admin}/{SECURITY_ADMINISTRATOR}")
    active[activated] = {
        "id": activated,
        **_schedule(admin, SECURITY_ADMINISTRATOR, assignmentType="Activated", memberType="Direct"),
    }
    for kind in ("Eligibility", "Assignment"):
        _requested(tenant, kind)
    apps = tenant.collection("teamsApps")
    for index, (name, method) in enumerate(
        (("Contoso Expenses", "organization"), ("Contoso Helpdesk", "organization"), ("Polls", "store"))
    ):
        app = _teams_app(index, name, method)
        apps[str(app["id"])] = app
