"""Entra ID's directory objects, the organisation-wide admin settings and SharePoint's tenant settings
(issue 22) against the real simulator: each setting's change deploys and verifies, and what the tenant
keeps secret (app credentials, an identity provider's client secret) never reaches the backup."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tenantsync.api import ChangeOutcome, ResourceType
from tenantsync.catalog import catalog, normalise, serialise
from tenantsync.graph import GraphClient
from tenantsync.sync.steps.deploy import Deploy
from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.state import stable_id
from tests.integration.sim.simtest_support import SimEndpoint
from tests.integration.simulator_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    PATH,
    TENANT_ID,
    SimulatorSession,
    backup_files,
    deploy,
    outcomes,
    planned_run,
)
from tests.integration.test_every_type_against_simulator import _renamed

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ADMIN_SETTINGS = [
    ResourceType.PRONOUNS_SETTINGS,
    ResourceType.ITEM_INSIGHTS,
    ResourceType.MICROSOFT_365_APPS_INSTALLATION_OPTIONS,
    ResourceType.ADMIN_REPORT_SETTINGS,
    ResourceType.SHAREPOINT_SETTINGS,
]


async def _deploy(
    graph: GraphClient, kind: ResourceType, live: dict[str, bytes], desired: dict[str, bytes]
) -> None:
    """Plan ``desired`` against ``live`` and run the real Deploy step; every change must apply."""
    status = await deploy(graph, [kind], live, desired)
    assert status.plan is not None
    assert outcomes(status) == [ChangeOutcome.APPLIED] * status.plan.changeCount


async def test_sharepoint_sharing_settings_are_backed_up_as_the_tenant_has_them(graph: GraphClient) -> None:
    # First in this module: the deploys below change the seeded settings.
    kind = ResourceType.SHAREPOINT_SETTINGS
    settings = json.loads((await backup_files(graph, kind))[f"{kind}/{kind}.json"])

    assert settings["sharingCapability"] == "existingExternalUserSharingOnly"
    assert settings["sharingAllowedDomainList"] == ["fabrikam.com", "northwindtraders.com"]
    assert settings["idleSessionSignOut"] == {
        "isEnabled": True,
        "signOutAfterInSeconds": 3600,
        "warnAfterInSeconds": 2700,
    }


@pytest.mark.parametrize("kind", ADMIN_SETTINGS)
async def test_an_admin_setting_change_deploys_and_verifies(graph: GraphClient, kind: ResourceType) -> None:
    live = await backup_files(graph, kind)
    file = f"{kind}/{kind}.json"
    assert set(live) == {file}
    edited = _renamed(json.loads(live[file]))
    desired = {file: serialise(edited)}

    await _deploy(graph, kind, live, desired)

    assert (await backup_files(graph, kind))[file] == serialise(normalise(catalog()[kind], edited))


async def test_app_registrations_and_enterprise_apps_are_kept_without_any_secret(
    graph: GraphClient,
) -> None:
    # Their credentials' metadata is kept: test_consent_against_simulator.py says which.
    apps = await backup_files(graph, ResourceType.APPLICATIONS)
    principals = await backup_files(graph, ResourceType.SERVICE_PRINCIPALS)

    everything = b"".join((*apps.values(), *principals.values()))
    assert CLIENT_SECRET.encode() not in everything
    assert b'"hint"' not in everything and b"secretText" not in everything
    registrations = [json.loads(c) for c in apps.values()]
    assert "tenantsync" in {app["displayName"] for app in registrations}  # the operator's own registration
    assert not [app for app in registrations if "appId" in app]  # the service's, never sent
    business = next(app for app in registrations if app["displayName"] == "Contoso Expenses 01")
    assert business["web"]["redirectUris"] == ["https://expenses.contoso.com/signin-oidc"]
    assert [role["value"] for role in business["appRoles"]] == ["Approver"]
    assert [scope["value"] for scope in business["api"]["oauth2PermissionScopes"]] == ["Data.Read"]
    assert business["requiredResourceAccess"][0]["resourceAppId"] == "00000003-0000-0000-c000-000000000000"
    enterprise = next(json.loads(c) for c in principals.values() if b"Contoso Expenses 01" in c)
    assert enterprise["appRoleAssignmentRequired"] is True
    assert CLIENT_ID in {json.loads(c)["appId"] for c in principals.values()}  # names the app it is for


async def test_an_identity_providers_client_secret_stays_in_the_tenant_through_a_deploy(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    kind = ResourceType.IDENTITY_PROVIDERS
    live = await backup_files(graph, kind)
    assert not [path for path, content in live.items() if b"secret" in content.lower() or b"***" in content]
    [file, *_] = sorted(live)
    provider = json.loads(live[file])
    desired = {**live, file: serialise(_renamed(provider))}

    await _deploy(graph, kind, live, desired)

    assert (await backup_files(graph, kind))[file] == desired[file]
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        stored = sim.object(TENANT_ID, "identityProviders", provider["id"])
    assert stored["clientSecret"].endswith("-secret-not-for-backups")


async def test_groups_keep_their_kind_rule_visibility_and_role_assignability(graph: GraphClient) -> None:
    groups = [json.loads(content) for content in (await backup_files(graph, ResourceType.GROUPS)).values()]
    by_name = {group["displayName"]: group for group in groups}

    assert by_name["All Employees"]["groupTypes"] == ["DynamicMembership"]
    assert by_name["All Employees"]["membershipRule"].startswith("(user.accountEnabled -eq true)")
    assert by_name["Privileged Admins"]["isAssignableToRole"] is True
    leadership = by_name["Contoso Leadership"]
    assert (leadership["groupTypes"], leadership["visibility"], leadership["mailEnabled"]) == (
        ["Unified"],
        "Private",
        True,
    )
    assert "mail" not in leadership  # the service's own address, not configuration


async def test_a_groups_owners_are_linked_and_unlinked_by_reference(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    kind = ResourceType.GROUPS
    live = await backup_files(graph, kind)
    file, group = next(
        (path, doc)
        for path, doc in sorted((p, json.loads(c)) for p, c in live.items())
        if doc["displayName"] == "Project Phoenix"
    )
    admin = stable_id("demo", "user", "admin")
    helpdesk = stable_id("demo", "user", "mfa")
    assert group["owners"] == [{"@odata.type": "#microsoft.graph.user", "id": admin}]
    edited = {**group, "owners": [{"@odata.type": "#microsoft.graph.user", "id": helpdesk}]}
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        sim.clear_requests(TENANT_ID)

        await _deploy(graph, kind, live, {**live, file: serialise(edited)})

        writes = [
            (entry["method"], entry["path"].split("/groups/")[-1])
            for entry in sim.requests(TENANT_ID)
            if entry["method"] != "GET"
        ]
    assert writes == [
        ("POST", f"{group['id']}/owners/$ref"),
        ("DELETE", f"{group['id']}/owners/{admin}/$ref"),
    ]
    assert json.loads((await backup_files(graph, kind))[file])["owners"] == edited["owners"]


async def test_custom_security_attributes_deploy_with_their_allowed_values(graph: GraphClient) -> None:
    kind = ResourceType.CUSTOM_SECURITY_ATTRIBUTE_DEFINITIONS
    live = await backup_files(graph, kind)
    file = f"{kind}/Engineering_Project.json"
    project = json.loads(live[file])
    assert project["attributeSet"] == "Engineering" and project["usePreDefinedValuesOnly"] is True
    assert project["allowedValues"] == [
        {"@odata.type": "#microsoft.graph.allowedValue", "id": name, "isActive": active}
        for name, active in (("Alpine", True), ("Baker", True), ("Cascade", False))
    ]
    edited = {
        **project,
        "description": "Project code, from the PMO's list",
        "allowedValues": [
            {"@odata.type": "#microsoft.graph.allowedValue", "id": "Alpine", "isActive": True},
            {"@odata.type": "#microsoft.graph.allowedValue", "id": "Baker", "isActive": False},
            {"@odata.type": "#microsoft.graph.allowedValue", "id": "Cascade", "isActive": False},
            {"@odata.type": "#microsoft.graph.allowedValue", "id": "Delta", "isActive": True},
        ],
    }
    new = {
        **{k: v for k, v in project.items() if k != "id"},
        "name": "Region",
        "description": "Where the person works",
        "allowedValues": [{"@odata.type": "#microsoft.graph.allowedValue", "id": "EMEA", "isActive": True}],
    }
    desired = {
        **live,
        file: serialise(edited),
        f"{kind}/new-object.json": serialise({"id": "new-object", **new}),
    }
    ctx, folders, _ = planned_run([kind], live, desired)

    await Deploy()(ctx, SimulatorSession(graph, folders, [kind]))

    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED] * 2
    after = await backup_files(graph, kind)
    assert after[file] == serialise(normalise(catalog()[kind], edited))
    region = json.loads(after[f"{kind}/Engineering_Region.json"])  # named by the service
    assert [value["id"] for value in region["allowedValues"]] == ["EMEA"]
    recorded = await folders.read_folder("main", PATH)
    assert recorded is not None and recorded == after


async def test_a_new_access_package_in_a_new_catalog_is_created_after_it_and_points_at_it(
    graph: GraphClient,
) -> None:
    kinds = [ResourceType.ACCESS_PACKAGES, ResourceType.ACCESS_PACKAGE_CATALOGS]
    live: dict[str, bytes] = {}
    for kind in kinds:
        live |= await backup_files(graph, kind)
    catalog_doc: dict[str, Any] = {"id": "new-catalog", "displayName": "Contractors"}
    catalog_doc |= {"catalogType": "userManaged", "state": "published", "isExternallyVisible": False}
    package: dict[str, Any] = {"id": "new-package", "displayName": "Contractor laptop"}
    package |= {"isHidden": False, "catalog": {"id": "new-catalog"}}
    desired = {
        **live,
        "accessPackageCatalogs/new-catalog.json": serialise(catalog_doc),
        "accessPackages/new-package.json": serialise(package),
    }
    ctx, folders, _ = planned_run(kinds, live, desired)

    await Deploy()(ctx, SimulatorSession(graph, folders, kinds))

    assert ctx.status.deploy is not None
    assert [(r.type, r.result) for r in ctx.status.deploy.results] == [
        (ResourceType.ACCESS_PACKAGE_CATALOGS, ChangeOutcome.APPLIED),
        (ResourceType.ACCESS_PACKAGES, ChangeOutcome.APPLIED),
    ]
    catalogs = await backup_files(graph, ResourceType.ACCESS_PACKAGE_CATALOGS)
    [new_catalog_id] = [
        json.loads(c)["id"] for c in catalogs.values() if json.loads(c)["displayName"] == "Contractors"
    ]
    packages = [json.loads(c) for c in (await backup_files(graph, ResourceType.ACCESS_PACKAGES)).values()]
    [created] = [p for p in packages if p["displayName"] == "Contractor laptop"]
    assert created["catalog"] == {"id": new_catalog_id}


async def test_a_claims_mapping_policy_is_assigned_to_an_enterprise_app_by_reference(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    kind = ResourceType.SERVICE_PRINCIPALS
    live = await backup_files(graph, kind)
    file, enterprise = next(
        (path, doc)
        for path, doc in sorted((p, json.loads(c)) for p, c in live.items())
        if doc["displayName"] == "Contoso Intranet 03"
    )
    policies = await backup_files(graph, ResourceType.CLAIMS_MAPPING_POLICIES)
    policy_id = sorted(json.loads(c)["id"] for c in policies.values())[0]
    assert enterprise["claimsMappingPolicies"] == []
    [discovery] = enterprise["homeRealmDiscoveryPolicies"]
    edited = {
        **enterprise,
        "claimsMappingPolicies": [{"@odata.type": "#microsoft.graph.claimsMappingPolicy", "id": policy_id}],
        "homeRealmDiscoveryPolicies": [],
    }
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        sim.clear_requests(TENANT_ID)

        await _deploy(graph, kind, live, {**live, file: serialise(edited)})

        writes = [
            (entry["method"], entry["path"].split("/servicePrincipals/")[-1])
            for entry in sim.requests(TENANT_ID)
            if entry["method"] != "GET"
        ]
    sp = enterprise["id"]
    assert writes == [
        ("POST", f"{sp}/claimsMappingPolicies/$ref"),
        ("DELETE", f"{sp}/homeRealmDiscoveryPolicies/{discovery['id']}/$ref"),
    ]
    assert json.loads((await backup_files(graph, kind))[file]) == edited
    assert catalog()[kind].depends_on == (
        ResourceType.CLAIMS_MAPPING_POLICIES,
        ResourceType.HOME_REALM_DISCOVERY_POLICIES,
    )  # a new policy is created before it is assigned


async def test_a_change_graph_allows_only_at_creation_fails_with_graphs_answer(graph: GraphClient) -> None:
    kind = ResourceType.GROUPS
    live = await backup_files(graph, kind)
    file, group = next(
        (path, doc)
        for path, doc in sorted((p, json.loads(c)) for p, c in live.items())
        if doc["displayName"] == "Finance"
    )
    desired = {**live, file: serialise({**group, "isAssignableToRole": True})}
    ctx, folders, [_] = planned_run([kind], live, desired)

    await Deploy()(ctx, SimulatorSession(graph, folders, [kind]))

    assert ctx.status.deploy is not None
    [result] = ctx.status.deploy.results
    assert result.result == ChangeOutcome.FAILED
    assert result.message is not None and "'isAssignableToRole' cannot be changed" in result.message
    assert (await backup_files(graph, kind))[file] == live[file]
