"""Initial tenants: ``empty`` (none at all) and ``demo`` (one realistic Contoso tenant).

The demo tenant's identifiers are fixed and documented in docs/simulator.md so a person can explore it
with curl. Its objects follow the shapes of Microsoft's documented examples and get stable ids, so two
starts produce the same tenant.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from tenantsync_sim import pim_seeds
from tenantsync_sim.defaults import default_singletons
from tenantsync_sim.exchange import seeds as exchange_seeds
from tenantsync_sim.exchange.roles import MANAGE_AS_APP, SEEDED_ROLES
from tenantsync_sim.graph import teams_seeds
from tenantsync_sim.graph.registrations import mirror_registrations
from tenantsync_sim.graph.resources import BY_KEY, RESOURCES, Navigation, ResourceType, resolve_reference
from tenantsync_sim.shapes import TEMPLATES, ZERO_GUID, assignment_extras
from tenantsync_sim.state import (
    Application,
    ClientSecret,
    JsonObject,
    SimState,
    StoredStream,
    Tenant,
    User,
    stable_id,
)

DEMO_TENANT_ID = "3f2b9c4e-5a6d-4e7f-8a9b-0c1d2e3f4a5b"
DEMO_DOMAINS = ["contoso.onmicrosoft.com", "contoso.com"]
DEMO_CLIENT_ID = "5b7c9d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e"
DEMO_CLIENT_SECRET = "Sim8Q~tenantsync-demo-secret-not-for-production"
DEMO_PUBLIC_CLIENT_ID = "8a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d"
DEMO_ADMIN_UPN = "admin@contoso.onmicrosoft.com"
DEMO_PASSWORD = "Sim-Demo-Passw0rd!"

DEMO_APPLICATION_PERMISSIONS = [
    "Policy.Read.All",
    "Policy.ReadWrite.ConditionalAccess",
    "Policy.ReadWrite.AuthenticationMethod",
    "Policy.ReadWrite.Authorization",
    "Policy.ReadWrite.CrossTenantAccess",
    "Policy.ReadWrite.SecurityDefaults",
    "DeviceManagementConfiguration.ReadWrite.All",
    "Group.Read.All",
    "Application.Read.All",
    "Organization.Read.All",
    "DeviceManagementApps.ReadWrite.All",
    "DeviceManagementServiceConfig.ReadWrite.All",
    "DeviceManagementRBAC.ReadWrite.All",
    "DeviceManagementManagedDevices.ReadWrite.All",
    "DeviceManagementScripts.ReadWrite.All",
    "Policy.ReadWrite.AuthenticationFlows",
    "Policy.ReadWrite.DeviceConfiguration",
    "Policy.ReadWrite.ExternalIdentities",
    "Policy.ReadWrite.ConsentRequest",
    "Policy.ReadWrite.ApplicationConfiguration",
    "Policy.ReadWrite.PermissionGrant",
    "Directory.ReadWrite.All",
    "AdministrativeUnit.ReadWrite.All",
    "Agreement.ReadWrite.All",
    "OrganizationalBranding.ReadWrite.All",
    "Group.ReadWrite.All",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "CustomSecAttributeDefinition.ReadWrite.All",
    "IdentityProvider.ReadWrite.All",
    "PeopleSettings.ReadWrite.All",
    "ConfigurationMonitoring.ReadWrite.All",
    "OrgSettings-Microsoft365Install.ReadWrite.All",
    "ReportSettings.ReadWrite.All",
    "SharePointTenantSettings.ReadWrite.All",
    "EntitlementManagement.ReadWrite.All",
    "AccessReview.ReadWrite.All",
    "LifecycleWorkflows.ReadWrite.All",
    "AuditLog.Read.All",
    "RoleManagementPolicy.ReadWrite.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "AppCatalog.Read.All",
]
DEMO_DELEGATED_PERMISSIONS = [
    "Policy.Read.All",
    "Policy.ReadWrite.ConditionalAccess",
    "Policy.ReadWrite.HybridAuthentication",
    "TeamworkAppSettings.ReadWrite.All",
    "user_impersonation",
]

_GROUP_NAMES = [
    "All Employees",
    "Break Glass Accounts",
    "Conditional Access Exclusions",
    "Intune Pilot",
    "Intune Broad",
    "Windows Devices",
    "iOS Devices",
    "Android Devices",
    "macOS Devices",
    "Finance",
    "Human Resources",
    "Engineering",
    "Sales",
    "Marketing",
    "Executives",
    "Helpdesk",
    "Security Operations",
    "Contractors",
    "Guests",
    "Frontline Workers",
    "Kiosk Devices",
    "Shared Devices",
    "Developers",
    "Privileged Admins",
]
_ADMIN_ROLES = [
    "62e90394-69f5-4237-9190-012177145e10",  # Global Administrator
    "194ae4cb-b126-40b2-bd5b-6091b380977d",  # Security Administrator
    "e8611ab8-c189-46e8-94e1-60213ab1f814",  # Privileged Role Administrator
    "3a2c62db-5318-420d-8d74-23affee5d9d5",  # Intune Administrator
]
_COUNTRIES = ["US", "GB", "DE", "FR", "NL", "IE", "CA", "AU", "JP", "IN", "BR", "SE", "CH", "ES", "IT"]
_BLOCKED_COUNTRIES = ["KP", "IR", "SY", "CU", "RU", "BY"]


def _sid(kind: str, index: int) -> str:
    return stable_id("demo", kind, str(index))


_DYNAMIC_GROUPS = {"All Employees": '(user.accountEnabled -eq true) and (user.userType -eq "Member")'}
_ROLE_ASSIGNABLE_GROUPS = frozenset({"Privileged Admins", "Break Glass Accounts"})
_MICROSOFT_365_GROUPS = {"Contoso Leadership": "Private", "Project Phoenix": "Public"}
_OWNERS = [{"@odata.type": "#microsoft.graph.user", "id": stable_id("demo", "user", "admin")}]
"""The demo admin owns the Microsoft 365 groups and every fourth security group."""
_MEMBERS = [
    {"@odata.type": "#microsoft.graph.user", "id": stable_id("demo", "user", name)}
    for name in ("admin", "mfa", "blocked")
]
"""Assigned members: none to three for a security group, by its index; a dynamic group's are the
service's (computed from its rule), a Microsoft 365 group's the admin."""


def _groups() -> list[JsonObject]:
    """Security groups (one dynamic, two role-assignable) and Microsoft 365 groups with mailboxes."""
    security = [
        {
            "id": _sid("group", i),
            "displayName": name,
            "description": f"{name} (simulated)",
            "mailEnabled": False,
            "mailNickname": name.lower().replace(" ", "-"),
            "securityEnabled": True,
            "groupTypes": ["DynamicMembership"] if name in _DYNAMIC_GROUPS else [],
            "membershipRule": _DYNAMIC_GROUPS.get(name),
            "membershipRuleProcessingState": "On" if name in _DYNAMIC_GROUPS else None,
            "isAssignableToRole": name in _ROLE_ASSIGNABLE_GROUPS,
            "visibility": "Private" if name in _ROLE_ASSIGNABLE_GROUPS else None,
            "owners": deepcopy(_OWNERS) if i % 4 == 0 else [],
            "members": deepcopy(_MEMBERS[: 2 if name in _DYNAMIC_GROUPS else i % 4]),
        }
        for i, name in enumerate(_GROUP_NAMES)
    ]
    unified = [
        {
            "id": _sid("unifiedGroup", i),
            "displayName": name,
            "description": f"{name} (simulated)",
            "mail": f"{name.lower().replace(' ', '-')}@contoso.com",
            "mailEnabled": True,
            "mailNickname": name.lower().replace(" ", "-"),
            "securityEnabled": False,
            "groupTypes": ["Unified"],
            "membershipRule": None,
            "membershipRuleProcessingState": None,
            "isAssignableToRole": False,
            "visibility": visibility,
            "owners": deepcopy(_OWNERS),
            "members": deepcopy(_MEMBERS[:1]),
        }
        for i, (name, visibility) in enumerate(_MICROSOFT_365_GROUPS.items())
    ]
    return security + unified


def _named_locations() -> list[JsonObject]:
    locations: list[JsonObject] = []
    for i in range(18):
        locations.append(
            {
                "@odata.type": "#microsoft.graph.ipNamedLocation",
                "id": _sid("namedLocation", i),
                "displayName": f"Office network {i + 1:02d}",
                "isTrusted": i % 3 != 2,
                "ipRanges": [
                    {
                        "@odata.type": "#microsoft.graph.iPv4CidrRange",
                        "cidrAddress": f"203.0.{113 + i % 10}.{i * 8}/29",
                    },
                    {"@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": f"2001:db8:{i:x}::/48"},
                ],
            }
        )
    for i in range(12):
        countries = [_COUNTRIES[(i + k) % len(_COUNTRIES)] for k in range(1 + i % 4)]
        locations.append(
            {
                "@odata.type": "#microsoft.graph.countryNamedLocation",
                "id": _sid("namedLocation", 100 + i),
                "displayName": f"Allowed countries {i + 1:02d}" if i else "Blocked countries",
                "countriesAndRegions": countries if i else _BLOCKED_COUNTRIES,
                "includeUnknownCountriesAndRegions": i % 5 == 0,
                "countryLookupMethod": "clientIpAddress",
            }
        )
    return locations


def _ca_conditions(**overrides: Any) -> JsonObject:
    conditions: JsonObject = {
        "userRiskLevels": [],
        "signInRiskLevels": [],
        "clientAppTypes": ["all"],
        "servicePrincipalRiskLevels": [],
        "platforms": None,
        "locations": None,
        "devices": None,
        "clientApplications": None,
        "applications": {
            "includeApplications": ["All"],
            "excludeApplications": [],
            "includeUserActions": [],
            "includeAuthenticationContextClassReferences": [],
        },
        "users": {
            "includeUsers": ["All"],
            "excludeUsers": [],
            "includeGroups": [],
            "excludeGroups": [_sid("group", 1)],
            "includeRoles": [],
            "excludeRoles": [],
        },
    }
    conditions.update(overrides)
    return conditions


def _grant(*controls: str, operator: str = "OR") -> JsonObject:
    return {
        "operator": operator,
        "builtInControls": list(controls),
        "customAuthenticationFactors": [],
        "termsOfUse": [],
        "authenticationStrength": None,
    }


def _ca_policies() -> list[JsonObject]:
    templates: list[tuple[str, JsonObject, JsonObject, JsonObject | None]] = [
        (
            "Require MFA for administrators",
            _ca_conditions(
                users={
                    "includeUsers": [],
                    "excludeUsers": [],
                    "includeGroups": [],
                    "excludeGroups": [_sid("group", 1)],
                    "includeRoles": _ADMIN_ROLES,
                    "excludeRoles": [],
                }
            ),
            _grant("mfa"),
            None,
        ),
        (
            "Block legacy authentication",
            _ca_conditions(clientAppTypes=["exchangeActiveSync", "other"]),
            _grant("block"),
            None,
        ),
        (
            "Require compliant or hybrid joined device",
            _ca_conditions(),
            _grant("compliantDevice", "domainJoinedDevice"),
            None,
        ),
        (
            "Block access from blocked countries",
            _ca_conditions(
                locations={"includeLocations": [_sid("namedLocation", 100)], "excludeLocations": []}
            ),
            _grant("block"),
            None,
        ),
        (
            "Require MFA outside trusted locations",
            _ca_conditions(locations={"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
            _grant("mfa"),
            None,
        ),
        (
            "Require approved client app on mobile",
            _ca_conditions(platforms={"includePlatforms": ["android", "iOS"], "excludePlatforms": []}),
            _grant("approvedApplication", "compliantApplication"),
            None,
        ),
        (
            "Sign-in frequency for unmanaged devices",
            _ca_conditions(),
            _grant("mfa"),
            {
                "applicationEnforcedRestrictions": None,
                "cloudAppSecurity": None,
                "persistentBrowser": None,
                "signInFrequency": {
                    "value": 8,
                    "type": "hours",
                    "authenticationType": "primaryAndSecondaryAuthentication",
                    "frequencyInterval": "timeBased",
                    "isEnabled": True,
                },
            },
        ),
        (
            "Require MFA for risky sign-ins",
            _ca_conditions(signInRiskLevels=["high", "medium"]),
            _grant("mfa"),
            None,
        ),
        (
            "Require password change for high-risk users",
            _ca_conditions(userRiskLevels=["high"]),
            _grant("mfa", "passwordChange", operator="AND"),
            None,
        ),
    ]
    states = itertools.cycle(["enabled", "enabledForReportingButNotEnforced", "enabled", "disabled"])
    policies: list[JsonObject] = []
    for i in range(40):
        name, conditions, grant, session = templates[i % len(templates)]
        group = _sid("group", 3 + i % (len(_GROUP_NAMES) - 3))
        scoped = dict(conditions)
        if i >= len(templates):
            scoped["users"] = {**conditions["users"], "includeUsers": [], "includeGroups": [group]}
        policies.append(
            {
                "id": _sid("conditionalAccessPolicy", i),
                "templateId": None,
                "displayName": f"CA{i + 1:03d} - {name}",
                "createdDateTime": f"2025-0{1 + i % 9}-1{i % 10}T08:{i % 60:02d}:00.000Z",
                "modifiedDateTime": None,
                "state": next(states),
                "sessionControls": session,
                "conditions": scoped,
                "grantControls": grant,
            }
        )
    return policies


def _auth_strengths() -> list[JsonObject]:
    built_in = [
        (
            "00000000-0000-0000-0000-000000000002",
            "Multifactor authentication",
            [
                "windowsHelloForBusiness",
                "fido2",
                "x509CertificateMultiFactor",
                "deviceBasedPush",
                "temporaryAccessPassOneTime",
                "password,microsoftAuthenticatorPush",
                "password,softwareOath",
                "password,hardwareOath",
                "password,sms",
                "password,voice",
            ],
        ),
        (
            "00000000-0000-0000-0000-000000000003",
            "Passwordless MFA",
            ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"],
        ),
        (
            "00000000-0000-0000-0000-000000000004",
            "Phishing-resistant MFA",
            ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
        ),
    ]
    policies: list[JsonObject] = [
        {
            "id": sid,
            "createdDateTime": "2021-12-01T00:00:00.000Z",
            "modifiedDateTime": "2021-12-01T00:00:00.000Z",
            "displayName": name,
            "description": f"Built-in {name.lower()} strength",
            "policyType": "builtIn",
            "requirementsSatisfied": "mfa",
            "allowedCombinations": combos,
        }
        for sid, name, combos in built_in
    ]
    for i, combos in enumerate(
        [["fido2"], ["fido2", "windowsHelloForBusiness", "password,microsoftAuthenticatorPush"]]
    ):
        policies.append(
            {
                "id": _sid("authenticationStrength", i),
                "createdDateTime": "2025-02-01T10:00:00.000Z",
                "modifiedDateTime": "2025-02-01T10:00:00.000Z",
                "displayName": f"Contoso strength {i + 1}",
                "description": "Custom authentication strength",
                "policyType": "custom",
                "requirementsSatisfied": "mfa",
                "allowedCombinations": combos,
            }
        )
    return policies


def _assignment(entity: str, policy_id: str, index: int, with_source: bool = False) -> JsonObject:
    group = _sid("group", 3 + index % (len(_GROUP_NAMES) - 3))
    target: JsonObject = {
        "@odata.type": "#microsoft.graph.groupAssignmentTarget",
        "deviceAndAppManagementAssignmentFilterId": None,
        "deviceAndAppManagementAssignmentFilterType": "none",
        "groupId": group,
    }
    assignment: JsonObject = {"@odata.type": entity, "id": f"{policy_id}_{group}"}
    if with_source:
        assignment |= {"source": "direct", "sourceId": policy_id}
    assignment["target"] = target
    return assignment


_DEVICE_CONFIGURATION_SHAPES: list[tuple[str, str, JsonObject]] = [
    (
        "#microsoft.graph.windows10GeneralConfiguration",
        "Windows - Device restrictions",
        {
            "passwordRequired": True,
            "passwordMinimumLength": 8,
            "passwordBlockSimple": True,
            "passwordRequiredType": "alphanumeric",
            "passwordMinutesOfInactivityBeforeScreenTimeout": 15,
            "defenderRequireRealTimeMonitoring": True,
            "defenderScanType": "quick",
            "smartScreenEnableAppInstallControl": True,
            "cameraBlocked": False,
            "bluetoothBlocked": False,
            "storageBlockRemovableStorage": False,
            "edgeBlockPopups": True,
        },
    ),
    (
        "#microsoft.graph.iosGeneralDeviceConfiguration",
        "iOS - Device restrictions",
        {
            "passcodeRequired": True,
            "passcodeMinimumLength": 6,
            "passcodeBlockSimple": True,
            "passcodeRequiredType": "numeric",
            "passcodeMinutesOfInactivityBeforeLock": 5,
            "cameraBlocked": False,
            "iCloudBlockBackup": False,
            "appStoreBlocked": False,
            "safariBlockAutofill": False,
            "airDropBlocked": True,
        },
    ),
    (
        "#microsoft.graph.androidWorkProfileGeneralDeviceConfiguration",
        "Android - Work profile restrictions",
        {
            "passwordRequiredType": "deviceDefault",
            "passwordMinimumLength": 6,
            "workProfileBlockCamera": False,
            "workProfileDataSharingType": "preventAny",
            "workProfileBlockScreenCapture": True,
            "securityRequireVerifyApps": True,
        },
    ),
    (
        "#microsoft.graph.macOSGeneralDeviceConfiguration",
        "macOS - Device restrictions",
        {
            "passwordRequired": True,
            "passwordMinimumLength": 8,
            "passwordRequiredType": "alphanumeric",
            "passwordMinutesOfInactivityBeforeScreenTimeout": 10,
            "passwordBlockSimple": True,
        },
    ),
    (
        "#microsoft.graph.windows10EndpointProtectionConfiguration",
        "Windows - Endpoint protection",
        {
            "firewallBlockStatefulFTP": True,
            "firewallRules": [],
            "bitLockerEncryptDevice": True,
            "defenderSecurityCenterDisableAppBrowserUI": False,
            "smartScreenBlockOverrideForFiles": True,
            "applicationGuardEnabled": False,
        },
    ),
    (
        "#microsoft.graph.windows10CustomConfiguration",
        "Windows - Custom OMA-URI",
        {
            "omaSettings": [
                {
                    "@odata.type": "#microsoft.graph.omaSettingString",
                    "displayName": "Kiosk unlock code",
                    "description": "Encrypted by Intune; never returned in clear",
                    "omaUri": "./Vendor/MSFT/Policy/Config/Contoso/KioskUnlockCode",
                    "isEncrypted": True,
                    "value": "contoso-kiosk-2025",
                },
                {
                    "@odata.type": "#microsoft.graph.omaSettingInteger",
                    "displayName": "Screen timeout",
                    "description": None,
                    "omaUri": "./Device/Vendor/MSFT/Policy/Config/DeviceLock/MaxInactivityTimeDeviceLock",
                    "isEncrypted": False,
                    "secretReferenceValueId": None,
                    "isReadOnly": False,
                    "value": 15,
                },
            ],
        },
    ),
    (
        "#microsoft.graph.windowsWifiConfiguration",
        "Windows - Wi-Fi",
        {
            "networkName": "Contoso-Staff",
            "ssid": "Contoso-Staff",
            "connectAutomatically": True,
            "connectWhenNetworkNameIsHidden": False,
            "wifiSecurityType": "wpa2Personal",
            "preSharedKey": "correct horse battery staple",
            "proxySetting": "none",
        },
    ),
]


def _with_secret_references(settings: JsonObject, index: int) -> JsonObject:
    """A copy of the settings whose encrypted OMA values each have a reference of their own."""
    copied = deepcopy(settings)
    for setting in copied.get("omaSettings") or []:
        if setting.get("isEncrypted"):
            setting["secretReferenceValueId"] = _sid("omaSecret", index)
    return copied


def _device_configurations() -> list[JsonObject]:
    items: list[JsonObject] = []
    for i in range(120):
        odata_type, name, settings = _DEVICE_CONFIGURATION_SHAPES[i % len(_DEVICE_CONFIGURATION_SHAPES)]
        policy_id = _sid("deviceConfiguration", i)
        items.append(
            {
                "@odata.type": odata_type,
                "id": policy_id,
                "lastModifiedDateTime": "2025-03-01T09:00:00.000Z",
                "roleScopeTagIds": ["0"],
                "supportsScopeTags": True,
                "createdDateTime": "2025-03-01T09:00:00.000Z",
                "description": f"{name} baseline, ring {i // len(_DEVICE_CONFIGURATION_SHAPES) + 1}",
                "displayName": f"{name} {i + 1:03d}",
                "version": 1 + i % 4,
                **_with_secret_references(settings, i),
                "assignments": [
                    _assignment("#microsoft.graph.deviceConfigurationAssignment", policy_id, i + k)
                    for k in range(i % 3)
                ],
            }
        )
    return items


_COMPLIANCE_SHAPES: list[tuple[str, str, JsonObject]] = [
    (
        "#microsoft.graph.windows10CompliancePolicy",
        "Windows compliance",
        {
            "passwordRequired": True,
            "passwordMinimumLength": 8,
            "osMinimumVersion": "10.0.19045",
            "bitLockerEnabled": True,
            "secureBootEnabled": True,
            "codeIntegrityEnabled": True,
            "storageRequireEncryption": True,
            "defenderEnabled": True,
            "rtpEnabled": True,
            "antivirusRequired": True,
            "antiSpywareRequired": True,
        },
    ),
    (
        "#microsoft.graph.iosCompliancePolicy",
        "iOS compliance",
        {
            "passcodeRequired": True,
            "passcodeMinimumLength": 6,
            "passcodeBlockSimple": True,
            "osMinimumVersion": "17.0",
            "securityBlockJailbrokenDevices": True,
            "managedEmailProfileRequired": False,
        },
    ),
    (
        "#microsoft.graph.androidWorkProfileCompliancePolicy",
        "Android work profile compliance",
        {
            "passwordRequired": True,
            "passwordMinimumLength": 6,
            "passwordRequiredType": "numericComplex",
            "securityBlockJailbrokenDevices": True,
            "osMinimumVersion": "12.0",
            "storageRequireEncryption": True,
        },
    ),
    (
        "#microsoft.graph.macOSCompliancePolicy",
        "macOS compliance",
        {
            "passwordRequired": True,
            "passwordMinimumLength": 8,
            "osMinimumVersion": "14.0",
            "systemIntegrityProtectionEnabled": True,
            "storageRequireEncryption": True,
            "firewallEnabled": True,
        },
    ),
]


def _compliance_policies() -> list[JsonObject]:
    items: list[JsonObject] = []
    for i in range(60):
        odata_type, name, settings = _COMPLIANCE_SHAPES[i % len(_COMPLIANCE_SHAPES)]
        policy_id = _sid("deviceCompliancePolicy", i)
        items.append(
            {
                "@odata.type": odata_type,
                "id": policy_id,
                "roleScopeTagIds": ["0"],
                "createdDateTime": "2025-03-02T09:00:00.000Z",
                "description": f"{name} for ring {i // len(_COMPLIANCE_SHAPES) + 1}",
                "lastModifiedDateTime": "2025-03-02T09:00:00.000Z",
                "displayName": f"{name} {i + 1:03d}",
                "version": 1,
                **settings,
                "scheduledActionsForRule": [
                    {
                        "@odata.type": "#microsoft.graph.deviceComplianceScheduledActionForRule",
                        "id": stable_id("demo", "rule", policy_id),
                        "ruleName": "PasswordRequired",
                        "scheduledActionConfigurations": [
                            {
                                "@odata.type": "#microsoft.graph.deviceComplianceActionItem",
                                "id": stable_id("demo", "action", policy_id),
                                "gracePeriodHours": 24 * (i % 3),
                                "actionType": "block",
                                "notificationTemplateId": ZERO_GUID,
                                "notificationMessageCCList": [],
                            }
                        ],
                    }
                ],
                "assignments": [
                    _assignment("#microsoft.graph.deviceCompliancePolicyAssignment", policy_id, i + k)
                    for k in range(1 + i % 2)
                ],
            }
        )
    return items


def _choice(definition: str, value: str) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": definition,
            "settingInstanceTemplateReference": None,
            "choiceSettingValue": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
                "settingValueTemplateReference": None,
                "value": f"{definition}_{value}",
                "children": [],
            },
        },
    }


def _integer(definition: str, value: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": definition,
            "settingInstanceTemplateReference": None,
            "simpleSettingValue": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
                "settingValueTemplateReference": None,
                "value": value,
            },
        },
    }


_SETTINGS_CATALOG_SHAPES: list[tuple[str, str, Callable[[int], list[JsonObject]]]] = [
    (
        "Windows - Defender Antivirus",
        "windows10",
        lambda i: [
            _choice("device_vendor_msft_policy_config_defender_allowrealtimemonitoring", "1"),
            _choice("device_vendor_msft_policy_config_defender_allowcloudprotection", "1"),
            _integer("device_vendor_msft_policy_config_defender_avgcpuloadfactor", 30 + i % 20),
        ],
    ),
    (
        "Windows - Update rings",
        "windows10",
        lambda i: [
            _integer("device_vendor_msft_policy_config_update_deferqualityupdatesperiodindays", i % 7),
            _integer("device_vendor_msft_policy_config_update_deferfeatureupdatesperiodindays", 30 * (i % 4)),
        ],
    ),
    (
        "Edge - Security baseline",
        "windows10",
        lambda i: [
            _choice(
                "device_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge_smartscreenenabled",
                "1",
            ),
            _choice(
                "device_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge_passwordmanagerenabled",
                "0",
            ),
        ],
    ),
    (
        "macOS - Screen saver",
        "macOS",
        lambda i: [
            _integer("com.apple.screensaver_idletime", 300 + 60 * (i % 5)),
            _choice("com.apple.screensaver_askforpassword", "true"),
        ],
    ),
]


def _settings_catalog() -> list[JsonObject]:
    items: list[JsonObject] = []
    for i in range(80):
        name, platform, settings = _SETTINGS_CATALOG_SHAPES[i % len(_SETTINGS_CATALOG_SHAPES)]
        policy_id = _sid("configurationPolicy", i)
        policy_settings = settings(i)
        for index, setting in enumerate(policy_settings):
            setting["id"] = str(index)
        items.append(
            {
                "id": policy_id,
                "createdDateTime": "2025-03-03T09:00:00.000Z",
                "creationSource": None,
                "description": f"{name} for ring {i // len(_SETTINGS_CATALOG_SHAPES) + 1}",
                "lastModifiedDateTime": "2025-03-03T09:00:00.000Z",
                "name": f"{name} {i + 1:03d}",
                "platforms": platform,
                "roleScopeTagIds": ["0"],
                "technologies": "mdm",
                "templateReference": {
                    "templateId": "",
                    "templateFamily": "none",
                    "templateDisplayName": None,
                    "templateDisplayVersion": None,
                },
                "settings": policy_settings,
                "assignments": [
                    _assignment(
                        "#microsoft.graph.deviceManagementConfigurationPolicyAssignment",
                        policy_id,
                        i + k,
                        True,
                    )
                    for k in range(i % 2)
                ],
            }
        )
    return items


def _put(tenant: Tenant, key: str, items: list[JsonObject]) -> None:
    tenant.collections[key] = {str(item["id"]): item for item in items}


def demo() -> SimState:
    """One tenant with the fixed identifiers documented in docs/simulator.md."""
    tenant = Tenant(id=DEMO_TENANT_ID, display_name="Contoso (simulated)", domains=list(DEMO_DOMAINS))
    far_future = dt.datetime(2099, 12, 31, tzinfo=dt.UTC)
    app = Application(
        app_id=DEMO_CLIENT_ID,
        object_id=stable_id("demo", "application", DEMO_CLIENT_ID),
        service_principal_id=stable_id("demo", "servicePrincipal", DEMO_CLIENT_ID),
        display_name="tenantsync",
        application_permissions=[*DEMO_APPLICATION_PERMISSIONS, MANAGE_AS_APP],
        directory_roles=list(SEEDED_ROLES),
        secrets=[
            ClientSecret(
                key_id=stable_id("demo", "secret"),
                secret_text=DEMO_CLIENT_SECRET,
                start_date_time=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                end_date_time=far_future,
            )
        ],
    )
    public = Application(
        app_id=DEMO_PUBLIC_CLIENT_ID,
        object_id=stable_id("demo", "application", DEMO_PUBLIC_CLIENT_ID),
        service_principal_id=stable_id("demo", "servicePrincipal", DEMO_PUBLIC_CLIENT_ID),
        display_name="tenantsync user sign-in",
        public_client=True,
        delegated_permissions=list(DEMO_DELEGATED_PERMISSIONS),
    )
    for registration in (app, public):
        registration.grant_all()
        tenant.apps[registration.app_id] = registration
    users = [
        User(
            id=stable_id("demo", "user", "admin"),
            user_principal_name=DEMO_ADMIN_UPN,
            display_name="Contoso Admin",
            password=DEMO_PASSWORD,
            is_global_admin=True,
        ),
        User(
            id=stable_id("demo", "user", "blocked"),
            user_principal_name="blocked@contoso.onmicrosoft.com",
            display_name="Blocked By CA",
            password=DEMO_PASSWORD,
            blocked_by_conditional_access=True,
        ),
        User(
            id=stable_id("demo", "user", "mfa"),
            user_principal_name="mfa@contoso.onmicrosoft.com",
            display_name="Needs MFA",
            password=DEMO_PASSWORD,
            mfa_required=True,
        ),
    ]
    tenant.users = {user.id: user for user in users}
    _put(tenant, "groups", _groups())
    _put(tenant, "namedLocations", _named_locations())
    _put(tenant, "conditionalAccessPolicies", _ca_policies())
    _put(tenant, "authenticationStrengthPolicies", _auth_strengths())
    _put(tenant, "deviceConfigurations", _device_configurations())
    _put(tenant, "deviceCompliancePolicies", _compliance_policies())
    _put(tenant, "configurationPolicies", _settings_catalog())
    for group in tenant.collection("groups").values():
        group.setdefault("createdDateTime", "2024-11-01T08:00:00Z")
    for key, (template, count) in TEMPLATES.items():
        resource = BY_KEY[key]
        items = [_instance(tenant, resource, template(i), i) for i in range(count)]
        tenant.collections[key] = {str(item[resource.key_field]): item for item in items}
    mirror_registrations(tenant)
    pim_seeds.add_demo(tenant)
    tenant.singletons = _demo_singletons(tenant.id)
    tenant.streams = {
        "organizationalBranding/0/bannerLogo": StoredStream.of("image/png", BANNER_LOGO),
        "organizationalBranding/fr-FR/customCSS": StoredStream.of("text/css", BRANDING_CSS),
    }
    assert set(tenant.collections) <= set(BY_KEY)
    exchange_seeds.add_demo(tenant)
    teams_seeds.add_demo(tenant)
    state = SimState()
    state.add_tenant(tenant)
    return state


BANNER_LOGO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgqLgCAAHIAU3MyLxFAAAAAElFTkSuQmCC"
)
"""The demo's banner logo: a one-pixel PNG in the branding's blue."""
BRANDING_CSS = b".ext-sign-in-box { border-radius: 4px; }\n"
"""The demo's French sign-in page style sheet."""

