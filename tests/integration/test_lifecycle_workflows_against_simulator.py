"""Lifecycle workflows (issue 22) against the real simulator, through the real Deploy step: a create sends
the tasks and execution conditions inside the workflow, a change of a top-level property is a PATCH, and
a change of the tasks goes through ``createNewVersion`` (the catalogue's ``NEW_VERSION`` write), never a
PATCH, since Graph changes them only in a new version of the workflow."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tenantsync.api import ChangeOutcome, ResourceType
from tenantsync.catalog import serialise
from tenantsync.graph import GraphClient, GraphValidationError
from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import SimEndpoint
from tests.integration.simulator_support import TENANT_ID, backup_files, deploy, outcomes

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

WORKFLOWS = ResourceType.LIFECYCLE_WORKFLOWS
WORKFLOWS_PATH = "identityGovernance/lifecycleWorkflows/workflows"


def _writes(endpoint: SimEndpoint) -> list[tuple[str, str, int]]:
    """The simulator's logged writes to workflows since the log was last cleared (method, the path's
    last segment, status), and the log cleared again. The simulator refuses (400) a PATCH that carries
    ``tasks`` or ``executionConditions``, as Graph does, so a PATCH answered 204 carried none."""
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        logged = sim.requests(TENANT_ID)
        sim.clear_requests(TENANT_ID)
    return [
        (e["method"], e["path"].rsplit("/", 1)[-1], e["status"])
        for e in logged
        if e["method"] != "GET" and WORKFLOWS_PATH in e["path"]
    ]


def _task(name: str, definition: str) -> dict[str, Any]:
    return {
        "displayName": name,
        "description": name,
        "taskDefinitionId": definition,
        "isEnabled": True,
        "continueOnError": False,
        "arguments": [],
    }


async def test_a_workflow_is_created_patched_and_its_tasks_changed_through_a_new_version(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    live = await backup_files(graph, WORKFLOWS)
    assert len(live) == 2  # the demo's joiner and leaver
    wanted = {
        "category": "joiner",
        "displayName": "Onboard interns",
        "description": "Runs on the intern's first day",
        "isEnabled": True,
        "isSchedulingEnabled": False,
        "executionConditions": {
            "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
            "scope": {
                "@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet",
                "rule": "(jobTitle eq 'Intern')",
            },
            "trigger": {
                "@odata.type": "#microsoft.graph.identityGovernance.timeBasedAttributeTrigger",
                "timeBasedAttribute": "employeeHireDate",
                "offsetInDays": 0,
            },
        },
        "tasks": [_task("Enable User Account", "6fc52c9d-398b-4305-9763-15f42c1676fc")],
    }
    _writes(endpoint)
    created = await deploy(graph, [WORKFLOWS], live, {**live, f"{WORKFLOWS}/interns.json": serialise(wanted)})

    assert outcomes(created) == [ChangeOutcome.APPLIED]
    assert created.deploy is not None
    new_id = created.deploy.results[0].createdId
    assert new_id and new_id != "interns"
    assert _writes(endpoint) == [("POST", "workflows", 201)]  # the tasks and conditions inside it
    file = f"{WORKFLOWS}/{new_id}.json"
    after_create = await backup_files(graph, WORKFLOWS)
    made = json.loads(after_create[file])
    assert [t["displayName"] for t in made["tasks"]] == ["Enable User Account"]
    assert "version" not in made  # read-only: never in Git

    renamed = {**made, "displayName": "Onboard summer interns", "isSchedulingEnabled": True}
    _writes(endpoint)
    patched = await deploy(graph, [WORKFLOWS], after_create, {**after_create, file: serialise(renamed)})

    assert outcomes(patched) == [ChangeOutcome.APPLIED]
    assert _writes(endpoint) == [("PATCH", new_id, 204)]
    after_patch = await backup_files(graph, WORKFLOWS)
    assert json.loads(after_patch[file])["displayName"] == "Onboard summer interns"

    more_tasks = {
        **json.loads(after_patch[file]),
        "tasks": [*made["tasks"], _task("Send Welcome Email", "70b29d51-b59a-4773-9280-8841dfd3f2ea")],
    }
    _writes(endpoint)
    versioned = await deploy(graph, [WORKFLOWS], after_patch, {**after_patch, file: serialise(more_tasks)})

    assert outcomes(versioned) == [ChangeOutcome.APPLIED]
    # The tasks changed through a new version alone: no PATCH (Graph would refuse one carrying them).
    assert _writes(endpoint) == [("POST", "createNewVersion", 201)]
    after_version = await backup_files(graph, WORKFLOWS)
    kept = json.loads(after_version[file])
    assert [t["displayName"] for t in kept["tasks"]] == ["Enable User Account", "Send Welcome Email"]
    assert kept["displayName"] == "Onboard summer interns"  # the new version keeps the top-level fields
    served = await graph.get(f"{WORKFLOWS_PATH}/{new_id}")
    assert served["version"] == 2

    without = {f: c for f, c in after_version.items() if f != file}
    removed = await deploy(graph, [WORKFLOWS], after_version, without)
    assert outcomes(removed) == [ChangeOutcome.APPLIED]
    assert await backup_files(graph, WORKFLOWS) == live


async def test_the_simulator_refuses_a_patch_that_carries_tasks(graph: GraphClient) -> None:
    """What the deploy must avoid, as Graph refuses it: a PATCH changes no task."""
    [workflow, *_] = await graph.list(WORKFLOWS_PATH, params={"$expand": "tasks"})
    with pytest.raises(GraphValidationError, match="new version"):
        await graph.update(f"{WORKFLOWS_PATH}/{workflow['id']}", {"tasks": []})
