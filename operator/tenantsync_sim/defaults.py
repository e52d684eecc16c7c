"""The tenant-wide settings (singletons) a new tenant starts with, as Microsoft ships them.

Tenants created through the control API get these; the demo seed starts from them and changes a few.
"""

from __future__ import annotations

from tenantsync_sim.state import JsonObject


def default_singletons(tenant_id: str) -> dict[str, JsonObject]:
    """The tenant-wide settings a new tenant starts with, as Microsoft ships them."""
    return {
        "authenticationMethodsPolicy": {
            "@odata.type": "#microsoft.graph.authenticationMethodsPolicy",
            "id": "authenticationMethodsPolicy",
            "displayName": "Authentication Methods Policy",
            "description": "The tenant-wide policy that controls which authentication methods are allowed "
            "in the tenant, authentication method registration requirements, and self-service password "
            "reset settings",
            "lastModifiedDateTime": "2025-01-15T12:00:00.000Z",
            "policyVersion": "1.5",
            "policyMigrationState": "migrationComplete",
            "registrationEnforcement": {
                "authenticationMethodsRegistrationCampaign": {
                    "snoozeDurationInDays": 1,
                    "enforceRegistrationAfterAllowedSnoozes": True,
                    "state": "default",
                    "excludeTargets": [],
                    "includeTargets": [
                        {
                            "id": "all_users",
                            "targetType": "group",
                            "targetedAuthenticationMethod": "microsoftAuthenticator",
                        }
                    ],
                }
            },
            "authenticationMethodConfigurations": [
                {
                    "@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
                    "id": "Fido2",
                    "state": "enabled",
                    "isSelfServiceRegistrationAllowed": True,
                    "isAttestationEnforced": True,
                    "excludeTargets": [],
                    "keyRestrictions": {"isEnforced": False, "enforcementType": "block", "aaGuids": []},
                    "includeTargets": [
                        {"targetType": "group", "id": "all_users", "isRegistrationRequired": False}
                    ],
                },
                {
                    "@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
                    "id": "MicrosoftAuthenticator",
                    "state": "enabled",
                    "isSoftwareOathEnabled": False,
                    "excludeTargets": [],
                    "includeTargets": [
                        {
                            "targetType": "group",
                            "id": "all_users",
                            "isRegistrationRequired": False,
                            "authenticationMode": "any",
                        }
                    ],
                },
                {
                    "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration",
                    "id": "Sms",
                    "state": "disabled",
                    "excludeTargets": [],
                    "includeTargets": [],
                },
                {
                    "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
                    "id": "TemporaryAccessPass",
                    "state": "enabled",
                    "defaultLifetimeInMinutes": 60,
                    "defaultLength": 8,
                    "minimumLifetimeInMinutes": 60,
                    "maximumLifetimeInMinutes": 480,
                    "isUsableOnce": False,
                    "excludeTargets": [],
                    "includeTargets": [
                        {"targetType": "group", "id": "all_users", "isRegistrationRequired": False}
                    ],
                },
            ],
        },
        "authorizationPolicy": {
            "@odata.type": "#microsoft.graph.authorizationPolicy",
            "id": "authorizationPolicy",
            "allowInvitesFrom": "everyone",
            "allowedToSignUpEmailBasedSubscriptions": True,
            "allowedToUseSSPR": True,
            "allowEmailVerifiedUsersToJoinOrganization": False,
            "blockMsolPowerShell": False,
            "displayName": "Authorization Policy",
            "description": "Used to manage authorization related settings across the company.",
            "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3",
            "defaultUserRolePermissions": {
                "allowedToCreateApps": True,
                "allowedToCreateSecurityGroups": True,
                "allowedToCreateTenants": True,
                "allowedToReadBitlockerKeysForOwnedDevice": True,
                "allowedToReadOtherUsers": True,
                "permissionGrantPoliciesAssigned": [
                    "ManagePermissionGrantsForSelf.microsoft-user-default-legacy"
                ],
            },
        },
        "crossTenantAccessPolicyDefault": {
            "isServiceDefault": True,
            "inboundTrust": {
                "isMfaAccepted": True,
                "isCompliantDeviceAccepted": False,
                "isHybridAzureADJoinedDeviceAccepted": False,
            },
            "b2bCollaborationOutbound": {
                "usersAndGroups": {
                    "accessType": "allowed",
                    "targets": [{"target": "AllUsers", "targetType": "user"}],
                },
                "applications": {
                    "accessType": "allowed",
                    "targets": [{"target": "AllApplications", "targetType": "application"}],
                },
            },
            "b2bCollaborationInbound": {
                "usersAndGroups": {
                    "accessType": "allowed",
                    "targets": [{"target": "AllUsers", "targetType": "user"}],
                },
                "applications": {
                    "accessType": "allowed",
                    "targets": [{"target": "AllApplications", "targetType": "application"}],
                },
            },
            "b2bDirectConnectOutbound": {
                "usersAndGroups": {
                    "accessType": "blocked",
                    "targets": [{"target": "AllUsers", "targetType": "user"}],
                },
                "applications": {
                    "accessType": "blocked",
                    "targets": [{"target": "AllApplications", "targetType": "application"}],
                },
            },
            "b2bDirectConnectInbound": {
                "usersAndGroups": {
                    "accessType": "blocked",
                    "targets": [{"target": "AllUsers", "targetType": "user"}],
                },
                "applications": {
                    "accessType": "blocked",
                    "targets": [{"target": "AllApplications", "targetType": "application"}],
                },
            },
            "automaticUserConsentSettings": {"inboundAllowed": False, "outboundAllowed": False},
        },
        "securityDefaults": {
            "@odata.type": "#microsoft.graph.identitySecurityDefaultsEnforcementPolicy",
            "id": "00000000-0000-0000-0000-000000000005",
            "displayName": "Security Defaults",
            "description": "Security defaults is a set of basic identity security mechanisms recommended by Microsoft.",
            "isEnabled": True,
        },
        "passwordResetPolicy": {
            "objectId": tenant_id,
            "enablementType": 2,
            "numberOfAuthenticationMethodsRequired": 2,
            "emailOptionEnabled": True,
            "mobilePhoneOptionEnabled": True,
            "officePhoneOptionEnabled": False,
            "securityQuestionsOptionEnabled": False,
            "mobileAppNotificationEnabled": True,
            "mobileAppCodeEnabled": True,
            "registrationRequiredOnSignIn": True,
            "registrationReconfirmIntevalInDays": 180,
            "notifyUsersOnPasswordReset": True,
            "notifyOnAdminPasswordReset": True,
            "customizeHelpdeskLink": False,
            "passwordResetEnabledGroupIds": [],
        },
        "b2bPolicy": {
            "targetedDomains": ["fabrikam.com", "northwindtraders.com"],
            "hasListEntries": True,
            "adminConsentedForUsersIntoTenantIds": [],
            "noAADConsentForUsersFromTenantsIds": [],
            "isAllowlist": True,
        },
        "enterpriseStateRoaming": {
            "syncSetting": 1,
            "isAdminConfigurable": True,
            "isRoamingSettingChanged": False,
            "syncSelectedUsers": [],
        },
        "authenticationFlowsPolicy": {
            "@odata.type": "#microsoft.graph.authenticationFlowsPolicy",
            "id": "authenticationFlowsPolicy",
            "displayName": "Authentication flows policy",
            "description": "Authentication flows policy allows modification of settings related to authentication "
            "flows in AAD tenant, such as self-service sign up configuration.",
            "selfServiceSignUp": {"isEnabled": True},
        },
        "deviceRegistrationPolicy": {
            "@odata.type": "#microsoft.graph.deviceRegistrationPolicy",
            "id": "deviceRegistrationPolicy",
            "displayName": "Device Registration Policy",
            "description": "Tenant-wide policy that manages initial provisioning controls using quota restrictions, "
            "additional authentication and authorization checks",
            "userDeviceQuota": 50,
            "multiFactorAuthConfiguration": "notRequired",
            "azureADRegistration": {
                "isAdminConfigurable": False,
                "allowedToRegister": {"@odata.type": "#microsoft.graph.allDeviceRegistrationMembership"},
            },
            "azureADJoin": {
                "isAdminConfigurable": True,
                "allowedToJoin": {"@odata.type": "#microsoft.graph.allDeviceRegistrationMembership"},
                "localAdmins": {"enableGlobalAdmins": True, "registeringUsers": None},
            },
            "localAdminPassword": {"isEnabled": False},
        },
        "externalIdentitiesPolicy": {
            "@odata.type": "#microsoft.graph.externalIdentitiesPolicy",
            "id": "externalidentitiespolicy",
            "displayName": "ExternalIdentitiesPolicy",
            "description": None,
            "deletedDateTime": None,
            "allowExternalIdentitiesToLeave": True,
            "allowDeletedIdentitiesDataRemoval": False,
        },
        "adminConsentRequestPolicy": {
            "@odata.type": "#microsoft.graph.adminConsentRequestPolicy",
            "id": "00000000-0000-0000-0000-000000000000",
            "isEnabled": False,
            "notifyReviewers": False,
            "remindersEnabled": False,
            "requestDurationInDays": 0,
            "version": 0,
            "reviewers": [],
        },
        "defaultAppManagementPolicy": {
            "@odata.type": "#microsoft.graph.tenantAppManagementPolicy",
            "id": "00000000-0000-0000-0000-000000000000",
            "displayName": "Default app management tenant policy",
            "description": "Default tenant policy that enforces app management restrictions on applications and "
            "service principals. To apply policy to targeted resources, create a new policy under "
            "appManagementPolicies collection.",
            "isEnabled": False,
            "applicationRestrictions": {"passwordCredentials": [], "keyCredentials": []},
            "servicePrincipalRestrictions": {"passwordCredentials": [], "keyCredentials": []},
        },
        "organizationalBranding": {
            "@odata.type": "#microsoft.graph.organizationalBranding",
            "id": "0",
            "backgroundColor": None,
            "signInPageText": None,
            "usernameHintText": None,
            "customPrivacyAndCookiesText": None,
            "customPrivacyAndCookiesUrl": None,
            "customTermsOfUseText": None,
            "customTermsOfUseUrl": None,
            "loginPageTextVisibilitySettings": {
                "hideCannotAccessYourAccount": None,
                "hideForgotMyPassword": None,
                "hideResetItNow": None,
                "hideTermsOfUse": True,
                "hidePrivacyAndCookies": True,
                "hideAccountResetCredentials": False,
            },
            "cdnList": ["secure.aadcdn.microsoftonline-p.com", "aadcdn.msftauthimages.net"],
            "localizations": [],
        },
        "deviceManagementSettings": {
            "deviceComplianceCheckinThresholdDays": 30,
            "isScheduledActionEnabled": True,
            "secureByDefault": False,
            "enhancedJailBreak": False,
            "deviceInactivityBeforeRetirementInDay": 0,
            "derivedCredentialProvider": "notConfigured",
            "derivedCredentialUrl": None,
            "androidDeviceAdministratorEnrollmentEnabled": False,
            "ignoreDevicesForUnsupportedSettingsEnabled": False,
            "enableLogCollection": True,
            "enableAutopilotDiagnostics": True,
            "enableEnhancedTroubleshootingExperience": False,
            "enableDeviceGroupMembershipReport": False,
            "m365AppDiagnosticsEnabled": False,
        },
        "androidManagedStoreAccountEnterpriseSettings": {
            "@odata.type": "#microsoft.graph.androidManagedStoreAccountEnterpriseSettings",
            "id": "androidManagedStoreAccountEnterpriseSettings",
            "bindStatus": "notBound",
            "lastAppSyncDateTime": "0001-01-01T00:00:00Z",
            "lastAppSyncStatus": "success",
            "ownerUserPrincipalName": None,
            "ownerOrganizationName": None,
            "lastModifiedDateTime": "0001-01-01T00:00:00Z",
            "enrollmentTarget": "none",
            "targetGroupIds": [],
            "deviceOwnerManagementEnabled": False,
            "androidDeviceOwnerFullyManagedEnrollmentEnabled": False,
            "managedGooglePlayEnterpriseType": "enterpriseTypeUnspecified",
            "managedGooglePlayInitialScopeTagIds": [],
            "companyCodes": [],
        },
        "applePushNotificationCertificate": {
            "@odata.type": "#microsoft.graph.applePushNotificationCertificate",
            "id": "applePushNotificationCertificate",
            "appleIdentifier": None,
            "topicIdentifier": None,
            "lastModifiedDateTime": "0001-01-01T00:00:00Z",
            "expirationDateTime": "0001-01-01T00:00:00Z",
            "certificateUploadStatus": None,
            "certificateUploadFailureReason": None,
            "certificateSerialNumber": None,
            "certificate": None,
        },
        **_admin_settings(),
    }


