"""The catalogue of configuration types (docs/architecture.md: "A new configuration type"): where each lives, what it needs, what it refers to.

Everything that differs between types is data here (see ``model``), so that a new type is a row, not a
branch in the pipeline. The Graph and portal rows are below; the Exchange admin API's in ``exchange_types``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from tenantsync.api import Mode, ResourceType
from tenantsync.catalog.cmdlets import CMDLET_SERVICES, EXCHANGE_PERMISSION, Service
from tenantsync.catalog.exchange_types import exchange_types
from tenantsync.catalog.model import (
    Bind,
    ConfigurationType,
    DirectoryKind,
    Reference,
    ScheduleRequests,
    SubResource,
    SubResourceWrite,
)
from tenantsync.catalog.teams_types import teams_types

# The Azure portal's own API: the only way to read the settings Graph exposes to no application.
ADMIN_API_URL = "https://main.iam.ad.ext.azure.com"
ADMIN_API_RESOURCE = "74658136-14ec-4630-ad9b-26e160ff0fc6"
ADMIN_API_SCOPE = f"{ADMIN_API_RESOURCE}/user_impersonation"
# Graph as the signed-in user: the delegated scopes of what Graph grants to no application. The prefix is
# the public cloud's Graph resource; a sovereign cloud's session asks for its own (sync/session.py).
GRAPH_SCOPE_PREFIX = "https://graph.microsoft.com/"

_POLICY_READ = "Policy.Read.All"
_CA_WRITE = "Policy.ReadWrite.ConditionalAccess"
_INTUNE_READ = "DeviceManagementConfiguration.Read.All"
_INTUNE_WRITE = "DeviceManagementConfiguration.ReadWrite.All"


GROUPS = DirectoryKind("group", "groups", "Group.Read.All")
GROUP_POLICY_DEFINITIONS = DirectoryKind(
    "administrative template definition",
    "deviceManagement/groupPolicyDefinitions",
    _INTUNE_READ,
    "beta",
)
"""The ADMX settings Intune offers: administrative templates point at them and never carry them."""


_ASSIGNMENT_READ_ONLY = frozenset({"id", "source", "sourceId"})
_ASSIGNMENTS = SubResource("assignments", "assignments", SubResourceWrite.ACTION, _ASSIGNMENT_READ_ONLY)
_ASSIGNED_GROUPS = (Reference("assignments[].target.groupId", GROUPS),)
_ASSIGNMENT_TYPES = ("assignments[].@odata.type", "assignments[].target.@odata.type")
"""Intune returns the type of each assignment and of its target: a desired one without them never matches."""
_POLYMORPHIC = ("@odata.type",)
_ZERO_GUID = frozenset({"00000000-0000-0000-0000-000000000000"})
_DEFAULT_SCOPE_TAG = frozenset({"0"})
"""Intune's built-in "Default" scope tag, present in every tenant."""


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
            service=Service.PORTAL,
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
            service=Service.PORTAL,
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
            service=Service.PORTAL,
            singleton=True,
            requires_user=True,
            delegated_scopes=(ADMIN_API_SCOPE,),
            read_only_fields=frozenset(),
            unordered_lists=frozenset({"syncSelectedUsers"}),
            params=MappingProxyType({"ESRV2": "true"}),
        ),
        *_entra_types(),
        *_directory_types(),
        *_user_graph_types(),
        *_privileged_access_types(),
        *_teams_app_types(),
        *_consent_types(),
        *_intune_types(),
        *exchange_types(),
        *teams_types(),
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


