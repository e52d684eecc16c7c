"""The catalogue: one entry per ResourceType, the permissions each mode needs, and stable file names."""

from __future__ import annotations

from pathlib import Path

from tenantsync.api import Mode, ResourceType
from tenantsync.catalog import (
    ADMIN_API_SCOPE,
    Service,
    catalog,
    deploy_order,
    permission_needs,
    required_permissions,
    user_graph_scopes,
)

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
USER_ONLY = {
    ResourceType.PASSWORD_RESET_POLICY,
    ResourceType.B2B_POLICY,
    ResourceType.ENTERPRISE_STATE_ROAMING,
}
USER_GRAPH = {ResourceType.FEATURE_ROLLOUT_POLICIES: "Policy.ReadWrite.HybridAuthentication"}
USER_GRAPH_SINGLETONS = {ResourceType.TEAMS_APP_SETTINGS: "TeamworkAppSettings.ReadWrite.All"}


def test_every_resource_type_has_exactly_one_entry() -> None:
    entries = catalog()
    assert list(entries) == list(ResourceType)
    assert all(entry.name == kind for kind, entry in entries.items())


def test_paths_versions_and_singletons_follow_graph() -> None:
    entries = catalog()
    assert entries[ResourceType.CONDITIONAL_ACCESS_POLICIES].path == "identity/conditionalAccess/policies"
    settings_catalog = entries[ResourceType.SETTINGS_CATALOG_POLICIES]
    assert (settings_catalog.path, settings_catalog.api_version) == (
        "deviceManagement/configurationPolicies",
        "beta",
    )
    assert entries[ResourceType.CROSS_TENANT_ACCESS_POLICY].path == "policies/crossTenantAccessPolicy/default"
    assert (
        entries[ResourceType.SECURITY_DEFAULTS].path == "policies/identitySecurityDefaultsEnforcementPolicy"
    )
    singletons = {
        kind
        for kind, entry in entries.items()
        if entry.singleton and entry.cmdlets is None and entry.service != Service.TCM
    }
    assert singletons == USER_ONLY | set(USER_GRAPH_SINGLETONS) | {
        ResourceType.AUTHENTICATION_METHODS_POLICY,
        ResourceType.AUTHORIZATION_POLICY,
        ResourceType.CROSS_TENANT_ACCESS_POLICY,
        ResourceType.SECURITY_DEFAULTS,
        ResourceType.AUTHENTICATION_FLOWS_POLICY,
        ResourceType.DEVICE_REGISTRATION_POLICY,
        ResourceType.EXTERNAL_IDENTITIES_POLICY,
        ResourceType.ADMIN_CONSENT_REQUEST_POLICY,
        ResourceType.DEFAULT_APP_MANAGEMENT_POLICY,
        ResourceType.DEVICE_MANAGEMENT_SETTINGS,
        ResourceType.ANDROID_MANAGED_STORE_SETTINGS,
        ResourceType.APPLE_PUSH_NOTIFICATION_CERTIFICATE,
        ResourceType.ORGANIZATIONAL_BRANDING,
        ResourceType.PRONOUNS_SETTINGS,
        ResourceType.ITEM_INSIGHTS,
        ResourceType.MICROSOFT_365_APPS_INSTALLATION_OPTIONS,
        ResourceType.ADMIN_REPORT_SETTINGS,
        ResourceType.SHAREPOINT_SETTINGS,
    }


def test_user_only_types_live_in_the_admin_api_with_no_application_permission() -> None:
    for kind in USER_ONLY:
        entry = catalog()[kind]
        assert entry.requires_user
        assert entry.api_version == "api"
        assert entry.delegated_scopes == (ADMIN_API_SCOPE,)
        assert entry.read_permissions == entry.write_permissions == ()
    user_graph = USER_GRAPH | USER_GRAPH_SINGLETONS
    assert not any(
        entry.requires_user for kind, entry in catalog().items() if kind not in USER_ONLY | set(user_graph)
    )


def test_what_graph_grants_no_application_is_read_with_the_users_delegated_graph_scope() -> None:
    for kind, scope in (USER_GRAPH | USER_GRAPH_SINGLETONS).items():
        entry = catalog()[kind]
        assert entry.requires_user and entry.service == Service.GRAPH and entry.api_version == "v1.0"
        assert entry.delegated_scopes == (f"https://graph.microsoft.com/{scope}",)
        assert entry.read_permissions == entry.write_permissions == ()
    assert user_graph_scopes(list(ResourceType)) == sorted(
        f"https://graph.microsoft.com/{scope}" for scope in (USER_GRAPH | USER_GRAPH_SINGLETONS).values()
    )
    assert user_graph_scopes([ResourceType.GROUPS, ResourceType.PASSWORD_RESET_POLICY]) == []
    assert permission_needs(list(USER_GRAPH | USER_GRAPH_SINGLETONS), Mode.MANAGED) == {}


