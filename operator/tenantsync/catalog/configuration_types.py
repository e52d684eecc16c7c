"""The catalogue of configuration types (docs/architecture.md: "A new configuration type"): where each lives, what it needs, what it refers to.

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

    ACTION = "action"
    """POST the whole list to a bound action of the parent (``assign``, ``targetApps``, ``setPriority``),
    under the body key the action names; sub-resources written by one action go in one request."""
    REPLACE_PARENT = "replaceParent"
    """PUT the parent with the list inside it (settings catalog settings)."""
    EACH = "each"
    """Each item is an object of its own: the live items are deleted and the desired ones created
    (contained collections with no action that replaces them, such as terms and conditions' assignments)."""
    EDIT = "edit"
    """POST one bound action that edits the contained collection (administrative templates'
    ``updateDefinitionValues``): the live items' ids under ``deletedIds``, the desired items under
    ``added``, each bound navigation in them named by ``<name>@odata.bind`` (see ``Bind``)."""
    NEVER = "never"
    """Server-computed or set by other means: kept in the backup (references point through it), never sent."""


@dataclass(frozen=True)
class Bind:
    """A single-valued navigation inside a sub-resource's items, kept as ``{"id": ...}`` and written as
    ``<name>@odata.bind`` with a URL under Graph's base.

    ``field`` is the navigation's name in an item, or ``<list>[].<name>`` inside an item's list; ``url``
    is formatted with the navigation's ``id`` and the ids of the item's own bound navigations by name
    (``groupPolicyDefinitions('{definition}')/presentations('{id}')``).
    """

    field: str
    url: str


@dataclass(frozen=True)
class SubResource:
    """A navigation property (or a field written apart from its object) kept inside its parent's file.

    ``expand`` is the ``$expand`` clause that returns it with the parent's list; ``None`` means the
    service does not expand it on a list, so it is read per object at ``<object>/<name>`` through
    ``$batch`` (with ``query`` for what that read expands in turn). ``is_field`` marks an ordinary
    property of the object that Graph changes only through an action (an enrollment configuration's
    ``priority``). ``action``, ``parameter`` and ``action_fields`` say how an ``ACTION`` write is sent:
    the action's name, the body key holding the list and fields of the parent sent along with it.
    """

    name: str
    expand: str | None
    write: SubResourceWrite
    read_only_fields: frozenset[str] = frozenset()
    action: str = "assign"
    parameter: str | None = None
    action_fields: tuple[str, ...] = ()
    query: str | None = None
    is_field: bool = False
    binds: tuple[Bind, ...] = ()
    streams: frozenset[str] = frozenset()
    """Stream properties of each item (a branding localization's images), as for the parent's."""

    @property
    def body_key(self) -> str:
        return self.parameter or self.name


@dataclass(frozen=True)
class DirectoryKind:
    """Directory objects that configuration points at but tenantsync does not keep (groups)."""

    name: str
    path: str
    """Graph collection: an object exists when ``GET <path>/<id>`` finds it."""
    read_permission: str
    """What the plan needs to check that a referenced object exists (Managed mode only)."""
    api_version: ApiVersion = "v1.0"


GROUPS = DirectoryKind("group", "groups", "Group.Read.All")
GROUP_POLICY_DEFINITIONS = DirectoryKind(
    "administrative template definition",
    "deviceManagement/groupPolicyDefinitions",
    _INTUNE_READ,
    "beta",
)
"""The ADMX settings Intune offers: administrative templates point at them and never carry them."""


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


_ASSIGNMENT_READ_ONLY = frozenset({"id", "source", "sourceId"})
_ASSIGNMENTS = SubResource("assignments", "assignments", SubResourceWrite.ACTION, _ASSIGNMENT_READ_ONLY)
_ASSIGNED_GROUPS = (Reference("assignments[].target.groupId", GROUPS),)
_ASSIGNMENT_TYPES = ("assignments[].@odata.type", "assignments[].target.@odata.type")
"""Intune returns the type of each assignment and of its target: a desired one without them never matches."""
_POLYMORPHIC = ("@odata.type",)
_ZERO_GUID = frozenset({"00000000-0000-0000-0000-000000000000"})
_DEFAULT_SCOPE_TAG = frozenset({"0"})
"""Intune's built-in "Default" scope tag, present in every tenant."""


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
    key_field: str = "id"
    """The property Graph keys objects by (cross-tenant partners by ``tenantId``)."""
    client_key: bool = False
    """The client chooses the key: a create sends it (permission grant policies, ``c1``...)."""
    writable: bool = True
    """False for what the service only reports (Apple DEP tokens, the APNs certificate): backed up and
    watched, never planned as a write."""
    update_method: Literal["PATCH", "PUT"] = "PATCH"
    """PUT where Graph replaces the whole object (device registration policy)."""
    list_omits: frozenset[str] = frozenset()
    """Fields a list returns as null (script bodies): each object is read again by id, through ``$batch``."""
    companions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Base64 fields kept as readable files beside the object's JSON (field -> file suffix), so a pull
    request shows a script's diff."""
    expiry_field: str | None = None
    """A date on which something the service depends on expires (the Apple push certificate's
    ``expirationDateTime``): the backup reports the earliest one, and an alert watches it."""
    streams: frozenset[str] = frozenset()
    """Stream properties (branding images, custom CSS): bytes read and written apart at
    ``<object>/<name>`` (``PUT`` with their media type), kept as files beside the object's JSON. Read
    for singletons (a list would cost a request per object and stream; no collection type has them)."""
    bound: frozenset[str] = frozenset()
    """Single-valued navigations read with ``$expand`` and kept as ``{"id": ...}`` (at any depth); a
    deploy sets a top-level one with ``<name>@odata.bind``, naming the object its reference points at."""

    @property
    def identity_field(self) -> str | None:
        """Collections are matched by their key (never by display name); a singleton is its own identity."""
        return None if self.singleton else self.key_field

    @property
    def depends_on(self) -> tuple[ResourceType, ...]:
        """Types whose objects this type's objects point at: they are deployed first."""
        return tuple(dict.fromkeys(r.target for r in self.references if isinstance(r.target, ResourceType)))


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
_INTUNE_READ_ONLY = frozenset(
    {"id", "createdDateTime", "lastModifiedDateTime", "version", "supportsScopeTags"}
)
"""``supportsScopeTags`` is computed (false only for legacy policies): Graph serves it on every Intune
object and ignores it in writes."""
_INTUNE_LISTS = frozenset({"roleScopeTagIds", "assignments"})
_ENTRA_READ_ONLY = frozenset({"id", "createdDateTime", "modifiedDateTime", "deletedDateTime"})
_BRANDING_IMAGES = frozenset(
    {"cdnList", "bannerLogoRelativeUrl", "squareLogoRelativeUrl", "squareLogoDarkRelativeUrl"}
    | {"headerLogoRelativeUrl", "faviconRelativeUrl", "backgroundImageRelativeUrl"}
    | {"customCSSRelativeUrl"}
)
"""Where the branding images are served from: computed by the service (the images are kept as streams)."""
_BRANDING_STREAMS = frozenset(
    {"backgroundImage", "bannerLogo", "squareLogo", "squareLogoDark", "headerLogo", "favicon", "customCSS"}
)
_APP_CONFIG_WRITE = (_POLICY_READ, "Policy.ReadWrite.ApplicationConfiguration")
_SCRIPTS_READ = "DeviceManagementScripts.Read.All"
_SCRIPTS_WRITE = "DeviceManagementScripts.ReadWrite.All"
_APPS_READ = "DeviceManagementApps.Read.All"
_APPS_WRITE = "DeviceManagementApps.ReadWrite.All"
_SERVICE_READ = "DeviceManagementServiceConfig.Read.All"
_SERVICE_WRITE = "DeviceManagementServiceConfig.ReadWrite.All"
_RBAC_READ = "DeviceManagementRBAC.Read.All"
_RBAC_WRITE = "DeviceManagementRBAC.ReadWrite.All"


def _intune_references(*more: Reference) -> tuple[Reference, ...]:
    """What every assigned Intune object points at: groups, assignment filters and scope tags."""
    return (
        *_ASSIGNED_GROUPS,
        Reference(
            "assignments[].target.deviceAndAppManagementAssignmentFilterId",
            ResourceType.ASSIGNMENT_FILTERS,
            _ZERO_GUID,
        ),
        Reference("roleScopeTagIds[]", ResourceType.ROLE_SCOPE_TAGS, _DEFAULT_SCOPE_TAG),
        *more,
    )


def _assigned(
    name: ResourceType,
    path: str,
    noun: str,
    read: str,
    write: str,
    *,
    assign: SubResource = _ASSIGNMENTS,
    read_only: frozenset[str] = frozenset(),
    more: tuple[SubResource, ...] = (),
    polymorphic: bool = False,
    **options: Any,
) -> ConfigurationType:
    """An Intune (beta) type with assignments, written through its ``assign`` action."""
    options.setdefault("references", _intune_references())
    return ConfigurationType(
        name,
        path,
        noun=noun,
        api_version="beta",
        read_permissions=(read,),
        write_permissions=(write,),
        read_only_fields=_INTUNE_READ_ONLY | read_only,
        sub_resources=(assign, *more),
        required_fields=(*(_POLYMORPHIC if polymorphic else ()), *_ASSIGNMENT_TYPES),
        unordered_lists=_INTUNE_LISTS | {sub.name for sub in more},
        **options,
    )


def _intune(
    name: ResourceType,
    path: str,
    noun: str,
    read: str,
    write: str,
    read_only: frozenset[str] = frozenset({"id"}),
    **options: Any,
) -> ConfigurationType:
    """An Intune (beta) type without assignments."""
    options.setdefault("unordered_lists", _INTUNE_LISTS)
    return ConfigurationType(
        name,
        path,
        noun=noun,
        api_version="beta",
        read_permissions=(read,),
        write_permissions=(write,),
        read_only_fields=read_only,
        **options,
    )


def _entra(
    name: ResourceType,
    path: str,
    noun: str,
    write: tuple[str, ...],
    read: tuple[str, ...] = (_POLICY_READ,),
    **options: Any,
) -> ConfigurationType:
    """An Entra ID (v1.0) type; a singleton's only read-only field is its id."""
    if options.get("singleton"):
        options.setdefault("read_only_fields", frozenset({"id"}))
    options.setdefault("read_only_fields", _ENTRA_READ_ONLY)
    return ConfigurationType(name, path, noun=noun, read_permissions=read, write_permissions=write, **options)


def _script(
    name: ResourceType, path: str, noun: str, companions: Mapping[str, str], **options: Any
) -> ConfigurationType:
    """A script type: bodies are base64 and lists leave them out, so each script is read by id; each
    body is kept as a script file beside the JSON."""
    return _assigned(
        name,
        f"deviceManagement/{path}",
        noun,
        _SCRIPTS_READ,
        _SCRIPTS_WRITE,
        read_only=frozenset({"isGlobalScript", "highestAvailableVersion"}),
        list_omits=frozenset(companions),
        companions=MappingProxyType(dict(companions)),
        **options,
    )


_SCRIPT_ASSIGNMENTS = SubResource(
    "assignments",
    "assignments",
    SubResourceWrite.ACTION,
    _ASSIGNMENT_READ_ONLY,
    parameter="deviceManagementScriptAssignments",
)
_SCRIPT_GROUP_ASSIGNMENTS = SubResource(
    "groupAssignments",
    "groupAssignments",
    SubResourceWrite.ACTION,
    _ASSIGNMENT_READ_ONLY,
    parameter="deviceManagementScriptGroupAssignments",
)
_HEALTH_SCRIPT_ASSIGNMENTS = SubResource(
    "assignments",
    "assignments",
    SubResourceWrite.ACTION,
    _ASSIGNMENT_READ_ONLY,
    parameter="deviceHealthScriptAssignments",
)
_TARGETED_APPS = SubResource(
    "apps",
    "apps",
    SubResourceWrite.ACTION,
    frozenset({"id", "version"}),
    "targetApps",
    "apps",
    ("appGroupType",),
)
_COMPLIANCE_NOTIFICATIONS = Reference(
    "scheduledActionsForRule[].scheduledActionConfigurations[].notificationTemplateId",
    ResourceType.NOTIFICATION_MESSAGE_TEMPLATES,
    _ZERO_GUID,
)
_SCHEDULED_ACTIONS = SubResource(
    "scheduledActionsForRule",
    "scheduledActionsForRule($expand=scheduledActionConfigurations)",
    SubResourceWrite.REPLACE_PARENT,
    frozenset({"id"}),
)


def _app_protection(name: ResourceType, noun: str) -> ConfigurationType:
    return _assigned(
        name,
        f"deviceAppManagement/{name}",
        noun,
        _APPS_READ,
        _APPS_WRITE,
        read_only=frozenset({"isAssigned", "deployedAppCount"}),
        more=(_TARGETED_APPS,),
    )


def _update_profile(name: ResourceType, noun: str, *computed: str) -> ConfigurationType:
    return _assigned(
        name,
        f"deviceManagement/{name}",
        noun,
        _INTUNE_READ,
        _INTUNE_WRITE,
        read_only=frozenset(computed),
    )


def _partner(name: ResourceType, noun: str, *computed: str) -> ConfigurationType:
    return _intune(
        name, f"deviceManagement/{name}", noun, _SERVICE_READ, _SERVICE_WRITE, frozenset({"id", *computed})
    )


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
                Reference(
                    "conditions.applications.includeAuthenticationContextClassReferences[]",
                    ResourceType.AUTHENTICATION_CONTEXT_CLASS_REFERENCES,
                ),
                Reference("grantControls.termsOfUse[]", ResourceType.TERMS_OF_USE_AGREEMENTS),
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
            api_version="beta",  # v1.0 has no Wi-Fi/VPN profiles and no encrypted OMA-URI flags
            read_permissions=(_INTUNE_READ,),
            write_permissions=(_INTUNE_WRITE,),
            read_only_fields=_INTUNE_READ_ONLY,
            sub_resources=(_ASSIGNMENTS,),
            references=_intune_references(),
            required_fields=(*_POLYMORPHIC, *_ASSIGNMENT_TYPES),
            unordered_lists=_INTUNE_LISTS,
        ),
        ConfigurationType(
            ResourceType.DEVICE_COMPLIANCE_POLICIES,
            "deviceManagement/deviceCompliancePolicies",
            noun="compliance policy",
            read_permissions=(_INTUNE_READ,),
            write_permissions=(_INTUNE_WRITE,),
            read_only_fields=_INTUNE_READ_ONLY,
            sub_resources=(_ASSIGNMENTS, _SCHEDULED_ACTIONS),
            references=_intune_references(_COMPLIANCE_NOTIFICATIONS),
            required_fields=(*_POLYMORPHIC, *_ASSIGNMENT_TYPES),
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
            references=_intune_references(),
            required_fields=_ASSIGNMENT_TYPES,
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
        *_entra_types(),
        *_intune_types(),
    ]
    by_name = {t.name: t for t in types}
    return {kind: by_name[kind] for kind in ResourceType}


