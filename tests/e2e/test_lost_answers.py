"""Writes that landed but whose answer never came back, through the real operator.

One reviewed change to a settings catalog policy takes two requests: its assignment (POST `/assign`)
and its settings (PUT of the policy). The simulator applies one of them and then loses the answer,
either as a dropped connection or by holding it while the operator is killed. Either way the change
must be applied exactly once: the operator reads the policy back, writes only the part still missing,
and the run ends Succeeded with the change Applied.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, edit_desired, first_sync, sync, wait_phase
from tests.support.cluster import wait_for
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

POLICIES = "/beta/deviceManagement/configurationPolicies"
TYPE = "settingsCatalogPolicies"
GROUP = "5b1a1f4e-6c1d-4d55-9a39-0b8a1d2c3e4f"
ASSIGNMENT = {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicyAssignment",
    "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": GROUP},
}


def setting(value: int) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "device_vendor_msft_policy_config_defender_avgcpuloadfactor",
            "simpleSettingValue": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
                "value": value,
            },
        },
    }


def values(policy: dict[str, Any]) -> list[int]:
    return [s["settingInstance"]["simpleSettingValue"]["value"] for s in policy["settings"]]


def groups(policy: dict[str, Any]) -> list[str]:
    return [a["target"].get("groupId") for a in policy.get("assignments", [])]


WRITES: dict[str, tuple[str, Callable[[str], str], Callable[[dict[str, Any]], bool]]] = {
    "assign": ("POST", lambda policy: f"{POLICIES}/{policy}/assign", lambda p: groups(p) == [GROUP]),
    "put-settings": ("PUT", lambda policy: f"{POLICIES}/{policy}", lambda p: values(p) == [45]),
}


def review_assignment_and_settings(policy_id: str) -> Any:
    def edit(folder: Path) -> None:
        path = folder / TYPE / f"{policy_id}.json"
        document = json.loads(path.read_text())
        document["assignments"] = [ASSIGNMENT]
        document["settings"] = [setting(45)]
        path.write_text(json.dumps(document, indent=2))

    return edit


def writes_to(ws: Workspace, policy_id: str) -> list[tuple[str, str, bool]]:
    """The policy's writes the tenant applied (answer lost or not), from the simulator's request log."""
    return [
        (r["method"], r["path"].split("?")[0].removeprefix(f"{POLICIES}/{policy_id}"), bool(r.get("lost")))
        for r in ws.sim.requests(ws.tenant_id)
        if r["method"] in {"POST", "PUT", "PATCH"} and policy_id in r["path"] and r["status"] < 300
    ]


@pytest.mark.parametrize("how", ["dropped", "operator-killed"])
@pytest.mark.parametrize("lost", sorted(WRITES))
def test_a_write_whose_answer_is_lost_is_applied_exactly_once(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path, lost: str, how: str
) -> None:
    ws = workspace
    ws.sim.create_group(ws.tenant_id, "Defender pilot", group_id=GROUP)
    policy = ws.sim.create_object(ws.tenant_id, "configurationPolicies", {
        "name": "Defender", "platforms": "windows10", "technologies": "mdm", "roleScopeTagIds": ["0"],
        "settings": [setting(30)],
    })  # fmt: skip
    first = first_sync(ws, approval="Automatic", resources=[TYPE])
    assert first["status"]["phase"] == "Succeeded", first["status"]
    edit_desired(ws, tmp_path, review_assignment_and_settings(policy["id"]))
    ws.sim.clear_requests(ws.tenant_id)
    method, path, landed = WRITES[lost]
    # Held for long enough that the operator is killed while it waits for the answer.
    ws.sim.lose_responses(path(policy["id"]), method, latency_ms=0 if how == "dropped" else 8000)
    try:
        run = sync(ws, f"{lost}-{how}")
        if how == "operator-killed":
            wait_for(
                lambda: landed(ws.sim.object(ws.tenant_id, "configurationPolicies", policy["id"])),
                f"the {lost} write to land",
            )
            fast_operator.kill()
            fast_operator.start()
        done = wait_phase(ws, run, FINISHED)
    finally:
        ws.sim.clear_faults()

    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert [(r["type"], r["id"], r["result"]) for r in done["status"]["deploy"]["results"]] == [
        (TYPE, policy["id"], "Applied")
    ]
    live = ws.sim.object(ws.tenant_id, "configurationPolicies", policy["id"])
    assert groups(live) == [GROUP]
    assert values(live) == [45]

    # Wait out the held answer, so that its write is in the request log too.
    def both_writes() -> list[tuple[str, str, bool]] | None:
        writes = writes_to(ws, policy["id"])
        return writes if len(writes) >= 2 else None

    writes = wait_for(both_writes, "both writes")
    assert sorted(writes) == sorted(
        [("POST", "/assign", lost == "assign"), ("PUT", "", lost == "put-settings")]
    )
    again = wait_phase(ws, sync(ws, f"{lost}-{how}-again"), FINISHED)
    assert again["status"]["message"] == "The tenant matches the desired state; nothing to deploy."