_SEEDED_AT = "2025-04-01T09:00:00Z"


def _identify(owner_id: str, nav: Navigation, entries: list[JsonObject]) -> list[JsonObject]:
    """Stable ids for contained objects, so two starts of a seed serve the same ids."""
    for index, entry in enumerate(entries):
        if nav.ids in ("uuid", "client") and "id" not in entry:
            entry["id"] = stable_id(owner_id, nav.name, str(index))
        elif nav.ids == "target":
            entry.pop("id", None)
        for child in nav.children:
            if not child.single:
                _identify(str(entry.get("id", index)), child, entry.get(child.name) or [])
    return entries


def _seed_assignments(resource: ResourceType, owner_id: str, index: int) -> list[JsonObject]:
    """Zero to two group assignments, with the fields this kind of assignment carries."""
    nav = resource.nav("assignments")
    assert nav is not None
    return [
        {
            "@odata.type": nav.entity,
            **assignment_extras(nav.entity),
            "target": _group_target(index + k),
        }
        for k in range(index % 3)
    ]


def _group_target(index: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.groupAssignmentTarget",
        "deviceAndAppManagementAssignmentFilterId": None,
        "deviceAndAppManagementAssignmentFilterType": "none",
        "groupId": _sid("group", 3 + index % (len(_GROUP_NAMES) - 3)),
    }


