"""Types with special writes through the whole operator: a remediation script kept as readable files
(an edit to the .ps1 is deployed) and an enrollment configuration's priority (set through its action)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, edit_desired, first_sync, git, sync, wait_phase
from tests.support.operator import OperatorProcess

TYPES = ["deviceHealthScripts", "deviceEnrollmentConfigurations"]
PERMISSIONS = ["DeviceManagementScripts.ReadWrite.All", "DeviceManagementServiceConfig.ReadWrite.All"]
LIMIT = "#microsoft.graph.deviceEnrollmentLimitConfiguration"
NEW_PRIORITY = 7


DETECTION = "if (Test-Path HKLM:\\SOFTWARE\\Contoso) { exit 0 } else { exit 1 }\n"


def _seed(ws: Workspace) -> tuple[str, str]:
    script: dict[str, Any] = ws.sim.create_object(ws.tenant_id, "deviceHealthScripts", {
        "displayName": "Contoso key present", "publisher": "Contoso IT", "runAsAccount": "system",
        "detectionScriptContent": base64.b64encode(DETECTION.encode()).decode(), "roleScopeTagIds": ["0"],
    })  # fmt: skip
    limit: dict[str, Any] = ws.sim.create_object(ws.tenant_id, "deviceEnrollmentConfigurations", {
        "@odata.type": LIMIT, "displayName": "Five devices per user", "limit": 5, "roleScopeTagIds": ["0"],
    })  # fmt: skip
    return str(script["id"]), str(limit["id"])


def test_an_edited_script_file_and_a_new_priority_are_deployed(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    for permission in PERMISSIONS:
        workspace.sim.grant_permission(workspace.tenant_id, workspace.client_id, permission)
    script_id, limit_id = _seed(workspace)
    first = first_sync(workspace, approval="Automatic", resources=TYPES)
    assert first["status"]["phase"] == "Succeeded", first["status"]
    detection = f"tenants/contoso/deviceHealthScripts/{script_id}.detection.ps1"
    backed_up = git(workspace.repository, "show", f"tenantsync/backup:{detection}")
    assert backed_up == DETECTION  # the script as text, not base64

    def edit(folder: Path) -> None:
        script = folder / "deviceHealthScripts" / f"{script_id}.detection.ps1"
        script.write_text(script.read_text() + 'Write-Output "reviewed"\n')
        limit = folder / "deviceEnrollmentConfigurations" / f"{limit_id}.json"
        document = json.loads(limit.read_text())
        document["priority"] = NEW_PRIORITY
        limit.write_text(json.dumps(document, indent=2))

    edit_desired(workspace, tmp_path, edit)
    done = wait_phase(workspace, sync(workspace, "edit"), FINISHED)

    assert done["status"]["phase"] == "Succeeded", done["status"].get("deploy")
    results = {(r["type"], r["id"]): r["result"] for r in done["status"]["deploy"]["results"]}
    assert results == {
        ("deviceHealthScripts", script_id): "Applied",
        ("deviceEnrollmentConfigurations", limit_id): "Applied",
    }
    live = workspace.sim.object(workspace.tenant_id, "deviceHealthScripts", script_id)
    assert base64.b64decode(live["detectionScriptContent"]).decode().endswith('Write-Output "reviewed"\n')
    assert (
        workspace.sim.object(workspace.tenant_id, "deviceEnrollmentConfigurations", limit_id)["priority"]
        == NEW_PRIORITY
    )
