"""Templates for the objects of each configuration type the seeds create beyond the original thirteen.

Every template follows Microsoft's documented examples and the property names of its model in
msgraph-beta-sdk (beta types) or msgraph-sdk (v1.0 types); a conformance test parses what the
simulator serves from them. The seeds number the names, give stable ids, stamp the server-managed
fields and add group assignments where the type has them. Ids that point at other objects use the
demo tenant's stable ids (``ref``), so references resolve.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from tenantsync_sim.state import JsonObject, stable_id

ZERO_GUID = "00000000-0000-0000-0000-000000000000"


def ref(kind: str, index: int) -> str:
    """The stable id the demo seed gives the ``index``-th object of ``kind``."""
    return stable_id("demo", kind, str(index))


def script(text: str) -> str:
    """Graph carries script bodies as Edm.Binary: base64 of the file's bytes."""
    return base64.b64encode(text.encode()).decode()


def _platform_restriction(blocked: bool = False, personal_blocked: bool = False) -> JsonObject:
    return {
        "platformBlocked": blocked,
        "personalDeviceEnrollmentBlocked": personal_blocked,
        "osMinimumVersion": None,
        "osMaximumVersion": None,
        "blockedManufacturers": [],
        "blockedSkus": [],
    }


def _managed_app(platform: str, app_id: str) -> JsonObject:
    identifier: JsonObject
    if platform == "ios":
        identifier = {"@odata.type": "#microsoft.graph.iosMobileAppIdentifier", "bundleId": app_id}
    elif platform == "android":
        identifier = {"@odata.type": "#microsoft.graph.androidMobileAppIdentifier", "packageId": app_id}
    else:
        identifier = {"@odata.type": "#microsoft.graph.windowsAppIdentifier", "windowsAppId": app_id}
    return {
        "@odata.type": "#microsoft.graph.managedMobileApp",
        "mobileAppIdentifier": identifier,
        "version": "1",
    }


_OFFICE_APPS = {
    "ios": ["com.microsoft.office.outlook", "com.microsoft.skype.teams", "com.microsoft.msedge"],
    "android": ["com.microsoft.office.outlook", "com.microsoft.teams", "com.microsoft.emmx"],
    "windows": ["com.microsoft.edge"],
}


def _app_protection_common() -> JsonObject:
    return {
        "description": "Protects corporate data in Microsoft 365 apps",
        "roleScopeTagIds": ["0"],
        "periodOfflineBeforeAccessCheck": "PT12H",
        "periodOnlineBeforeAccessCheck": "PT30M",
        "allowedInboundDataTransferSources": "managedApps",
        "allowedOutboundDataTransferDestinations": "managedApps",
        "organizationalCredentialsRequired": False,
        "allowedOutboundClipboardSharingLevel": "managedAppsWithPasteIn",
        "dataBackupBlocked": True,
        "deviceComplianceRequired": True,
        "managedBrowserToOpenLinksRequired": False,
        "saveAsBlocked": True,
        "periodOfflineBeforeWipeIsEnforced": "P90D",
        "pinRequired": True,
        "maximumPinRetries": 5,
        "simplePinBlocked": True,
        "minimumPinLength": 6,
        "pinCharacterSet": "numeric",
        "periodBeforePinReset": "PT0S",
        "allowedDataStorageLocations": ["oneDriveForBusiness", "sharePoint"],
        "contactSyncBlocked": False,
        "printBlocked": True,
        "fingerprintBlocked": False,
        "disableAppPinIfDevicePinIsSet": False,
        "minimumRequiredOsVersion": None,
        "minimumWarningOsVersion": None,
        "minimumRequiredAppVersion": None,
        "minimumWarningAppVersion": None,
        "managedBrowser": "microsoftEdge",
        "appActionIfDeviceComplianceRequired": "block",
        "appActionIfMaximumPinRetriesExceeded": "block",
        "targetedAppManagementLevels": "unspecified",
        "appGroupType": "selectedPublicApps",
        "version": "1",
    }


def _ios_protection(i: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.iosManagedAppProtection",
        "displayName": "iOS - Protect Microsoft 365 data",
        **_app_protection_common(),
        "appDataEncryptionType": "whenDeviceLocked",
        "faceIdBlocked": False,
        "minimumRequiredSdkVersion": None,
        "deployedAppCount": 3,
        "apps": [_managed_app("ios", app) for app in _OFFICE_APPS["ios"]],
    }


def _android_protection(i: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.androidManagedAppProtection",
        "displayName": "Android - Protect Microsoft 365 data",
        **_app_protection_common(),
        "screenCaptureBlocked": True,
        "disableAppEncryptionIfDeviceEncryptionIsEnabled": False,
        "encryptAppData": True,
        "minimumRequiredPatchVersion": "2024-01-01",
        "deployedAppCount": 3,
        "apps": [_managed_app("android", app) for app in _OFFICE_APPS["android"]],
    }


def _windows_protection(i: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.windowsManagedAppProtection",
        "displayName": "Windows - Protect Edge data",
        "description": "Edge for Business on personal Windows devices",
        "roleScopeTagIds": ["0"],
        "version": "1",
        "allowedInboundDataTransferSources": "allApps",
        "allowedOutboundClipboardSharingLevel": "none",
        "allowedOutboundDataTransferDestinations": "none",
        "appActionIfUnableToAuthenticateUser": "block",
        "maximumAllowedDeviceThreatLevel": "secured",
        "mobileThreatDefenseRemediationAction": "block",
        "minimumRequiredOsVersion": None,
        "minimumWarningOsVersion": None,
        "minimumRequiredAppVersion": None,
        "minimumWarningAppVersion": None,
        "minimumWipeOsVersion": None,
        "minimumWipeAppVersion": None,
        "minimumRequiredSdkVersion": None,
        "minimumWipeSdkVersion": None,
        "printBlocked": True,
        "periodOfflineBeforeAccessCheck": "PT12H",
        "periodOfflineBeforeWipeIsEnforced": "P90D",
        "deployedAppCount": 1,
        "apps": [_managed_app("windows", app) for app in _OFFICE_APPS["windows"]],
    }


def _mobile_app(i: int) -> JsonObject:
    kinds: list[JsonObject] = [
        {
            "@odata.type": "#microsoft.graph.iosStoreApp",
            "displayName": "Microsoft Authenticator",
            "publisher": "Microsoft Corporation",
            "bundleId": "com.microsoft.azureauthenticator",
            "appStoreUrl": "https://apps.apple.com/us/app/microsoft-authenticator/id983156458",
            "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
            "minimumSupportedOperatingSystem": {"v15_0": True},
        },
        {
            "@odata.type": "#microsoft.graph.webApp",
            "displayName": "Contoso intranet",
            "publisher": "Contoso IT",
            "appUrl": "https://intranet.contoso.com",
            "useManagedBrowser": True,
        },
        {
            "@odata.type": "#microsoft.graph.winGetApp",
            "displayName": "Company Portal",
            "publisher": "Microsoft Corporation",
            "packageIdentifier": "9WZDNCRFJ3PZ",
            "installExperience": {"runAsAccount": "user"},
        },
        {
            "@odata.type": "#microsoft.graph.androidManagedStoreApp",
            "displayName": "Microsoft Teams",
            "publisher": "Microsoft Corporation",
            "packageId": "com.microsoft.teams",
            "appIdentifier": "com.microsoft.teams",
            "appStoreUrl": "https://play.google.com/store/apps/details?id=com.microsoft.teams",
            "isPrivate": False,
            "isSystemApp": False,
        },
    ]
    return {
        **kinds[i % len(kinds)],
        "description": "Approved for corporate use",
        "isFeatured": i % 2 == 0,
        "privacyInformationUrl": None,
        "informationUrl": None,
        "owner": "Contoso IT",
        "developer": "",
        "notes": "",
        "roleScopeTagIds": ["0"],
        "uploadState": 1,
        "publishingState": "published",
        "isAssigned": False,
        "dependentAppCount": 0,
        "supersedingAppCount": 0,
        "supersededAppCount": 0,
    }


