"""Reading: which refusals mean "the tenant has no licence for this family" rather than a failure."""

from __future__ import annotations

from tenantsync.api import ResourceType
from tenantsync.graph import GraphError, GraphNotFound, GraphPermissionDenied, GraphValidationError
from tenantsync.sync.diff import plan_changes
from tenantsync.sync.snapshot import is_unavailable


def test_a_family_graph_says_is_not_licensed_or_not_there_is_unavailable() -> None:
    assert is_unavailable(GraphPermissionDenied(403, "Forbidden", "Tenant is not licensed for Intune."))
    assert is_unavailable(
        GraphValidationError(
            400, "BadRequest", "Resource not found for the segment 'windowsDriverUpdateProfiles'."
        )
    )
    assert is_unavailable(GraphNotFound(404, "NotFound", "Request not applicable to target tenant."))


def test_a_missing_permission_or_a_server_error_is_not_unavailable() -> None:
    assert not is_unavailable(
        GraphPermissionDenied(
            403, "Forbidden", "Application is not authorized: DeviceManagementApps.Read.All"
        )
    )
    assert not is_unavailable(GraphError(500, "InternalServerError", "not licensed"))
    assert not is_unavailable(GraphNotFound(404, "ResourceNotFound", "The policy does not exist."))


def test_a_reported_type_is_never_planned_even_when_it_differs() -> None:
    file = f"{ResourceType.DEP_ONBOARDING_SETTINGS}/d1.json"
    assert plan_changes({}, {file: b'{"id": "d1"}'}, where="x") == []
    assert plan_changes({file: b'{"id": "d1", "tokenName": "new"}'}, {file: b'{"id": "d1"}'}, where="x") == []
