"""A backup of the demo tenant through the real simulator, with tokens from real MSAL."""

from __future__ import annotations

import asyncio

import msal
import pytest

from tenantsync.api import ResourceType
from tenantsync.catalog import ADMIN_API_SCOPE, Service, catalog
from tenantsync.graph import GraphClient
from tenantsync.sync.snapshot import BackupSnapshot, take_snapshot
from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import SimEndpoint
from tests.integration.simulator_support import ADMIN_UPN, PUBLIC_CLIENT_ID, TENANT_ID, graph_client

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SEEDED_COUNTS = {
    ResourceType.CONDITIONAL_ACCESS_POLICIES: 40,
    ResourceType.NAMED_LOCATIONS: 30,
    ResourceType.AUTHENTICATION_STRENGTH_POLICIES: 5,
    ResourceType.AUTHENTICATION_METHODS_POLICY: 1,
    ResourceType.AUTHORIZATION_POLICY: 1,
    ResourceType.CROSS_TENANT_ACCESS_POLICY: 1,
    ResourceType.SECURITY_DEFAULTS: 1,
    ResourceType.DEVICE_CONFIGURATIONS: 120,
    ResourceType.DEVICE_COMPLIANCE_POLICIES: 60,
    ResourceType.SETTINGS_CATALOG_POLICIES: 80,
    ResourceType.AUTHENTICATION_CONTEXT_CLASS_REFERENCES: 3,
    ResourceType.CROSS_TENANT_ACCESS_PARTNERS: 3,
    ResourceType.AUTHENTICATION_FLOWS_POLICY: 1,
    ResourceType.DEVICE_REGISTRATION_POLICY: 1,
    ResourceType.EXTERNAL_IDENTITIES_POLICY: 1,
    ResourceType.ADMIN_CONSENT_REQUEST_POLICY: 1,
    ResourceType.DEFAULT_APP_MANAGEMENT_POLICY: 1,
    ResourceType.APP_MANAGEMENT_POLICIES: 2,
    ResourceType.TOKEN_LIFETIME_POLICIES: 1,
    ResourceType.ACTIVITY_BASED_TIMEOUT_POLICIES: 1,
    ResourceType.PERMISSION_GRANT_POLICIES: 2,
    ResourceType.GROUP_SETTINGS: 1,
    ResourceType.ADMINISTRATIVE_UNITS: 4,
    ResourceType.TERMS_OF_USE_AGREEMENTS: 1,
    ResourceType.ORGANIZATIONAL_BRANDING: 1,
    ResourceType.ASSIGNMENT_FILTERS: 4,
    ResourceType.ROLE_SCOPE_TAGS: 3,
    ResourceType.ROLE_DEFINITIONS: 2,
    ResourceType.ROLE_ASSIGNMENTS: 2,
    ResourceType.DEVICE_CATEGORIES: 3,
    ResourceType.NOTIFICATION_MESSAGE_TEMPLATES: 2,
    ResourceType.TERMS_AND_CONDITIONS: 1,
    ResourceType.COMPLIANCE_MANAGEMENT_PARTNERS: 1,
    ResourceType.DEVICE_MANAGEMENT_PARTNERS: 1,
    ResourceType.REMOTE_ASSISTANCE_PARTNERS: 1,
    ResourceType.DEVICE_MANAGEMENT_SETTINGS: 1,
    ResourceType.ANDROID_MANAGED_STORE_SETTINGS: 1,
    ResourceType.APPLE_PUSH_NOTIFICATION_CERTIFICATE: 1,
    ResourceType.COMPLIANCE_POLICIES: 4,
    ResourceType.GROUP_POLICY_CONFIGURATIONS: 6,
    ResourceType.INTENTS: 4,
    ResourceType.REUSABLE_POLICY_SETTINGS: 3,
    ResourceType.DEVICE_MANAGEMENT_SCRIPTS: 6,
    ResourceType.DEVICE_SHELL_SCRIPTS: 4,
    ResourceType.DEVICE_CUSTOM_ATTRIBUTE_SHELL_SCRIPTS: 2,
    ResourceType.DEVICE_HEALTH_SCRIPTS: 4,
    ResourceType.DEVICE_COMPLIANCE_SCRIPTS: 2,
    ResourceType.IOS_MANAGED_APP_PROTECTIONS: 3,
    ResourceType.ANDROID_MANAGED_APP_PROTECTIONS: 3,
    ResourceType.WINDOWS_MANAGED_APP_PROTECTIONS: 2,
    ResourceType.MOBILE_APP_CONFIGURATIONS: 4,
    ResourceType.TARGETED_MANAGED_APP_CONFIGURATIONS: 2,
    ResourceType.MOBILE_APPS: 8,
    ResourceType.DEVICE_ENROLLMENT_CONFIGURATIONS: 5,
    ResourceType.WINDOWS_AUTOPILOT_DEPLOYMENT_PROFILES: 2,
    ResourceType.DEP_ONBOARDING_SETTINGS: 1,
    ResourceType.WINDOWS_FEATURE_UPDATE_PROFILES: 3,
    ResourceType.WINDOWS_QUALITY_UPDATE_PROFILES: 2,
    ResourceType.WINDOWS_DRIVER_UPDATE_PROFILES: 2,
    ResourceType.GROUPS: 26,
    ResourceType.GROUP_LIFECYCLE_POLICIES: 1,
    ResourceType.APPLICATIONS: 8,  # six line-of-business apps and the two tenantsync registrations
    ResourceType.SERVICE_PRINCIPALS: 8,
    ResourceType.CLAIMS_MAPPING_POLICIES: 2,
    ResourceType.HOME_REALM_DISCOVERY_POLICIES: 1,
    ResourceType.TOKEN_ISSUANCE_POLICIES: 1,
    ResourceType.ATTRIBUTE_SETS: 3,
    ResourceType.CUSTOM_SECURITY_ATTRIBUTE_DEFINITIONS: 3,
    ResourceType.IDENTITY_PROVIDERS: 2,
    ResourceType.PROFILE_CARD_PROPERTIES: 2,
    ResourceType.PRONOUNS_SETTINGS: 1,
    ResourceType.ITEM_INSIGHTS: 1,
    ResourceType.MICROSOFT_365_APPS_INSTALLATION_OPTIONS: 1,
    ResourceType.ADMIN_REPORT_SETTINGS: 1,
    ResourceType.CONNECTED_ORGANIZATIONS: 2,
    ResourceType.ACCESS_PACKAGE_CATALOGS: 2,
    ResourceType.ACCESS_PACKAGES: 2,
    ResourceType.ACCESS_PACKAGE_ASSIGNMENT_POLICIES: 2,
    ResourceType.ACCESS_REVIEW_DEFINITIONS: 2,
    ResourceType.SHAREPOINT_SETTINGS: 1,
    # PIM for directory roles and Teams apps: four roles' policies and their assignments, two eligible
    # and one assigned active role (the activation left out), the organisation's two apps (not the store's)
    ResourceType.ROLE_MANAGEMENT_POLICIES: 4,
    ResourceType.ROLE_MANAGEMENT_POLICY_ASSIGNMENTS: 4,
    ResourceType.ROLE_ELIGIBILITY_SCHEDULES: 2,
    ResourceType.ROLE_ASSIGNMENT_SCHEDULES: 1,
    ResourceType.TEAMS_APPS: 2,
    ResourceType.OAUTH2_PERMISSION_GRANTS: 2,
    ResourceType.LIFECYCLE_WORKFLOWS: 2,  # a joiner and a leaver
}
USER_ONLY = [
    ResourceType.PASSWORD_RESET_POLICY,
    ResourceType.B2B_POLICY,
    ResourceType.ENTERPRISE_STATE_ROAMING,
]
USER_GRAPH = [ResourceType.FEATURE_ROLLOUT_POLICIES, ResourceType.TEAMS_APP_SETTINGS]
"""Graph types Microsoft grants to no application: skipped without the user's Graph token."""