def _instance(
    tenant: Tenant, resource: ResourceType, item: JsonObject, index: int, seed: str = "demo"
) -> JsonObject:
    """A template object made whole: stable id, numbered name, server fields, assignments, references."""
    if not resource.client_key:
        item = {resource.key_field: stable_id(seed, resource.key, str(index)), **item}
    owner_id = str(item[resource.key_field])
    name = item.get(resource.name_field)
    if isinstance(name, str) and not resource.client_key:
        item[resource.name_field] = f"{name} {index + 1:02d}"
    for stamp in (resource.created_field, resource.modified_field):
        if stamp:
            item[stamp] = _SEEDED_AT
    if resource.nav("assignments") and "assignments" not in item:
        item["assignments"] = _seed_assignments(resource, owner_id, index)
    for nav in resource.navigation:
        if nav.single:  # bound by URL in a template; a copy (the large seed) keeps its original's
            reference = item.pop(f"{nav.name}@odata.bind", None)
            item[nav.name] = resolve_reference(tenant, reference) if reference else item.get(nav.name)
            continue
        entries = _identify(owner_id, nav, item.get(nav.name) or [])
        _bind_children(tenant, nav, entries)
        item[nav.name] = nav.build(owner_id, entries)
    return item


def _bind_children(tenant: Tenant, nav: Navigation, entries: list[JsonObject]) -> None:
    for entry in entries:
        for child in nav.children:
            if child.single:
                reference = entry.pop(f"{child.name}@odata.bind", None)
                entry[child.name] = resolve_reference(tenant, reference) if reference else None
            else:
                _bind_children(tenant, child, entry.get(child.name) or [])


