"""Which audit log records changes to each configuration type, and by which name (docs/drift.md).

Entra ID writes a ``directoryAudit`` for each change to its objects: its ``activityDisplayName`` is a verb
and the changed object's model in words ("Update conditional access policy"), its ``targetResources``
name the object. Intune writes an ``auditEvent`` whose ``resources`` carry the object's id and its model
as ``auditResourceType`` ("DeviceConfiguration"). So each type declares its audit log and the model name
under which that log names it; an audit record maps to (type, object id, changed fields) through here,
and records about anything tenantsync does not keep map to nothing. Types that live only in the portal's
admin API (password reset, B2B, enterprise state roaming) are in no Graph audit log and are not watched.

The Exchange admin API's types (Exchange Online, Defender for Office 365, Purview) are in the unified
audit log's admin records, read by ``Search-UnifiedAuditLog`` on the Exchange endpoint: each record
names the cmdlet that ran (``Set-TransportRule``) and the identity it was given, so each such type is
named by its cmdlet noun (docs/drift.md, "The Exchange and Purview admin audit").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from tenantsync.api import ResourceType
from tenantsync.catalog.cmdlets import EXCHANGE_PERMISSION, Service
from tenantsync.catalog.exchange_types import (
    COMPLIANCE_ADMINISTRATOR,
    EXCHANGE_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
    SECURITY_ADMINISTRATOR,
    SECURITY_READER,
    exchange_types,
)


class AuditSource(StrEnum):
    """An audit log: a Graph collection, or a ``RecordType`` of the unified audit log's admin records."""

    DIRECTORY = "directoryAudits"
    INTUNE = "auditEvents"
    EXCHANGE_ADMIN = "ExchangeAdmin"
    COMPLIANCE_ADMIN = "SecurityComplianceCenterEXOCmdlet"


SEARCH_UNIFIED_AUDIT_LOG = "Search-UnifiedAuditLog"
AUDIT_LOG_ROLES = (
    SECURITY_READER,
    SECURITY_ADMINISTRATOR,
    COMPLIANCE_ADMINISTRATOR,
    EXCHANGE_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
)
"""The Entra roles whose Exchange role groups hold View-Only Audit Logs or Audit Logs, which
``Search-UnifiedAuditLog`` needs; any one will do."""
AUDIT_LOG_ROLE_NEED = f"Entra role: {' or '.join(AUDIT_LOG_ROLES)}"
"""How that role is listed among the watch's needs (`kubectl tenantsync permissions`, missingPermissions)."""


@dataclass(frozen=True)
class AuditLogRead:
    """Where an audit log is read and the application permission Microsoft documents for it: a Graph
    path, or (``service`` Exchange) the cmdlet run on the Exchange endpoint for ``source``'s records."""

    source: AuditSource
    path: str
    permission: str
    service: Service = Service.GRAPH


AUDIT_LOGS: Mapping[AuditSource, AuditLogRead] = MappingProxyType(
    {
        AuditSource.DIRECTORY: AuditLogRead(
            AuditSource.DIRECTORY, "auditLogs/directoryAudits", "AuditLog.Read.All"
        ),
        AuditSource.INTUNE: AuditLogRead(
            AuditSource.INTUNE, "deviceManagement/auditEvents", "DeviceManagementApps.Read.All"
        ),
        AuditSource.EXCHANGE_ADMIN: AuditLogRead(
            AuditSource.EXCHANGE_ADMIN, SEARCH_UNIFIED_AUDIT_LOG, EXCHANGE_PERMISSION, Service.EXCHANGE
        ),
        AuditSource.COMPLIANCE_ADMIN: AuditLogRead(
            AuditSource.COMPLIANCE_ADMIN, SEARCH_UNIFIED_AUDIT_LOG, EXCHANGE_PERMISSION, Service.EXCHANGE
        ),
    }
)


@dataclass(frozen=True)
class AuditName:
    source: AuditSource
    model: str
    """The Graph model's name (``conditionalAccessPolicy``), as the audit log names the changed object."""


