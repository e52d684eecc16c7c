"""References: a planned object's pointers must lead somewhere — to an object of a synced type in the
desired state, or to one Graph finds — or the plan names each missing one; each id is asked for once."""

from __future__ import annotations

from typing import Any

from tenantsync.api import ChangeAction, PlanChange, ResourceType
from tenantsync.catalog import serialise
from tenantsync.sync.layout import object_file
from tenantsync.sync.references import missing_references
from tests.unit.sync.fakes import FakeGraph, FakeSession

POLICY_ID = "22222222-2222-4222-8222-222222222222"
LOCATION_ID = "11111111-1111-4111-8111-111111111111"
GROUP_ID = "33333333-3333-4333-8333-333333333333"
LOCATIONS = "identity/conditionalAccess/namedLocations"
POLICIES = ResourceType.CONDITIONAL_ACCESS_POLICIES


def policy(**conditions: Any) -> dict[str, Any]:
    return {"id": POLICY_ID, "displayName": "Require MFA", "conditions": conditions}


def change(action: ChangeAction = ChangeAction.UPDATE) -> PlanChange:
    return PlanChange(action=action, type=POLICIES, id=POLICY_ID, displayName="Require MFA")


async def missing(
    graph: FakeGraph, doc: dict[str, Any], synced: set[ResourceType], *, also: dict[str, bytes] | None = None
) -> list[str]:
    desired = {object_file(POLICIES, POLICY_ID): serialise(doc), **(also or {})}
    client = await FakeSession(graph=graph).graph()
    return await missing_references(client, desired, [change()], synced, where="tenants/contoso")


async def test_a_reference_to_a_synced_type_is_satisfied_by_the_desired_state_alone() -> None:
    doc = policy(locations={"includeLocations": [LOCATION_ID, "AllTrusted"]})
    synced = {POLICIES, ResourceType.NAMED_LOCATIONS}
    graph = FakeGraph()
    location = {object_file(ResourceType.NAMED_LOCATIONS, LOCATION_ID): b"{}"}
    assert await missing(graph, doc, synced, also=location) == []
    assert graph.requests == [], "nothing is asked of Graph"
    assert await missing(graph, doc, synced) == [
        f"named location {LOCATION_ID} (in Conditional Access policy 'Require MFA',"
        " conditions.locations.includeLocations[])"
    ]


async def test_a_reference_outside_the_synced_types_is_looked_up_in_the_tenant_once() -> None:
    doc = policy(
        users={"includeGroups": [GROUP_ID], "excludeGroups": [GROUP_ID]},
        locations={"includeLocations": [LOCATION_ID]},
    )
    graph = FakeGraph()
    graph.add(LOCATIONS, {"id": LOCATION_ID})
    found = await missing(graph, doc, {POLICIES})
    assert found == [
        f"group {GROUP_ID} (in Conditional Access policy 'Require MFA', conditions.users.includeGroups[])",
        f"group {GROUP_ID} (in Conditional Access policy 'Require MFA', conditions.users.excludeGroups[])",
    ]
    assert graph.requests == [("GET", f"groups/{GROUP_ID}"), ("GET", f"{LOCATIONS}/{LOCATION_ID}")]


async def test_keywords_and_deletions_point_nowhere() -> None:
    graph = FakeGraph()
    doc = policy(locations={"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]})
    assert await missing(graph, doc, {POLICIES}) == []
    desired = {object_file(POLICIES, POLICY_ID): serialise(policy(users={"includeGroups": [GROUP_ID]}))}
    client = await FakeSession(graph=graph).graph()
    deleting = await missing_references(client, desired, [change(ChangeAction.DELETE)], {POLICIES}, where="x")
    assert deleting == []
    assert graph.requests == []