def test_intune_types_carry_their_sub_resources() -> None:
    entries = catalog()
    for kind in (ResourceType.DEVICE_CONFIGURATIONS, ResourceType.DEVICE_COMPLIANCE_POLICIES):
        assert entries[kind].sub_resources[0].expand == "assignments"
    subs = {sub.name: sub.expand for sub in entries[ResourceType.SETTINGS_CATALOG_POLICIES].sub_resources}
    assert subs == {"assignments": "assignments", "settings": None}


def test_backup_only_needs_read_permissions() -> None:
    assert required_permissions(list(ResourceType), Mode.BACKUP_ONLY) == [
        "AccessReview.Read.All",
        "AdministrativeUnit.Read.All",
        "Agreement.Read.All",
        "AppCatalog.Read.All",
        "Application.Read.All",
        "ConfigurationMonitoring.ReadWrite.All",
        "CustomSecAttributeDefinition.Read.All",
        "DeviceManagementApps.Read.All",
        "DeviceManagementConfiguration.Read.All",
        "DeviceManagementManagedDevices.Read.All",
        "DeviceManagementRBAC.Read.All",
        "DeviceManagementScripts.Read.All",
        "DeviceManagementServiceConfig.Read.All",
        "Directory.Read.All",
        "EntitlementManagement.Read.All",
        "Group.Read.All",
        "IdentityProvider.Read.All",
        "LifecycleWorkflows.Read.All",
        "OrgSettings-Microsoft365Install.Read.All",
        "OrganizationalBranding.Read.All",
        "PeopleSettings.Read.All",
        "Policy.Read.All",
        "ReportSettings.Read.All",
        "RoleAssignmentSchedule.Read.Directory",
        "RoleEligibilitySchedule.Read.Directory",
        "RoleManagementPolicy.Read.Directory",
        "SharePointTenantSettings.Read.All",
    ]


def test_managed_needs_write_permissions_sorted_and_unique() -> None:
    assert required_permissions(list(ResourceType), Mode.MANAGED) == [
        "AccessReview.ReadWrite.All",
        "AdministrativeUnit.ReadWrite.All",
        "Agreement.ReadWrite.All",
        "AppCatalog.Read.All",
        "AppRoleAssignment.ReadWrite.All",
        "Application.ReadWrite.All",
        "ConfigurationMonitoring.ReadWrite.All",
        "CustomSecAttributeDefinition.ReadWrite.All",
        "DelegatedPermissionGrant.ReadWrite.All",
        "DeviceManagementApps.ReadWrite.All",
        "DeviceManagementConfiguration.ReadWrite.All",
        "DeviceManagementManagedDevices.ReadWrite.All",
        "DeviceManagementRBAC.ReadWrite.All",
        "DeviceManagementScripts.ReadWrite.All",
        "DeviceManagementServiceConfig.ReadWrite.All",
        "Directory.ReadWrite.All",
        "EntitlementManagement.ReadWrite.All",
        "Group.ReadWrite.All",
        "IdentityProvider.ReadWrite.All",
        "LifecycleWorkflows.ReadWrite.All",
        "OrgSettings-Microsoft365Install.ReadWrite.All",
        "OrganizationalBranding.ReadWrite.All",
        "PeopleSettings.ReadWrite.All",
        "Policy.Read.All",
        "Policy.ReadWrite.ApplicationConfiguration",
        "Policy.ReadWrite.AuthenticationFlows",
        "Policy.ReadWrite.AuthenticationMethod",
        "Policy.ReadWrite.Authorization",
        "Policy.ReadWrite.ConditionalAccess",
        "Policy.ReadWrite.ConsentRequest",
        "Policy.ReadWrite.CrossTenantAccess",
        "Policy.ReadWrite.DeviceConfiguration",
        "Policy.ReadWrite.ExternalIdentities",
        "Policy.ReadWrite.PermissionGrant",
        "Policy.ReadWrite.SecurityDefaults",
        "ReportSettings.ReadWrite.All",
        "RoleAssignmentSchedule.ReadWrite.Directory",
        "RoleEligibilitySchedule.ReadWrite.Directory",
        "RoleManagement.Read.Directory",
        "RoleManagementPolicy.ReadWrite.Directory",
        "SharePointTenantSettings.ReadWrite.All",
    ]
    assert required_permissions([ResourceType.NAMED_LOCATIONS], Mode.MANAGED) == [
        "Policy.Read.All",
        "Policy.ReadWrite.ConditionalAccess",
    ]