def _app_configuration(i: int) -> JsonObject:
    common: JsonObject = {"description": "Managed app settings", "roleScopeTagIds": ["0"], "version": 1}
    if i % 2 == 0:
        return {
            "@odata.type": "#microsoft.graph.iosMobileAppConfiguration",
            "displayName": "iOS - Outlook configuration",
            "targetedMobileApps": [ref("mobileApps", 0)],
            "encodedSettingXml": None,
            "settings": [
                {
                    "appConfigKey": "com.microsoft.outlook.EmailProfile.EmailAddress",
                    "appConfigKeyType": "stringType",
                    "appConfigKeyValue": "{{mail}}",
                },
                {
                    "appConfigKey": "IntuneMAMAllowedAccountsOnly",
                    "appConfigKeyType": "stringType",
                    "appConfigKeyValue": "Enabled",
                },
            ],
            **common,
        }
    return {
        "@odata.type": "#microsoft.graph.androidManagedStoreAppConfiguration",
        "displayName": "Android - Teams configuration",
        "targetedMobileApps": [ref("mobileApps", 3)],
        "packageId": "app:com.microsoft.teams",
        "payloadJson": script('{"kind":"androidenterprise#managedConfiguration","managedProperty":[]}'),
        "permissionActions": [],
        "appSupportsOemConfig": False,
        "profileApplicability": "default",
        "connectedAppsEnabled": False,
        **common,
    }


def _targeted_app_configuration(i: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.targetedManagedAppConfiguration",
        "displayName": "Edge - Managed bookmarks",
        "description": "Bookmarks and home page for Edge",
        "roleScopeTagIds": ["0"],
        "version": "1",
        "customSettings": [
            {
                "name": "com.microsoft.intune.mam.managedbrowser.homepage",
                "value": "https://intranet.contoso.com",
            },
            {
                "name": "com.microsoft.intune.mam.managedbrowser.bookmarks",
                "value": "Contoso|https://www.contoso.com",
            },
        ],
        "appGroupType": "selectedPublicApps",
        "targetedAppManagementLevels": "unspecified",
        "deployedAppCount": 2,
        "apps": [_managed_app("ios", "com.microsoft.msedge"), _managed_app("android", "com.microsoft.emmx")],
    }


def _enrollment_configuration(i: int) -> JsonObject:
    common: JsonObject = {
        "description": "Contoso enrollment",
        "roleScopeTagIds": ["0"],
        "version": 1,
        "priority": i + 1,
    }
    kinds: list[JsonObject] = [
        {
            "@odata.type": "#microsoft.graph.deviceEnrollmentLimitConfiguration",
            "displayName": "Device limit",
            "deviceEnrollmentConfigurationType": "limit",
            "limit": 5,
        },
        {
            "@odata.type": "#microsoft.graph.deviceEnrollmentPlatformRestrictionsConfiguration",
            "displayName": "Platform restrictions",
            "deviceEnrollmentConfigurationType": "platformRestrictions",
            "iosRestriction": _platform_restriction(),
            "windowsRestriction": _platform_restriction(personal_blocked=True),
            "windowsMobileRestriction": _platform_restriction(blocked=True),
            "androidRestriction": _platform_restriction(blocked=True),
            "androidForWorkRestriction": _platform_restriction(),
            "macRestriction": _platform_restriction(blocked=True),
            "macOSRestriction": _platform_restriction(),
        },
        {
            "@odata.type": "#microsoft.graph.deviceEnrollmentWindowsHelloForBusinessConfiguration",
            "displayName": "Windows Hello for Business",
            "deviceEnrollmentConfigurationType": "windowsHelloForBusiness",
            "pinMinimumLength": 6,
            "pinMaximumLength": 127,
            "pinUppercaseCharactersUsage": "allowed",
            "pinLowercaseCharactersUsage": "allowed",
            "pinSpecialCharactersUsage": "allowed",
            "state": "enabled",
            "securityDeviceRequired": True,
            "unlockWithBiometricsEnabled": True,
            "remotePassportEnabled": False,
            "pinPreviousBlockCount": 0,
            "pinExpirationInDays": 0,
            "enhancedBiometricsState": "notConfigured",
            "securityKeyForSignIn": "enabled",
        },
        {
            "@odata.type": "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration",
            "displayName": "Enrollment status page",
            "deviceEnrollmentConfigurationType": "windows10EnrollmentCompletionPageConfiguration",
            "showInstallationProgress": True,
            "blockDeviceSetupRetryByUser": False,
            "allowDeviceResetOnInstallFailure": True,
            "allowLogCollectionOnInstallFailure": True,
            "customErrorMessage": "Contact the Contoso help desk.",
            "installProgressTimeoutInMinutes": 60,
            "allowDeviceUseOnInstallFailure": False,
            "selectedMobileAppIds": [ref("mobileApps", 2)],
            "trackInstallProgressForAutopilotOnly": True,
            "disableUserStatusTrackingAfterFirstUser": True,
        },
        {
            "@odata.type": "#microsoft.graph.deviceEnrollmentNotificationConfiguration",
            "displayName": "Enrollment notification",
            "deviceEnrollmentConfigurationType": "enrollmentNotificationsConfiguration",
            "platformType": "windows",
            "templateType": "email",
            "notificationMessageTemplateId": ref("notificationMessageTemplates", 0),
            "notificationTemplates": [f"Email_{ref('notificationMessageTemplates', 0)}"],
            "brandingOptions": "includeCompanyLogo,includeCompanyName",
            "defaultLocale": "en-US",
        },
    ]
    return {**kinds[i % len(kinds)], **common}


def _autopilot_profile(i: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",
        "displayName": "Autopilot - User driven",
        "description": "Entra joined, user driven",
        "language": "os-default",
        "locale": "os-default",
        "deviceNameTemplate": "CON-%SERIAL%",
        "deviceType": "windowsPc",
        "enableWhiteGlove": True,
        "preprovisioningAllowed": True,
        "extractHardwareHash": False,
        "hardwareHashExtractionEnabled": False,
        "roleScopeTagIds": ["0"],
        "managementServiceAppId": None,
        "outOfBoxExperienceSetting": {
            "privacySettingsHidden": True,
            "eulaHidden": True,
            "userType": "standard",
            "deviceUsageType": "singleUser",
            "keyboardSelectionPageSkipped": True,
            "escapeLinkHidden": True,
        },
        "enrollmentStatusScreenSettings": None,
    }


