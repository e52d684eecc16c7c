"""Exchange Online and Purview objects: the built-ins every tenant has, and the demo tenant's own.

Built-ins carry Microsoft's documented defaults (the Default anti-spam, anti-malware and anti-phishing
policies, the built-in quarantine policies, the Built-In Protection Safe Links and Safe Attachments
policies, the organization and transport configuration); a tenant created through the control API gets
them too, as every Microsoft 365 tenant does. The demo objects are what a managed Contoso tenant adds:
transport rules, connectors, stricter Defender policies with their rules, DLP and retention policies,
labels. Every property not named here keeps the value a new object reports (``objects.blank``).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from tenantsync_sim.exchange import objects
from tenantsync_sim.exchange.schema import ExchangeType, types
from tenantsync_sim.state import Tenant, stable_id

Seeds = list[tuple[str, dict[str, Any]]]
SEEDED_AT = 1743498000.0  # 2025-04-01T09:00:00Z, as the Graph seeds

_QUARANTINE_DEFAULT = "DefaultFullAccessPolicy"
_QUARANTINE_ADMIN = "AdminOnlyAccessPolicy"


def _domains(tenant: Tenant) -> tuple[str, str]:
    initial = next((d for d in tenant.domains if d.endswith(".onmicrosoft.com")), None)
    initial = initial or (tenant.domains[0] if tenant.domains else f"{tenant.id[:8]}.onmicrosoft.com")
    custom = next((d for d in tenant.domains if d != initial), initial)
    return initial, custom


def _builtins(tenant: Tenant) -> dict[str, Seeds]:
    initial, custom = _domains(tenant)
    accepted = [d for d in (tenant.domains or [initial])]
    return {
        "organizationConfig": [
            (
                initial,
                {
                    "ActivityBasedAuthenticationTimeoutEnabled": True,
                    "ActivityBasedAuthenticationTimeoutInterval": "06:00:00",
                    "ActivityBasedAuthenticationTimeoutWithSingleSignOnEnabled": True,
                    "AuditDisabled": False,
                    "AutoExpandingArchive": False,
                    "BookingsEnabled": True,
                    "ConnectorsEnabled": True,
                    "DefaultGroupAccessType": "Private",
                    "DistributionGroupNameBlockedWordsList": [],
                    "ElcProcessingDisabled": False,
                    "EwsEnabled": True,
                    "FocusedInboxOn": True,
                    "MailTipsAllTipsEnabled": True,
                    "MailTipsExternalRecipientsTipsEnabled": False,
                    "MailTipsGroupMetricsEnabled": True,
                    "MailTipsLargeAudienceThreshold": 25,
                    "MailTipsMailboxSourcedTipsEnabled": True,
                    "OAuth2ClientProfileEnabled": True,
                    "OutlookMobileGCCRestrictionsEnabled": False,
                    "PublicFoldersEnabled": "Local",
                    "ReadTrackingEnabled": False,
                    "SmtpActionableMessagesEnabled": True,
                    "VisibleMeetingUpdateProperties": "Location,AllProperties:15",
                    "WebPushNotificationsDisabled": False,
                },
            )
        ],
        "transportConfig": [
            (
                "Transport Settings",
                {
                    "ExternalDsnSendHtml": True,
                    "InternalDsnSendHtml": True,
                    "ExternalDsnLanguageDetectionEnabled": True,
                    "InternalDsnLanguageDetectionEnabled": True,
                    "JournalMessageExpirationDays": 0,
                    "MaxRecipientEnvelopeLimit": "Unlimited",
                    "ReplyAllStormProtectionEnabled": True,
                    "ReplyAllStormDetectionMinimumRecipients": 2500,
                    "ReplyAllStormDetectionMinimumReplies": 10,
                    "ReplyAllStormBlockDurationHours": 6,
                    "Rfc2231EncodingEnabled": False,
                    "SmtpClientAuthenticationDisabled": True,
                    "HeaderPromotionModeSetting": "NoCreate",
                    "DSNConversionMode": "UseExchangeDSNs",
                },
            )
        ],
        "arcConfig": [("Default", {"ArcTrustedSealers": []})],
        "atpPolicyForO365": [
            ("Default", {"EnableATPForSPOTeamsODB": True, "EnableSafeDocs": True, "AllowSafeDocsOpen": False})
        ],
        "externalInOutlook": [("Default", {"Enabled": False, "AllowList": []})],
        "perimeterConfiguration": [("Perimeter Settings", {"GatewayIPAddresses": []})],
        "resourceConfiguration": [("Resource Schema", {"ResourcePropertySchema": []})],
        "emailTenantSettings": [("Default", {"EnablePriorityAccountProtection": True})],
        "irmConfiguration": [
            (
                "ControlPoint Configuration",
                {
                    "AutomaticServiceUpdateEnabled": True,
                    "AzureRMSLicensingEnabled": True,
                    "DecryptAttachmentForEncryptOnly": False,
                    "EnablePdfEncryption": False,
                    "InternalLicensingEnabled": True,
                    "JournalReportDecryptionEnabled": True,
                    "SearchEnabled": True,
                    "SimplifiedClientAccessEnabled": False,
                    "TransportDecryptionSetting": "Optional",
                },
            )
        ],
        "availabilityConfig": [("Availability Configuration", {"OrgWideAccount": None})],
        "reportSubmissionPolicy": [
            (
                "DefaultReportSubmissionPolicy",
                {
                    "EnableReportToMicrosoft": True,
                    "EnableThirdPartyAddress": False,
                    "ReportJunkToCustomizedAddress": False,
                    "ReportNotJunkToCustomizedAddress": False,
                    "ReportPhishToCustomizedAddress": False,
                    "PreSubmitMessageEnabled": True,
                    "PostSubmitMessageEnabled": True,
                },
            )
        ],
        "acceptedDomain": [
            (
                domain,
                {
                    "DomainName": domain,
                    "DomainType": "Authoritative",
                    "Default": domain == custom,
                    "InitialDomain": domain == initial,
                },
            )
            for domain in accepted
        ],
        "dkimSigningConfig": [
            (
                domain,
                {
                    "Domain": domain,
                    "Enabled": domain == initial,
                    "KeySize": 2048,
                    "BodyCanonicalization": "Relaxed",
                    "HeaderCanonicalization": "Relaxed",
                },
            )
            for domain in accepted
        ],
        "remoteDomain": [
            (
                "Default",
                {
                    "DomainName": "*",
                    "AllowedOOFType": "External",
                    "AutoReplyEnabled": True,
                    "AutoForwardEnabled": True,
                    "DeliveryReportEnabled": True,
                    "NDREnabled": True,
                    "MeetingForwardNotificationEnabled": False,
                    "ContentType": "MimeHtmlText",
                    "TNEFEnabled": None,
                    "TrustedMailInboundEnabled": False,
                    "TrustedMailOutboundEnabled": False,
                    "ByteEncoderTypeFor7BitCharsets": "Undefined",
                    "PreferredInternetCodePageForShiftJis": "Undefined",
                    "RequiredCharsetCoverage": None,
                    "LineWrapSize": "Unlimited",
                },
            )
        ],
        "hostedConnectionFilterPolicy": [
            ("Default", {"IsDefault": True, "EnableSafeList": False, "IPAllowList": [], "IPBlockList": []})
        ],
        "hostedContentFilterPolicy": [("Default", {"IsDefault": True, **_antispam_defaults()})],
        "hostedOutboundSpamFilterPolicy": [
            (
                "Default",
                {
                    "IsDefault": True,
                    "ActionWhenThresholdReached": "BlockUserForToday",
                    "AutoForwardingMode": "Automatic",
                    "RecipientLimitExternalPerHour": 0,
                    "RecipientLimitInternalPerHour": 0,
                    "RecipientLimitPerDay": 0,
                    "NotifyOutboundSpam": False,
                    "BccSuspiciousOutboundMail": False,
                },
            )
        ],
        "malwareFilterPolicy": [("Default", {"IsDefault": True, **_malware_defaults()})],
        "antiPhishPolicy": [("Office365 AntiPhish Default", {"IsDefault": True, **_antiphish_defaults()})],
        "quarantinePolicy": [
            (_QUARANTINE_ADMIN, {"EndUserQuarantinePermissionsValue": 0, "ESNEnabled": False}),
            (_QUARANTINE_DEFAULT, {"EndUserQuarantinePermissionsValue": 23, "ESNEnabled": False}),
            (
                "DefaultFullAccessWithNotificationPolicy",
                {"EndUserQuarantinePermissionsValue": 23, "ESNEnabled": True},
            ),
        ],
        "safeLinksPolicy": [
            (
                "Built-In Protection Policy",
                {
                    "IsBuiltInProtection": True,
                    "EnableSafeLinksForEmail": True,
                    "EnableSafeLinksForOffice": True,
                    "EnableSafeLinksForTeams": True,
                    "ScanUrls": True,
                    "TrackClicks": True,
                    "AllowClickThrough": True,
                    "EnableForInternalSenders": False,
                    "DeliverMessageAfterScan": True,
                    "DisableUrlRewrite": False,
                },
            )
        ],
        "safeAttachmentPolicy": [
            (
                "Built-In Protection Policy",
                {
                    "IsBuiltInProtection": True,
                    "Enable": True,
                    "Action": "Block",
                    "QuarantineTag": _QUARANTINE_ADMIN,
                    "Redirect": False,
                },
            )
        ],
        "atpBuiltInProtectionRule": [("ATP Built-In Protection Rule", {"Comments": None})],
        "eopProtectionPolicyRule": [
            ("Standard Preset Security Policy", {"State": "Disabled", "Priority": 0}),
            ("Strict Preset Security Policy", {"State": "Disabled", "Priority": 1}),
        ],
        "atpProtectionPolicyRule": [
            ("Standard Preset Security Policy", {"State": "Disabled", "Priority": 0}),
            ("Strict Preset Security Policy", {"State": "Disabled", "Priority": 1}),
        ],
        "owaMailboxPolicy": [("OwaMailboxPolicy-Default", {"IsDefault": True, **_owa_defaults()})],
        "mobileDeviceMailboxPolicy": [("Default", {"IsDefault": True, **_mobile_defaults()})],
        "sharingPolicy": [
            (
                "Default Sharing Policy",
                {
                    "Default": True,
                    "Enabled": True,
                    "Domains": [
                        "Anonymous:CalendarSharingFreeBusyReviewer",
                        "*:CalendarSharingFreeBusySimple",
                    ],
                },
            )
        ],
        "roleAssignmentPolicy": [
            (
                "Default Role Assignment Policy",
                {
                    "IsDefault": True,
                    "Description": "This policy grants end users the permission to set their options in "
                    "Outlook on the web and perform other self-administration tasks.",
                    "Roles": ["MyBaseOptions", "MyContactInformation", "MyProfileInformation", "MyVoiceMail"],
                },
            )
        ],
        "retentionPolicy": [
            (
                "Default MRM Policy",
                {
                    "IsDefault": True,
                    "RetentionId": stable_id(tenant.id, "retentionPolicy", "Default MRM Policy"),
                    "RetentionPolicyTagLinks": [
                        "1 Month Delete",
                        "Default 2 year move to archive",
                        "Recoverable Items 14 days move to archive",
                    ],
                },
            ),
            (
                "ArbitrationMailbox",
                {
                    "RetentionId": stable_id(tenant.id, "retentionPolicy", "ArbitrationMailbox"),
                    "RetentionPolicyTagLinks": ["AsyncOperationNotification"],
                    "IsDefaultArbitrationMailbox": True,
                },
            ),
        ],
        "emailAddressPolicy": [
            (
                "Default Policy",
                {"Priority": "Lowest", "EnabledPrimarySMTPAddressTemplate": [f"SMTP:@{initial}"]},
            )
        ],
        "omeConfiguration": [
            (
                "OME Configuration",
                {
                    "BackgroundColor": "#0078d4",
                    "EmailText": "Encrypted message from Contoso",
                    "PortalText": "Contoso secure message portal",
                    "OTPEnabled": True,
                    "SocialIdSignIn": True,
                    "ExternalMailExpiryInDays": 0,
                },
            )
        ],
        "globalAddressList": [("Default Global Address List", {"IncludedRecipients": ["AllRecipients"]})],
        "offlineAddressBook": [
            (
                "Default Offline Address Book",
                {"IsDefault": True, "AddressLists": ["\\Default Global Address List"]},
            )
        ],
        "addressList": [
            (name, {"DisplayName": name, "IncludedRecipients": recipients})
            for name, recipients in (
                ("All Contacts", ["MailContacts"]),
                ("All Distribution Lists", ["MailGroups"]),
                ("All Rooms", ["Resources"]),
                ("All Users", ["MailboxUsers"]),
                ("Public Folders", []),
            )
        ],
        "protectionAlert": [
            (
                name,
                {
                    "IsSystemRule": True,
                    "Category": category,
                    "Severity": severity,
                    "ThreatType": "Activity",
                    "AggregationType": "None",
                    "NotificationEnabled": True,
                    "NotifyUser": ["TenantAdmins"],
                },
            )
            for name, category, severity in (
                ("Suspicious email sending patterns detected", "ThreatManagement", "Medium"),
                ("Elevation of Exchange admin privilege", "PermissionsManagement", "Low"),
                ("Creation of forwarding/redirect rule", "ThreatManagement", "Informational"),
            )
        ],
        "casMailboxPlan": [
            (
                f"ExchangeOnlineEnterprise-{stable_id(tenant.id, 'plan')[:8]}",
                {
                    "DisplayName": "ExchangeOnlineEnterprise",
                    "ActiveSyncEnabled": True,
                    "ImapEnabled": True,
                    "PopEnabled": True,
                    "OwaMailboxPolicy": "OwaMailboxPolicy-Default",
                },
            )
        ],
    }


def _antispam_defaults() -> dict[str, Any]:
    return {
        "BulkThreshold": 7,
        "SpamAction": "MoveToJmf",
        "HighConfidenceSpamAction": "MoveToJmf",
        "PhishSpamAction": "MoveToJmf",
        "HighConfidencePhishAction": "Quarantine",
        "BulkSpamAction": "MoveToJmf",
        "QuarantineRetentionPeriod": 15,
        "InlineSafetyTipsEnabled": True,
        "SpamZapEnabled": True,
        "PhishZapEnabled": True,
        "SpamQuarantineTag": _QUARANTINE_DEFAULT,
        "HighConfidenceSpamQuarantineTag": _QUARANTINE_DEFAULT,
        "PhishQuarantineTag": _QUARANTINE_DEFAULT,
        "HighConfidencePhishQuarantineTag": _QUARANTINE_ADMIN,
        "BulkQuarantineTag": _QUARANTINE_DEFAULT,
        "EndUserSpamNotificationFrequency": 3,
        "EndUserSpamNotificationLanguage": "Default",
        "IntraOrgFilterState": "Default",
        "TestModeAction": "None",
        "MarkAsSpamBulkMail": "On",
        **{
            name: "Off"
            for name in (
                "IncreaseScoreWithBizOrInfoUrls",
                "IncreaseScoreWithImageLinks",
                "IncreaseScoreWithNumericIps",
                "IncreaseScoreWithRedirectToOtherPort",
                "MarkAsSpamEmbedTagsInHtml",
                "MarkAsSpamEmptyMessages",
                "MarkAsSpamFormTagsInHtml",
                "MarkAsSpamFramesInHtml",
                "MarkAsSpamFromAddressAuthFail",
                "MarkAsSpamJavaScriptInHtml",
                "MarkAsSpamNdrBackscatter",
                "MarkAsSpamObjectTagsInHtml",
                "MarkAsSpamSensitiveWordList",
                "MarkAsSpamSpfRecordHardFail",
                "MarkAsSpamWebBugsInHtml",
            )
        },
    }


def _malware_defaults() -> dict[str, Any]:
    return {
        "EnableFileFilter": True,
        "FileTypeAction": "Reject",
        "FileTypes": [
            "ace",
            "ani",
            "apk",
            "app",
            "cab",
            "cmd",
            "com",
            "deb",
            "dmg",
            "exe",
            "hta",
            "img",
            "iso",
        ],
        "QuarantineTag": _QUARANTINE_ADMIN,
        "ZapEnabled": True,
        "CustomNotifications": False,
        "EnableExternalSenderAdminNotifications": False,
        "EnableInternalSenderAdminNotifications": False,
    }


def _antiphish_defaults() -> dict[str, Any]:
    return {
        "Enabled": True,
        "PhishThresholdLevel": 1,
        "EnableSpoofIntelligence": True,
        "EnableUnauthenticatedSender": True,
        "EnableViaTag": True,
        "HonorDmarcPolicy": True,
        "DmarcQuarantineAction": "Quarantine",
        "DmarcRejectAction": "Reject",
        "AuthenticationFailAction": "MoveToJmf",
        "EnableMailboxIntelligence": True,
        "EnableMailboxIntelligenceProtection": False,
        "MailboxIntelligenceProtectionAction": "NoAction",
        "ImpersonationProtectionState": "Automatic",
        "TargetedUserProtectionAction": "NoAction",
        "TargetedDomainProtectionAction": "NoAction",
        "SpoofQuarantineTag": _QUARANTINE_DEFAULT,
        "TargetedUserQuarantineTag": _QUARANTINE_DEFAULT,
        "TargetedDomainQuarantineTag": _QUARANTINE_DEFAULT,
        "MailboxIntelligenceQuarantineTag": _QUARANTINE_DEFAULT,
    }


def _owa_defaults() -> dict[str, Any]:
    enabled = [
        "ActiveSyncIntegrationEnabled",
        "AllAddressListsEnabled",
        "CalendarEnabled",
        "ChangeSettingsAccountEnabled",
        "DirectFileAccessOnPrivateComputersEnabled",
        "DirectFileAccessOnPublicComputersEnabled",
        "DisplayPhotosEnabled",
        "ExternalImageProxyEnabled",
        "FeedbackEnabled",
        "GlobalAddressListEnabled",
        "GroupCreationEnabled",
        "InstantMessagingEnabled",
        "JournalEnabled",
        "NotesEnabled",
        "OrganizationEnabled",
        "PlacesEnabled",
        "PremiumClientEnabled",
        "PrintWithoutDownloadEnabled",
        "RecoverDeletedItemsEnabled",
        "ReportJunkEmailEnabled",
        "RulesEnabled",
        "SaveAttachmentsToCloudEnabled",
        "SearchFoldersEnabled",
        "SetPhotoEnabled",
        "SignaturesEnabled",
        "TextMessagingEnabled",
        "ThemeSelectionEnabled",
        "WacEditingEnabled",
        "WacViewingOnPrivateComputersEnabled",
        "WacViewingOnPublicComputersEnabled",
        "WeatherEnabled",
    ]
    owa = types()["owaMailboxPolicy"].properties
    return {
        **{name: True for name in enabled if name in owa},
        "ActionForUnknownFileAndMIMETypes": "Allow",
        "ConditionalAccessPolicy": "Off",
        "InstantMessagingType": "Ocs",
        "OutboundCharset": "AutoDetect",
        "WebPartsFrameOptionsType": "SameOrigin",
        "AllowedFileTypes": [".doc", ".docx", ".pdf", ".pptx", ".txt", ".xlsx"],
        "BlockedFileTypes": [".bat", ".cmd", ".exe", ".ps1", ".vbs"],
    }


def _mobile_defaults() -> dict[str, Any]:
    allowed = [
        n
        for n, p in types()["mobileDeviceMailboxPolicy"].properties.items()
        if p.type == "boolean" and n.startswith("Allow") and n not in ("AllowSimplePassword",)
    ]
    return {
        **{name: True for name in allowed},
        "AllowSimplePassword": True,
        "AttachmentsEnabled": True,
        "AllowBluetooth": "Allow",
        "AllowSMIMEEncryptionAlgorithmNegotiation": "AllowAnyAlgorithmNegotiation",
        "MaxCalendarAgeFilter": "All",
        "MaxEmailAgeFilter": "All",
        "RequireEncryptionSMIMEAlgorithm": "TripleDES",
        "RequireSignedSMIMEAlgorithm": "SHA1",
        "DevicePolicyRefreshInterval": "Unlimited",
        "MaxInactivityTimeLock": "Unlimited",
        "MaxPasswordFailedAttempts": "Unlimited",
        "PasswordExpiration": "Unlimited",
        "PasswordHistory": "0",
        "MinPasswordComplexCharacters": "1",
        "MaxAttachmentSize": "Unlimited",
        "MaxEmailBodyTruncationSize": "Unlimited",
        "MaxEmailHTMLBodyTruncationSize": "Unlimited",
    }


def _demo(tenant: Tenant) -> dict[str, Seeds]:
    """A managed Contoso tenant's own Exchange, Defender and Purview configuration."""
    _, custom = _domains(tenant)
    partner = "fabrikam.com"
    finance = f"finance@{custom}"
    security = f"secops@{custom}"
    return {
        "transportRule": [
            (
                "External sender disclaimer",
                {
                    "FromScope": "NotInOrganization",
                    "SentToScope": "InOrganization",
                    "ApplyHtmlDisclaimerLocation": "Prepend",
                    "ApplyHtmlDisclaimerText": "<p style='color:#a00'>CAUTION: This email originated outside "
                    "Contoso.</p>",
                    "ApplyHtmlDisclaimerFallbackAction": "Wrap",
                    "Mode": "Enforce",
                    "RuleErrorAction": "Ignore",
                    "SenderAddressLocation": "Header",
                    "SetAuditSeverity": "Low",
                },
            ),
            (
                "Block executable attachments",
                {
                    "AttachmentHasExecutableContent": True,
                    "RejectMessageReasonText": "Executable attachments are not allowed.",
                    "RejectMessageEnhancedStatusCode": "5.7.1",
                    "Mode": "Enforce",
                    "RuleErrorAction": "Ignore",
                    "SenderAddressLocation": "Header",
                    "SetAuditSeverity": "Medium",
                    "StopRuleProcessing": True,
                },
            ),
            (
                "Encrypt mail to partner",
                {
                    "RecipientDomainIs": [partner],
                    "SubjectContainsWords": ["[secure]"],
                    "ApplyOME": True,
                    "Mode": "Audit",
                    "RuleErrorAction": "Ignore",
                    "SenderAddressLocation": "Header",
                    "SetAuditSeverity": "DoNotAudit",
                },
            ),
        ],
        "journalRule": [
            (
                "Journal finance",
                {
                    "Enabled": True,
                    "JournalEmailAddress": f"journal@{partner}",
                    "Recipient": finance,
                    "RuleScope": "Global",
                },
            )
        ],
        "inboundConnector": [
            (
                "From Fabrikam (TLS)",
                {
                    "ConnectorType": "Partner",
                    "ConnectorSource": "Default",
                    "Enabled": True,
                    "RequireTls": True,
                    "SenderDomains": [f"smtp:{partner};1"],
                    "RestrictDomainsToCertificate": False,
                    "RestrictDomainsToIPAddresses": False,
                    "TlsSenderCertificateName": f"mail.{partner}",
                    "Comment": "Partner mail must arrive over TLS.",
                },
            )
        ],
        "outboundConnector": [
            (
                "To Fabrikam (TLS)",
                {
                    "ConnectorType": "Partner",
                    "ConnectorSource": "Default",
                    "Enabled": True,
                    "RecipientDomains": [partner],
                    "UseMXRecord": True,
                    "TlsSettings": "DomainValidation",
                    "TlsDomain": partner,
                    "Comment": "Forced TLS to the partner.",
                },
            )
        ],
        "remoteDomain": [
            (
                "Fabrikam",
                {
                    "DomainName": partner,
                    "AllowedOOFType": "External",
                    "AutoReplyEnabled": True,
                    "AutoForwardEnabled": False,
                    "DeliveryReportEnabled": True,
                    "NDREnabled": True,
                    "ContentType": "MimeHtmlText",
                    "ByteEncoderTypeFor7BitCharsets": "Undefined",
                    "PreferredInternetCodePageForShiftJis": "Undefined",
                    "LineWrapSize": "Unlimited",
                },
            )
        ],
        "hostedContentFilterPolicy": [
            (
                "Contoso strict anti-spam",
                {
                    **_antispam_defaults(),
                    "BulkThreshold": 5,
                    "SpamAction": "Quarantine",
                    "HighConfidenceSpamAction": "Quarantine",
                    "PhishSpamAction": "Quarantine",
                    "BulkSpamAction": "Quarantine",
                    "QuarantineRetentionPeriod": 30,
                    "HighConfidenceSpamQuarantineTag": _QUARANTINE_ADMIN,
                    "PhishQuarantineTag": _QUARANTINE_ADMIN,
                    "BlockedSenderDomains": ["spam.example"],
                },
            )
        ],
        "hostedContentFilterRule": [
            (
                "Contoso strict anti-spam",
                {
                    "HostedContentFilterPolicy": "Contoso strict anti-spam",
                    "RecipientDomainIs": [custom],
                    "Priority": 0,
                },
            )
        ],
        "hostedOutboundSpamFilterPolicy": [
            (
                "Contoso outbound limits",
                {
                    "ActionWhenThresholdReached": "BlockUser",
                    "AutoForwardingMode": "Off",
                    "RecipientLimitExternalPerHour": 400,
                    "RecipientLimitInternalPerHour": 800,
                    "RecipientLimitPerDay": 800,
                    "NotifyOutboundSpam": True,
                    "NotifyOutboundSpamRecipients": [security],
                },
            )
        ],
        "hostedOutboundSpamFilterRule": [
            (
                "Contoso outbound limits",
                {
                    "HostedOutboundSpamFilterPolicy": "Contoso outbound limits",
                    "SenderDomainIs": [custom],
                    "Priority": 0,
                },
            )
        ],
        "malwareFilterPolicy": [
            (
                "Contoso malware",
                {
                    **_malware_defaults(),
                    "EnableInternalSenderAdminNotifications": True,
                    "InternalSenderAdminAddress": security,
                },
            )
        ],
        "malwareFilterRule": [
            (
                "Contoso malware",
                {"MalwareFilterPolicy": "Contoso malware", "RecipientDomainIs": [custom], "Priority": 0},
            )
        ],
        "antiPhishPolicy": [
            (
                "Contoso executives",
                {
                    **_antiphish_defaults(),
                    "PhishThresholdLevel": 3,
                    "EnableTargetedUserProtection": True,
                    "TargetedUsersToProtect": [f"CEO;ceo@{custom}", f"CFO;cfo@{custom}"],
                    "TargetedUserProtectionAction": "Quarantine",
                    "EnableOrganizationDomainsProtection": True,
                    "EnableMailboxIntelligenceProtection": True,
                    "MailboxIntelligenceProtectionAction": "MoveToJmf",
                    "EnableFirstContactSafetyTips": True,
                    "EnableSimilarUsersSafetyTips": True,
                    "EnableSimilarDomainsSafetyTips": True,
                    "EnableUnusualCharactersSafetyTips": True,
                    "TargetedUserQuarantineTag": _QUARANTINE_ADMIN,
                },
            )
        ],
        "antiPhishRule": [
            (
                "Contoso executives",
                {"AntiPhishPolicy": "Contoso executives", "RecipientDomainIs": [custom], "Priority": 0},
            )
        ],
        "safeLinksPolicy": [
            (
                "Contoso Safe Links",
                {
                    "EnableSafeLinksForEmail": True,
                    "EnableSafeLinksForOffice": True,
                    "EnableSafeLinksForTeams": True,
                    "ScanUrls": True,
                    "TrackClicks": True,
                    "AllowClickThrough": False,
                    "EnableForInternalSenders": True,
                    "DeliverMessageAfterScan": True,
                    "DoNotRewriteUrls": [f"https://intranet.{custom}/*"],
                    "EnableOrganizationBranding": True,
                },
            )
        ],
        "safeLinksRule": [
            (
                "Contoso Safe Links",
                {"SafeLinksPolicy": "Contoso Safe Links", "RecipientDomainIs": [custom], "Priority": 0},
            )
        ],
        "safeAttachmentPolicy": [
            (
                "Contoso Safe Attachments",
                {
                    "Enable": True,
                    "Action": "DynamicDelivery",
                    "QuarantineTag": _QUARANTINE_ADMIN,
                    "Redirect": False,
                },
            )
        ],
        "safeAttachmentRule": [
            (
                "Contoso Safe Attachments",
                {
                    "SafeAttachmentPolicy": "Contoso Safe Attachments",
                    "RecipientDomainIs": [custom],
                    "Priority": 0,
                },
            )
        ],
        "quarantinePolicy": [
            (
                "Contoso request release",
                {
                    "EndUserQuarantinePermissionsValue": 27,
                    "ESNEnabled": True,
                    "OrganizationBrandingEnabled": True,
                    "QuarantinePolicyType": "QuarantinePolicy",
                },
            )
        ],
        "reportSubmissionRule": [
            ("DefaultReportSubmissionRule", {"SentTo": [f"reportedmessages@{custom}"], "Comments": None})
        ],
        "activeSyncDeviceAccessRule": [
            (
                "Block legacy Android",
                {"AccessLevel": "Block", "Characteristic": "DeviceOS", "QueryString": "Android 8.0"},
            )
        ],
        "mobileDeviceMailboxPolicy": [
            (
                "Contoso managed devices",
                {
                    **_mobile_defaults(),
                    "PasswordEnabled": True,
                    "AllowSimplePassword": False,
                    "MinPasswordLength": "6",
                    "RequireDeviceEncryption": True,
                    "MaxInactivityTimeLock": "00:05:00",
                    "MaxPasswordFailedAttempts": "10",
                },
            )
        ],
        "owaMailboxPolicy": [
            (
                "Contoso kiosk",
                {
                    **_owa_defaults(),
                    "DirectFileAccessOnPublicComputersEnabled": False,
                    "ConditionalAccessPolicy": "ReadOnly",
                },
            )
        ],
        "sharingPolicy": [
            (
                "Partner calendar sharing",
                {"Enabled": True, "Default": False, "Domains": [f"{partner}:CalendarSharingFreeBusyDetail"]},
            )
        ],
        "roleAssignmentPolicy": [
            (
                "Contoso restricted users",
                {"Description": "No distribution group management.", "Roles": ["MyBaseOptions"]},
            )
        ],
        "retentionPolicy": [
            (
                "Contoso legal",
                {
                    "RetentionId": stable_id(tenant.id, "retentionPolicy", "legal"),
                    "RetentionPolicyTagLinks": ["Never Delete"],
                },
            )
        ],
        "addressList": [
            (
                "Sales staff",
                {
                    "DisplayName": "Sales staff",
                    "IncludedRecipients": ["MailboxUsers"],
                    "ConditionalDepartment": ["Sales"],
                },
            )
        ],
        "globalAddressList": [
            ("Contoso GAL", {"IncludedRecipients": ["AllRecipients"], "ConditionalCompany": ["Contoso"]})
        ],
        "offlineAddressBook": [("Contoso OAB", {"AddressLists": ["\\Contoso GAL"], "IsDefault": False})],
        "addressBookPolicy": [
            (
                "Contoso ABP",
                {
                    "AddressLists": ["\\Sales staff"],
                    "GlobalAddressList": "\\Contoso GAL",
                    "OfflineAddressBook": "\\Contoso OAB",
                    "RoomList": "\\All Rooms",
                },
            )
        ],
        "emailAddressPolicy": [
            (
                "Contoso primary SMTP",
                {
                    "Priority": "1",
                    "EnabledPrimarySMTPAddressTemplate": [f"SMTP:%g.%s@{custom}"],
                    "ManagedByFilter": None,
                },
            )
        ],
        "organizationRelationship": [
            (
                "Fabrikam free/busy",
                {
                    "DomainNames": [partner],
                    "Enabled": True,
                    "FreeBusyAccessEnabled": True,
                    "FreeBusyAccessLevel": "LimitedDetails",
                    "MailTipsAccessEnabled": True,
                    "MailTipsAccessLevel": "Limited",
                    "MailboxMoveCapability": "None",
                    "TargetAutodiscoverEpr": f"https://autodiscover.{partner}/autodiscover/autodiscover.svc/WSSecurity",
                },
            )
        ],
        "availabilityAddressSpace": [
            (
                partner,
                {
                    "ForestName": partner,
                    "AccessMethod": "OrgWideFB",
                    "TargetAutodiscoverEpr": f"https://autodiscover.{partner}/autodiscover/autodiscover.svc",
                },
            )
        ],
        "intraOrganizationConnector": [
            (
                "HybridIOC - Contoso",
                {
                    "Enabled": True,
                    "DiscoveryEndpoint": "https://autodiscover.contoso.local/autodiscover/autodiscover.svc",
                    "TargetAddressDomains": [f"mail.{custom}"],
                },
            )
        ],
        "onPremisesOrganization": [
            (
                "Contoso on-premises",
                {
                    "HybridDomains": [custom],
                    "OrganizationName": "Contoso",
                    "OrganizationGuid": stable_id(tenant.id, "onPremisesOrganization"),
                    "InboundConnector": "From Fabrikam (TLS)",
                    "OutboundConnector": "To Fabrikam (TLS)",
                },
            )
        ],
        "applicationAccessPolicy": [
            (
                "Restrict CRM app",
                {
                    "AccessRight": "RestrictAccess",
                    "AppID": [stable_id(tenant.id, "crm-app")],
                    "PolicyScopeGroupId": f"crm-mailboxes@{custom}",
                    "Description": "The CRM connector reads the sales mailboxes only.",
                },
            )
        ],
        "authenticationPolicy": [("Block Basic Auth", {})],
        "clientAccessRule": [
            (
                "Always allow remote PowerShell",
                {
                    "Action": "AllowAccess",
                    "AnyOfProtocols": ["RemotePowerShell"],
                    "Enabled": True,
                    "Priority": 0,
                    "RuleScope": "All",
                },
            )
        ],
        "messageClassification": [
            (
                "Confidential",
                {
                    "DisplayName": "Confidential",
                    "DisplayPrecedence": "Highest",
                    "SenderDescription": "Do not share outside Contoso.",
                    "RecipientDescription": "This message is confidential.",
                    "ClassificationID": stable_id(tenant.id, "classification"),
                    "PermissionMenuVisible": True,
                    "RetainClassificationEnabled": True,
                },
            )
        ],
        "partnerApplication": [
            (
                "Contoso archiving",
                {
                    "ApplicationIdentifier": stable_id(tenant.id, "archiving"),
                    "AccountType": "OrganizationalAccount",
                    "Enabled": True,
                },
            )
        ],
        "policyTipConfig": [("en\\NotifyOnly", {"Value": "This message contains sensitive information."})],
        "dataEncryptionPolicy": [
            (
                "Contoso DEP",
                {
                    "Description": "Customer key for Contoso mailboxes.",
                    "Enabled": True,
                    "AzureKeyIDs": [
                        "https://contoso-west.vault.azure.net/keys/exo/1",
                        "https://contoso-east.vault.azure.net/keys/exo/1",
                    ],
                },
            )
        ],
        "dataClassification": [
            (
                "Contoso employee ID",
                {
                    "Description": "Contoso employee numbers (CE- and six digits).",
                    "Locale": "en-US",
                    "IsDefault": False,
                    "Fingerprints": [],
                },
            )
        ],
        "managementScope": [
            (
                "Sales mailboxes",
                {
                    "RecipientRestrictionFilter": "Department -eq 'Sales'",
                    "Exclusive": False,
                    "RecipientRoot": None,
                },
            )
        ],
        "phishSimOverrideRule": [
            (
                "_Exe:PhishSimOverr:3f2b9c4e",
                {
                    "Policy": "PhishSimOverridePolicy",
                    "Domains": ["phishsim.example"],
                    "SenderIpRanges": ["198.51.100.0/24"],
                    "Comment": "Quarterly awareness campaign.",
                },
            )
        ],
        "secOpsOverrideRule": [
            ("_Exe:SecOpsOverrid:3f2b9c4e", {"Policy": "SecOpsOverridePolicy", "Comment": "SOC mailbox."})
        ],
        "deviceConditionalAccessPolicy": [
            (
                "Contoso basic mobility",
                {"Enabled": True, "Comment": "Basic Mobility and Security for all users."},
            )
        ],
        "filePlanPropertyAuthority": [("Legal", {})],
        "filePlanPropertyCategory": [("Finance", {})],
        "filePlanPropertySubCategory": [("Payables", {"Category": "Finance"})],
        "filePlanPropertyCitation": [
            (
                "SOX 802",
                {
                    "CitationUrl": "https://www.govinfo.gov/app/details/PLAW-107publ204",
                    "CitationJurisdiction": "U.S.",
                },
            )
        ],
        "filePlanPropertyDepartment": [("Accounting", {})],
        "filePlanPropertyReferenceId": [("FIN-001", {})],
        "dlpCompliancePolicy": [
            (
                "U.S. Financial Data",
                {
                    "Comment": "Detects credit card and bank account numbers.",
                    "Mode": "Enable",
                    "ExchangeLocation": ["All"],
                    "SharePointLocation": ["All"],
                    "OneDriveLocation": ["All"],
                    "TeamsLocation": ["All"],
                    "Priority": 0,
                },
            )
        ],
        "dlpComplianceRule": [
            (
                "Block external sharing of card numbers",
                {
                    "Policy": "U.S. Financial Data",
                    "AccessScope": "NotInOrganization",
                    "BlockAccess": True,
                    "BlockAccessScope": "All",
                    "ReportSeverityLevel": "High",
                    "RuleErrorAction": "Ignore",
                    "GenerateIncidentReport": ["SiteAdmin"],
                    "IncidentReportContent": ["All"],
                    "NotifyUser": ["Owner"],
                    "NotifyPolicyTipCustomText": "This item contains payment card numbers.",
                },
            )
        ],
        "retentionCompliancePolicy": [
            (
                "Keep mail seven years",
                {"Enabled": True, "ExchangeLocation": ["All"], "Comment": "Regulatory retention for mail."},
            )
        ],
        "retentionComplianceRule": [
            (
                "Keep mail seven years",
                {
                    "Policy": "Keep mail seven years",
                    "RetentionDuration": "2555",
                    "RetentionComplianceAction": "Keep",
                    "ExpirationDateOption": "CreationAgeInDays",
                    "RetentionDurationDisplayHint": "Years",
                },
            )
        ],
        "complianceTag": [
            (
                "Contract - 10 years",
                {
                    "Comment": "Signed contracts.",
                    "IsRecordLabel": True,
                    "Regulatory": False,
                    "RetentionAction": "Keep",
                    "RetentionDuration": "3650",
                    "RetentionType": "CreationAgeInDays",
                    "ReviewerEmail": [f"legal@{custom}"],
                },
            )
        ],
        "retentionEventType": [
            ("Employee departure", {"Comment": "Starts retention when an employee leaves."})
        ],
        "sensitivityLabel": [
            (
                "Confidential",
                {
                    "DisplayName": "Confidential",
                    "Tooltip": "Business data that could harm Contoso if shared.",
                    "Comment": None,
                    "ContentType": ["File, Email"],
                    "Priority": 1,
                    "ApplyContentMarkingFooterEnabled": True,
                    "ApplyContentMarkingFooterText": "Confidential",
                    "ApplyContentMarkingFooterAlignment": "Center",
                    "ApplyContentMarkingFooterFontSize": 10,
                    "ApplyContentMarkingFooterFontColor": "#000000",
                    "EncryptionEnabled": False,
                },
            ),
            (
                "General",
                {
                    "DisplayName": "General",
                    "Tooltip": "Business data not meant for the public.",
                    "ContentType": ["File, Email"],
                    "Priority": 0,
                },
            ),
        ],
        "labelPolicy": [
            (
                "Contoso labels",
                {
                    "Labels": ["General", "Confidential"],
                    "ExchangeLocation": ["All"],
                    "Comment": "Published to everyone.",
                },
            )
        ],
        "autoSensitivityLabelPolicy": [
            (
                "Label card numbers in mail",
                {
                    "ApplySensitivityLabel": "Confidential",
                    "ExchangeLocation": ["All"],
                    "Mode": "TestWithoutNotifications",
                    "Priority": 0,
                },
            )
        ],
        "autoSensitivityLabelRule": [
            (
                "Card numbers",
                {
                    "Policy": "Label card numbers in mail",
                    "Workload": "Exchange",
                    "ReportSeverityLevel": "Low",
                    "Disabled": False,
                },
            )
        ],
        "protectionAlert": [
            (
                "Mass file deletion",
                {
                    "Category": "DataGovernance",
                    "Severity": "Medium",
                    "ThreatType": "Activity",
                    "AggregationType": "SimpleAggregation",
                    "Operation": ["FileDeleted"],
                    "NotifyUser": [security],
                    "NotificationEnabled": True,
                    "Threshold": 100,
                    "TimeWindow": 60,
                    "NotificationCulture": "en-US",
                },
            )
        ],
        "auditConfigurationPolicy": [
            ("Exchange", {"Workload": "Exchange"}),
            ("SharePoint", {"Workload": "SharePoint"}),
        ],
        "unifiedAuditLogRetentionPolicy": [
            (
                "Keep Exchange admin audit one year",
                {
                    "Description": "Exchange admin actions are kept a year.",
                    "RecordTypes": ["ExchangeAdmin"],
                    "RetentionDuration": "TwelveMonths",
                    "Priority": 100,
                },
            )
        ],
        "supervisoryReviewPolicy": [
            ("Trader communications", {"Reviewers": [f"compliance@{custom}"], "Comment": None})
        ],
        "supervisoryReviewRule": [
            (
                "Trader communications",
                {"Policy": "Trader communications", "SamplingRate": 10, "Condition": None},
            )
        ],
    }