_CREDENTIAL_SECRETS = frozenset({"secretText", "hint", "key", "customKeyIdentifier"})
"""What a credential holds of its secret (the password, its first characters, the certificate's public key
and thumbprint): never kept, whatever Graph serves."""
_CREDENTIALS = tuple(
    SubResource(name, None, SubResourceWrite.NEVER, _CREDENTIAL_SECRETS, is_field=True)
    for name in ("passwordCredentials", "keyCredentials")
)
"""An app's or service principal's secrets and certificates, as metadata only (keyId, displayName, start
and end, type and usage): kept so their expiry is watched and a new one shows in the backup's history,
never planned nor written (addPassword and addKey make them, not configuration)."""
_CREDENTIAL_EXPIRY = ("passwordCredentials[].endDateTime", "keyCredentials[].endDateTime")
_APP_LISTS = frozenset(
    {"identifierUris", "tags", "redirectUris", "requiredResourceAccess", "resourceAccess", "appRoles"}
    | {"passwordCredentials", "keyCredentials"}
    | {"oauth2PermissionScopes", "allowedMemberTypes", "knownClientApplications", "preAuthorizedApplications"}
    | {"delegatedPermissionIds", "servicePrincipalNames", "replyUrls", "notificationEmailAddresses"}
)
_PEOPLE = ("PeopleSettings.Read.All",), ("PeopleSettings.ReadWrite.All",)


def _linked_policies(*types: ResourceType) -> dict[str, Any]:
    """The policies of these types assigned to an app or service principal: each read per object,
    linked and unlinked by reference, and a reference the deploy orders by (policies first)."""
    return {
        "sub_resources": _CREDENTIALS
        + tuple(
            SubResource(
                kind.value,
                None,
                SubResourceWrite.REFERENCES,
                query="$select=id",
                links_to=f"policies/{kind.value}",
            )
            for kind in types
        ),
        "references": tuple(Reference(f"{kind.value}[].id", kind) for kind in types),
        "expiry_fields": _CREDENTIAL_EXPIRY,
        "expiry_watch": "appCredentials",
    }


_APP_POLICY_PERMISSIONS = (
    ("Application.Read.All", "Policy.Read.All"),
    ("Application.ReadWrite.All", "Policy.Read.All", "Policy.ReadWrite.ApplicationConfiguration"),
)
"""Reading an app's assigned policies needs both reads; assigning one needs Policy.ReadWrite.ApplicationConfiguration too."""
_SPONSORS = tuple(
    SubResource(name, None, SubResourceWrite.REFERENCES, query="$select=id")
    for name in ("internalSponsors", "externalSponsors")
)
"""The users and groups who approve a connected organisation's requests, linked by reference like owners."""


# -- Consent (issue 22): delegated permission grants, and application permissions as app role assignments
_SERVICE_PRINCIPAL_PERMISSIONS = (
    _APP_POLICY_PERMISSIONS[0],
    (*_APP_POLICY_PERMISSIONS[1], "AppRoleAssignment.ReadWrite.All"),
)
"""Granting an app role (an application permission) needs AppRoleAssignment.ReadWrite.All besides."""
_APP_ROLE_ASSIGNMENTS = SubResource(
    "appRoleAssignments",
    None,
    SubResourceWrite.ADD_REMOVE,
    frozenset({"id", "createdDateTime", "deletedDateTime", "principalDisplayName", "principalType"})
    | {"resourceDisplayName", "principalId"},
    identity=("resourceId", "appRoleId"),
    owner_field="principalId",
)
"""The app roles granted to a service principal (``servicePrincipals/{id}/appRoleAssignments``): each
names the API's service principal (``resourceId``) and its role (``appRoleId``); ``principalId`` is the
service principal itself, so it is not kept and the deploy sends it with the grant as Graph requires."""


def _with_app_role_assignments(options: dict[str, Any]) -> dict[str, Any]:
    """A service principal's options with its app role assignments, whose APIs are deployed first."""
    return options | {
        "sub_resources": (*options["sub_resources"], _APP_ROLE_ASSIGNMENTS),
        "references": (
            *options["references"],
            Reference("appRoleAssignments[].resourceId", ResourceType.SERVICE_PRINCIPALS),
        ),
    }


