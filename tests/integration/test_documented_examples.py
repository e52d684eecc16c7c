"""Microsoft's documented GET examples through backup -> plan -> deploy against the real simulator.

Each fixture in tests/fixtures/graph-docs is the response example of a ``*-get.md`` page (a singleton's
``*-list-*.md`` where Microsoft documents its GET as a list) of
microsoftgraph/microsoft-graph-docs-contrib (named in its ``source``; Intune pages wrap the object in
``value``, which is left out; Intune's tenant settings are the ``settings`` of the deviceManagement
page's example). The example, as tenantsync keeps it, is the desired state of a new object
(of the tenant's one object, for a singleton): the plan creates (updates) it, the deploy sends no
read-only or computed property, and the tenant's whole object then plans no change against it.

Kept Graph types whose page has no usable example, so no fixture:

- tokenIssuancePolicies (v1.0 and beta ``tokenissuancepolicy-get.md``): every value is a placeholder
  (``"definition-value"``, ``"id-value"``). For home realm discovery policies and administrative units
  the v1.0 page is placeholders too, so their fixture is the beta page's example.
- passwordResetPolicy, b2bPolicy, enterpriseStateRoaming: read and written through the Azure portal's
  admin API, which Microsoft does not document.
- depOnboardingSettings, applePushNotificationCertificate: tenantsync reports them and never writes
  them (a token Apple issues), so there is no deploy to round-trip.
- crossTenantAccessPolicy (v1.0 and beta ``crosstenantaccesspolicy-get.md``): placeholders
  (``"definition": "Cross tenant access policy..."``, ``"String"``) and none of the policy's own
  properties.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tenantsync.api import ChangeAction, ChangeOutcome, ResourceType
from tenantsync.catalog import catalog, normalise, serialise
from tenantsync.graph import GraphClient
from tenantsync.sync.diff import object_files, plan_changes
from tenantsync.sync.layout import COMPANION, object_file
from tenantsync.sync.steps.deploy import Deploy
from tests.integration.simulator_support import (
    PATH,
    SESSION_LOOP,
    RecordingTransport,
    SimulatorSession,
    backup_files,
    planned_run,
)
from tests.integration.test_every_type_against_simulator import server_managed_sent

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "graph-docs"
EXAMPLES = sorted(FIXTURES.glob("*.json"))
REFUSED = {
    ResourceType("deviceCompliancePolicies"): "scheduledActionsForRule",
    ResourceType("accessPackages"): "catalog",
    ResourceType("accessPackageAssignmentPolicies"): "accessPackage",
    ResourceType("identityProviders"): "@odata.type",
    ResourceType("mobileAppConfigurations"): "abstract",
    ResourceType("windowsAutopilotDeploymentProfiles"): "abstract",
}
"""Examples Graph refuses to create as documented, because the page leaves out what a create requires
(a compliance policy's scheduled 'block' action, an access package's catalog, an assignment policy's
access package, an identity provider's derived type) or names an abstract base type Graph cannot
create (app configuration policies, Autopilot profiles): the deploy fails with Graph's message and
nothing changes."""


DEFAULTS = {
    ResourceType("authenticationFlowsPolicy"),
    ResourceType("defaultAppManagementPolicy"),
    ResourceType("adminReportSettings"),
    ResourceType("pronounsSettings"),
}
"""Singletons whose documented example is the tenant's default as the simulator seeds it: the tenant's
whole object already plans no change against the example, and there is nothing to deploy."""


def _example(path: Path) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads(path.read_text())
    assert fixture["source"].startswith("microsoftgraph/microsoft-graph-docs-contrib@")
    return fixture


def test_every_example_names_its_source_and_a_kept_type() -> None:
    assert EXAMPLES
    for path in EXAMPLES:
        fixture = _example(path)
        kind = ResourceType(fixture["type"])
        assert kind in catalog(), path.name
        source = fixture["source"]
        # a singleton navigation's GET is documented as "List" (peopleadminsettings-list-pronouns.md)
        assert "-get.md" in source or (catalog()[kind].singleton and "-list-" in source), path.name


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@SESSION_LOOP
async def test_a_documented_example_round_trips(
    recording: tuple[GraphClient, RecordingTransport], path: Path
) -> None:
    graph, transport = recording
    fixture = _example(path)
    kind = ResourceType(fixture["type"])
    entry = catalog()[kind]
    live = await backup_files(graph, entry.name)
    document = normalise(entry, fixture["example"])
    if entry.singleton:  # the tenant's one object, changed to the example
        file = object_file(kind, str(kind))
        expected = ChangeAction.UPDATE
    else:  # a new object
        document[entry.key_field] = "documented-example"
        file = object_file(kind, "documented-example")
        expected = ChangeAction.CREATE
    if entry.singleton:  # the page's GET leaves out streams and navigations: the tenant's own stay
        navigations = {sub.name for sub in entry.sub_resources}
        kept = json.loads(live[file])
        document |= {
            k: v
            for k, v in kept.items()
            if k not in document and (k in navigations or (isinstance(v, dict) and COMPANION in v))
        }
    desired = {**live, file: serialise(document)}

    ctx, folders, changes = planned_run([kind], live, desired)
    if kind in DEFAULTS:
        assert changes == []
        return
    [change] = changes
    assert change.action == expected
    await Deploy()(ctx, SimulatorSession(graph, folders, [kind]))

    assert ctx.status.deploy is not None
    [result] = ctx.status.deploy.results
    if kind in REFUSED:
        assert (result.result, REFUSED[kind] in (result.message or "")) == (ChangeOutcome.FAILED, True)
        assert await backup_files(graph, entry.name) == live
        return
    assert result.result == ChangeOutcome.APPLIED, result.message
    assert server_managed_sent(transport.writes) == []
    recorded = await folders.read_folder("main", PATH)
    assert recorded is not None
    after = await backup_files(graph, entry.name)
    assert after == await backup_files(graph, entry.name)  # the whole object backs up byte-identical
    kept = object_files(recorded, {kind}, where="test")
    assert plan_changes(kept, object_files(after, {kind}, where="test"), where="test") == []
