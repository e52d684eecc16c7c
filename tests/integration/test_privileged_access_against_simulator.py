"""PIM for directory roles and the organisation's Teams apps (issue 22) against the real simulator:
a policy's rule changes by PATCH through the real Deploy step, eligible and active role assignments are
created, changed and ended through schedule requests, their principal and role are looked up before any
write, and what is only reported (policy assignments, Teams apps) is backed up and never planned."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tenantsync.api import ChangeAction, ChangeOutcome, ResourceType
from tenantsync.catalog import catalog, normalise, serialise
from tenantsync.graph import GraphClient
from tenantsync.sync.diff import object_files, plan_changes
from tenantsync.sync.references import missing_references
from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.pim_seeds import (
    EXCHANGE_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
    SECURITY_ADMINISTRATOR,
    USER_ADMINISTRATOR,
)
from tenantsync_sim.state import stable_id
from tests.integration.sim.simtest_support import SimEndpoint
from tests.integration.simulator_support import TENANT_ID, backup_files, deploy, outcomes

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ADMIN = stable_id("demo", "user", "admin")
MFA_USER = stable_id("demo", "user", "mfa")
ELIGIBLE = ResourceType.ROLE_ELIGIBILITY_SCHEDULES
ACTIVE = ResourceType.ROLE_ASSIGNMENT_SCHEDULES
POLICIES = ResourceType.ROLE_MANAGEMENT_POLICIES


def _docs(files: dict[str, bytes]) -> list[dict[str, Any]]:
    return [json.loads(content) for content in files.values()]


async def test_a_policy_rule_change_is_patched_alone_and_no_policy_is_ever_deleted(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    live = await backup_files(graph, POLICIES)
    assert len(live) == 4  # one per seeded directory role, filtered to scope '/' and DirectoryRole
    file = next(f for f, c in live.items() if b'"PT8H"' in c and USER_ADMINISTRATOR.encode() not in c)
    policy = json.loads(live[file])
    rule = next(r for r in policy["rules"] if r["id"] == "Expiration_EndUser_Assignment")
    rule["maximumDuration"] = "PT4H"
    desired = {**live, file: serialise(policy)}
    del desired[next(f for f in live if f != file)]  # left out of Git: Entra's policy stays

    status = await deploy(graph, [POLICIES], live, desired)

    assert outcomes(status) == [ChangeOutcome.APPLIED]  # the update only: no deletion was planned
    after = await backup_files(graph, POLICIES)
    assert set(after) == set(live)
    assert after[file] == serialise(normalise(catalog()[POLICIES], policy))
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        logged = sim.requests(TENANT_ID)
    writes = [e for e in logged if e["method"] != "GET" and "roleManagementPolicies" in e["path"]]
    assert [(w["method"], w["path"].rsplit("/", 2)[-2:]) for w in writes] == [
        ("PATCH", ["rules", "Expiration_EndUser_Assignment"])
    ]


async def test_a_policy_in_git_that_entra_does_not_have_fails_by_name(graph: GraphClient) -> None:
    live = await backup_files(graph, POLICIES)
    made_up = {**json.loads(next(iter(live.values()))), "id": "DirectoryRole_made_up"}
    desired = {**live, f"{POLICIES}/DirectoryRole_made_up.json": serialise(made_up)}

    status = await deploy(graph, [POLICIES], live, desired)

    assert status.deploy is not None
    [result] = status.deploy.results
    assert (result.action, result.result) == (ChangeAction.CREATE, ChangeOutcome.FAILED)
    assert "takes no create" in (result.message or "")
    assert set(await backup_files(graph, POLICIES)) == set(live)


@pytest.mark.parametrize("kind", [ELIGIBLE, ACTIVE])
async def test_a_role_assignment_is_assigned_updated_and_removed_through_schedule_requests(
    graph: GraphClient, kind: ResourceType
) -> None:
    live = await backup_files(graph, kind)
    wanted = {
        "principalId": MFA_USER,
        "roleDefinitionId": EXCHANGE_ADMINISTRATOR,
        "directoryScopeId": "/",
        "scheduleInfo": {
            "startDateTime": "2026-01-01T00:00:00Z",
            "expiration": {"type": "afterDateTime", "endDateTime": "2027-01-01T00:00:00Z"},
        },
    }
    created = await deploy(graph, [kind], live, {**live, f"{kind}/new-assignment.json": serialise(wanted)})

    assert outcomes(created) == [ChangeOutcome.APPLIED]
    assert created.deploy is not None
    new_id = created.deploy.results[0].createdId
    assert new_id and new_id != "new-assignment"  # the request's targetScheduleId
    after_create = await backup_files(graph, kind)
    made = json.loads(after_create[f"{kind}/{new_id}.json"])
    assert (made["principalId"], made["roleDefinitionId"]) == (MFA_USER, EXCHANGE_ADMINISTRATOR)

    extended = {**made, "scheduleInfo": {**made["scheduleInfo"], "expiration": {"type": "noExpiration"}}}
    updated = await deploy(
        graph, [kind], after_create, {**after_create, f"{kind}/{new_id}.json": serialise(extended)}
    )
    assert outcomes(updated) == [ChangeOutcome.APPLIED]
    after_update = await backup_files(graph, kind)
    assert (
        json.loads(after_update[f"{kind}/{new_id}.json"])["scheduleInfo"]["expiration"]["type"]
        == "noExpiration"
    )

    without = {f: c for f, c in after_update.items() if f != f"{kind}/{new_id}.json"}
    removed = await deploy(graph, [kind], after_update, without)
    assert outcomes(removed) == [ChangeOutcome.APPLIED]
    assert await backup_files(graph, kind) == live


async def test_only_assignments_an_admin_made_are_kept_not_activations(graph: GraphClient) -> None:
    kept = _docs(await backup_files(graph, ACTIVE))
    # The seeded activation of Security Administrator is left out: only Global Administrator, assigned.
    assert [(d["principalId"], d["roleDefinitionId"]) for d in kept] == [(ADMIN, GLOBAL_ADMINISTRATOR)]
    eligible = _docs(await backup_files(graph, ELIGIBLE))
    assert {(d["principalId"], d["roleDefinitionId"]) for d in eligible} == {
        (ADMIN, SECURITY_ADMINISTRATOR),
        (MFA_USER, USER_ADMINISTRATOR),
    }


async def test_a_missing_principal_or_role_stops_the_plan_before_any_write(graph: GraphClient) -> None:
    live = await backup_files(graph, ELIGIBLE)
    ghost, no_role = "00000000-0000-0000-0000-00000000dead", "11111111-2222-3333-4444-555555555555"
    desired = {
        **live,
        f"{ELIGIBLE}/a.json": serialise(
            {"principalId": ghost, "roleDefinitionId": USER_ADMINISTRATOR, "directoryScopeId": "/"}
        ),
        f"{ELIGIBLE}/b.json": serialise(
            {"principalId": ADMIN, "roleDefinitionId": no_role, "directoryScopeId": "/"}
        ),
    }
    joined = object_files(desired, {ELIGIBLE}, where="test")
    changes = plan_changes(joined, object_files(live, {ELIGIBLE}, where="test"), where="test")

    missing = await missing_references(graph, joined, changes, {ELIGIBLE}, where="test")

    assert missing == [
        f"directory object {ghost} (in eligible role assignment 'a', principalId)",
        f"directory role definition {no_role} (in eligible role assignment 'b', roleDefinitionId)",
    ]


async def test_policy_assignments_and_teams_apps_are_backed_up_and_never_planned(graph: GraphClient) -> None:
    assignments = _docs(await backup_files(graph, ResourceType.ROLE_MANAGEMENT_POLICY_ASSIGNMENTS))
    assert {d["roleDefinitionId"] for d in assignments} >= {USER_ADMINISTRATOR, SECURITY_ADMINISTRATOR}
    apps = await backup_files(graph, ResourceType.TEAMS_APPS)
    kept = _docs(apps)
    assert sorted(d["displayName"] for d in kept) == [
        "Contoso Expenses",
        "Contoso Helpdesk",
    ]  # not the store's
    assert all(d["appDefinitions"][0]["publishingState"] == "published" for d in kept)
    renamed = {f: serialise({**json.loads(c), "displayName": "Renamed"}) for f, c in apps.items()}
    types = {ResourceType.TEAMS_APPS}
    assert (
        plan_changes(object_files(renamed, types, where="t"), object_files(apps, types, where="t"), where="t")
        == []
    )