_D, _I = AuditSource.DIRECTORY, AuditSource.INTUNE
_T = ResourceType
_GRAPH_AUDIT_NAMES: Mapping[ResourceType, AuditName] = MappingProxyType(
    {
        _T.CONDITIONAL_ACCESS_POLICIES: AuditName(_D, "conditionalAccessPolicy"),
        _T.NAMED_LOCATIONS: AuditName(_D, "namedLocation"),
        _T.AUTHENTICATION_METHODS_POLICY: AuditName(_D, "authenticationMethodsPolicy"),
        _T.AUTHENTICATION_STRENGTH_POLICIES: AuditName(_D, "authenticationStrengthPolicy"),
        _T.AUTHORIZATION_POLICY: AuditName(_D, "authorizationPolicy"),
        _T.CROSS_TENANT_ACCESS_POLICY: AuditName(_D, "crossTenantAccessPolicyConfigurationDefault"),
        _T.SECURITY_DEFAULTS: AuditName(_D, "identitySecurityDefaultsEnforcementPolicy"),
        _T.AUTHENTICATION_CONTEXT_CLASS_REFERENCES: AuditName(_D, "authenticationContextClassReference"),
        _T.CROSS_TENANT_ACCESS_PARTNERS: AuditName(_D, "crossTenantAccessPolicyConfigurationPartner"),
        _T.AUTHENTICATION_FLOWS_POLICY: AuditName(_D, "authenticationFlowsPolicy"),
        _T.DEVICE_REGISTRATION_POLICY: AuditName(_D, "deviceRegistrationPolicy"),
        _T.EXTERNAL_IDENTITIES_POLICY: AuditName(_D, "externalIdentitiesPolicy"),
        _T.ADMIN_CONSENT_REQUEST_POLICY: AuditName(_D, "adminConsentRequestPolicy"),
        _T.DEFAULT_APP_MANAGEMENT_POLICY: AuditName(_D, "tenantAppManagementPolicy"),
        _T.APP_MANAGEMENT_POLICIES: AuditName(_D, "appManagementPolicy"),
        _T.TOKEN_LIFETIME_POLICIES: AuditName(_D, "tokenLifetimePolicy"),
        _T.ACTIVITY_BASED_TIMEOUT_POLICIES: AuditName(_D, "activityBasedTimeoutPolicy"),
        _T.PERMISSION_GRANT_POLICIES: AuditName(_D, "permissionGrantPolicy"),
        _T.GROUP_SETTINGS: AuditName(_D, "groupSetting"),
        _T.ADMINISTRATIVE_UNITS: AuditName(_D, "administrativeUnit"),
        _T.TERMS_OF_USE_AGREEMENTS: AuditName(_D, "agreement"),
        _T.ORGANIZATIONAL_BRANDING: AuditName(_D, "organizationalBranding"),
        _T.DEVICE_CONFIGURATIONS: AuditName(_I, "deviceConfiguration"),
        _T.DEVICE_COMPLIANCE_POLICIES: AuditName(_I, "deviceCompliancePolicy"),
        _T.SETTINGS_CATALOG_POLICIES: AuditName(_I, "deviceManagementConfigurationPolicy"),
        _T.ASSIGNMENT_FILTERS: AuditName(_I, "deviceAndAppManagementAssignmentFilter"),
        _T.ROLE_SCOPE_TAGS: AuditName(_I, "roleScopeTag"),
        _T.ROLE_DEFINITIONS: AuditName(_I, "deviceAndAppManagementRoleDefinition"),
        _T.ROLE_ASSIGNMENTS: AuditName(_I, "deviceAndAppManagementRoleAssignment"),
        _T.DEVICE_CATEGORIES: AuditName(_I, "deviceCategory"),
        _T.NOTIFICATION_MESSAGE_TEMPLATES: AuditName(_I, "notificationMessageTemplate"),
        _T.TERMS_AND_CONDITIONS: AuditName(_I, "termsAndConditions"),
        _T.COMPLIANCE_MANAGEMENT_PARTNERS: AuditName(_I, "complianceManagementPartner"),
        _T.DEVICE_MANAGEMENT_PARTNERS: AuditName(_I, "deviceManagementPartner"),
        _T.REMOTE_ASSISTANCE_PARTNERS: AuditName(_I, "remoteAssistancePartner"),
        _T.DEVICE_MANAGEMENT_SETTINGS: AuditName(_I, "deviceManagementSettings"),
        _T.ANDROID_MANAGED_STORE_SETTINGS: AuditName(_I, "androidManagedStoreAccountEnterpriseSettings"),
        _T.APPLE_PUSH_NOTIFICATION_CERTIFICATE: AuditName(_I, "applePushNotificationCertificate"),
        _T.COMPLIANCE_POLICIES: AuditName(_I, "deviceManagementCompliancePolicy"),
        _T.GROUP_POLICY_CONFIGURATIONS: AuditName(_I, "groupPolicyConfiguration"),
        _T.INTENTS: AuditName(_I, "deviceManagementIntent"),
        _T.REUSABLE_POLICY_SETTINGS: AuditName(_I, "deviceManagementReusablePolicySetting"),
        _T.DEVICE_MANAGEMENT_SCRIPTS: AuditName(_I, "deviceManagementScript"),
        _T.DEVICE_SHELL_SCRIPTS: AuditName(_I, "deviceShellScript"),
        _T.DEVICE_CUSTOM_ATTRIBUTE_SHELL_SCRIPTS: AuditName(_I, "deviceCustomAttributeShellScript"),
        _T.DEVICE_HEALTH_SCRIPTS: AuditName(_I, "deviceHealthScript"),
        _T.DEVICE_COMPLIANCE_SCRIPTS: AuditName(_I, "deviceComplianceScript"),
        _T.IOS_MANAGED_APP_PROTECTIONS: AuditName(_I, "iosManagedAppProtection"),
        _T.ANDROID_MANAGED_APP_PROTECTIONS: AuditName(_I, "androidManagedAppProtection"),
        _T.WINDOWS_MANAGED_APP_PROTECTIONS: AuditName(_I, "windowsManagedAppProtection"),
        _T.MOBILE_APP_CONFIGURATIONS: AuditName(_I, "managedDeviceMobileAppConfiguration"),
        _T.TARGETED_MANAGED_APP_CONFIGURATIONS: AuditName(_I, "targetedManagedAppConfiguration"),
        _T.MOBILE_APPS: AuditName(_I, "mobileApp"),
        _T.DEVICE_ENROLLMENT_CONFIGURATIONS: AuditName(_I, "deviceEnrollmentConfiguration"),
        _T.WINDOWS_AUTOPILOT_DEPLOYMENT_PROFILES: AuditName(_I, "windowsAutopilotDeploymentProfile"),
        _T.DEP_ONBOARDING_SETTINGS: AuditName(_I, "depOnboardingSetting"),
        _T.WINDOWS_FEATURE_UPDATE_PROFILES: AuditName(_I, "windowsFeatureUpdateProfile"),
        _T.WINDOWS_QUALITY_UPDATE_PROFILES: AuditName(_I, "windowsQualityUpdateProfile"),
        _T.WINDOWS_DRIVER_UPDATE_PROFILES: AuditName(_I, "windowsDriverUpdateProfile"),
        _T.GROUPS: AuditName(_D, "group"),
        _T.GROUP_LIFECYCLE_POLICIES: AuditName(_D, "groupLifecyclePolicy"),
        _T.APPLICATIONS: AuditName(_D, "application"),
        _T.SERVICE_PRINCIPALS: AuditName(_D, "servicePrincipal"),
        _T.CLAIMS_MAPPING_POLICIES: AuditName(_D, "claimsMappingPolicy"),
        _T.HOME_REALM_DISCOVERY_POLICIES: AuditName(_D, "homeRealmDiscoveryPolicy"),
        _T.TOKEN_ISSUANCE_POLICIES: AuditName(_D, "tokenIssuancePolicy"),
        _T.ATTRIBUTE_SETS: AuditName(_D, "attributeSet"),
        _T.CUSTOM_SECURITY_ATTRIBUTE_DEFINITIONS: AuditName(_D, "customSecurityAttributeDefinition"),
        _T.IDENTITY_PROVIDERS: AuditName(_D, "identityProviderBase"),
        _T.CONNECTED_ORGANIZATIONS: AuditName(_D, "connectedOrganization"),
        _T.ACCESS_PACKAGE_CATALOGS: AuditName(_D, "accessPackageCatalog"),
        _T.ACCESS_PACKAGES: AuditName(_D, "accessPackage"),
        _T.ACCESS_PACKAGE_ASSIGNMENT_POLICIES: AuditName(_D, "accessPackageAssignmentPolicy"),
        _T.ACCESS_REVIEW_DEFINITIONS: AuditName(_D, "accessReviewScheduleDefinition"),
        _T.LIFECYCLE_WORKFLOWS: AuditName(_D, "workflow"),  # "Create workflow", Lifecycle Workflows
        # PIM for directory roles (issue 22)
        _T.ROLE_MANAGEMENT_POLICIES: AuditName(_D, "unifiedRoleManagementPolicy"),
        _T.ROLE_MANAGEMENT_POLICY_ASSIGNMENTS: AuditName(_D, "unifiedRoleManagementPolicyAssignment"),
        _T.ROLE_ELIGIBILITY_SCHEDULES: AuditName(_D, "unifiedRoleEligibilitySchedule"),
        _T.ROLE_ASSIGNMENT_SCHEDULES: AuditName(_D, "unifiedRoleAssignmentSchedule"),
        # Consent: Entra records "Add delegated permission grant" against the grant's own type.
        _T.OAUTH2_PERMISSION_GRANTS: AuditName(_D, "oAuth2PermissionGrant"),
    }
)