def _demo_singletons(tenant_id: str) -> dict[str, JsonObject]:
    singletons = default_singletons(tenant_id)
    singletons["securityDefaults"]["isEnabled"] = False
    singletons["crossTenantAccessPolicyDefault"]["isServiceDefault"] = False
    singletons["authorizationPolicy"]["allowInvitesFrom"] = "adminsAndGuestInviters"
    singletons["authorizationPolicy"]["defaultUserRolePermissions"] |= {
        "allowedToCreateApps": False,
        "allowedToCreateSecurityGroups": False,
        "allowedToCreateTenants": False,
        "permissionGrantPoliciesAssigned": [],
    }
    singletons["passwordResetPolicy"]["passwordResetEnabledGroupIds"] = [_sid("group", 0)]
    singletons["adminConsentRequestPolicy"] |= {
        "isEnabled": True,
        "notifyReviewers": True,
        "remindersEnabled": True,
        "requestDurationInDays": 14,
        "version": 2,
        "reviewers": [
            {
                "query": f"/groups/{_sid('group', 15)}/transitiveMembers/microsoft.graph.user",
                "queryType": "MicrosoftGraph",
                "queryRoot": None,
            }
        ],
    }
    singletons["organizationalBranding"] |= {
        "backgroundColor": "#0078D4",
        "signInPageText": "Contoso employees and partners only.",
        "usernameHintText": "someone@contoso.com",
        "localizations": [
            {
                "@odata.type": "#microsoft.graph.organizationalBrandingLocalization",
                "id": "fr-FR",
                "backgroundColor": "#0078D4",
                "signInPageText": "Réservé aux employés et partenaires de Contoso.",
                "usernameHintText": "quelquun@contoso.com",
            }
        ],
    }
    singletons["deviceManagementSettings"] |= {
        "deviceComplianceCheckinThresholdDays": 14,
        "secureByDefault": True,
    }
    singletons["applePushNotificationCertificate"] |= {
        "appleIdentifier": "mdm@contoso.com",
        "topicIdentifier": "com.apple.mgmt.External.2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d",
        "lastModifiedDateTime": "2025-03-01T09:00:00Z",
        "expirationDateTime": "2026-03-01T09:00:00Z",
        "certificateUploadStatus": None,
        "certificateSerialNumber": "5A3C2B1D0E9F8A7B",
    }
    # Managed Google Play bound to the organisation's Google account, as in a tenant that uses it:
    # the owner's name is null only while unbound, and backups name the file after it.
    singletons["androidManagedStoreAccountEnterpriseSettings"] |= {
        "bindStatus": "boundAndValidated",
        "lastAppSyncDateTime": "2025-03-02T06:00:00Z",
        "ownerUserPrincipalName": "intune-admin@contoso.com",
        "ownerOrganizationName": "Contoso",
        "lastModifiedDateTime": "2025-03-01T10:00:00Z",
    }
    singletons["pronounsSettings"]["isEnabledInOrganization"] = True
    singletons["itemInsights"]["disabledForGroup"] = _sid("group", 17)
    singletons["sharePointSettings"] |= {
        "sharingCapability": "existingExternalUserSharingOnly",
        "sharingDomainRestrictionMode": "allowList",
        "sharingAllowedDomainList": ["fabrikam.com", "northwindtraders.com"],
        "isLegacyAuthProtocolsEnabled": False,
        "idleSessionSignOut": {"isEnabled": True, "warnAfterInSeconds": 2700, "signOutAfterInSeconds": 3600},
    }
    return singletons