def _consent_types() -> list[ConfigurationType]:
    """Delegated permission grants: which client may call which API on users' behalf, with which scopes."""
    return [
        _graph(
            ResourceType.OAUTH2_PERMISSION_GRANTS,
            "oauth2PermissionGrants",
            "delegated permission grant",
            (("Directory.Read.All",), ("DelegatedPermissionGrant.ReadWrite.All",)),
            read_only_fields=frozenset({"id"}),
            references=(
                Reference("clientId", ResourceType.SERVICE_PRINCIPALS),
                Reference("resourceId", ResourceType.SERVICE_PRINCIPALS),
            ),
        ),
    ]


_CUSTOM_ATTRIBUTES = (
    ("CustomSecAttributeDefinition.Read.All",),
    ("CustomSecAttributeDefinition.ReadWrite.All",),
)
_ENTITLEMENT = ("EntitlementManagement.Read.All",), ("EntitlementManagement.ReadWrite.All",)
_NEW_VERSION = SubResourceWrite.NEW_VERSION
_CREATE_NEW_VERSION: dict[str, Any] = {"action": "createNewVersion", "parameter": "workflow"}
"""Graph changes a workflow's tasks and execution conditions only through ``createNewVersion``, which
takes the whole workflow under ``workflow``; PATCH changes its name, description and enabled flags."""
_TASK_READ_ONLY = frozenset({"id"})


def _graph(
    name: ResourceType,
    path: str,
    noun: str,
    permissions: tuple[tuple[str, ...], tuple[str, ...]],
    **options: Any,
) -> ConfigurationType:
    """A v1.0 type read and written with its own pair of permissions (``(read, write)``)."""
    read, write = permissions
    return _entra(name, path, noun, write, read=read, **options)


def _user_graph_types() -> list[ConfigurationType]:
    """Graph types Microsoft grants to no application, only to a signed-in user: read and written with the
    delegated user's Graph token (``requires_user`` on ``Service.GRAPH``), skipped without a sign-in."""
    return [
        ConfigurationType(
            ResourceType.FEATURE_ROLLOUT_POLICIES,
            "policies/featureRolloutPolicies",
            noun="feature rollout policy",
            requires_user=True,
            delegated_scopes=(f"{GRAPH_SCOPE_PREFIX}Policy.ReadWrite.HybridAuthentication",),
            read_only_fields=frozenset({"id"}),
            sub_resources=(SubResource("appliesTo", None, SubResourceWrite.REFERENCES, query="$select=id"),),
            unordered_lists=frozenset({"appliesTo"}),
        ),
        ConfigurationType(
            ResourceType.TEAMS_APP_SETTINGS,
            "teamwork/teamsAppSettings",
            noun="Teams app settings",
            singleton=True,
            requires_user=True,
            delegated_scopes=(f"{GRAPH_SCOPE_PREFIX}TeamworkAppSettings.ReadWrite.All",),
            read_only_fields=frozenset({"id"}),
        ),
    ]


def user_graph_scopes(types: Iterable[ResourceType]) -> list[str]:
    """The delegated Graph scopes the signed-in user's token needs for ``types`` (none without a user type)."""
    scopes = (s for name in types if _CATALOG[name].requires_user for s in _CATALOG[name].delegated_scopes)
    return sorted({scope for scope in scopes if scope.startswith(GRAPH_SCOPE_PREFIX)})