UNIFIED_AUDIT_LOG_ONLY = frozenset(
    {
        _T.SHAREPOINT_SETTINGS,
        _T.PROFILE_CARD_PROPERTIES,
        _T.PRONOUNS_SETTINGS,
        _T.ITEM_INSIGHTS,
        _T.MICROSOFT_365_APPS_INSTALLATION_OPTIONS,
        _T.ADMIN_REPORT_SETTINGS,
        _T.TEAMS_APPS,
    }
)
"""The Microsoft 365 admin centre's settings (Graph's ``admin/...``) and Teams' app catalogue: their changes are recorded in the
unified (Purview) audit log, not in Entra's directory audits or Intune's audit events, so the watch does
not see them; the scheduled sync's backup still does."""


@cache
def audit_names() -> Mapping[ResourceType, AuditName]:
    """Every watched type's audit log and name; a type missing here is in no audit log the watch reads.
    The Exchange admin API's types are named by their cmdlets' noun, in their endpoint's record type."""
    cmdlet_types = {
        entry.name: AuditName(
            AuditSource.EXCHANGE_ADMIN if entry.service == Service.EXCHANGE else AuditSource.COMPLIANCE_ADMIN,
            entry.cmdlets.noun,
        )
        for entry in exchange_types()
        if entry.cmdlets is not None
    }
    return MappingProxyType({**_GRAPH_AUDIT_NAMES, **cmdlet_types})