def _group_policy(i: int) -> JsonObject:
    definition = ref("groupPolicyDefinitions", i % 2)
    presentation = ref("groupPolicyPresentation", i % 2)
    value: JsonObject = (
        {
            "@odata.type": "#microsoft.graph.groupPolicyPresentationValueText",
            "value": "https://intranet.contoso.com",
        }
        if i % 2 == 0
        else {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueBoolean", "value": True}
    )
    return {
        "displayName": "Edge - Administrative template",
        "description": "Administrative templates for Microsoft Edge",
        "roleScopeTagIds": ["0"],
        "policyConfigurationIngestionType": "builtIn",
        "definitionValues": [
            {
                "@odata.type": "#microsoft.graph.groupPolicyDefinitionValue",
                "enabled": True,
                "configurationType": "policy",
                "createdDateTime": "2025-04-01T09:00:00Z",
                "lastModifiedDateTime": "2025-04-01T09:00:00Z",
                "definition@odata.bind": f"https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('{definition}')",
                "presentationValues": [
                    {
                        **value,
                        "createdDateTime": "2025-04-01T09:00:00Z",
                        "lastModifiedDateTime": "2025-04-01T09:00:00Z",
                        "presentation@odata.bind": "https://graph.microsoft.com/beta/deviceManagement/"
                        f"groupPolicyDefinitions('{definition}')/presentations('{presentation}')",
                    }
                ],
            }
        ],
    }


def _group_policy_definition(i: int) -> JsonObject:
    text = i % 2 == 0
    return {
        "@odata.type": "#microsoft.graph.groupPolicyDefinition",
        "classType": "machine",
        "displayName": "Configure the home page URL" if text else "Enable SmartScreen",
        "explainText": "Configures the default home page in Microsoft Edge.",
        "categoryPath": "\\Microsoft Edge\\Startup, home page and new tab page",
        "supportedOn": "Microsoft Edge version 77, Windows 7 or later",
        "policyType": "admxIngested",
        "hasRelatedDefinitions": False,
        "groupPolicyCategoryId": ref("groupPolicyCategory", 0),
        "minDeviceCspVersion": "10.0",
        "minUserCspVersion": "10.0",
        "version": "1.0",
        "presentations": [
            {
                "@odata.type": "#microsoft.graph.groupPolicyPresentationTextBox"
                if text
                else "#microsoft.graph.groupPolicyPresentationCheckBox",
                "id": ref("groupPolicyPresentation", i),
                "label": "Home page URL" if text else "Enable",
                "lastModifiedDateTime": "2025-01-01T00:00:00Z",
                **(
                    {"defaultValue": "", "required": True, "maxLength": 1023}
                    if text
                    else {"defaultChecked": False}
                ),
            }
        ],
    }


INTENT_TEMPLATE_ID = "2d345ec2-c817-49e5-9156-9ed416dc972a"
"""The endpoint security antivirus template the demo's intents are made from."""


def _intent_template(i: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.deviceManagementTemplate",
        "id": INTENT_TEMPLATE_ID,
        "displayName": "Microsoft Defender Antivirus",
        "description": "Microsoft Defender Antivirus settings for Windows 10 and later",
        "versionInfo": "2104",
        "isDeprecated": False,
        "intentCount": 4,
        "templateType": "securityTemplate",
        "platformType": "windows10AndLater",
        "templateSubtype": "antivirus",
        "publishedDateTime": "2021-04-01T00:00:00Z",
        "categories": [
            {
                "@odata.type": "#microsoft.graph.deviceManagementTemplateSettingCategory",
                "id": "9ec5c4f8-4e3d-4e4a-b5a0-7c9f6f6e2a01",
                "displayName": "Defender",
                "hasRequiredSetting": False,
            }
        ],
    }


def _vpp_token(i: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.vppToken",
        "organizationName": "Contoso",
        "vppTokenAccountType": "business",
        "appleId": "vpp@contoso.com",
        "expirationDateTime": "2026-03-01T09:00:00Z",
        "lastSyncDateTime": "2025-04-01T09:00:00Z",
        "state": "valid",
        "tokenActionResults": [],
        "lastSyncStatus": "completed",
        "automaticallyUpdateApps": True,
        "countryOrRegion": "us",
        "dataSharingConsentGranted": True,
        "displayName": "Contoso VPP",
        "locationName": "Contoso",
        "claimTokenManagementFromExternalMdm": False,
        "roleScopeTagIds": ["0"],
    }


def _intent(i: int) -> JsonObject:
    return {
        "displayName": "Endpoint security - Antivirus",
        "description": "Microsoft Defender Antivirus (intent)",
        "templateId": INTENT_TEMPLATE_ID,
        "roleScopeTagIds": ["0"],
        "isMigratingToConfigurationPolicy": False,
        "settings": [
            {
                "@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance",
                "definitionId": "deviceConfiguration--defenderAntivirus_defenderRequireRealTimeMonitoring",
                "valueJson": "true",
                "value": True,
            },
            {
                "@odata.type": "#microsoft.graph.deviceManagementIntegerSettingInstance",
                "definitionId": "deviceConfiguration--defenderAntivirus_defenderScanMaxCpuPercentage",
                "valueJson": str(30 + i % 20),
                "value": 30 + i % 20,
            },
            {
                "@odata.type": "#microsoft.graph.deviceManagementStringSettingInstance",
                "definitionId": "deviceConfiguration--defenderAntivirus_defenderScanType",
                "valueJson": '"quick"',
                "value": "quick",
            },
        ],
    }


def _reusable_setting(i: int) -> JsonObject:
    return {
        "displayName": "Removable storage - allowed USB devices",
        "description": "Reusable group of allowed devices for device control",
        "settingDefinitionId": "device_vendor_msft_defender_configuration_devicecontrol_policygroups",
        "version": 1,
        "referencingConfigurationPolicyCount": 0,
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
            "settingDefinitionId": "device_vendor_msft_defender_configuration_devicecontrol_policygroups",
            "settingInstanceTemplateReference": None,
            "groupSettingCollectionValue": [],
        },
    }


_POWERSHELL = """# Contoso: set the time zone and register the helpdesk contact
Set-TimeZone -Id "W. Europe Standard Time"
New-Item -Path HKLM:\\SOFTWARE\\Contoso -Force | Out-Null
Set-ItemProperty -Path HKLM:\\SOFTWARE\\Contoso -Name Helpdesk -Value "+1 555 0100"
"""
_SHELL = """#!/bin/zsh
# Contoso: turn on the firewall and stealth mode
/usr/libexec/ApplicationFirewall/socketfilterfw --setglobalstate on
/usr/libexec/ApplicationFirewall/socketfilterfw --setstealthmode on
"""
_DETECTION = """$value = Get-ItemPropertyValue -Path HKLM:\\SOFTWARE\\Contoso -Name Helpdesk -ErrorAction SilentlyContinue
if ($value) { exit 0 } else { Write-Output "missing"; exit 1 }
"""
_REMEDIATION = """New-Item -Path HKLM:\\SOFTWARE\\Contoso -Force | Out-Null
Set-ItemProperty -Path HKLM:\\SOFTWARE\\Contoso -Name Helpdesk -Value "+1 555 0100"
"""
_COMPLIANCE_SCRIPT = """$bitlocker = (Get-BitLockerVolume -MountPoint $env:SystemDrive).ProtectionStatus
@{ BitLockerProtection = "$bitlocker" } | ConvertTo-Json -Compress
"""
_ATTRIBUTE = """#!/bin/zsh
/usr/bin/fdesetup status | /usr/bin/awk '{print $3}'
"""


def _powershell_script(i: int) -> JsonObject:
    return {
        "displayName": "Windows - Set time zone",
        "description": "Sets the time zone and help desk contact",
        "scriptContent": script(_POWERSHELL),
        "runAsAccount": "system",
        "enforceSignatureCheck": False,
        "fileName": "Set-ContosoDefaults.ps1",
        "roleScopeTagIds": ["0"],
        "runAs32Bit": False,
    }


def _shell_script(i: int) -> JsonObject:
    return {
        "displayName": "macOS - Firewall",
        "description": "Turns on the application firewall",
        "scriptContent": script(_SHELL),
        "runAsAccount": "system",
        "fileName": "firewall.sh",
        "roleScopeTagIds": ["0"],
        "executionFrequency": "PT0S" if i % 2 else "P1D",
        "retryCount": 3,
        "blockExecutionNotifications": True,
    }


def _custom_attribute_script(i: int) -> JsonObject:
    return {
        "displayName": "macOS - FileVault status",
        "description": "Reports whether FileVault is on",
        "customAttributeName": "FileVaultStatus",
        "customAttributeType": "string",
        "scriptContent": script(_ATTRIBUTE),
        "runAsAccount": "system",
        "fileName": "filevault.sh",
        "roleScopeTagIds": ["0"],
    }


def _health_script(i: int) -> JsonObject:
    return {
        "displayName": "Remediate help desk contact",
        "description": "Detects and restores the help desk registry value",
        "publisher": "Contoso IT",
        "version": "1",
        "runAs32Bit": False,
        "runAsAccount": "system",
        "enforceSignatureCheck": False,
        "detectionScriptContent": script(_DETECTION),
        "remediationScriptContent": script(_REMEDIATION),
        "detectionScriptParameters": [],
        "remediationScriptParameters": [],
        "roleScopeTagIds": ["0"],
        "isGlobalScript": False,
        "highestAvailableVersion": None,
        "deviceHealthScriptType": "deviceHealthScript",
    }


