"""Exchange Online and Defender through the real operator: a desired-state change to a transport rule
and an anti-phishing policy waits for approval and is deployed by its cmdlets; a service principal
without the Entra role waits in PendingAdminConsent naming it, and resumes once the role is assigned.
Needs the simulator's Exchange admin API (branch exo-sim)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tenantsync.catalog import ROLE_TEMPLATE_IDS
from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, edit_desired, sync, wait_phase
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

TYPES = ["transportRule", "antiPhishPolicy"]
RULE = {"Name": "Stamp external mail", "FromScope": "NotInOrganization", "SetHeaderName": "X-External",
        "SetHeaderValue": "yes"}  # fmt: skip
POLICY: dict[str, Any] = {"Name": "Executives", "Enabled": True, "EnableMailboxIntelligence": False}


def exchange_objects(ws: Workspace) -> None:
    ws.sim.create_object(ws.tenant_id, "transportRule", dict(RULE))
    ws.sim.create_object(ws.tenant_id, "antiPhishPolicy", dict(POLICY))


def edit(folder: Path) -> None:
    """A pull request: the rule's header value and the policy's mailbox intelligence change."""
    for path in (folder / "transportRule").iterdir():
        document = json.loads(path.read_text())
        document["SetHeaderValue"] = "external"
        path.write_text(json.dumps(document, indent=2))
    for path in (folder / "antiPhishPolicy").iterdir():
        document = json.loads(path.read_text())
        if document["Name"] == POLICY["Name"]:
            document["EnableMailboxIntelligence"] = True
            path.write_text(json.dumps(document, indent=2))


def live(ws: Workspace, kind: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = ws.sim.object(ws.tenant_id, kind, name)
    return found


def test_an_approved_exchange_change_is_deployed_by_its_cmdlets(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    exchange_objects(workspace)
    workspace.resources.create("tenants", workspace.tenant(resources=TYPES))
    first = wait_phase(workspace, sync(workspace, "first"), FINISHED)
    assert first["status"]["phase"] == "Succeeded", first["status"]
    assert first["status"]["backup"]["objectsByType"]["transportRule"] == 1

    edit_desired(workspace, tmp_path, edit)
    run = sync(workspace, "after-pr")
    pending = wait_phase(workspace, run, {"PendingApproval"})
    changes = pending["status"]["plan"]["changes"]
    assert sorted((c["type"], c["action"], tuple(c["changedFields"])) for c in changes) == [
        ("antiPhishPolicy", "update", ("EnableMailboxIntelligence",)),
        ("transportRule", "update", ("SetHeaderValue",)),
    ]
    assert live(workspace, "transportRule", RULE["Name"])["SetHeaderValue"] == "yes"

    workspace.resources.patch(
        "syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}}
    )
    done = wait_phase(workspace, run, FINISHED)
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert {r["result"] for r in done["status"]["deploy"]["results"]} == {"Applied"}
    assert live(workspace, "transportRule", RULE["Name"])["SetHeaderValue"] == "external"
    assert live(workspace, "antiPhishPolicy", POLICY["Name"])["EnableMailboxIntelligence"] is True


def test_a_missing_entra_role_waits_for_consent_naming_it_then_resumes(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    exchange_objects(workspace)
    held = [ROLE_TEMPLATE_IDS["Exchange Administrator"], ROLE_TEMPLATE_IDS["Compliance Administrator"]]
    roles: Any = workspace.sim  # add_role / remove_role: the simulator's control API on branch exo-sim
    for role in held:
        roles.remove_role(workspace.tenant_id, workspace.client_id, role)
    workspace.resources.create("tenants", workspace.tenant(resources=TYPES))
    run = sync(workspace, "first")
    waiting = wait_phase(workspace, run, {"PendingAdminConsent"})
    message = waiting["status"]["message"]
    assert "Exchange Administrator or Global Administrator (for transportRule)" in message, message
    assert (
        "Security Administrator or Exchange Administrator or Global Administrator (for antiPhishPolicy)"
        in message
    )
    assert waiting["status"]["authentication"]["missingRoles"]

    roles.add_role(workspace.tenant_id, workspace.client_id, held[0])
    done = wait_phase(workspace, run, FINISHED, timeout=120)
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert done["status"]["backup"]["objectsByType"]["antiPhishPolicy"] >= 2