def _directory_types() -> list[ConfigurationType]:
    """Entra ID's directory objects and the organisation-wide admin settings Graph exposes (issue 22)."""
    return [
        _graph(
            ResourceType.GROUPS,
            "groups",
            "group",
            (("Group.Read.All",), ("Group.ReadWrite.All",)),
            read_only_fields=_ENTRA_READ_ONLY
            | {"renewedDateTime", "expirationDateTime", "mail", "proxyAddresses", "securityIdentifier"}
            | {"onPremisesDomainName", "onPremisesLastSyncDateTime", "onPremisesNetBiosName"}
            | {"onPremisesProvisioningErrors", "onPremisesSamAccountName", "onPremisesSecurityIdentifier"}
            | {"onPremisesSyncEnabled", "serviceProvisioningErrors", "isManagementRestricted"},
            sub_resources=(
                SubResource("owners", None, SubResourceWrite.REFERENCES, query="$select=id"),
                # read only when the Tenant opts in (catalog/group_members.py)
                SubResource("members", None, SubResourceWrite.REFERENCES, query="$select=id"),
            ),
            unordered_lists=frozenset(
                {"groupTypes", "resourceBehaviorOptions", "resourceProvisioningOptions", "owners", "members"}
            ),
        ),
        _graph(
            ResourceType.GROUP_LIFECYCLE_POLICIES,
            "groupLifecyclePolicies",
            "group expiration policy",
            (("Directory.Read.All",), ("Directory.ReadWrite.All",)),
            read_only_fields=frozenset({"id"}),
        ),
        _graph(
            ResourceType.APPLICATIONS,
            "applications",
            "app registration",
            _APP_POLICY_PERMISSIONS,
            read_only_fields=_ENTRA_READ_ONLY
            | {"appId", "publisherDomain", "disabledByMicrosoftStatus", "certification", "verifiedPublisher"}
            | {"createdByAppId"},
            unordered_lists=_APP_LISTS | {"tokenLifetimePolicies", "tokenIssuancePolicies"},
            **_linked_policies(ResourceType.TOKEN_LIFETIME_POLICIES, ResourceType.TOKEN_ISSUANCE_POLICIES),
        ),
        _graph(
            ResourceType.SERVICE_PRINCIPALS,
            "servicePrincipals",
            "enterprise application",
            _SERVICE_PRINCIPAL_PERMISSIONS,
            read_only_fields=_ENTRA_READ_ONLY
            | {"appDisplayName", "appDescription", "appOwnerOrganizationId", "servicePrincipalType"}
            | {"signInAudience", "alternativeNames", "appRoles", "oauth2PermissionScopes", "info"}
            | {"verifiedPublisher", "disabledByMicrosoftStatus", "createdByAppId", "applicationTemplateId"},
            unordered_lists=_APP_LISTS
            | {"claimsMappingPolicies", "homeRealmDiscoveryPolicies", "appRoleAssignments"},
            **_with_app_role_assignments(
                _linked_policies(
                    ResourceType.CLAIMS_MAPPING_POLICIES, ResourceType.HOME_REALM_DISCOVERY_POLICIES
                )
            ),
        ),
        _entra(
            ResourceType.CLAIMS_MAPPING_POLICIES,
            "policies/claimsMappingPolicies",
            "claims mapping policy",
            _APP_CONFIG_WRITE,
        ),
        _entra(
            ResourceType.HOME_REALM_DISCOVERY_POLICIES,
            "policies/homeRealmDiscoveryPolicies",
            "home realm discovery policy",
            _APP_CONFIG_WRITE,
        ),
        _entra(
            ResourceType.TOKEN_ISSUANCE_POLICIES,
            "policies/tokenIssuancePolicies",
            "token issuance policy",
            _APP_CONFIG_WRITE,
        ),
        _graph(
            ResourceType.ATTRIBUTE_SETS,
            "directory/attributeSets",
            "custom security attribute set",
            _CUSTOM_ATTRIBUTES,
            read_only_fields=frozenset(),
            client_key=True,
        ),
        _graph(
            ResourceType.CUSTOM_SECURITY_ATTRIBUTE_DEFINITIONS,
            "directory/customSecurityAttributeDefinitions",
            "custom security attribute",
            _CUSTOM_ATTRIBUTES,
            read_only_fields=frozenset({"id"}),  # the service names it <attributeSet>_<name>
            sub_resources=(SubResource("allowedValues", None, SubResourceWrite.MERGE),),
            references=(Reference("attributeSet", ResourceType.ATTRIBUTE_SETS),),
            unordered_lists=frozenset({"allowedValues"}),
        ),
        _graph(
            ResourceType.IDENTITY_PROVIDERS,
            "identity/identityProviders",
            "identity provider",
            (("IdentityProvider.Read.All",), ("IdentityProvider.ReadWrite.All",)),
            read_only_fields=frozenset({"id", "clientSecret"}),
            required_fields=_POLYMORPHIC,
        ),
        _graph(
            ResourceType.PROFILE_CARD_PROPERTIES,
            "admin/people/profileCardProperties",
            "profile card property",
            _PEOPLE,
            read_only_fields=frozenset({"id"}),
            key_field="directoryPropertyName",
            client_key=True,
        ),
        _graph(
            ResourceType.PRONOUNS_SETTINGS,
            "admin/people/pronouns",
            "pronouns setting",
            _PEOPLE,
            singleton=True,
        ),
        _graph(
            ResourceType.ITEM_INSIGHTS,
            "admin/people/itemInsights",
            "item insights setting",
            _PEOPLE,
            singleton=True,
            references=(Reference("disabledForGroup", GROUPS),),
        ),
        _graph(
            ResourceType.MICROSOFT_365_APPS_INSTALLATION_OPTIONS,
            "admin/microsoft365Apps/installationOptions",
            "Microsoft 365 apps installation option",
            (
                ("OrgSettings-Microsoft365Install.Read.All",),
                ("OrgSettings-Microsoft365Install.ReadWrite.All",),
            ),
            singleton=True,
        ),
        _graph(
            ResourceType.ADMIN_REPORT_SETTINGS,
            "admin/reportSettings",
            "usage report setting",
            (("ReportSettings.Read.All",), ("ReportSettings.ReadWrite.All",)),
            singleton=True,
        ),
        _graph(
            ResourceType.SHAREPOINT_SETTINGS,
            "admin/sharepoint/settings",
            "SharePoint and OneDrive tenant setting",
            (("SharePointTenantSettings.Read.All",), ("SharePointTenantSettings.ReadWrite.All",)),
            singleton=True,
            unordered_lists=frozenset(
                {"allowedDomainGuidsForSyncApp", "excludedFileExtensionsForSyncApp"}
                | {"sharingAllowedDomainList", "sharingBlockedDomainList"}
            ),
        ),
        _graph(
            ResourceType.CONNECTED_ORGANIZATIONS,
            "identityGovernance/entitlementManagement/connectedOrganizations",
            "connected organisation",
            _ENTITLEMENT,
            sub_resources=_SPONSORS,
            unordered_lists=frozenset({"identitySources", "internalSponsors", "externalSponsors"}),
        ),
        _graph(
            ResourceType.ACCESS_PACKAGE_CATALOGS,
            "identityGovernance/entitlementManagement/catalogs",
            "access package catalog",
            _ENTITLEMENT,
        ),
        _graph(
            ResourceType.ACCESS_PACKAGES,
            "identityGovernance/entitlementManagement/accessPackages",
            "access package",
            _ENTITLEMENT,
            sub_resources=(SubResource("catalog", "catalog", SubResourceWrite.CREATE_ONLY),),
            bound=frozenset({"catalog"}),
            references=(Reference("catalog.id", ResourceType.ACCESS_PACKAGE_CATALOGS),),
        ),
        _graph(
            ResourceType.ACCESS_PACKAGE_ASSIGNMENT_POLICIES,
            "identityGovernance/entitlementManagement/assignmentPolicies",
            "access package assignment policy",
            _ENTITLEMENT,
            sub_resources=(SubResource("accessPackage", "accessPackage", SubResourceWrite.CREATE_ONLY),),
            bound=frozenset({"accessPackage"}),
            references=(
                Reference("accessPackage.id", ResourceType.ACCESS_PACKAGES),
                Reference("specificAllowedTargets[].groupId", GROUPS),
                Reference("requestApprovalSettings.stages[].primaryApprovers[].groupId", GROUPS),
            ),
            unordered_lists=frozenset({"specificAllowedTargets", "questions"}),
            update_method="PUT",  # Graph documents no PATCH for an assignment policy
        ),
        _graph(
            ResourceType.ACCESS_REVIEW_DEFINITIONS,
            "identityGovernance/accessReviews/definitions",
            "access review",
            (("AccessReview.Read.All",), ("AccessReview.ReadWrite.All",)),
            read_only_fields=frozenset(
                {"id", "createdDateTime", "lastModifiedDateTime", "createdBy", "status"}
            ),
            unordered_lists=frozenset({"reviewers", "fallbackReviewers", "additionalNotificationRecipients"}),
            update_method="PUT",  # Graph documents no PATCH for a review definition
        ),
        _graph(
            ResourceType.LIFECYCLE_WORKFLOWS,
            "identityGovernance/lifecycleWorkflows/workflows",
            "lifecycle workflow",
            (("LifecycleWorkflows.Read.All",), ("LifecycleWorkflows.ReadWrite.All",)),
            read_only_fields=frozenset({"id", "version", "createdDateTime", "lastModifiedDateTime"})
            | {"deletedDateTime", "nextScheduleRunDateTime", "createdBy", "lastModifiedBy"},
            sub_resources=(
                SubResource("tasks", "tasks", _NEW_VERSION, _TASK_READ_ONLY, **_CREATE_NEW_VERSION),
                SubResource("executionConditions", None, _NEW_VERSION, is_field=True, **_CREATE_NEW_VERSION),
            ),
        ),
    ]