def named_type(source: AuditSource, model: str, among: Iterable[ResourceType]) -> ResourceType | None:
    """The type among ``among`` (a Tenant's types) whose objects ``source`` names ``model``
    (compared without case or spaces: "conditional access policy" names ``conditionalAccessPolicy``)."""
    wanted = model.replace(" ", "").lower()
    return next(
        (
            name
            for name in among
            if (entry := audit_names().get(name)) is not None
            and entry.source == source
            and entry.model.lower() == wanted
        ),
        None,
    )


def audit_sources(types: Iterable[ResourceType]) -> list[AuditSource]:
    """The audit logs that record changes to ``types``, in a fixed order."""
    names = audit_names()
    used = {names[name].source for name in types if name in names}
    return [source for source in AuditSource if source in used]


def drift_permission_needs(types: Iterable[ResourceType]) -> dict[str, tuple[ResourceType, ...]]:
    """Each application permission reading the audit logs of ``types`` needs, with the types watched
    through it (for `kubectl tenantsync permissions`)."""
    needs: dict[str, list[ResourceType]] = {}
    for name in dict.fromkeys(types):
        entry = audit_names().get(name)
        if entry is not None:
            read = AUDIT_LOGS[entry.source]
            needs.setdefault(read.permission, []).append(name)
            if read.service == Service.EXCHANGE:
                needs.setdefault(AUDIT_LOG_ROLE_NEED, []).append(name)
    return {permission: tuple(needs[permission]) for permission in sorted(needs)}