def _compliance_script(i: int) -> JsonObject:
    return {
        "displayName": "Windows - BitLocker protection",
        "description": "Discovery script for custom compliance",
        "publisher": "Contoso IT",
        "version": "1",
        "runAs32Bit": False,
        "runAsAccount": "system",
        "enforceSignatureCheck": False,
        "detectionScriptContent": script(_COMPLIANCE_SCRIPT),
        "roleScopeTagIds": ["0"],
    }


def _settings_compliance(i: int) -> JsonObject:
    return {
        "name": "Linux - Compliance",
        "description": "Settings catalog compliance for Linux",
        "platforms": "linux",
        "technologies": "linuxMdm",
        "roleScopeTagIds": ["0"],
        "creationSource": None,
        "settings": [
            {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
                "settingInstance": {
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                    "settingDefinitionId": "linux_distribution_alloweddistros",
                    "settingInstanceTemplateReference": None,
                    "choiceSettingValue": {
                        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
                        "settingValueTemplateReference": None,
                        "value": "linux_distribution_alloweddistros_ubuntu",
                        "children": [],
                    },
                },
            }
        ],
        "scheduledActionsForRule": [
            {
                "ruleName": None,
                "scheduledActionConfigurations": [
                    {
                        "gracePeriodHours": 24 * (i % 3),
                        "actionType": "block",
                        "notificationTemplateId": ZERO_GUID,
                        "notificationMessageCCList": [],
                    }
                ],
            }
        ],
    }


def _feature_update(i: int) -> JsonObject:
    return {
        "displayName": "Windows 11 24H2",
        "description": "Feature update ring",
        "featureUpdateVersion": "Windows 11, version 24H2",
        "roleScopeTagIds": ["0"],
        "deployableContentDisplayName": "Windows 11, version 24H2",
        "endOfSupportDate": "2026-10-13T00:00:00Z",
        "installLatestWindows10OnWindows11IneligibleDevice": True,
        "installFeatureUpdatesOptional": False,
        "rolloutSettings": {
            "offerStartDateTimeInUTC": None,
            "offerEndDateTimeInUTC": None,
            "offerIntervalInDays": None,
        },
    }


def _quality_update(i: int) -> JsonObject:
    return {
        "displayName": "Expedite security update",
        "description": "Expedites the latest security update",
        "roleScopeTagIds": ["0"],
        "releaseDateDisplayName": "March 11, 2025 - 2025.03 B",
        "deployableContentDisplayName": "03/11/2025 - 2025.03 B Security Updates for Windows 10 and later",
        "expeditedUpdateSettings": {
            "qualityUpdateRelease": "2025-03-11T00:00:00Z",
            "daysUntilForcedReboot": 1,
        },
    }


def _driver_update(i: int) -> JsonObject:
    return {
        "displayName": "Driver updates - Manual approval",
        "description": "Drivers are approved by the device team",
        "approvalType": "manual" if i % 2 == 0 else "automatic",
        "deploymentDeferralInDays": None if i % 2 == 0 else 7,
        "roleScopeTagIds": ["0"],
        "deviceReporting": 0,
        "newUpdates": 0,
        "inventorySyncStatus": {
            "lastSuccessfulSyncDateTime": "2025-04-01T09:00:00Z",
            "driverInventorySyncState": "success",
        },
    }


def _assignment_filter(i: int) -> JsonObject:
    platforms = [
        ("windows10AndLater", '(device.osVersion -startsWith "10.0.2")'),
        ("iOS", '(device.model -eq "iPad")'),
    ]
    platform, rule = platforms[i % len(platforms)]
    return {
        "displayName": f"Filter - {platform}",
        "description": "Devices this filter includes",
        "platform": platform,
        "rule": rule,
        "roleScopeTags": ["0"],
        "assignmentFilterManagementType": "devices",
        "payloads": [],
    }


def _scope_tag(i: int) -> JsonObject:
    return {
        "displayName": "Region",
        "description": "Objects administered by a regional team",
        "isBuiltIn": False,
    }


_ROLE_PERMISSIONS = [
    "Microsoft.Intune_DeviceConfigurations_Read",
    "Microsoft.Intune_DeviceConfigurations_Create",
    "Microsoft.Intune_DeviceConfigurations_Update",
    "Microsoft.Intune_DeviceConfigurations_Assign",
]


def _role_definition(i: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition",
        "displayName": "Contoso configuration manager",
        "description": "Edits and assigns device configurations",
        "isBuiltIn": False,
        "isBuiltInRoleDefinition": False,
        "roleScopeTagIds": ["0"],
        "permissions": [
            {
                "actions": [],
                "resourceActions": [
                    {"allowedResourceActions": _ROLE_PERMISSIONS, "notAllowedResourceActions": []}
                ],
            }
        ],
        "rolePermissions": [
            {
                "actions": [],
                "resourceActions": [
                    {"allowedResourceActions": _ROLE_PERMISSIONS, "notAllowedResourceActions": []}
                ],
            }
        ],
    }


def _role_assignment(i: int) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleAssignment",
        "displayName": "Configuration managers",
        "description": "The device team manages configurations",
        "members": [ref("group", 15)],
        "scopeMembers": [],
        "resourceScopes": [ref("group", 3)],
        "scopeType": "resourceScope",
        "roleScopeTagIds": ["0"],
        "roleDefinition@odata.bind": "https://graph.microsoft.com/beta/deviceManagement/roleDefinitions('"
        + ref("roleDefinitions", i % 2)
        + "')",
    }


def _device_category(i: int) -> JsonObject:
    return {
        "displayName": "Corporate laptops",
        "description": "Laptops owned by Contoso",
        "roleScopeTagIds": ["0"],
    }


def _notification_template(i: int) -> JsonObject:
    return {
        "displayName": "Noncompliance notice",
        "description": "Sent when a device falls out of compliance",
        "defaultLocale": "en-US",
        "brandingOptions": "includeCompanyLogo,includeCompanyName,includeContactInformation",
        "roleScopeTagIds": ["0"],
        "localizedNotificationMessages": [
            {
                "locale": "en-US",
                "subject": "Your device is not compliant",
                "messageTemplate": "Your device {{DeviceName}} does not meet Contoso's requirements.",
                "isDefault": True,
                "lastModifiedDateTime": "2025-04-01T09:00:00Z",
            },
            {
                "locale": "fr-FR",
                "subject": "Votre appareil n'est pas conforme",
                "messageTemplate": "Votre appareil {{DeviceName}} ne respecte pas les exigences de Contoso.",
                "isDefault": False,
                "lastModifiedDateTime": "2025-04-01T09:00:00Z",
            },
        ],
    }


def _terms_and_conditions(i: int) -> JsonObject:
    return {
        "displayName": "Contoso acceptable use",
        "description": "Shown in the Company Portal",
        "title": "Acceptable use of Contoso devices",
        "bodyText": "Devices enrolled in Contoso management may be wiped when lost.",
        "acceptanceStatement": "I accept the Contoso acceptable use terms.",
        "roleScopeTagIds": ["0"],
        "version": 1,
    }


def _compliance_partner(i: int) -> JsonObject:
    return {
        "displayName": "Jamf Pro",
        "partnerState": "enabled",
        "lastHeartbeatDateTime": "2025-04-01T09:00:00Z",
        "macOsOnboarded": True,
        "androidOnboarded": False,
        "iosOnboarded": False,
        "linuxOnboarded": False,
        "macOsEnrollmentAssignments": [
            {
                "target": {
                    "@odata.type": "#microsoft.graph.groupAssignmentTarget",
                    "groupId": ref("group", 8),
                    "deviceAndAppManagementAssignmentFilterId": None,
                    "deviceAndAppManagementAssignmentFilterType": "none",
                }
            }
        ],
        "androidEnrollmentAssignments": [],
        "iosEnrollmentAssignments": [],
        "linuxEnrollmentAssignments": [],
    }