# -- PIM for directory roles and Teams through Graph (issue 22) -------------------------------------

DIRECTORY_OBJECTS = DirectoryKind("directory object", "directoryObjects", "Directory.Read.All")
"""A role's principal: a user, group or service principal, none of which tenantsync keeps."""
DIRECTORY_ROLES = DirectoryKind(
    "directory role definition", "roleManagement/directory/roleDefinitions", "RoleManagement.Read.Directory"
)
"""Entra's built-in and custom directory roles, which PIM's policies and assignments name."""
_DIRECTORY_ROLE_POLICIES = MappingProxyType({"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'"})
"""Graph lists role management policies only for one scope; tenantsync keeps the tenant-wide one of
directory roles (PIM for groups' policies are scoped to each group)."""
_SCHEDULE_READ_ONLY = frozenset(
    {"id", "createdDateTime", "modifiedDateTime", "createdUsing", "status", "memberType", "assignmentType"}
)
_ROLE_REFERENCES = (
    Reference("principalId", DIRECTORY_OBJECTS),
    Reference("roleDefinitionId", DIRECTORY_ROLES),
)


def _role_schedules(
    name: ResourceType, kind: str, noun: str, permission: str, **options: Any
) -> ConfigurationType:
    """Eligible or active role assignments: read at ``role{kind}Schedules``, written by requests."""
    return _graph(
        name,
        f"roleManagement/directory/role{kind}Schedules",
        noun,
        ((f"{permission}.Read.Directory",), (f"{permission}.ReadWrite.Directory",)),
        read_only_fields=_SCHEDULE_READ_ONLY,
        references=_ROLE_REFERENCES,
        requests=ScheduleRequests(f"roleManagement/directory/role{kind}ScheduleRequests"),
        **options,
    )