def _admin_settings() -> dict[str, JsonObject]:
    """The organisation-wide admin settings (people, Microsoft 365 apps, reports, SharePoint) as shipped."""
    return {
        "teamsAppSettings": {
            "@odata.type": "#microsoft.graph.teamsAppSettings",
            "id": "teamsAppSettings",
            "allowUserRequestsForAppAccess": True,
            "isUserPersonalScopeResourceSpecificConsentEnabled": True,
        },
        "pronounsSettings": {
            "@odata.type": "#microsoft.graph.pronounsSettings",
            "id": "pronounsSettings",
            "isEnabledInOrganization": False,
        },
        "itemInsights": {
            "@odata.type": "#microsoft.graph.insightsSettings",
            "id": "itemInsights",
            "isEnabledInOrganization": True,
            "disabledForGroup": None,
        },
        "microsoft365AppsInstallationOptions": {
            "@odata.type": "#microsoft.graph.m365AppsInstallationOptions",
            "id": "installationOptions",
            "updateChannel": "current",
            "appsForWindows": {
                "isMicrosoft365AppsEnabled": True,
                "isSkypeForBusinessEnabled": False,
            },
            "appsForMac": {"isMicrosoft365AppsEnabled": True, "isSkypeForBusinessEnabled": False},
        },
        "adminReportSettings": {
            "@odata.type": "#microsoft.graph.adminReportSettings",
            "id": "reportSettings",
            "displayConcealedNames": True,
        },
        "sharePointSettings": {
            "@odata.type": "#microsoft.graph.sharepointSettings",
            "id": "settings",
            "allowedDomainGuidsForSyncApp": [],
            "availableManagedPathsForSiteCreation": ["/sites/", "/teams/"],
            "deletedUserPersonalSiteRetentionPeriodInDays": 30,
            "excludedFileExtensionsForSyncApp": [],
            "idleSessionSignOut": {
                "isEnabled": False,
                "warnAfterInSeconds": 0,
                "signOutAfterInSeconds": 0,
            },
            "imageTaggingOption": "basic",
            "isCommentingOnSitePagesEnabled": True,
            "isFileActivityNotificationEnabled": True,
            "isLegacyAuthProtocolsEnabled": True,
            "isLoopEnabled": True,
            "isMacSyncAppEnabled": True,
            "isRequireAcceptingUserToMatchInvitedUserEnabled": True,
            "isResharingByExternalUsersEnabled": False,
            "isSharePointMobileNotificationEnabled": True,
            "isSharePointNewsfeedEnabled": False,
            "isSiteCreationEnabled": True,
            "isSiteCreationUIEnabled": True,
            "isSitePagesCreationEnabled": True,
            "isSitesStorageLimitAutomatic": True,
            "isSyncButtonHiddenOnPersonalSite": False,
            "isUnmanagedSyncAppForTenantRestricted": False,
            "personalSiteDefaultStorageLimitInMB": 1048576,
            "sharingAllowedDomainList": [],
            "sharingBlockedDomainList": [],
            "sharingCapability": "externalUserAndGuestSharing",
            "sharingDomainRestrictionMode": "none",
            "siteCreationDefaultManagedPath": "/sites/",
            "siteCreationDefaultStorageLimitInMB": 26214400,
            "tenantDefaultTimezone": "(UTC) Coordinated Universal Time",
        },
    }
