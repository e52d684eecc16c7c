"""The catalogue of configuration types (SPEC §3): where each lives, what it needs, what it refers to.

Everything that differs between types is data here, so that a new type is a row, not a branch in the
pipeline: its sub-resources and how each is written, the fields that point at other objects (checked
before any write and used to order the deploy), its read-only fields and its permissions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
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


class SubResourceWrite(StrEnum):
    """How a deploy writes a sub-resource, as Graph accepts it for that navigation property."""

    ASSIGN = "assign"
    """POST the whole list to the parent's ``assign`` action (Intune assignments)."""
    REPLACE_PARENT = "replaceParent"
    """PUT the parent with the list inside it (settings catalog settings)."""


@dataclass(frozen=True)
class SubResource:
    """A navigation property kept inside its parent's file (assignments, settings).

    ``expand`` is the ``$expand`` clause that returns it with the parent's list; ``None`` means the
    service does not expand it on a list, so it is read per object through ``$batch``.
    """

    name: str
    expand: str | None
    write: SubResourceWrite
    read_only_fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DirectoryKind:
    """Directory objects that configuration points at but tenantsync does not keep (groups)."""

    name: str
    path: str
    """Graph collection: an object exists when ``GET <path>/<id>`` finds it."""
    read_permission: str
    """What the plan needs to check that a referenced object exists (Managed mode only)."""


GROUPS = DirectoryKind("group", "groups", "Group.Read.All")


@dataclass(frozen=True)
class Reference:
    """A field that holds the id of another object, which must exist before the referring one is written.

    ``field`` is a dotted path; ``[]`` walks every item of a list (``assignments[].target.groupId``).
    ``special`` values are keywords Graph accepts in place of an id (``All``, ``AllTrusted``).
    """

    field: str
    target: ResourceType | DirectoryKind
    special: frozenset[str] = frozenset()

    def values(self, document: Mapping[str, Any]) -> list[str]:
        """The ids this field holds in ``document``, keywords left out."""
        found = field_values(document, self.field)
        return [str(v) for v in found if isinstance(v, str) and v and v not in self.special]


def field_values(document: Mapping[str, Any], path: str) -> list[Any]:
    """What a dotted path (``[]`` walks a list; ``@odata.type`` is one name) holds, None where absent.

    A path through a list yields one value per item, so a missing field in any item shows as a None.
    """
    parts: list[str] = []
    for token in path.split("."):
        if parts and parts[-1].startswith("@") and "." not in parts[-1]:
            parts[-1] += f".{token}"
        else:
            parts.append(token)
    found: list[Any] = [document]
    for part in parts:
        key, many = part.removesuffix("[]"), part.endswith("[]")
        step = [item.get(key) if isinstance(item, Mapping) else None for item in found]
        found = [v for value in step if isinstance(value, list) for v in value] if many else step
    return found


_ASSIGNMENTS = SubResource(
    "assignments", "assignments", SubResourceWrite.ASSIGN, frozenset({"id", "source", "sourceId"})
)
_ASSIGNED_GROUPS = (Reference("assignments[].target.groupId", GROUPS),)
_ASSIGNMENT_TARGET_TYPE = "assignments[].target.@odata.type"
_POLYMORPHIC = ("@odata.type",)


@dataclass(frozen=True)
class ConfigurationType:
    """One configuration type. Write permissions are what a Managed tenant needs to read and write it.

    ``api_version`` is the first path segment under the service's base URL: Graph's ``v1.0`` or
    ``beta``, or ``api`` for the portal's admin API that serves the types which ``requires_user``.
    """

    name: ResourceType
    path: str
    noun: str
    """One object of the type, as a sentence names it ("named location")."""
    api_version: ApiVersion = "v1.0"
    singleton: bool = False
    read_permissions: tuple[str, ...] = ()
    write_permissions: tuple[str, ...] = ()
    requires_user: bool = False
    delegated_scopes: tuple[str, ...] = ()
    read_only_fields: frozenset[str] = frozenset({"id", "createdDateTime", "modifiedDateTime"})
    sub_resources: tuple[SubResource, ...] = ()
    references: tuple[Reference, ...] = ()
    required_fields: tuple[str, ...] = ()
    """Fields Graph always returns (the ``@odata.type`` of a polymorphic object): a desired object
    without them would differ from the tenant after every deploy, so the plan refuses it."""
    unordered_lists: frozenset[str] = frozenset()
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def identity_field(self) -> str | None:
        """Collections are matched by id (never by display name); a singleton is its own identity."""
        return None if self.singleton else "id"

    @property
    def depends_on(self) -> tuple[ResourceType, ...]:
        """Types whose objects this type's objects point at: they are deployed first."""
        return tuple(dict.fromkeys(r.target for r in self.references if isinstance(r.target, ResourceType)))

    @property
    def directory_references(self) -> frozenset[DirectoryKind]:
        return frozenset(r.target for r in self.references if isinstance(r.target, DirectoryKind))


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
_LOCATION_KEYWORDS = frozenset({"All", "AllTrusted"})
_INTUNE_READ_ONLY = frozenset({"id", "createdDateTime", "lastModifiedDateTime", "version"})
_INTUNE_LISTS = frozenset({"roleScopeTagIds", "assignments"})