def _device_management_partner(i: int) -> JsonObject:
    return {
        "displayName": "Contoso partner MDM",
        "partnerAppType": "multiTenantApp",
        "partnerState": "enabled",
        "isConfigured": True,
        "singleTenantAppId": None,
        "lastHeartbeatDateTime": "2025-04-01T09:00:00Z",
        "whenPartnerDevicesWillBeRemovedDateTime": None,
        "whenPartnerDevicesWillBeMarkedAsNonCompliantDateTime": None,
        "groupsRequiringPartnerEnrollment": [],
    }


def _remote_assistance_partner(i: int) -> JsonObject:
    return {
        "displayName": "TeamViewer",
        "onboardingUrl": "https://www.teamviewer.com/intune",
        "onboardingStatus": "onboarded",
        "lastConnectionDateTime": "2025-04-01T09:00:00Z",
        "onboardingRequestExpiryDateTime": "0001-01-01T00:00:00Z",
    }


def _dep_onboarding(i: int) -> JsonObject:
    return {
        "appleIdentifier": "mdm@contoso.com",
        "tokenName": "Contoso ABM",
        "tokenType": "dep",
        "tokenExpirationDateTime": "2026-03-01T09:00:00Z",
        "lastSuccessfulSyncDateTime": "2025-04-01T09:00:00Z",
        "lastSyncTriggeredDateTime": "2025-04-01T09:00:00Z",
        "shareTokenWithSchoolDataSyncService": False,
        "lastSyncErrorCode": 0,
        "syncedDeviceCount": 42,
        "dataSharingConsentGranted": True,
        "roleScopeTagIds": ["0"],
        "enrollmentProfiles": [_dep_profile(n) for n in range(2)],
    }


def _dep_profile(n: int) -> JsonObject:
    """An Automated Device Enrollment profile of the token: iOS/iPadOS, then macOS."""
    common: JsonObject = {
        "description": "Corporate devices from Apple Business Manager",
        "requiresUserAuthentication": True,
        "configurationEndpointUrl": "https://appleconfigurator2.manage.microsoft.com/MDMServiceConfig",
        "enableAuthenticationViaCompanyPortal": False,
        "requireCompanyPortalOnSetupAssistantEnrolledDevices": False,
        "isDefault": n == 0,
        "supervisedModeEnabled": True,
        "supportDepartment": "Contoso IT",
        "isMandatory": True,
        "locationDisabled": False,
        "supportPhoneNumber": "+1 555 0100",
        "profileRemovalDisabled": True,
        "restoreBlocked": False,
        "appleIdDisabled": False,
        "termsAndConditionsDisabled": False,
        "touchIdDisabled": False,
        "applePayDisabled": False,
        "siriDisabled": False,
        "diagnosticsDisabled": True,
        "displayToneSetupDisabled": False,
        "privacyPaneDisabled": False,
        "screenTimeScreenDisabled": False,
        "deviceNameTemplate": None,
        "configurationWebUrl": False,
        "enabledSkipKeys": ["Privacy", "Siri"],
    }
    if n == 0:
        return {
            "@odata.type": "#microsoft.graph.depIOSEnrollmentProfile",
            "displayName": "iPhone - corporate",
            **common,
            "iTunesPairingMode": "allow",
            "restoreFromAndroidDisabled": True,
            "awaitDeviceConfiguredConfirmation": True,
            "sharedIPadMaximumUserCount": 0,
            "enableSharedIPad": False,
            "companyPortalVppTokenId": None,
        }
    return {
        "@odata.type": "#microsoft.graph.depMacOSEnrollmentProfile",
        "displayName": "Mac - corporate",
        **common,
        "registrationDisabled": False,
        "fileVaultDisabled": False,
        "iCloudDiagnosticsDisabled": False,
        "passCodeDisabled": False,
        "zoomDisabled": False,
        "iCloudStorageDisabled": False,
        "chooseYourLockScreenDisabled": False,
        "accessibilityScreenDisabled": False,
        "autoUnlockWithWatchDisabled": False,
        "skipPrimarySetupAccountCreation": False,
        "setPrimarySetupAccountAsRegularUser": False,
        "dontAutoPopulatePrimaryAccountInfo": False,
        "primaryAccountFullName": None,
        "primaryAccountUserName": None,
        "enableRestrictEditing": False,
    }


# -- Entra ID -----------------------------------------------------------------------------------


def _b2b_setting(access: str) -> JsonObject:
    return {
        "usersAndGroups": {"accessType": access, "targets": [{"target": "AllUsers", "targetType": "user"}]},
        "applications": {
            "accessType": access,
            "targets": [{"target": "AllApplications", "targetType": "application"}],
        },
    }


def _partner(i: int) -> JsonObject:
    return {
        "tenantId": ref("partnerTenant", i),
        "isServiceProvider": False,
        "isInMultiTenantOrganization": False,
        "inboundTrust": {
            "isMfaAccepted": True,
            "isCompliantDeviceAccepted": i % 2 == 0,
            "isHybridAzureADJoinedDeviceAccepted": False,
        },
        "b2bCollaborationInbound": _b2b_setting("allowed"),
        "b2bCollaborationOutbound": None,
        "b2bDirectConnectInbound": _b2b_setting("allowed") if i % 2 else None,
        "b2bDirectConnectOutbound": None,
        "automaticUserConsentSettings": {"inboundAllowed": False, "outboundAllowed": False},
        "tenantRestrictions": None,
    }


def _token_lifetime(i: int) -> JsonObject:
    return {
        "displayName": "Contoso token lifetime",
        "description": "Shorter access tokens for sensitive apps",
        "definition": ['{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"02:00:00"}}'],
        "isOrganizationDefault": False,
    }


def _activity_timeout(i: int) -> JsonObject:
    return {
        "displayName": "Contoso idle timeout",
        "description": "Signs idle web sessions out",
        "definition": [
            '{"ActivityBasedTimeoutPolicy":{"Version":1,"ApplicationPolicies":[{"ApplicationId":'
            '"default","WebSessionIdleTimeout":"01:00:00"}]}}'
        ],
        "isOrganizationDefault": i == 0,
    }


def _app_management_policy(i: int) -> JsonObject:
    return {
        "displayName": "Credential lifetime for partner apps",
        "description": "Secrets of partner apps expire within 90 days",
        "isEnabled": True,
        "restrictions": {
            "passwordCredentials": [
                {
                    "restrictionType": "passwordLifetime",
                    "state": "enabled",
                    "maxLifetime": "P90D",
                    "restrictForAppsCreatedAfterDateTime": "2024-01-01T00:00:00Z",
                }
            ],
            "keyCredentials": [],
        },
    }


def _permission_grant_policy(i: int) -> JsonObject:
    return {
        "id": f"contoso-low-risk-{i + 1}",
        "displayName": "Low risk delegated permissions",
        "description": "Users may consent to these low risk permissions",
        "includes": [
            {
                "permissionClassification": "low",
                "permissionType": "delegated",
                "resourceApplication": "any",
                "permissions": ["all"],
                "clientApplicationIds": ["all"],
                "clientApplicationTenantIds": ["all"],
                "clientApplicationPublisherIds": ["all"],
                "clientApplicationsFromVerifiedPublisherOnly": True,
            }
        ],
        "excludes": [],
    }


def _auth_context(i: int) -> JsonObject:
    names = ["Sensitive data", "Privileged operations", "Finance apps"]
    return {
        "id": f"c{i + 1}",
        "displayName": names[i % len(names)],
        "description": "Step-up authentication for protected actions",
        "isAvailable": True,
    }