def _admin_user_token(endpoint: SimEndpoint, sim: SimulatorClient) -> str:
    """A delegated admin API token through the device code flow, signed in via the control API."""
    app = msal.PublicClientApplication(
        PUBLIC_CLIENT_ID,
        authority=f"{endpoint.url}/{TENANT_ID}",
        instance_discovery=False,
        verify=endpoint.ca,
    )
    flow = app.initiate_device_flow(scopes=[ADMIN_API_SCOPE])
    assert "user_code" in flow, flow
    sim.sign_in(flow["user_code"], ADMIN_UPN)
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    return str(result["access_token"])


async def _snapshot(graph: GraphClient, admin_api: GraphClient | None = None) -> BackupSnapshot:
    """Graph's and the portal's types (the Exchange admin API's: test_exchange_types_against_simulator;
    Teams policies, read through snapshot jobs: test_teams_snapshots_against_simulator)."""
    types = [entry for entry in catalog().values() if entry.cmdlets is None and entry.service != Service.TCM]
    return await take_snapshot(graph, types, admin_api=admin_api)


async def test_backup_of_the_demo_tenant_is_complete_stable_and_cheap(
    graph: GraphClient, sim: SimulatorClient
) -> None:
    sim.clear_requests(TENANT_ID)

    first = await _snapshot(graph)

    assert {kind: len(items) for kind, items in first.objects.items()} == SEEDED_COUNTS
    assert first.skipped == USER_ONLY + USER_GRAPH
    settings_catalog = first.objects[ResourceType.SETTINGS_CATALOG_POLICIES]
    assert all(policy["settings"] for policy in settings_catalog)
    assert sum(len(policy["assignments"]) for policy in settings_catalog) == 40
    compliance = first.objects[ResourceType.DEVICE_COMPLIANCE_POLICIES]
    assert all(policy["scheduledActionsForRule"] and policy["assignments"] for policy in compliance)

    # One list request per type read, then pages and $batch reads: under a tenth of a request per object
    # (a type with one object, such as a setting, costs its one request whatever the tenant's size).
    objects = sum(SEEDED_COUNTS.values())
    types_read = len(SEEDED_COUNTS)
    more_per_object = (graph.stats.requests - types_read) / objects
    print(
        f"\n{graph.stats.requests} Graph requests for {objects} objects of {types_read} types: "
        f"{more_per_object:.3f} per object beyond one per type"
    )
    assert graph.stats.requests >= types_read
    assert more_per_object < 0.1
    assert sim.counters(TENANT_ID)["requests"] == graph.stats.requests

    second = await _snapshot(graph)
    assert second.files() == first.files()