def _build() -> dict[ResourceType, ConfigurationType]:
    types = [
        ConfigurationType(
            ResourceType.CONDITIONAL_ACCESS_POLICIES,
            "identity/conditionalAccess/policies",
            noun="Conditional Access policy",
            read_permissions=(_POLICY_READ,),
            write_permissions=(_POLICY_READ, _CA_WRITE),
            references=(
                Reference("conditions.users.includeGroups[]", GROUPS),
                Reference("conditions.users.excludeGroups[]", GROUPS),
                Reference(
                    "conditions.locations.includeLocations[]",
                    ResourceType.NAMED_LOCATIONS,
                    _LOCATION_KEYWORDS,
                ),
                Reference(
                    "conditions.locations.excludeLocations[]",
                    ResourceType.NAMED_LOCATIONS,
                    _LOCATION_KEYWORDS,
                ),
                Reference(
                    "grantControls.authenticationStrength.id", ResourceType.AUTHENTICATION_STRENGTH_POLICIES
                ),
            ),
            unordered_lists=_CA_LISTS,
        ),
        ConfigurationType(
            ResourceType.NAMED_LOCATIONS,
            "identity/conditionalAccess/namedLocations",
            noun="named location",
            read_permissions=(_POLICY_READ,),
            write_permissions=(_POLICY_READ, _CA_WRITE),
            required_fields=_POLYMORPHIC,
            unordered_lists=frozenset({"ipRanges", "countriesAndRegions"}),
        ),
        ConfigurationType(
            ResourceType.AUTHENTICATION_STRENGTH_POLICIES,
            "policies/authenticationStrengthPolicies",
            noun="authentication strength",
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
            noun="authentication methods policy",
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
            noun="authorization policy",
            singleton=True,
            read_permissions=(_POLICY_READ,),
            write_permissions=("Policy.ReadWrite.Authorization",),
            read_only_fields=frozenset({"id"}),
            unordered_lists=frozenset({"permissionGrantPoliciesAssigned"}),
        ),
        ConfigurationType(
            ResourceType.CROSS_TENANT_ACCESS_POLICY,
            "policies/crossTenantAccessPolicy/default",
            noun="cross-tenant access default",
            singleton=True,
            read_permissions=(_POLICY_READ,),
            write_permissions=("Policy.ReadWrite.CrossTenantAccess",),
            read_only_fields=frozenset({"id", "isServiceDefault"}),
            unordered_lists=frozenset({"targets"}),
        ),
        ConfigurationType(
            ResourceType.SECURITY_DEFAULTS,
            "policies/identitySecurityDefaultsEnforcementPolicy",
            noun="security defaults policy",
            singleton=True,
            read_permissions=(_POLICY_READ,),
            write_permissions=("Policy.ReadWrite.SecurityDefaults",),
            read_only_fields=frozenset({"id"}),
        ),
        ConfigurationType(
            ResourceType.DEVICE_CONFIGURATIONS,
            "deviceManagement/deviceConfigurations",
            noun="device configuration",
            read_permissions=(_INTUNE_READ,),
            write_permissions=(_INTUNE_WRITE,),
            read_only_fields=_INTUNE_READ_ONLY,
            sub_resources=(_ASSIGNMENTS,),
            references=_ASSIGNED_GROUPS,
            required_fields=(*_POLYMORPHIC, _ASSIGNMENT_TARGET_TYPE),
            unordered_lists=_INTUNE_LISTS,
        ),
        ConfigurationType(
            ResourceType.DEVICE_COMPLIANCE_POLICIES,
            "deviceManagement/deviceCompliancePolicies",
            noun="compliance policy",
            read_permissions=(_INTUNE_READ,),
            write_permissions=(_INTUNE_WRITE,),
            read_only_fields=_INTUNE_READ_ONLY,
            sub_resources=(
                _ASSIGNMENTS,
                SubResource(
                    "scheduledActionsForRule",
                    "scheduledActionsForRule($expand=scheduledActionConfigurations)",
                    SubResourceWrite.REPLACE_PARENT,
                    frozenset({"id"}),
                ),
            ),
            references=_ASSIGNED_GROUPS,
            required_fields=(*_POLYMORPHIC, _ASSIGNMENT_TARGET_TYPE),
            unordered_lists=_INTUNE_LISTS | {"notificationMessageCCList"},
        ),
        ConfigurationType(
            ResourceType.SETTINGS_CATALOG_POLICIES,
            "deviceManagement/configurationPolicies",
            noun="settings catalog policy",
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
            sub_resources=(
                _ASSIGNMENTS,
                SubResource("settings", None, SubResourceWrite.REPLACE_PARENT, frozenset({"id"})),
            ),
            references=_ASSIGNED_GROUPS,
            required_fields=(_ASSIGNMENT_TARGET_TYPE,),
            unordered_lists=_INTUNE_LISTS | {"settings"},
        ),
        ConfigurationType(
            ResourceType.PASSWORD_RESET_POLICY,
            "PasswordReset/PasswordResetPolicies",
            noun="password reset policy",
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
            noun="B2B policy",
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
            noun="enterprise state roaming setting",
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
        if entry.requires_user:
            continue
        if mode == Mode.MANAGED:
            needed.update(entry.write_permissions)
            # Before deploying, the plan checks that the groups (etc.) the objects name exist.
            needed.update(kind.read_permission for kind in entry.directory_references)
        else:
            needed.update(entry.read_permissions)
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
