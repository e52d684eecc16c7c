"""Groups' assigned members as a per-Tenant opt-in (issue 22) against the real simulator: off by
default, kept as links like owners for non-dynamic groups when a Tenant sets ``spec.groupMembers``, never
as a partial list for a group over its cap (the backup names it instead), and linked and unlinked by
reference through the real Deploy step."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tenantsync.api import ChangeOutcome, ResourceType
from tenantsync.catalog import serialise
from tenantsync.graph import GraphClient
from tenantsync.sync.history import RecordedBackup, record_backup
from tenantsync.sync.steps.deploy import Deploy
from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.state import stable_id
from tests.integration.sim.simtest_support import SimEndpoint
from tests.integration.simulator_support import TENANT_ID, SimulatorSession, planned_run
from tests.unit.sync.fakes import MemoryFolders, context, spec

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

GROUPS = ResourceType.GROUPS


def user(name: str) -> dict[str, str]:
    return {"@odata.type": "#microsoft.graph.user", "id": stable_id("demo", "user", name)}


async def _backup(graph: GraphClient, **overrides: Any) -> RecordedBackup:
    """The real backup of a Tenant that keeps groups, with ``overrides`` of its spec."""
    ctx = context(spec(resources=[GROUPS], **overrides))
    return await record_backup(ctx, SimulatorSession(graph, MemoryFolders(), [GROUPS], **overrides))


def _by_name(files: dict[str, bytes]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {doc["displayName"]: (path, doc) for path, doc in ((p, json.loads(c)) for p, c in files.items())}


async def test_members_are_not_kept_unless_the_tenant_opts_in(graph: GraphClient) -> None:
    recorded = await _backup(graph)

    groups = [doc for _, doc in _by_name(recorded.files).values()]
    assert groups and not [doc["displayName"] for doc in groups if "members" in doc]
    assert [doc["owners"] for doc in groups if doc["displayName"] == "Project Phoenix"] == [[user("admin")]]


async def test_opted_in_the_members_of_non_dynamic_groups_are_kept_as_links(graph: GraphClient) -> None:
    recorded = await _backup(graph, groupMembers={"maxMembers": 100})

    groups = _by_name(recorded.files)
    assert groups["Break Glass Accounts"][1]["members"] == [user("admin")]
    assert sorted(m["id"] for m in groups["Intune Pilot"][1]["members"]) == sorted(
        user(name)["id"] for name in ("admin", "mfa", "blocked")
    )
    assert groups["Intune Broad"][1]["members"] == []
    assert groups["Project Phoenix"][1]["members"] == [user("admin")]
    # A dynamic group's members are the service's to compute from its rule: never kept.
    assert groups["All Employees"][1]["membershipRule"] and "members" not in groups["All Employees"][1]
    assert "Members not kept" not in recorded.message


async def test_a_group_over_the_cap_keeps_no_members_and_the_backup_names_it(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        over = sorted(
            (group["displayName"], group["id"])
            for group in sim.objects(TENANT_ID, "groups")
            if len(group.get("members") or []) > 2 and "DynamicMembership" not in group["groupTypes"]
        )
    assert ("Intune Pilot", stable_id("demo", "group", "3")) in over

    recorded = await _backup(graph, groupMembers={"maxMembers": 2})

    groups = _by_name(recorded.files)
    assert [name for name, _ in over if "members" in groups[name][1]] == []  # never a partial list
    assert len(groups["Conditional Access Exclusions"][1]["members"]) == 2  # at the cap: kept
    named = re.findall(r"'([^']+)' \(([0-9a-f-]+)\): 3 members", recorded.message)
    assert (
        f"Members not kept for {len(over)} groups over spec.groupMembers.maxMembers (2): " in recorded.message
    )
    assert len(named) == min(len(over), 5) and set(named) <= set(over)


async def test_members_are_linked_and_unlinked_by_reference(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    live = (await _backup(graph, groupMembers={"maxMembers": 100})).files
    file, group = _by_name(live)["Break Glass Accounts"]
    edited = {**group, "members": [user("mfa")]}
    desired = {**live, file: serialise(edited)}
    ctx, folders, changes = planned_run(
        [GROUPS], live, desired, tenant=spec(resources=[GROUPS], groupMembers={})
    )
    assert [change.changedFields for change in changes] == [["members[0].id"]]
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        sim.clear_requests(TENANT_ID)

        await Deploy()(ctx, SimulatorSession(graph, folders, [GROUPS], groupMembers={}))

        writes = [
            (entry["method"], entry["path"].split("/groups/")[-1])
            for entry in sim.requests(TENANT_ID)
            if entry["method"] != "GET"
        ]
    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED]
    assert writes == [
        ("POST", f"{group['id']}/members/$ref"),
        ("DELETE", f"{group['id']}/members/{user('admin')['id']}/$ref"),
    ]
    after = _by_name((await _backup(graph, groupMembers={"maxMembers": 100})).files)
    assert after["Break Glass Accounts"][1]["members"] == [user("mfa")]