@pytest.mark.parametrize(
    ("kind", "sim_kind", "changes"),
    [
        (ResourceType.CONDITIONAL_ACCESS_POLICIES, "conditionalAccessPolicies", {"state": "disabled"}),
        (ResourceType.DEVICE_CONFIGURATIONS, "deviceConfigurations", {"cameraBlocked": True}),
    ],
)
async def test_a_drifted_object_changes_exactly_its_file(
    graph: GraphClient, sim: SimulatorClient, kind: ResourceType, sim_kind: str, changes: dict[str, object]
) -> None:
    before = (await _snapshot(graph)).files()
    target = sorted(sim.objects(TENANT_ID, sim_kind), key=lambda obj: str(obj["id"]))[7]

    sim.drift(TENANT_ID, sim_kind, changes, target["id"])
    after = (await _snapshot(graph)).files()

    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert changed == {f"{kind}/{target['id']}.json"}


async def test_a_drifted_singleton_changes_exactly_its_file(graph: GraphClient, sim: SimulatorClient) -> None:
    before = (await _snapshot(graph)).files()

    sim.drift(
        TENANT_ID,
        "crossTenantAccessPolicyDefault",
        {"automaticUserConsentSettings": {"inboundAllowed": True}},
    )
    after = (await _snapshot(graph)).files()

    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert changed == {"crossTenantAccessPolicy/crossTenantAccessPolicy.json"}


async def test_user_only_types_are_read_through_the_admin_api(
    endpoint: SimEndpoint, sim: SimulatorClient, graph: GraphClient
) -> None:
    token = await asyncio.to_thread(_admin_user_token, endpoint, sim)
    async with graph_client(endpoint, token) as admin_api:
        snapshot = await take_snapshot(graph, [catalog()[kind] for kind in USER_ONLY], admin_api=admin_api)

    assert snapshot.skipped == []
    assert snapshot.objects[ResourceType.B2B_POLICY][0]["targetedDomains"] == [
        "fabrikam.com",
        "northwindtraders.com",
    ]
    assert "objectId" not in snapshot.objects[ResourceType.PASSWORD_RESET_POLICY][0]
    assert set(snapshot.files()) == {f"{kind}/{kind}.json" for kind in USER_ONLY}


async def test_throttled_reads_are_retried_after_retry_after(
    graph: GraphClient, sim: SimulatorClient
) -> None:
    sim.add_fault("/v1.0/identity/conditionalAccess/policies", status=429, count=2, retry_after_seconds=1)
    sim.add_fault("/beta/$batch", status=503, count=1, retry_after_seconds=1)
    try:
        snapshot = await _snapshot(graph)
    finally:
        sim.clear_faults()

    assert len(snapshot.objects[ResourceType.CONDITIONAL_ACCESS_POLICIES]) == 40
    assert all(policy["settings"] for policy in snapshot.objects[ResourceType.SETTINGS_CATALOG_POLICIES])
    # The two injected 429s and the 503 were retried; Intune's own per-app budget may throttle more.
    assert graph.stats.by_status[429] >= 2
    assert graph.stats.by_status[503] == 1
    assert graph.stats.retried >= 3
    assert graph.stats.throttled >= 2
