"""The delegated user: device code sign-in, silent refresh, timeout and Conditional Access blocks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, sync, wait_phase
from tests.support.cluster import wait_for
from tests.support.operator import OperatorProcess
from tests.support.resources import condition

pytestmark = pytest.mark.integration

USER_TYPES = ["passwordResetPolicy", "b2bPolicy", "enterpriseStateRoaming"]
TIMEOUT_MESSAGE = (
    "User authentication failed - Authentication timed out waiting for delegated authentication to complete."
    " Sync again and complete the steps for authentication. Configurations requiring user account"
    " authentication will not be backed up until the Sync authenticates successfully."
)
BLOCKED_MESSAGE = (
    "User authentication failed - The user is blocked due to a Conditional Access or MFA policy in the tenant."
    " Please exclude the user from the policy. Configurations requiring user account authentication will not"
    " be backed up until the Sync authenticates successfully."
)


USER_GRAPH_TYPES = ["featureRolloutPolicies", "teamsAppSettings"]
"""Read with the user's Graph token, redeemed from the same sign-in as the portal API's."""


def user_tenant(ws: Workspace, timeout: int = 180, graph: bool = False) -> dict[str, Any]:
    return ws.tenant(
        resources=["namedLocations", "conditionalAccessPolicies", *USER_TYPES, *(USER_GRAPH_TYPES if graph else [])],
        userAuthentication={
            "clientId": ws.public_client_id, "tokenSecretRef": {"name": "contoso-user-token"}, "timeoutSeconds": timeout,
        },
    )  # fmt: skip


def pending_code(ws: Workspace, run: str) -> dict[str, Any]:
    pending = wait_phase(ws, run, {"PendingAuthentication"})
    return dict(pending["status"]["authentication"]["user"])


def test_device_code_sign_in_then_silent_refresh(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    workspace.resources.create("tenants", user_tenant(workspace, graph=True))
    run = sync(workspace, "first")
    user = pending_code(workspace, run)
    assert user["state"] == "Pending"
    assert user["verificationUri"].startswith(workspace.simulator.url)
    tenant = workspace.resources.get("tenants", "contoso")
    assert tenant["status"]["phase"] == "PendingAuthentication"
    assert user["userCode"] in tenant["status"]["message"]
    events = wait_for(
        lambda: [e for e in workspace.resources.events() if e.reason == "PendingAuthentication"], "an event"
    )
    assert user["userCode"] in events[0].message
    assert "Tenant contoso" in events[0].message

    # While the code is pending only the device flow is polled: no service principal token, no Graph.
    workspace.sim.clear_requests(workspace.tenant_id)
    wait_for(
        lambda: len(workspace.sim.requests(workspace.tenant_id)) >= 3,
        "three polls of the device flow",
        timeout=30,
    )
    polls = workspace.sim.requests(workspace.tenant_id)
    assert {(r["appId"], r["path"].split("?")[0]) for r in polls} == {
        (workspace.public_client_id, f"/{workspace.tenant_id}/oauth2/v2.0/token")
    }, polls

    waiting = condition(workspace.resources.get("syncruns", run), "Authenticated")
    assert waiting is not None and (waiting["status"], waiting["reason"]) == (
        "Unknown",
        "WaitingForUserSignIn",
    )
    signing_in = datetime.now(UTC).replace(microsecond=0)  # conditions keep whole seconds
    workspace.sim.sign_in(user["userCode"], workspace.admin_upn)
    done = wait_phase(workspace, run, FINISHED)
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert done["status"]["authentication"]["user"]["state"] == "SignedInByDeviceCode"
    authenticated = condition(done, "Authenticated")
    assert authenticated is not None and (authenticated["status"], authenticated["reason"]) == (
        "True",
        "UserSignedIn",
    )
    assert datetime.fromisoformat(authenticated["lastTransitionTime"]) >= signing_in, (
        "when the user signed in"
    )
    assert (
        "userCode" not in done["status"]["authentication"]["user"]
        or not done["status"]["authentication"]["user"]["userCode"]
    )
    backed_up = done["status"]["backup"]["objectsByType"]
    assert all(backed_up.get(kind) == 1 for kind in [*USER_TYPES, "teamsAppSettings"]), backed_up
    assert backed_up.get("featureRolloutPolicies") == 0, backed_up  # read, and the new tenant has none
    assert done["status"]["backup"]["skippedTypes"] == []
    secret = workspace.resources.core.read_namespaced_secret("contoso-user-token", workspace.namespace)
    assert "msal_token_cache.json" in (secret.data or {})
    tenant = workspace.resources.get("tenants", "contoso")
    assert condition(tenant, "UserAuthenticated")["status"] == "True"  # type: ignore[index]

    # The next sync refreshes silently from the cached refresh token: no code, no waiting.
    second = wait_phase(workspace, sync(workspace, "second"), FINISHED)
    assert second["status"]["phase"] == "Succeeded"
    assert second["status"]["authentication"]["user"]["state"] == "SignedIn"
    assert workspace.sim.pending_device_codes(workspace.tenant_id) == []
    # Nothing that grants access reaches the operator's log, even at debug level.
    log = fast_operator.log_path.read_text(errors="replace")
    assert workspace.secret not in log
    assert '"device_code": "' not in log
    assert "eyJ" not in log  # the start of every JWT


def test_sign_in_blocked_by_conditional_access_is_partially_successful(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    blocked = f"blocked@{workspace.admin_upn.split('@')[1]}"
    workspace.sim.create_user(
        workspace.tenant_id, blocked, "Blocked-Passw0rd!", blocked_by_conditional_access=True
    )
    workspace.resources.create("tenants", user_tenant(workspace))
    run = sync(workspace, "first")
    user = pending_code(workspace, run)
    workspace.sim.sign_in(user["userCode"], blocked)
    done = wait_phase(workspace, run, FINISHED)
    assert done["status"]["phase"] == "PartiallySuccessful", done["status"]
    assert done["status"]["message"].startswith(BLOCKED_MESSAGE)
    assert done["status"]["backup"]["skippedTypes"] == USER_TYPES
    assert done["status"]["backup"]["objectsByType"]["conditionalAccessPolicies"] == 2
    tenant = workspace.resources.get("tenants", "contoso")
    assert tenant["status"]["phase"] == "PartiallySuccessful"
    assert condition(tenant, "UserAuthenticated")["status"] == "False"  # type: ignore[index]
    final = wait_for(
        lambda: [e for e in workspace.resources.events() if e.reason == "PartiallySuccessful"],
        "the final event",
    )
    assert run in final[0].message


def test_sign_in_timeout_goes_on_with_the_service_principal(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    workspace.resources.create("tenants", user_tenant(workspace, timeout=30))
    run = sync(workspace, "first")
    pending_code(workspace, run)
    done = wait_phase(workspace, run, FINISHED, timeout=120)
    assert done["status"]["phase"] == "PartiallySuccessful", done["status"]
    assert done["status"]["message"].startswith(TIMEOUT_MESSAGE)
    assert done["status"]["authentication"]["user"]["state"] == "TimedOut"
    assert done["status"]["backup"]["skippedTypes"] == USER_TYPES
    assert workspace.resources.get("tenants", "contoso")["status"]["message"].startswith(TIMEOUT_MESSAGE)