def _agreement(i: int) -> JsonObject:
    return {
        "displayName": "Contoso guest terms",
        "isViewingBeforeAcceptanceRequired": True,
        "isPerDeviceAcceptanceRequired": False,
        "userReacceptRequiredFrequency": "P365D",
        "termsExpiration": {"startDateTime": "2025-01-01T00:00:00Z", "frequency": "P365D"},
        "files": [
            {
                "fileName": "ContosoGuestTerms.pdf",
                "displayName": "Contoso guest terms",
                "language": "en",
                "isDefault": True,
                "isMajorVersion": False,
                "createdDateTime": "2025-01-01T00:00:00Z",
                "fileData": None,
            }
        ],
    }


def _administrative_unit(i: int) -> JsonObject:
    return {
        "displayName": "Contoso region",
        "description": "Users and devices of a regional office",
        "visibility": "Public" if i % 2 else None,
        "isMemberManagementRestricted": False,
        "membershipType": "Dynamic" if i % 2 else None,
        "membershipRule": '(user.country -eq "France")' if i % 2 else None,
        "membershipRuleProcessingState": "On" if i % 2 else None,
    }


def _group_setting(i: int) -> JsonObject:
    return {
        "displayName": "Group.Unified",
        "templateId": "62375ab9-6b52-47ed-826b-58e47e0e304b",
        "values": [
            {"name": "EnableGroupCreation", "value": "false"},
            {"name": "GroupCreationAllowedGroupId", "value": ref("group", 15)},
            {"name": "UsageGuidelinesUrl", "value": "https://intranet.contoso.com/groups"},
            {"name": "ClassificationList", "value": "Public,Internal,Confidential"},
            {"name": "DefaultClassification", "value": "Internal"},
            {"name": "AllowGuestsToAccessGroups", "value": "true"},
        ],
    }


_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
_USER_READ_SCOPE = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
_LINE_OF_BUSINESS = [
    "Expenses",
    "Timesheets",
    "Intranet",
    "Partner portal",
    "Build pipeline",
    "HR self-service",
]


def _lob_name(i: int) -> str:
    return f"Contoso {_LINE_OF_BUSINESS[i % len(_LINE_OF_BUSINESS)]}"


def _group_lifecycle(i: int) -> JsonObject:
    return {
        "groupLifetimeInDays": 180,
        "managedGroupTypes": "Selected",
        "alternateNotificationEmails": "groups-admin@contoso.com",
    }


def _feature_rollout(i: int) -> JsonObject:
    """A staged rollout of a sign-in feature to pilot groups (linked by reference, like owners)."""
    feature, name = [("passwordHashSync", "Password hash sync pilot"), ("seamlessSso", "Seamless SSO pilot")][
        i % 2
    ]
    return {
        "displayName": name,
        "description": "Staged rollout (simulated)",
        "feature": feature,
        "isEnabled": True,
        "isAppliedToOrganization": False,
        "appliesTo": [{"@odata.type": "#microsoft.graph.group", "id": ref("group", 3 + i)}],
    }


def _application(i: int) -> JsonObject:
    """A line-of-business app registration: a web app that signs users in and exposes an API."""
    app_id = ref("appId", i)
    slug = _LINE_OF_BUSINESS[i % len(_LINE_OF_BUSINESS)].lower().replace(" ", "-")
    return {
        "appId": app_id,
        "displayName": _lob_name(i),
        "description": "Line-of-business app (simulated)",
        "signInAudience": "AzureADMyOrg",
        "identifierUris": [f"api://{app_id}"],
        "tags": ["HideApp"] if i % 3 == 2 else [],
        "groupMembershipClaims": "SecurityGroup" if i % 2 else None,
        "isFallbackPublicClient": False,
        "publisherDomain": "contoso.com",
        "deletedDateTime": None,
        "notes": None,
        "web": {
            "homePageUrl": f"https://{slug}.contoso.com",
            "logoutUrl": None,
            "redirectUris": [f"https://{slug}.contoso.com/signin-oidc"],
            "implicitGrantSettings": {"enableAccessTokenIssuance": False, "enableIdTokenIssuance": True},
            "redirectUriSettings": [],
        },
        "spa": {"redirectUris": []},
        "publicClient": {"redirectUris": []},
        "api": {
            "acceptMappedClaims": None,
            "knownClientApplications": [],
            "requestedAccessTokenVersion": 2,
            "preAuthorizedApplications": [],
            "oauth2PermissionScopes": [
                {
                    "id": stable_id("demo", "scope", str(i)),
                    "adminConsentDescription": "Read the app's data as the signed-in user",
                    "adminConsentDisplayName": "Read data",
                    "userConsentDescription": "Read your data in the app",
                    "userConsentDisplayName": "Read your data",
                    "isEnabled": True,
                    "type": "User",
                    "value": "Data.Read",
                }
            ],
        },
        "appRoles": [
            {
                "id": stable_id("demo", "appRole", str(i)),
                "allowedMemberTypes": ["User"],
                "description": "Approvers can approve requests",
                "displayName": "Approver",
                "isEnabled": True,
                "origin": "Application",
                "value": "Approver",
            }
        ],
        "requiredResourceAccess": [
            {
                "resourceAppId": _GRAPH_APP_ID,
                "resourceAccess": [{"id": _USER_READ_SCOPE, "type": "Scope"}],
            }
        ],
        "optionalClaims": None,
        "passwordCredentials": [
            {
                "customKeyIdentifier": None,
                "displayName": "deployment pipeline",
                "endDateTime": "2027-09-30T00:00:00Z",
                "hint": "Q8x",
                "keyId": stable_id("demo", "appSecret", str(i)),
                "secretText": None,
                "startDateTime": "2025-03-31T00:00:00Z",
            }
        ]
        if i % 2 == 0
        else [],
        "keyCredentials": [],
        "tokenLifetimePolicies": [{"id": ref("tokenLifetimePolicies", 0)}] if i == 0 else [],
        "tokenIssuancePolicies": [{"id": ref("tokenIssuancePolicies", 0)}] if i == 1 else [],
    }


def _service_principal(i: int) -> JsonObject:
    """The enterprise application of the ``i``-th line-of-business app: assignment required for most."""
    return {
        "appId": ref("appId", i),
        "displayName": _lob_name(i),
        "appDisplayName": _lob_name(i),
        "appOwnerOrganizationId": "3f2b9c4e-5a6d-4e7f-8a9b-0c1d2e3f4a5b",
        "accountEnabled": True,
        "appRoleAssignmentRequired": i % 3 != 2,
        "deletedDateTime": None,
        "notes": None,
        "preferredSingleSignOnMode": "saml" if i == 1 else None,
        "loginUrl": None,
        "servicePrincipalNames": [ref("appId", i), f"api://{ref('appId', i)}"],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
        "notificationEmailAddresses": ["identity-team@contoso.com"] if i == 1 else [],
        "passwordCredentials": [],
        "claimsMappingPolicies": [{"id": ref("claimsMappingPolicies", 0)}] if i == 1 else [],
        "homeRealmDiscoveryPolicies": [{"id": ref("homeRealmDiscoveryPolicies", 0)}] if i == 2 else [],
        "keyCredentials": [_signing_certificate(i)] if i == 1 else [],
        "appRoleAssignments": [_app_role_granted(i)] if i in (2, 3) else [],
    }


def _signing_certificate(i: int) -> JsonObject:
    """The SAML token signing certificate of an enterprise app with single sign-on: metadata, as Graph
    serves it (``key`` is returned only when asked for with ``$select``)."""
    return {
        "customKeyIdentifier": "5C0F3B6E1D2A4F9B8E7C6D5A4B3C2D1E0F9A8B7C",
        "displayName": "CN=Microsoft Azure Federated SSO Certificate",
        "endDateTime": "2028-01-15T10:00:00Z",
        "key": None,
        "keyId": stable_id("demo", "signingCertificate", str(i)),
        "startDateTime": "2025-01-15T10:00:00Z",
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
    }