def test_user_only_types_need_no_application_permission() -> None:
    assert required_permissions(sorted(USER_ONLY), Mode.MANAGED) == []


def test_conditional_access_is_deployed_after_what_it_references() -> None:
    order = deploy_order(
        [
            ResourceType.CONDITIONAL_ACCESS_POLICIES,
            ResourceType.AUTHENTICATION_STRENGTH_POLICIES,
            ResourceType.NAMED_LOCATIONS,
        ]
    )
    assert order.index(ResourceType.CONDITIONAL_ACCESS_POLICIES) == 2
    assert deploy_order([ResourceType.CONDITIONAL_ACCESS_POLICIES]) == [
        ResourceType.CONDITIONAL_ACCESS_POLICIES
    ]


def test_references_are_found_in_lists_and_nested_fields_keywords_left_out() -> None:
    [locations] = [
        r
        for r in catalog()[ResourceType.CONDITIONAL_ACCESS_POLICIES].references
        if r.field == "conditions.locations.includeLocations[]"
    ]
    policy = {"conditions": {"locations": {"includeLocations": ["All", "loc-1", "loc-2"]}}}
    assert locations.values(policy) == ["loc-1", "loc-2"]
    groups, filters, scope_tags = catalog()[ResourceType.DEVICE_CONFIGURATIONS].references
    configuration = {
        "assignments": [{"target": {"groupId": "g1"}}, {"target": {"@odata.type": "allDevices"}}]
    }
    assert groups.values(configuration) == ["g1"]
    assert groups.values({}) == []
    filtered = {"assignments": [{"target": {"deviceAndAppManagementAssignmentFilterId": "f1"}}]}
    assert filters.values(filtered) == ["f1"]
    assert (
        filters.values({"assignments": [{"target": {"deviceAndAppManagementAssignmentFilterId": ZERO_GUID}}]})
        == []
    )
    assert scope_tags.values({"roleScopeTagIds": ["0", "7"]}) == ["7"]


def test_deploy_order_follows_the_declared_references() -> None:
    assert catalog()[ResourceType.CONDITIONAL_ACCESS_POLICIES].depends_on == (
        ResourceType.NAMED_LOCATIONS,
        ResourceType.AUTHENTICATION_STRENGTH_POLICIES,
        ResourceType.AUTHENTICATION_CONTEXT_CLASS_REFERENCES,
        ResourceType.TERMS_OF_USE_AGREEMENTS,
    )


def test_a_reported_type_needs_only_reading_even_when_managed() -> None:
    assert required_permissions([ResourceType.APPLE_PUSH_NOTIFICATION_CERTIFICATE], Mode.MANAGED) == [
        "DeviceManagementServiceConfig.Read.All"
    ]


def test_managed_reads_the_referenced_types_it_does_not_sync_and_never_asks_for_read_and_readwrite() -> None:
    assert permission_needs([ResourceType.ROLE_ASSIGNMENTS], Mode.MANAGED) == {
        "DeviceManagementRBAC.ReadWrite.All": (ResourceType.ROLE_ASSIGNMENTS,),
        "Group.Read.All": (ResourceType.ROLE_ASSIGNMENTS,),
    }
    needs = permission_needs([ResourceType.DEVICE_CONFIGURATIONS, ResourceType.ROLE_SCOPE_TAGS], Mode.MANAGED)
    assert needs["DeviceManagementRBAC.ReadWrite.All"] == (ResourceType.ROLE_SCOPE_TAGS,)
    assert "DeviceManagementRBAC.Read.All" not in needs
    assert permission_needs([ResourceType.DEVICE_CONFIGURATIONS], Mode.MANAGED)[
        "DeviceManagementRBAC.Read.All"
    ] == (ResourceType.DEVICE_CONFIGURATIONS,)


def test_docs_types_md_describes_every_type_with_its_path() -> None:
    text = (Path(__file__).parents[3] / "docs" / "types.md").read_text()
    rows = {
        line.split("|")[1].strip().strip("`"): line for line in text.splitlines() if line.startswith("| `")
    }
    assert set(rows) == {kind.value for kind in ResourceType}
    for kind, entry in catalog().items():
        assert f"`{entry.path}" in rows[kind]
