"""The first catalogue of configuration types (SPEC §3): where each lives, what it needs, what it depends on."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from tenantsync.api import Mode, ResourceType

# The Azure portal's own API: the only way to read the settings Graph exposes to no application.
ADMIN_API_URL = "https://main.iam.ad.ext.azure.com"
ADMIN_API_RESOURCE = "74658136-14ec-4630-ad9b-26e160ff0fc6"
ADMIN_API_SCOPE = f"{ADMIN_API_RESOURCE}/user_impersonation"

ApiVersion = Literal["v1.0", "beta", "api"]

_POLICY_READ = "Policy.Read.All"
_CA_WRITE = "Policy.ReadWrite.ConditionalAccess"
_INTUNE_READ = "DeviceManagementConfiguration.Read.All"
_INTUNE_WRITE = "DeviceManagementConfiguration.ReadWrite.All"

# A file name must never leave its type's folder, whatever id the service hands back.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class SubResource:
    """A navigation property kept inside its parent's file (assignments, settings).

    ``expand`` is the ``$expand`` clause that returns it with the parent's list; ``None`` means the
    service does not expand it on a list, so it is read per object through ``$batch``.
    """

    name: str
    expand: str | None
    read_only_fields: frozenset[str] = frozenset()


_ASSIGNMENTS = SubResource("assignments", "assignments", frozenset({"id", "source", "sourceId"}))


@dataclass(frozen=True)
class ConfigurationType:
    """One configuration type. Write permissions are what a Managed tenant needs to read and write it.

    ``api_version`` is the first path segment under the service's base URL: Graph's ``v1.0`` or
    ``beta``, or ``api`` for the portal's admin API that serves the types which ``requires_user``.
    """

    name: ResourceType
    path: str
    api_version: ApiVersion = "v1.0"
    singleton: bool = False
    read_permissions: tuple[str, ...] = ()
    write_permissions: tuple[str, ...] = ()
    requires_user: bool = False
    delegated_scopes: tuple[str, ...] = ()
    read_only_fields: frozenset[str] = frozenset({"id", "createdDateTime", "modifiedDateTime"})
    sub_resources: tuple[SubResource, ...] = ()
    depends_on: tuple[ResourceType, ...] = ()
    unordered_lists: frozenset[str] = frozenset()
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def identity_field(self) -> str | None:
        """Collections are matched by id (never by display name); a singleton is its own identity."""
        return None if self.singleton else "id"

    def file_name(self, obj: Mapping[str, Any]) -> str:
        """The object's stable file name inside the type's folder."""
        if self.singleton:
            return f"{self.name}.json"
        object_id = str(obj.get("id", ""))
        if not _SAFE_NAME.match(object_id):
            raise ValueError(f"{self.name}: object id {object_id!r} cannot be used as a file name")
        return f"{object_id}.json"


_CA_LISTS = frozenset(
    {
        "includeUsers",
        "excludeUsers",
        "includeGroups",
        "excludeGroups",
        "includeRoles",
        "excludeRoles",
        "includeApplications",
        "excludeApplications",
        "includeUserActions",
        "includeAuthenticationContextClassReferences",
        "includeServicePrincipals",
        "excludeServicePrincipals",
        "includePlatforms",
        "excludePlatforms",
        "includeLocations",
        "excludeLocations",
        "clientAppTypes",
        "userRiskLevels",
        "signInRiskLevels",
        "servicePrincipalRiskLevels",
        "insiderRiskLevels",
        "builtInControls",
        "customAuthenticationFactors",
        "termsOfUse",
    }
)
_INTUNE_READ_ONLY = frozenset({"id", "createdDateTime", "lastModifiedDateTime", "version"})
_INTUNE_LISTS = frozenset({"roleScopeTagIds", "assignments"})


def _build() -> dict[ResourceType, ConfigurationType]:
    types = [
        ConfigurationType(
            ResourceType.CONDITIONAL_ACCESS_POLICIES,
            "identity/conditionalAccess/policies",
            read_permissions=(_POLICY_READ,),
            # Group.Read.All: before deploying, the plan checks that the groups a policy names exist.
            write_permissions=(_POLICY_READ, _CA_WRITE, "Group.Read.All"),
            depends_on=(ResourceType.NAMED_LOCATIONS, ResourceType.AUTHENTICATION_STRENGTH_POLICIES),
            unordered_lists=_CA_LISTS,
        ),
        ConfigurationType(
            ResourceType.NAMED_LOCATIONS,
            "identity/conditionalAccess/namedLocations",
            read_permissions=(_POLICY_READ,),
            write_permissions=(_POLICY_READ, _CA_WRITE),
            unordered_lists=frozenset({"ipRanges", "countriesAndRegions"}),
        ),
        ConfigurationType(
            ResourceType.AUTHENTICATION_STRENGTH_POLICIES,
            "policies/authenticationStrengthPolicies",
            read_permissions=(_POLICY_READ,),
            write_permissions=(_POLICY_READ, _CA_WRITE),
            read_only_fields=frozenset(
                {"id", "createdDateTime", "modifiedDateTime", "policyType", "requirementsSatisfied"}
            ),
            unordered_lists=frozenset({"allowedCombinations", "combinationConfigurations"}),
        ),
        ConfigurationType(
            ResourceType.AUTHENTICATION_METHODS_POLICY,
            "policies/authenticationMethodsPolicy",
            singleton=True,
            read_permissions=(_POLICY_READ,),
            write_permissions=("Policy.ReadWrite.AuthenticationMethod",),
            read_only_fields=frozenset({"id", "lastModifiedDateTime", "policyVersion"}),
            unordered_lists=frozenset(
                {"authenticationMethodConfigurations", "includeTargets", "excludeTargets", "aaGuids"}
            ),
        ),
        ConfigurationType(
            ResourceType.AUTHORIZATION_POLICY,
            "policies/authorizationPolicy",
            singleton=True,
            read_permissions=(_POLICY_READ,),
            write_permissions=("Policy.ReadWrite.Authorization",),
            read_only_fields=frozenset({"id"}),
            unordered_lists=frozenset({"permissionGrantPoliciesAssigned"}),
        ),
        ConfigurationType(
            ResourceType.CROSS_TENANT_ACCESS_POLICY,
            "policies/crossTenantAccessPolicy/default",
            singleton=True,
            read_permissions=(_POLICY_READ,),
            write_permissions=("Policy.ReadWrite.CrossTenantAccess",),
            read_only_fields=frozenset({"id", "isServiceDefault"}),
            unordered_lists=frozenset({"targets"}),
        ),
        ConfigurationType(
            ResourceType.SECURITY_DEFAULTS,
            "policies/identitySecurityDefaultsEnforcementPolicy",
            singleton=True,
            read_permissions=(_POLICY_READ,),
            write_permissions=("Policy.ReadWrite.SecurityDefaults",),
            read_only_fields=frozenset({"id"}),
        ),
        ConfigurationType(
            ResourceType.DEVICE_CONFIGURATIONS,
            "deviceManagement/deviceConfigurations",
            read_permissions=(_INTUNE_READ,),
            write_permissions=(_INTUNE_WRITE,),
            read_only_fields=_INTUNE_READ_ONLY,
            sub_resources=(_ASSIGNMENTS,),
            unordered_lists=_INTUNE_LISTS,
        ),
        ConfigurationType(
            ResourceType.DEVICE_COMPLIANCE_POLICIES,
            "deviceManagement/deviceCompliancePolicies",
            read_permissions=(_INTUNE_READ,),
            write_permissions=(_INTUNE_WRITE,),
            read_only_fields=_INTUNE_READ_ONLY,
            sub_resources=(
                _ASSIGNMENTS,
                SubResource(
                    "scheduledActionsForRule",
                    "scheduledActionsForRule($expand=scheduledActionConfigurations)",
                    frozenset({"id"}),
                ),
            ),
            unordered_lists=_INTUNE_LISTS | {"notificationMessageCCList"},
        ),
        ConfigurationType(
            ResourceType.SETTINGS_CATALOG_POLICIES,
            "deviceManagement/configurationPolicies",
            api_version="beta",
            read_permissions=(_INTUNE_READ,),
            write_permissions=(_INTUNE_WRITE,),
            read_only_fields=frozenset(
                {
                    "id",
                    "createdDateTime",
                    "lastModifiedDateTime",
                    "settingCount",
                    "isAssigned",
                    "creationSource",
                }
            ),
            sub_resources=(_ASSIGNMENTS, SubResource("settings", None, frozenset({"id"}))),
            unordered_lists=_INTUNE_LISTS | {"settings"},
        ),
        ConfigurationType(
            ResourceType.PASSWORD_RESET_POLICY,
            "PasswordReset/PasswordResetPolicies",
            api_version="api",
            singleton=True,
            requires_user=True,
            delegated_scopes=(ADMIN_API_SCOPE,),
            read_only_fields=frozenset({"objectId"}),
            unordered_lists=frozenset({"passwordResetEnabledGroupIds"}),
        ),
        ConfigurationType(
            ResourceType.B2B_POLICY,
            "B2B/b2bPolicy",
            api_version="api",
            singleton=True,
            requires_user=True,
            delegated_scopes=(ADMIN_API_SCOPE,),
            read_only_fields=frozenset(),
            unordered_lists=frozenset(
                {
                    "targetedDomains",
                    "adminConsentedForUsersIntoTenantIds",
                    "noAADConsentForUsersFromTenantsIds",
                }
            ),
        ),
        ConfigurationType(
            ResourceType.ENTERPRISE_STATE_ROAMING,
            "RoamingSettings",
            api_version="api",
            singleton=True,
            requires_user=True,
            delegated_scopes=(ADMIN_API_SCOPE,),
            read_only_fields=frozenset(),
            unordered_lists=frozenset({"syncSelectedUsers"}),
            params=MappingProxyType({"ESRV2": "true"}),
        ),
    ]
    by_name = {t.name: t for t in types}
    return {kind: by_name[kind] for kind in ResourceType}


_CATALOG: Mapping[ResourceType, ConfigurationType] = MappingProxyType(_build())


def catalog() -> Mapping[ResourceType, ConfigurationType]:
    """Every supported type, in the order of :class:`ResourceType`."""
    return _CATALOG


def required_permissions(types: Iterable[ResourceType], mode: Mode) -> list[str]:
    """The application permissions the service principal needs: read for BackupOnly, write for Managed.

    Types that need a signed-in user are left out: no application permission reaches them.
    """
    needed: set[str] = set()
    for name in types:
        entry = _CATALOG[name]
        if not entry.requires_user:
            needed.update(entry.write_permissions if mode == Mode.MANAGED else entry.read_permissions)
    return sorted(needed)


def deploy_order(types: Iterable[ResourceType]) -> list[ResourceType]:
    """Types ordered so each comes after those it depends on (named locations before CA policies)."""
    wanted = set(types)
    ordered: list[ResourceType] = []

    def visit(name: ResourceType) -> None:
        if name in ordered:
            return
        for dependency in _CATALOG[name].depends_on:
            if dependency in wanted:
                visit(dependency)
        ordered.append(name)

    for name in ResourceType:
        if name in wanted:
            visit(name)
    return ordered