def _add(tenant: Tenant, key: str, seeds: Seeds, seed: str) -> None:
    exchange_type: ExchangeType = types()[key]
    collection = objects.objects(tenant, exchange_type)
    for name, values in seeds:
        guid = stable_id(seed, tenant.id, key, name)
        item = objects.create(tenant, exchange_type, name, deepcopy(values), SEEDED_AT, guid)
        collection[guid] = item


def add_builtins(tenant: Tenant) -> None:
    """The objects every Exchange Online tenant starts with."""
    for key, seeds in _builtins(tenant).items():
        _add(tenant, key, seeds, "builtin")


def add_demo(tenant: Tenant) -> None:
    """The demo tenant: the built-ins plus its own configuration (at least one object of every type)."""
    add_builtins(tenant)
    for key, seeds in _demo(tenant).items():
        _add(tenant, key, seeds, "demo")


def grow(tenant: Tenant, per_type: int) -> None:
    """The large seed: each type that can hold many objects gets copies of its demo objects."""
    for key, exchange_type in types().items():
        if exchange_type.singleton or "New" not in exchange_type.cmdlets:
            continue
        collection = objects.objects(tenant, exchange_type)
        originals = [i for i in collection.values() if objects.removable(exchange_type, i)]
        for index in range(len(collection), per_type):
            if not originals:
                break
            source = originals[index % len(originals)]
            name = f"{source['Name']} {index + 1:03d}"
            values = {k: deepcopy(v) for k, v in source.items() if k in exchange_type.properties}
            values.pop("Name", None)
            _add(tenant, key, [(name, values)], "large")
        if exchange_type.prioritised:
            for priority, rule in enumerate(objects.ordered(exchange_type, list(collection.values()))):
                rule["Priority"] = priority