def _privileged_access_types() -> list[ConfigurationType]:
    """Privileged Identity Management for Entra's directory roles: who may hold a role, who holds it,
    and the rules (activation, approval, expiry, notification) each role's policy sets."""
    return [
        _graph(
            ResourceType.ROLE_MANAGEMENT_POLICIES,
            "policies/roleManagementPolicies",
            "role management policy",
            (("RoleManagementPolicy.Read.Directory",), ("RoleManagementPolicy.ReadWrite.Directory",)),
            read_only_fields=frozenset({"id", "lastModifiedDateTime", "lastModifiedBy", "effectiveRules"})
            | {"displayName", "description", "isOrganizationDefault", "scopeId", "scopeType"},
            sub_resources=(SubResource("rules", "rules", SubResourceWrite.PATCH_EACH),),
            unordered_lists=frozenset({"rules", "notificationRecipients", "enabledRules"}),
            params=_DIRECTORY_ROLE_POLICIES,
            fixed=True,
        ),
        _graph(
            ResourceType.ROLE_MANAGEMENT_POLICY_ASSIGNMENTS,
            "policies/roleManagementPolicyAssignments",
            "role management policy assignment",
            (("RoleManagementPolicy.Read.Directory",), ("RoleManagementPolicy.ReadWrite.Directory",)),
            read_only_fields=frozenset({"id"}),
            references=(
                Reference("policyId", ResourceType.ROLE_MANAGEMENT_POLICIES),
                Reference("roleDefinitionId", DIRECTORY_ROLES),
            ),
            params=_DIRECTORY_ROLE_POLICIES,
            writable=False,
        ),
        _role_schedules(
            ResourceType.ROLE_ELIGIBILITY_SCHEDULES,
            "Eligibility",
            "eligible role assignment",
            "RoleEligibilitySchedule",
        ),
        _role_schedules(
            ResourceType.ROLE_ASSIGNMENT_SCHEDULES,
            "Assignment",
            "active role assignment",
            "RoleAssignmentSchedule",
            # Activations are people using their eligibility for hours, not configuration.
            params=MappingProxyType({"$filter": "assignmentType eq 'Assigned'"}),
        ),
    ]


