"""docs/install.md's upgrade notes: the `spec.resources` they give to keep a Tenant to the types it had
before this version is exactly every type of the catalogue but the Exchange admin API's and the Graph and Teams
types this version adds, so pinning it neither drops a type the Tenant synced nor takes on one that needs
a permission it was not given."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tenantsync.api import ResourceType
from tenantsync.catalog import CMDLET_SERVICES, catalog

INSTALL = Path(__file__).resolve().parents[2] / "docs" / "install.md"
NEW_GRAPH_TYPES = {
    ResourceType(name)
    for name in [
        "groups",
        "groupLifecyclePolicies",
        "applications",
        "servicePrincipals",
        "claimsMappingPolicies",
        "homeRealmDiscoveryPolicies",
        "tokenIssuancePolicies",
        "attributeSets",
        "customSecurityAttributeDefinitions",
        "identityProviders",
        "profileCardProperties",
        "pronounsSettings",
        "itemInsights",
        "microsoft365AppsInstallationOptions",
        "adminReportSettings",
        "connectedOrganizations",
        "accessPackageCatalogs",
        "accessPackages",
        "accessPackageAssignmentPolicies",
        "accessReviewDefinitions",
        "sharePointSettings",
        # consent
        "oauth2PermissionGrants",
    ]
}
"""The Graph types this version adds (issue 22); the upgrade notes name them and their permissions."""
NEW_GRAPH_TYPES |= {
    ResourceType(name)
    for name in [
        "roleManagementPolicies",
        "roleManagementPolicyAssignments",
        "roleEligibilitySchedules",
        "roleAssignmentSchedules",
        "teamsApps",
        "lifecycleWorkflows",
    ]
}
"""PIM for directory roles, the organisation's Teams apps and lifecycle workflows (issue 22), in a
paragraph of their own."""
NEW_TEAMS_TYPES = {
    ResourceType(name)
    for name in [
        "teamsMeetingPolicy",
        "teamsMessagingPolicy",
        "teamsAppSetupPolicy",
        "teamsAppPermissionPolicy",
        "teamsFederationConfiguration",
        "teamsGuestMeetingConfiguration",
        "teamsGuestMessagingConfiguration",
        "teamsClientConfiguration",
    ]
}
"""The Teams policies this version adds, read through Tenant Configuration Management's snapshots (issue 22)."""
NEW_USER_GRAPH_TYPES = {ResourceType("featureRolloutPolicies"), ResourceType("teamsAppSettings")}
"""What Microsoft grants to no application, read and written with the signed-in user's Graph token."""


def test_the_pinned_resources_are_every_type_outside_the_exchange_admin_api() -> None:
    upgrading = INSTALL.read_text().split("\n## Upgrading\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", upgrading, re.DOTALL)
    assert len(blocks) == 1, "the upgrade notes hold one yaml block: the spec.resources to pin"
    pinned = yaml.safe_load(re.sub(r"^  ", "", blocks[0], flags=re.MULTILINE))["spec"]["resources"]
    expected = [
        entry.name.value
        for entry in catalog().values()
        if entry.service not in CMDLET_SERVICES
        and entry.name not in NEW_GRAPH_TYPES | NEW_TEAMS_TYPES | NEW_USER_GRAPH_TYPES
    ]
    assert len(NEW_GRAPH_TYPES) == 22 + 6 and set(catalog()) >= NEW_GRAPH_TYPES
    assert set(catalog()) >= NEW_TEAMS_TYPES | NEW_USER_GRAPH_TYPES
    assert pinned == expected
    assert f"the {len(expected)} read through Microsoft Graph" in " ".join(upgrading.split())


def test_the_upgrade_notes_name_the_teams_types_and_what_they_need() -> None:
    upgrading = " ".join(INSTALL.read_text().split("\n## Upgrading\n", 1)[1].split("\n## ", 1)[0].split())
    for kind in sorted(NEW_TEAMS_TYPES):
        assert f"`{kind}`" in upgrading, kind
    assert "`ConfigurationMonitoring.ReadWrite.All`" in upgrading
    assert "03b07b79-c5bc-4b5e-9bfa-13acf4a99998" in upgrading  # the TCM service principal to add
    assert "spec.teams.snapshotInterval" in upgrading


def test_the_upgrade_notes_name_the_user_graph_types_and_their_delegated_scopes() -> None:
    upgrading = " ".join(INSTALL.read_text().split("\n## Upgrading\n", 1)[1].split("\n## ", 1)[0].split())
    for kind in sorted(NEW_USER_GRAPH_TYPES):
        assert f"`{kind}`" in upgrading, kind
        for scope in catalog()[kind].delegated_scopes:
            assert f"`{scope.rsplit('/', 1)[1]}`" in upgrading, scope