def _app_role_granted(i: int) -> JsonObject:
    """An application permission: the first app's ``Approver`` role granted to the ``i``-th app's
    enterprise application, which calls the first app's API as itself."""
    return {
        "resourceId": ref("servicePrincipals", 0),
        "appRoleId": stable_id("demo", "appRole", "0"),
        "resourceDisplayName": _lob_name(0),
        "principalDisplayName": _lob_name(i),
        "deletedDateTime": None,
    }


def _permission_grant(i: int) -> JsonObject:
    """Admin consent for every user: the ``i``-th app may read the first app's data on their behalf."""
    return {
        "clientId": ref("servicePrincipals", 1 + i),
        "consentType": "AllPrincipals",
        "principalId": None,
        "resourceId": ref("servicePrincipals", 0),
        "scope": "Data.Read",
    }


def _claims_mapping(i: int) -> JsonObject:
    return {
        "displayName": "Contoso SAML claims",
        "description": "Employee id in the name identifier",
        "definition": [
            '{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":'
            '[{"Source":"user","ID":"employeeid","SamlClaimType":'
            '"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"}]}}'
        ],
        "isOrganizationDefault": False,
    }


def _home_realm_discovery(i: int) -> JsonObject:
    return {
        "displayName": "Contoso federated sign-in",
        "description": "Straight to the on-premises identity provider",
        "definition": [
            '{"HomeRealmDiscoveryPolicy":{"AccelerateToFederatedDomain":true,'
            '"PreferredDomain":"contoso.com","AllowCloudPasswordValidation":false}}'
        ],
        "isOrganizationDefault": False,
    }


def _token_issuance(i: int) -> JsonObject:
    return {
        "displayName": "Contoso SAML token signing",
        "description": "Sign both the response and the assertion",
        "definition": [
            '{"TokenIssuancePolicy":{"Version":1,"SigningAlgorithm":'
            '"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256","TokenResponseSigningPolicy":'
            '"ResponseAndToken","SamlTokenVersion":"2.0"}}'
        ],
        "isOrganizationDefault": False,
    }


def _attribute_set(i: int) -> JsonObject:
    names = ["Engineering", "Marketing", "Compliance"]
    return {
        "id": names[i % len(names)],
        "description": f"Attributes for {names[i % len(names)].lower()}",
        "maxAttributesPerSet": 25,
    }


def _custom_security_attribute(i: int) -> JsonObject:
    """An attribute in each of the demo's sets; two take only their predefined values."""
    attribute_set = ["Engineering", "Marketing", "Compliance"][i % 3]
    name = ["Project", "CostCenter", "DataClassification"][i % 3]
    predefined = i % 3 != 1
    return {
        "id": f"{attribute_set}_{name}",
        "attributeSet": attribute_set,
        "name": name,
        "description": f"{name} of the person or app",
        "type": "String",
        "status": "Available",
        "isCollection": i % 3 == 0,
        "isSearchable": True,
        "usePreDefinedValuesOnly": predefined,
        "allowedValues": [
            {"id": "Alpine", "isActive": True},
            {"id": "Baker", "isActive": True},
            {"id": "Cascade", "isActive": False},
        ]
        if predefined
        else [],
    }


def _identity_provider(i: int) -> JsonObject:
    kinds = [("Google", "Login with Google"), ("Facebook", "Login with Facebook")]
    kind, name = kinds[i % len(kinds)]
    return {
        "@odata.type": "#microsoft.graph.socialIdentityProvider",
        "displayName": name,
        "identityProviderType": kind,
        "clientId": f"{kind.lower()}-client-{i + 1}",
        "clientSecret": f"{kind.lower()}-secret-not-for-backups",
    }


def _profile_card_property(i: int) -> JsonObject:
    return {
        "directoryPropertyName": f"customAttribute{i + 1}",
        "annotations": [
            {
                "displayName": ["Cost center", "Building"][i % 2],
                "localizations": [
                    {"languageTag": "fr-FR", "displayName": ["Centre de coûts", "Bâtiment"][i % 2]}
                ],
            }
        ],
    }


def _connected_organization(i: int) -> JsonObject:
    partners = [("Fabrikam", "fabrikam.com"), ("Northwind Traders", "northwindtraders.com")]
    name, domain = partners[i % len(partners)]
    sponsor = {"@odata.type": "#microsoft.graph.user", "id": stable_id("demo", "user", "admin")}
    approvers = {"@odata.type": "#microsoft.graph.group", "id": ref("group", 15)}
    return {
        "internalSponsors": [sponsor, approvers] if i == 0 else [sponsor],
        "externalSponsors": [],
        "displayName": name,
        "description": f"Partner organisation {name}",
        "state": "configured",
        "identitySources": [
            {
                "@odata.type": "#microsoft.graph.domainIdentitySource",
                "domainName": domain,
                "displayName": domain,
            }
        ],
    }


def _access_package_catalog(i: int) -> JsonObject:
    return {
        "displayName": ["Partner access", "Finance tools"][i % 2],
        "description": "Access packages for partner collaboration",
        "catalogType": "userManaged",
        "state": "published",
        "isExternallyVisible": i % 2 == 0,
    }


_ENTITLEMENT = "https://graph.microsoft.com/v1.0/identityGovernance/entitlementManagement"


def _access_package(i: int) -> JsonObject:
    return {
        "displayName": ["Partner onboarding", "Finance reporting"][i % 2],
        "description": "Access for the duration of a project",
        "isHidden": i % 2 == 1,
        "catalog@odata.bind": f"{_ENTITLEMENT}/catalogs('{ref('accessPackageCatalogs', i % 2)}')",
    }


def _approvers(group_index: int) -> list[JsonObject]:
    return [
        {
            "@odata.type": "#microsoft.graph.groupMembers",
            "groupId": ref("group", group_index),
            "description": "Approvers",
        }
    ]


def _assignment_policy(i: int) -> JsonObject:
    """Who may ask for an access package, who approves, and for how long access lasts."""
    return {
        "displayName": "Partners with sponsor approval",
        "description": "Connected organisations' users, approved by the sponsors",
        "allowedTargetScope": "specificDirectoryUsers",
        "specificAllowedTargets": _approvers(18),
        "expiration": {"type": "afterDuration", "duration": "P180D", "endDateTime": None},
        "requestorSettings": {
            "enableTargetsToSelfAddAccess": True,
            "enableTargetsToSelfUpdateAccess": False,
            "enableTargetsToSelfRemoveAccess": True,
            "allowCustomAssignmentSchedule": False,
            "enableOnBehalfRequestorsToAddAccess": False,
            "enableOnBehalfRequestorsToUpdateAccess": False,
            "enableOnBehalfRequestorsToRemoveAccess": False,
            "onBehalfRequestors": [],
        },
        "requestApprovalSettings": {
            "isApprovalRequiredForAdd": True,
            "isApprovalRequiredForUpdate": False,
            "stages": [
                {
                    "durationBeforeAutomaticDenial": "P14D",
                    "isApproverJustificationRequired": True,
                    "isEscalationEnabled": False,
                    "durationBeforeEscalation": "PT0S",
                    "primaryApprovers": _approvers(15),
                    "fallbackPrimaryApprovers": [],
                    "escalationApprovers": [],
                    "fallbackEscalationApprovers": [],
                }
            ],
        },
        "accessPackage@odata.bind": f"{_ENTITLEMENT}/accessPackages('{ref('accessPackages', i)}')",
    }


_JOINER_TASKS = (
    ("Enable User Account", "Enable user account in the directory", "6fc52c9d-398b-4305-9763-15f42c1676fc"),
    ("Send Welcome Email", "Send welcome email to new hire", "70b29d51-b59a-4773-9280-8841dfd3f2ea"),
)
_LEAVER_TASKS = (
    ("Disable User Account", "Disable user account in the directory", "1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950"),
    ("Remove user from all groups", "Remove user from all groups", "b3a31406-2a15-4c9a-b25b-a658fa5f07fc"),
)
"""Built-in task definitions (``lifecycleWorkflows/taskDefinitions``) a joiner and a leaver run."""