def _entra_types() -> list[ConfigurationType]:
    return [
        _entra(
            ResourceType.AUTHENTICATION_CONTEXT_CLASS_REFERENCES,
            "identity/conditionalAccess/authenticationContextClassReferences",
            "authentication context",
            (_POLICY_READ, _CA_WRITE),
            read_only_fields=frozenset({"id"}),
            client_key=True,
        ),
        _entra(
            ResourceType.CROSS_TENANT_ACCESS_PARTNERS,
            "policies/crossTenantAccessPolicy/partners",
            "cross-tenant access partner",
            ("Policy.ReadWrite.CrossTenantAccess",),
            read_only_fields=frozenset({"isServiceProvider", "isInMultiTenantOrganization"}),
            key_field="tenantId",
            client_key=True,
        ),
        _entra(
            ResourceType.AUTHENTICATION_FLOWS_POLICY,
            "policies/authenticationFlowsPolicy",
            "authentication flows policy",
            ("Policy.ReadWrite.AuthenticationFlows",),
            singleton=True,
        ),
        _entra(
            ResourceType.DEVICE_REGISTRATION_POLICY,
            "policies/deviceRegistrationPolicy",
            "device registration policy",
            ("Policy.ReadWrite.DeviceConfiguration",),
            singleton=True,
            update_method="PUT",
        ),
        _entra(
            ResourceType.EXTERNAL_IDENTITIES_POLICY,
            "policies/externalIdentitiesPolicy",
            "external identities policy",
            ("Policy.ReadWrite.ExternalIdentities",),
            api_version="beta",
            singleton=True,
        ),
        _entra(
            ResourceType.ADMIN_CONSENT_REQUEST_POLICY,
            "policies/adminConsentRequestPolicy",
            "admin consent request policy",
            ("Policy.ReadWrite.ConsentRequest",),
            singleton=True,
            read_only_fields=frozenset({"id", "version"}),
            update_method="PUT",
        ),
        _entra(
            ResourceType.DEFAULT_APP_MANAGEMENT_POLICY,
            "policies/defaultAppManagementPolicy",
            "default app management policy",
            _APP_CONFIG_WRITE,
            singleton=True,
        ),
        _entra(
            ResourceType.APP_MANAGEMENT_POLICIES,
            "policies/appManagementPolicies",
            "app management policy",
            _APP_CONFIG_WRITE,
        ),
        _entra(
            ResourceType.TOKEN_LIFETIME_POLICIES,
            "policies/tokenLifetimePolicies",
            "token lifetime policy",
            _APP_CONFIG_WRITE,
        ),
        _entra(
            ResourceType.ACTIVITY_BASED_TIMEOUT_POLICIES,
            "policies/activityBasedTimeoutPolicies",
            "activity-based timeout policy",
            _APP_CONFIG_WRITE,
        ),
        _entra(
            ResourceType.PERMISSION_GRANT_POLICIES,
            "policies/permissionGrantPolicies",
            "permission grant policy",
            ("Policy.ReadWrite.PermissionGrant",),
            client_key=True,
            sub_resources=(
                SubResource("includes", "includes", SubResourceWrite.EACH),
                SubResource("excludes", "excludes", SubResourceWrite.EACH),
            ),
            unordered_lists=frozenset({"includes", "excludes"}),
        ),
        _entra(
            ResourceType.GROUP_SETTINGS,
            "groupSettings",
            "group setting",
            ("Directory.ReadWrite.All",),
            read=("Directory.Read.All",),
            read_only_fields=frozenset({"id", "displayName"}),
            unordered_lists=frozenset({"values"}),
        ),
        _entra(
            ResourceType.ADMINISTRATIVE_UNITS,
            "directory/administrativeUnits",
            "administrative unit",
            ("AdministrativeUnit.ReadWrite.All",),
            read=("AdministrativeUnit.Read.All",),
            read_only_fields=frozenset({"id", "deletedDateTime", "membershipRuleProcessingState"}),
        ),
        _entra(
            ResourceType.TERMS_OF_USE_AGREEMENTS,
            "identityGovernance/termsOfUse/agreements",
            "terms of use agreement",
            ("Agreement.ReadWrite.All",),
            read=("Agreement.Read.All",),
            read_only_fields=frozenset({"id"}),
            sub_resources=(SubResource("files", None, SubResourceWrite.EACH, frozenset({"id"})),),
            unordered_lists=frozenset({"files"}),
        ),
        _entra(
            ResourceType.ORGANIZATIONAL_BRANDING,
            "organization/{tenantId}/branding",  # the Graph client fills in the directory id
            "organisational branding",
            ("OrganizationalBranding.ReadWrite.All",),
            read=("OrganizationalBranding.Read.All",),
            singleton=True,
            read_only_fields=frozenset({"id"}) | _BRANDING_IMAGES,
            streams=_BRANDING_STREAMS,
            sub_resources=(
                SubResource(
                    "localizations",
                    None,
                    SubResourceWrite.EACH,
                    _BRANDING_IMAGES,
                    streams=_BRANDING_STREAMS,
                ),
            ),
            unordered_lists=frozenset({"localizations"}),
        ),
    ]