def _teams_app_types() -> list[ConfigurationType]:
    """What Teams' own configuration Graph exposes to an application (its policies are another
    service's: Tenant Configuration Management)."""
    return [
        _graph(
            ResourceType.TEAMS_APPS,
            "appCatalogs/teamsApps",
            "Teams app of the organisation",
            (("AppCatalog.Read.All",), ("AppCatalog.Read.All",)),
            read_only_fields=frozenset({"id"}),
            sub_resources=(SubResource("appDefinitions", "appDefinitions", SubResourceWrite.NEVER),),
            params=MappingProxyType({"$filter": "distributionMethod eq 'organization'"}),
            # Publishing or updating an app uploads its package (a zip), which is no configuration
            # document: Graph's teamsApps are backed up and watched, never planned as a write.
            writable=False,
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
            expiry_fields=("expirationDateTime",),
            expiry_watch="apple",
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
            expiry_fields=("tokenExpirationDateTime",),
            expiry_watch="apple",
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

    These are Graph's permissions, which its token carries: types that need a signed-in user are left
    out (no application permission reaches them), and so are the Exchange admin API's (see
    ``exchange_needs``). In Managed
    mode the plan also reads what the objects point at (groups, and objects of types not synced) to
    check it exists; a type that is only reported (``writable`` False) needs no more than reading.
    ``X.Read.All`` is left out where ``X.ReadWrite.All`` is needed anyway, which grants it.
    """
    wanted = tuple(dict.fromkeys(types))
    needs: dict[str, list[ResourceType]] = {}
    for name in wanted:
        entry = _CATALOG[name]
        if entry.requires_user or entry.service in CMDLET_SERVICES:
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


def exchange_needs(types: Iterable[ResourceType], mode: Mode) -> dict[str, tuple[ResourceType, ...]]:
    """The Exchange admin API's application permission (``Exchange.ManageAsApp``, of the "Office 365
    Exchange Online" API), with the types that need it; empty when no such type is configured."""
    needing = tuple(name for name in dict.fromkeys(types) if _CATALOG[name].service in CMDLET_SERVICES)
    return {EXCHANGE_PERMISSION: needing} if needing else {}


def role_needs(types: Iterable[ResourceType], mode: Mode) -> dict[tuple[str, ...], tuple[ResourceType, ...]]:
    """The Entra roles the service principal must hold: each set of alternatives (any one will do),
    with the types that need it. Write roles in Managed mode (read roles for what is only reported)."""
    needs: dict[tuple[str, ...], list[ResourceType]] = {}
    for name in dict.fromkeys(types):
        entry = _CATALOG[name]
        roles = entry.write_roles if mode == Mode.MANAGED and entry.writable else entry.read_roles
        if roles:
            needs.setdefault(roles, []).append(name)
    return {roles: tuple(needed_by) for roles, needed_by in needs.items()}


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