def _lifecycle_workflow(i: int) -> JsonObject:
    joiner = i % 2 == 0
    return {
        "category": "joiner" if joiner else "leaver",
        "displayName": f"{'Onboard new hires' if joiner else 'Offboard leavers'} {i + 1}",
        "description": "Runs on the employee's hire date" if joiner else "Runs on the employee's last day",
        "isEnabled": True,
        "isSchedulingEnabled": False,
        "executionConditions": {
            "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
            "scope": {
                "@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet",
                "rule": "(department eq 'Sales')",
            },
            "trigger": {
                "@odata.type": "#microsoft.graph.identityGovernance.timeBasedAttributeTrigger",
                "timeBasedAttribute": "employeeHireDate" if joiner else "employeeLeaveDateTime",
                "offsetInDays": 0,
            },
        },
        "tasks": [
            {
                "displayName": name,
                "description": description,
                "taskDefinitionId": definition,
                "isEnabled": True,
                "continueOnError": False,
                "executionSequence": sequence,
                "category": "joiner" if joiner else "leaver",
                "arguments": [],
            }
            for sequence, (name, description, definition) in enumerate(
                _JOINER_TASKS if joiner else _LEAVER_TASKS, start=1
            )
        ],
    }


def _access_review(i: int) -> JsonObject:
    group = ref("group", 17 + i)
    return {
        "displayName": "Quarterly guest review",
        "descriptionForAdmins": "Guests keep access only when their sponsor confirms it",
        "descriptionForReviewers": "Confirm the guests who still need access",
        "createdBy": {
            "id": stable_id("demo", "user", "admin"),
            "displayName": "Contoso Admin",
            "userPrincipalName": "admin@contoso.onmicrosoft.com",
        },
        "status": "InProgress",
        "scope": {
            "@odata.type": "#microsoft.graph.accessReviewQueryScope",
            "query": f"/groups/{group}/transitiveMembers/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')",
            "queryType": "MicrosoftGraph",
            "queryRoot": None,
        },
        "reviewers": [
            {
                "query": f"/groups/{ref('group', 15)}/transitiveMembers",
                "queryType": "MicrosoftGraph",
                "queryRoot": None,
            }
        ],
        "fallbackReviewers": [],
        "additionalNotificationRecipients": [],
        "settings": {
            "mailNotificationsEnabled": True,
            "reminderNotificationsEnabled": True,
            "justificationRequiredOnApproval": True,
            "defaultDecisionEnabled": False,
            "defaultDecision": "None",
            "instanceDurationInDays": 14,
            "autoApplyDecisionsEnabled": True,
            "recommendationsEnabled": True,
            "recurrence": {
                "pattern": {
                    "type": "absoluteMonthly",
                    "interval": 3,
                    "month": 0,
                    "dayOfMonth": 0,
                    "daysOfWeek": [],
                    "firstDayOfWeek": "sunday",
                    "index": "first",
                },
                "range": {
                    "type": "noEnd",
                    "numberOfOccurrences": 0,
                    "recurrenceTimeZone": None,
                    "startDate": "2025-04-01",
                    "endDate": None,
                },
            },
            "applyActions": [{"@odata.type": "#microsoft.graph.removeAccessApplyAction"}],
        },
    }


Template = Callable[[int], JsonObject]

TEMPLATES: dict[str, tuple[Template, int]] = {
    # key: (template for the i-th object, how many the demo tenant has)
    "compliancePolicies": (_settings_compliance, 4),
    "groupPolicyDefinitions": (_group_policy_definition, 2),
    "groupPolicyConfigurations": (_group_policy, 6),
    "deviceManagementTemplates": (_intent_template, 1),
    "intents": (_intent, 4),
    "reusablePolicySettings": (_reusable_setting, 3),
    "deviceManagementScripts": (_powershell_script, 6),
    "deviceShellScripts": (_shell_script, 4),
    "deviceCustomAttributeShellScripts": (_custom_attribute_script, 2),
    "deviceHealthScripts": (_health_script, 4),
    "deviceComplianceScripts": (_compliance_script, 2),
    "iosManagedAppProtections": (_ios_protection, 3),
    "androidManagedAppProtections": (_android_protection, 3),
    "windowsManagedAppProtections": (_windows_protection, 2),
    "mobileApps": (_mobile_app, 8),
    "mobileAppConfigurations": (_app_configuration, 4),
    "targetedManagedAppConfigurations": (_targeted_app_configuration, 2),
    "notificationMessageTemplates": (_notification_template, 2),
    "deviceEnrollmentConfigurations": (_enrollment_configuration, 5),
    "windowsAutopilotDeploymentProfiles": (_autopilot_profile, 2),
    "depOnboardingSettings": (_dep_onboarding, 1),
    "windowsFeatureUpdateProfiles": (_feature_update, 3),
    "windowsQualityUpdateProfiles": (_quality_update, 2),
    "windowsDriverUpdateProfiles": (_driver_update, 2),
    "assignmentFilters": (_assignment_filter, 4),
    "roleScopeTags": (_scope_tag, 3),
    "roleDefinitions": (_role_definition, 2),
    "roleAssignments": (_role_assignment, 2),
    "vppTokens": (_vpp_token, 1),
    "deviceCategories": (_device_category, 3),
    "termsAndConditions": (_terms_and_conditions, 1),
    "complianceManagementPartners": (_compliance_partner, 1),
    "deviceManagementPartners": (_device_management_partner, 1),
    "remoteAssistancePartners": (_remote_assistance_partner, 1),
    "crossTenantAccessPolicyPartners": (_partner, 3),
    "tokenLifetimePolicies": (_token_lifetime, 1),
    "activityBasedTimeoutPolicies": (_activity_timeout, 1),
    "appManagementPolicies": (_app_management_policy, 2),
    "permissionGrantPolicies": (_permission_grant_policy, 2),
    "authenticationContextClassReferences": (_auth_context, 3),
    "termsOfUseAgreements": (_agreement, 1),
    "administrativeUnits": (_administrative_unit, 4),
    "groupSettings": (_group_setting, 1),
    "groupLifecyclePolicies": (_group_lifecycle, 1),
    "featureRolloutPolicies": (_feature_rollout, 2),
    "applications": (_application, 6),
    "servicePrincipals": (_service_principal, 6),
    "oauth2PermissionGrants": (_permission_grant, 2),
    "claimsMappingPolicies": (_claims_mapping, 2),
    "homeRealmDiscoveryPolicies": (_home_realm_discovery, 1),
    "tokenIssuancePolicies": (_token_issuance, 1),
    "attributeSets": (_attribute_set, 3),
    "customSecurityAttributeDefinitions": (_custom_security_attribute, 3),
    "identityProviders": (_identity_provider, 2),
    "profileCardProperties": (_profile_card_property, 2),
    "connectedOrganizations": (_connected_organization, 2),
    "accessPackageCatalogs": (_access_package_catalog, 2),
    "accessPackages": (_access_package, 2),
    "accessPackageAssignmentPolicies": (_assignment_policy, 2),
    "accessReviewDefinitions": (_access_review, 2),
    "lifecycleWorkflows": (_lifecycle_workflow, 2),
}
"""Types whose objects the seeds build from a template, in creation order (references first)."""


def assignment_extras(entity: str) -> dict[str, Any]:
    """Fields an assignment of this kind carries besides its target."""
    extras: dict[str, dict[str, Any]] = {
        "#microsoft.graph.mobileAppAssignment": {"intent": "required", "settings": None},
        "#microsoft.graph.deviceHealthScriptAssignment": {
            "runRemediationScript": True,
            "runSchedule": {
                "@odata.type": "#microsoft.graph.deviceHealthScriptDailySchedule",
                "interval": 1,
                "useUtc": False,
                "time": "09:00:00.0000000",
            },
        },
        "#microsoft.graph.targetedManagedAppPolicyAssignment": {"source": "direct", "sourceId": None},
    }
    return dict(extras.get(entity, {}))