LARGE_OBJECTS = 10_000
LARGE_EXCHANGE_OBJECTS_PER_TYPE = 25
LARGE_TEAMS_POLICIES_PER_TYPE = 25
"""Exchange and Purview objects per type that holds many in the large seed (1,697 in all)."""


def large(objects: int = LARGE_OBJECTS) -> SimState:
    """The demo tenant grown to at least ``objects`` objects spread over every type, for benchmarks.

    Every collection type gets the same share; its objects are copies of the demo's, with new ids and
    numbered names. Types whose keys are chosen by the client or made from a name, and read-only types,
    keep the demo's.
    """
    state = demo()
    tenant = state.tenants[DEMO_TENANT_ID]
    growable = [
        r
        for r in RESOURCES
        if not r.singleton
        and r.writable
        and not r.client_key
        and not r.key_from
        and r.key != "groups"
        and not r.fixed
        and r.schedules is None  # made by the service, or requests: kept as the demo's
    ]
    fixed = sum(len(tenant.collection(r.key)) for r in RESOURCES if not r.singleton and r not in growable)
    share = -(-(objects - fixed - len(tenant.singletons)) // len(growable))
    for resource in growable:
        originals = list(tenant.collection(resource.key).values())
        for index in range(len(originals), share):
            copy = deepcopy(originals[index % len(originals)])
            for nav in resource.navigation:
                if not nav.single and not nav.by_reference:  # links name existing objects: kept
                    _strip_ids(nav, copy.get(nav.name) or [])
            copy.pop(resource.key_field)
            name = copy.get(resource.name_field)
            if isinstance(name, str):
                copy[resource.name_field] = name.rsplit(" ", 1)[0]
            item = _instance(tenant, resource, copy, index, seed="large")
            tenant.collection(resource.key)[str(item[resource.key_field])] = item
    exchange_seeds.grow(tenant, LARGE_EXCHANGE_OBJECTS_PER_TYPE)
    teams_seeds.grow(tenant, LARGE_TEAMS_POLICIES_PER_TYPE)
    return state


def _strip_ids(nav: Navigation, entries: list[JsonObject]) -> None:
    for entry in entries:
        if nav.ids != "index":
            entry.pop("id", None)
        for child in nav.children:
            if not child.single:
                _strip_ids(child, entry.get(child.name) or [])


def empty() -> SimState:
    return SimState()


SEEDS: dict[str, Callable[[], SimState]] = {"demo": demo, "empty": empty, "large": large}
