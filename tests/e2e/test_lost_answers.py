"""Writes that landed but whose answer never came back, through the real operator, for every write kind.

A reviewed change to a settings catalog policy takes one to three requests: an update is a PATCH of its
own fields, a POST to `/assign` and a PUT of its settings; a create is a POST (settings inside) and then
`/assign`; a delete is one DELETE. The simulator applies one of them and then loses the answer, either
as a dropped connection or by holding it while the operator is killed (SIGKILL) and started again.
Either way each request lands exactly once: the operator reads the tenant back, writes only the part
still missing, the run ends Succeeded with the change Applied, and the next sync finds nothing to do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, edit_desired, first_sync, sync, wait_phase
from tests.support.cluster import wait_for
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

POLICIES = "/beta/deviceManagement/configurationPolicies"
KIND = "configurationPolicies"
TYPE = "settingsCatalogPolicies"
GROUP = "5b1a1f4e-6c1d-4d55-9a39-0b8a1d2c3e4f"
ASSIGNMENT = {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicyAssignment",
    "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": GROUP},
}
NEW_NAME = "Defender for the pilot"
Policy = dict[str, Any]


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


def values(policy: Policy) -> list[int]:
    return [s["settingInstance"]["simpleSettingValue"]["value"] for s in policy["settings"]]


def groups(policy: Policy) -> list[str]:
    return [a["target"].get("groupId") for a in policy.get("assignments", [])]


def review_update(folder: Path, policy_id: str) -> None:
    path = folder / TYPE / f"{policy_id}.json"
    document = json.loads(path.read_text())
    document.update(description="Reviewed", assignments=[ASSIGNMENT], settings=[setting(45)])
    path.write_text(json.dumps(document, indent=2))


def review_create(folder: Path, policy_id: str) -> None:
    (folder / TYPE / "defender-pilot.json").write_text(json.dumps({
        "name": NEW_NAME, "platforms": "windows10", "technologies": "mdm", "roleScopeTagIds": ["0"],
        "settings": [setting(60)], "assignments": [ASSIGNMENT],
    }, indent=2))  # fmt: skip


def review_delete(folder: Path, policy_id: str) -> None:
    (folder / TYPE / f"{policy_id}.json").unlink()


def named(policies: list[Policy], name: str) -> list[Policy]:
    return [p for p in policies if p["name"] == name]


@dataclass(frozen=True)
class Scenario:
    """One reviewed change, which of its requests loses its answer, and what the tenant must show."""

    edit: Callable[[Path, str], None]
    method: str
    path: str
    """The request whose answer is lost, relative to the policies; {id} is the seeded policy."""
    landed: Callable[[list[Policy], str], bool]
    writes: list[tuple[str, str]]
    """Every write the change makes, in order, with {id} for the policy it writes to."""
    action: str


UPDATE_WRITES = [("PATCH", "/{id}"), ("POST", "/{id}/assign"), ("PUT", "/{id}")]
CREATE_WRITES = [("POST", ""), ("POST", "/{id}/assign")]


def the_one(policies: list[Policy], policy_id: str) -> Policy:
    return next(p for p in policies if p["id"] == policy_id)


def described(policies: list[Policy], policy_id: str) -> bool:
    return the_one(policies, policy_id).get("description") == "Reviewed"


def assigned(policies: list[Policy], policy_id: str) -> bool:
    return groups(the_one(policies, policy_id)) == [GROUP]


def set_to_45(policies: list[Policy], policy_id: str) -> bool:
    return values(the_one(policies, policy_id)) == [45]


def created(policies: list[Policy], policy_id: str) -> bool:
    return bool(named(policies, NEW_NAME))


def deleted(policies: list[Policy], policy_id: str) -> bool:
    return policy_id not in {p["id"] for p in policies}


SCENARIOS = {
    "patch": Scenario(review_update, "PATCH", "/{id}", described, UPDATE_WRITES, "update"),
    "assign": Scenario(review_update, "POST", "/{id}/assign", assigned, UPDATE_WRITES, "update"),
    "put-settings": Scenario(review_update, "PUT", "/{id}", set_to_45, UPDATE_WRITES, "update"),
    "create": Scenario(review_create, "POST", "", created, CREATE_WRITES, "create"),
    "delete": Scenario(review_delete, "DELETE", "/{id}", deleted, [("DELETE", "/{id}")], "delete"),
}


def policy_writes(ws: Workspace) -> list[tuple[str, str, bool]]:
    """Writes to policies the tenant applied (answer lost or not), ids shown as {id}."""
    writes = []
    for r in ws.sim.requests(ws.tenant_id):
        path = r["path"].split("?")[0]
        if (
            r["method"] in {"POST", "PUT", "PATCH", "DELETE"}
            and path.startswith(POLICIES)
            and r["status"] < 300
        ):
            writes.append(
                (r["method"], re.sub(r"/[0-9a-f-]{36}", "/{id}", path.removeprefix(POLICIES)), r["lost"])
            )
    return writes


@pytest.mark.parametrize("how", ["dropped", "operator-killed"])
@pytest.mark.parametrize("lost", list(SCENARIOS))
def test_a_write_whose_answer_is_lost_is_applied_exactly_once(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path, lost: str, how: str
) -> None:
    ws, scenario = workspace, SCENARIOS[lost]
    ws.sim.create_group(ws.tenant_id, "Defender pilot", group_id=GROUP)
    seeded = ws.sim.create_object(ws.tenant_id, KIND, {
        "name": "Defender", "platforms": "windows10", "technologies": "mdm", "roleScopeTagIds": ["0"],
        "settings": [setting(30)],
    })  # fmt: skip
    # Another policy that stays, so that deleting the first does not leave the desired state empty.
    ws.sim.create_object(ws.tenant_id, KIND, {
        "name": "Baseline", "platforms": "windows10", "technologies": "mdm", "roleScopeTagIds": ["0"],
        "settings": [setting(10)],
    })  # fmt: skip
    first = first_sync(ws, approval="Automatic", resources=[TYPE])
    assert first["status"]["phase"] == "Succeeded", first["status"]
    edit_desired(ws, tmp_path, lambda folder: scenario.edit(folder, seeded["id"]))
    ws.sim.clear_requests(ws.tenant_id)
    # Held long enough for the operator to be killed while it waits for the answer.
    target = POLICIES + scenario.path.format(id=seeded["id"])
    ws.sim.lose_responses(target, scenario.method, latency_ms=0 if how == "dropped" else 8000)
    try:
        run = sync(ws, f"{lost}-{how}")
        if how == "operator-killed":
            wait_for(
                lambda: scenario.landed(ws.sim.objects(ws.tenant_id, KIND), seeded["id"]),
                f"the {lost} request to land",
            )
            fast_operator.kill()
            fast_operator.start()
        done = wait_phase(ws, run, FINISHED)
    finally:
        ws.sim.clear_faults()

    assert done["status"]["phase"] == "Succeeded", done["status"]
    results = done["status"]["deploy"]["results"]
    assert [(r["type"], r["action"], r["result"]) for r in results] == [(TYPE, scenario.action, "Applied")]
    policies = ws.sim.objects(ws.tenant_id, KIND)
    assert scenario.landed(policies, seeded["id"])
    assert len(named(policies, NEW_NAME)) == (1 if lost == "create" else 0)  # never created twice

    # Wait out a held answer, so that its write is in the request log too.
    def all_writes() -> list[tuple[str, str, bool]] | None:
        writes = policy_writes(ws)
        return writes if len(writes) >= len(scenario.writes) else None

    expected = [(m, p, (m, p) == (scenario.method, scenario.path)) for m, p in scenario.writes]
    assert sorted(wait_for(all_writes, "every write of the change")) == sorted(expected)
    again = wait_phase(ws, sync(ws, f"{lost}-{how}-again"), FINISHED)
    assert again["status"]["message"] == "The tenant matches the desired state; nothing to deploy."