def _intune_types() -> list[ConfigurationType]:
    return [
        _intune(
            ResourceType.ASSIGNMENT_FILTERS,
            "deviceManagement/assignmentFilters",
            "assignment filter",
            _INTUNE_READ,
            _INTUNE_WRITE,
            _INTUNE_READ_ONLY | {"payloads", "assignmentFilterManagementType"},
            references=(Reference("roleScopeTags[]", ResourceType.ROLE_SCOPE_TAGS, _DEFAULT_SCOPE_TAG),),
            unordered_lists=frozenset({"roleScopeTags"}),
        ),
        _intune(
            ResourceType.ROLE_SCOPE_TAGS,
            "deviceManagement/roleScopeTags",
            "scope tag",
            _RBAC_READ,
            _RBAC_WRITE,
            frozenset({"id", "isBuiltIn"}),
            sub_resources=(_ASSIGNMENTS,),
            references=_ASSIGNED_GROUPS,
            required_fields=_ASSIGNMENT_TYPES,
        ),
        _intune(
            ResourceType.ROLE_DEFINITIONS,
            "deviceManagement/roleDefinitions",
            "role definition",
            _RBAC_READ,
            _RBAC_WRITE,
            frozenset({"id", "isBuiltIn", "isBuiltInRoleDefinition"}),
            references=(Reference("roleScopeTagIds[]", ResourceType.ROLE_SCOPE_TAGS, _DEFAULT_SCOPE_TAG),),
            unordered_lists=frozenset({"roleScopeTagIds", "rolePermissions"}),
        ),
        _intune(
            ResourceType.ROLE_ASSIGNMENTS,
            "deviceManagement/roleAssignments",
            "role assignment",
            _RBAC_READ,
            _RBAC_WRITE,
            sub_resources=(SubResource("roleDefinition", "roleDefinition", SubResourceWrite.NEVER),),
            bound=frozenset({"roleDefinition"}),
            references=(
                Reference("roleDefinition.id", ResourceType.ROLE_DEFINITIONS),
                Reference("members[]", GROUPS),
                Reference("scopeMembers[]", GROUPS),
                Reference("roleScopeTagIds[]", ResourceType.ROLE_SCOPE_TAGS, _DEFAULT_SCOPE_TAG),
            ),
            unordered_lists=frozenset({"members", "scopeMembers", "resourceScopes", "roleScopeTagIds"}),
        ),
        _intune(
            ResourceType.DEVICE_CATEGORIES,
            "deviceManagement/deviceCategories",
            "device category",
            "DeviceManagementManagedDevices.Read.All",
            "DeviceManagementManagedDevices.ReadWrite.All",
        ),
        _intune(
            ResourceType.NOTIFICATION_MESSAGE_TEMPLATES,
            "deviceManagement/notificationMessageTemplates",
            "notification message template",
            _SERVICE_READ,
            _SERVICE_WRITE,
            frozenset({"id", "lastModifiedDateTime"}),
            sub_resources=(
                SubResource(
                    "localizedNotificationMessages",
                    "localizedNotificationMessages",
                    SubResourceWrite.EACH,
                    frozenset({"id", "lastModifiedDateTime"}),
                ),
            ),
            references=(Reference("roleScopeTagIds[]", ResourceType.ROLE_SCOPE_TAGS, _DEFAULT_SCOPE_TAG),),
            unordered_lists=_INTUNE_LISTS | {"localizedNotificationMessages"},
        ),
        _intune(
            ResourceType.TERMS_AND_CONDITIONS,
            "deviceManagement/termsAndConditions",
            "terms and conditions",
            _SERVICE_READ,
            _SERVICE_WRITE,
            _INTUNE_READ_ONLY,
            sub_resources=(
                SubResource("assignments", "assignments", SubResourceWrite.EACH, _ASSIGNMENT_READ_ONLY),
            ),
            references=_intune_references(),
            required_fields=_ASSIGNMENT_TYPES,
        ),
        _partner(
            ResourceType.COMPLIANCE_MANAGEMENT_PARTNERS,
            "compliance partner",
            "lastHeartbeatDateTime",
            "partnerState",
        ),
        _partner(
            ResourceType.DEVICE_MANAGEMENT_PARTNERS,
            "device management partner",
            "lastHeartbeatDateTime",
            "partnerState",
            "isConfigured",
        ),
        _partner(
            ResourceType.REMOTE_ASSISTANCE_PARTNERS,
            "remote assistance partner",
            "lastConnectionDateTime",
            "onboardingStatus",
        ),
        _intune(
            ResourceType.DEVICE_MANAGEMENT_SETTINGS,
            "deviceManagement/settings",
            "Intune tenant setting",
            _SERVICE_READ,
            _SERVICE_WRITE,
            frozenset(),
            singleton=True,
        ),
        _intune(
            ResourceType.ANDROID_MANAGED_STORE_SETTINGS,
            "deviceManagement/androidManagedStoreAccountEnterpriseSettings",
            "Android managed store setting",
            _APPS_READ,
            _APPS_WRITE,
            frozenset(
                {"id", "bindStatus", "lastAppSyncDateTime", "lastAppSyncStatus", "ownerUserPrincipalName"}
                | {"ownerOrganizationName", "lastModifiedDateTime"}
            ),
            singleton=True,
        ),
        _intune(
            ResourceType.APPLE_PUSH_NOTIFICATION_CERTIFICATE,
            "deviceManagement/applePushNotificationCertificate",
            "Apple push notification certificate",
            _SERVICE_READ,
            _SERVICE_WRITE,
            frozenset({"id"}),
            singleton=True,
            writable=False,
            expiry_field="expirationDateTime",
        ),
        _assigned(
            ResourceType.COMPLIANCE_POLICIES,
            "deviceManagement/compliancePolicies",
            "settings catalog compliance policy",
            _INTUNE_READ,
            _INTUNE_WRITE,
            assign=SubResource("assignments", "assignments", SubResourceWrite.ACTION, _ASSIGNMENT_READ_ONLY),
            read_only=frozenset({"settingCount", "isAssigned", "creationSource"}),
            more=(
                SubResource("settings", "settings", SubResourceWrite.REPLACE_PARENT, frozenset({"id"})),
                _SCHEDULED_ACTIONS,
            ),
            references=_intune_references(_COMPLIANCE_NOTIFICATIONS),
        ),
        _assigned(
            ResourceType.GROUP_POLICY_CONFIGURATIONS,
            "deviceManagement/groupPolicyConfigurations",
            "administrative template",
            _INTUNE_READ,
            _INTUNE_WRITE,
            read_only=frozenset({"policyConfigurationIngestionType"}),
            more=(
                SubResource(
                    "definitionValues",
                    None,
                    SubResourceWrite.EDIT,
                    frozenset({"id", "createdDateTime", "lastModifiedDateTime"}),
                    action="updateDefinitionValues",
                    query="$expand=definition,presentationValues($expand=presentation)",
                    binds=(
                        Bind("definition", "deviceManagement/groupPolicyDefinitions('{id}')"),
                        Bind(
                            "presentationValues[].presentation",
                            "deviceManagement/groupPolicyDefinitions('{definition}')/presentations('{id}')",
                        ),
                    ),
                ),
            ),
            bound=frozenset({"definition", "presentation"}),
            references=_intune_references(
                Reference("definitionValues[].definition.id", GROUP_POLICY_DEFINITIONS)
            ),
        ),
        _assigned(
            ResourceType.INTENTS,
            "deviceManagement/intents",
            "endpoint security policy",
            _INTUNE_READ,
            _INTUNE_WRITE,
            assign=SubResource("assignments", None, SubResourceWrite.ACTION, frozenset({"id"})),
            read_only=frozenset({"isAssigned", "isMigratingToConfigurationPolicy"}),
            more=(
                SubResource(
                    "settings", None, SubResourceWrite.ACTION, frozenset({"id"}), "updateSettings", "settings"
                ),
            ),
        ),
        _intune(
            ResourceType.REUSABLE_POLICY_SETTINGS,
            "deviceManagement/reusablePolicySettings",
            "reusable policy setting",
            _INTUNE_READ,
            _INTUNE_WRITE,
            _INTUNE_READ_ONLY | {"referencingConfigurationPolicyCount", "settingDefinitionId"},
        ),
        _script(
            ResourceType.DEVICE_MANAGEMENT_SCRIPTS,
            "deviceManagementScripts",
            "PowerShell script",
            {"scriptContent": ".ps1"},
            assign=_SCRIPT_ASSIGNMENTS,
            more=(_SCRIPT_GROUP_ASSIGNMENTS,),
        ),
        _script(
            ResourceType.DEVICE_SHELL_SCRIPTS,
            "deviceShellScripts",
            "macOS shell script",
            {"scriptContent": ".sh"},
            assign=_SCRIPT_ASSIGNMENTS,
            more=(_SCRIPT_GROUP_ASSIGNMENTS,),
        ),
        _script(
            ResourceType.DEVICE_CUSTOM_ATTRIBUTE_SHELL_SCRIPTS,
            "deviceCustomAttributeShellScripts",
            "custom attribute script",
            {"scriptContent": ".sh"},
            assign=_SCRIPT_ASSIGNMENTS,
            more=(_SCRIPT_GROUP_ASSIGNMENTS,),
        ),
        _script(
            ResourceType.DEVICE_HEALTH_SCRIPTS,
            "deviceHealthScripts",
            "remediation script",
            {"detectionScriptContent": ".detection.ps1", "remediationScriptContent": ".remediation.ps1"},
            assign=_HEALTH_SCRIPT_ASSIGNMENTS,
        ),
        _script(
            ResourceType.DEVICE_COMPLIANCE_SCRIPTS,
            "deviceComplianceScripts",
            "compliance script",
            {"detectionScriptContent": ".ps1"},
            assign=_HEALTH_SCRIPT_ASSIGNMENTS,
        ),
        _app_protection(ResourceType.IOS_MANAGED_APP_PROTECTIONS, "iOS app protection policy"),
        _app_protection(ResourceType.ANDROID_MANAGED_APP_PROTECTIONS, "Android app protection policy"),
        _app_protection(ResourceType.WINDOWS_MANAGED_APP_PROTECTIONS, "Windows app protection policy"),
        _assigned(
            ResourceType.MOBILE_APP_CONFIGURATIONS,
            "deviceAppManagement/mobileAppConfigurations",
            "managed device app configuration",
            _APPS_READ,
            _APPS_WRITE,
            polymorphic=True,
        ),
        _assigned(
            ResourceType.TARGETED_MANAGED_APP_CONFIGURATIONS,
            "deviceAppManagement/targetedManagedAppConfigurations",
            "managed app configuration",
            _APPS_READ,
            _APPS_WRITE,
            read_only=frozenset({"isAssigned", "deployedAppCount"}),
            more=(_TARGETED_APPS,),
        ),
        _assigned(
            ResourceType.MOBILE_APPS,
            "deviceAppManagement/mobileApps",
            "app",
            _APPS_READ,
            _APPS_WRITE,
            assign=SubResource(
                "assignments",
                "assignments",
                SubResourceWrite.ACTION,
                _ASSIGNMENT_READ_ONLY,
                parameter="mobileAppAssignments",
            ),
            read_only=frozenset(
                {"isAssigned", "uploadState", "publishingState", "dependentAppCount", "size"}
                | {"supersedingAppCount", "supersededAppCount", "committedContentVersion"}
            ),
            polymorphic=True,
        ),
        _assigned(
            ResourceType.DEVICE_ENROLLMENT_CONFIGURATIONS,
            "deviceManagement/deviceEnrollmentConfigurations",
            "enrollment configuration",
            _SERVICE_READ,
            _SERVICE_WRITE,
            assign=SubResource(
                "assignments",
                "assignments",
                SubResourceWrite.ACTION,
                _ASSIGNMENT_READ_ONLY,
                parameter="enrollmentConfigurationAssignments",
            ),
            more=(
                SubResource("priority", None, SubResourceWrite.ACTION, action="setPriority", is_field=True),
            ),
            references=_intune_references(
                Reference(
                    "notificationMessageTemplateId", ResourceType.NOTIFICATION_MESSAGE_TEMPLATES, _ZERO_GUID
                )
            ),
            polymorphic=True,
        ),
        _assigned(
            ResourceType.WINDOWS_AUTOPILOT_DEPLOYMENT_PROFILES,
            "deviceManagement/windowsAutopilotDeploymentProfiles",
            "Autopilot deployment profile",
            _SERVICE_READ,
            _SERVICE_WRITE,
            assign=SubResource("assignments", "assignments", SubResourceWrite.EACH, _ASSIGNMENT_READ_ONLY),
            polymorphic=True,
        ),
        _intune(
            ResourceType.DEP_ONBOARDING_SETTINGS,
            "deviceManagement/depOnboardingSettings",
            "Apple DEP onboarding setting",
            _SERVICE_READ,
            _SERVICE_WRITE,
            frozenset(
                {"id", "lastModifiedDateTime", "lastSuccessfulSyncDateTime", "lastSyncTriggeredDateTime"}
            ),
            writable=False,
            expiry_field="tokenExpirationDateTime",
        ),
        _update_profile(
            ResourceType.WINDOWS_FEATURE_UPDATE_PROFILES,
            "feature update profile",
            "deployableContentDisplayName",
            "endOfSupportDate",
        ),
        _update_profile(
            ResourceType.WINDOWS_QUALITY_UPDATE_PROFILES,
            "quality update profile",
            "deployableContentDisplayName",
            "releaseDateDisplayName",
        ),
        _update_profile(
            ResourceType.WINDOWS_DRIVER_UPDATE_PROFILES,
            "driver update profile",
            "deviceReporting",
            "newUpdates",
            "inventorySyncStatus",
        ),
    ]


