"""The app registrations the simulator authenticates (``Tenant.apps``) as the directory objects they are.

A registered client is an application and a service principal like any other the tenant has: listed,
read and changed at ``applications`` and ``servicePrincipals``, and so backed up with them. Its
credentials belong to the registration (the control API adds and removes them), so they are copied onto
both objects whenever the directory is read; the rest of each object is the tenant's to change.
"""

from __future__ import annotations

import datetime as dt

from tenantsync_sim.state import Application, JsonObject, Tenant

_REGISTERED = "2025-01-01T00:00:00Z"


def _timestamp(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def credentials(app: Application) -> JsonObject:
    """The registration's secrets and certificates as Graph shows them: metadata, never a secret."""
    return {
        "passwordCredentials": [
            {
                "customKeyIdentifier": None,
                "displayName": s.display_name,
                "endDateTime": _timestamp(s.end_date_time),
                "hint": s.hint,
                "keyId": s.key_id,
                "secretText": None,
                "startDateTime": _timestamp(s.start_date_time),
            }
            for s in app.secrets
        ],
        "keyCredentials": [
            {
                "customKeyIdentifier": c.sha1_thumbprint.upper(),
                "displayName": "CN=tenantsync",
                "endDateTime": _timestamp(c.end_date_time),
                "keyId": c.key_id,
                "startDateTime": _timestamp(c.start_date_time),
                "type": "AsymmetricX509Cert",
                "usage": "Verify",
                "key": None,
            }
            for c in app.certificates
        ],
    }


def mirror_registrations(tenant: Tenant) -> None:
    """Each registration's application and service principal in the tenant's directory, created the
    first time and their credentials brought up to date every time."""
    applications = tenant.collection("applications")
    principals = tenant.collection("servicePrincipals")
    for app in tenant.apps.values():
        secrets = credentials(app)
        applications.setdefault(
            app.object_id,
            {
                "id": app.object_id,
                "appId": app.app_id,
                "displayName": app.display_name,
                "createdDateTime": _REGISTERED,
                "deletedDateTime": None,
                "isFallbackPublicClient": app.public_client,
                "signInAudience": "AzureADMyOrg",
                "identifierUris": [],
                "tags": [],
            },
        ).update(secrets)
        principals.setdefault(
            app.service_principal_id,
            {
                "id": app.service_principal_id,
                "appId": app.app_id,
                "displayName": app.display_name,
                "appDisplayName": app.display_name,
                "appOwnerOrganizationId": tenant.id,
                "accountEnabled": True,
                "appRoleAssignmentRequired": False,
                "deletedDateTime": None,
                "servicePrincipalNames": [app.app_id],
                "servicePrincipalType": "Application",
                "signInAudience": "AzureADMyOrg",
                "tags": [],
            },
        ).update(secrets)