_CATALOG: Mapping[ResourceType, ConfigurationType] = MappingProxyType(_build())


def catalog() -> Mapping[ResourceType, ConfigurationType]:
    """Every supported type, in the order of :class:`ResourceType`."""
    return _CATALOG


def required_permissions(types: Iterable[ResourceType], mode: Mode) -> list[str]:
    """The application permissions the service principal needs: read for BackupOnly, write for Managed."""
    return sorted(permission_needs(types, mode))


def permission_needs(types: Iterable[ResourceType], mode: Mode) -> dict[str, tuple[ResourceType, ...]]:
    """Each application permission needed, with the types that need it.

    Types that need a signed-in user are left out: no application permission reaches them. In Managed
    mode the plan also reads what the objects point at (groups, and objects of types not synced) to
    check it exists; a type that is only reported (``writable`` False) needs no more than reading.
    ``X.Read.All`` is left out where ``X.ReadWrite.All`` is needed anyway, which grants it.
    """
    wanted = tuple(dict.fromkeys(types))
    needs: dict[str, list[ResourceType]] = {}
    for name in wanted:
        entry = _CATALOG[name]
        if entry.requires_user:
            continue
        found: list[str] = []
        if mode != Mode.MANAGED or not entry.writable:
            found += entry.read_permissions
        else:
            found += entry.write_permissions
            for reference in entry.references:
                target = reference.target
                if isinstance(target, DirectoryKind):
                    found.append(target.read_permission)
                elif target not in wanted:
                    found += _CATALOG[target].read_permissions
        for permission in dict.fromkeys(found):
            needs.setdefault(permission, []).append(name)
    merged: dict[str, list[ResourceType]] = {}
    for permission, needed_by in needs.items():
        granted_by = permission.replace(".Read.", ".ReadWrite.")
        key = granted_by if granted_by != permission and granted_by in needs else permission
        merged.setdefault(key, [])
        merged[key] += [name for name in needed_by if name not in merged[key]]
    return {permission: tuple(merged[permission]) for permission in sorted(merged)}


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
