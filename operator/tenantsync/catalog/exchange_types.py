"""The catalogue's rows for Exchange Online, Defender for Office 365 and Purview (docs/types.md).

Each row is a Microsoft365DSC resource (``m365dsc``: its schema's parameters and its settings.json
roles, generated from the public repository) with what the schema does not say: the cmdlet noun where
it differs from the resource's name, which cmdlets exist, what ``New-`` alone takes, rule states toggled
by ``Enable-``/``Disable-``, lists written as a delta, built-in objects and references by name.
"""

from __future__ import annotations

from collections.abc import Iterable

from tenantsync.api import ResourceType
from tenantsync.catalog.cmdlets import EXCHANGE_PERMISSION, Builtin, Cmdlets, ListEdit, Service, Toggle
from tenantsync.catalog.m365dsc import RESOURCES
from tenantsync.catalog.model import ConfigurationType, Reference

GLOBAL_ADMINISTRATOR = "Global Administrator"
GLOBAL_READER = "Global Reader"
EXCHANGE_ADMINISTRATOR = "Exchange Administrator"
SECURITY_ADMINISTRATOR = "Security Administrator"
SECURITY_READER = "Security Reader"
COMPLIANCE_ADMINISTRATOR = "Compliance Administrator"
ROLE_TEMPLATE_IDS = {
    GLOBAL_ADMINISTRATOR: "62e90394-69f5-4237-9190-012177145e10",
    GLOBAL_READER: "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    EXCHANGE_ADMINISTRATOR: "29232cdf-9323-42fd-ade2-1d097af3e4de",
    SECURITY_ADMINISTRATOR: "194ae4cb-b126-40b2-bd5b-6091b380977d",
    SECURITY_READER: "5d6b6bb7-de71-4623-b4af-96380a352509",
    COMPLIANCE_ADMINISTRATOR: "17315797-102d-40b4-93e0-432062caca18",
}
"""Entra's built-in role template ids: an app-only token lists its service principal's roles by them
(the ``wids`` claim)."""

# Any one role of a tuple will do; Global Administrator always will.
_EXCHANGE_WRITE = (EXCHANGE_ADMINISTRATOR, GLOBAL_ADMINISTRATOR)
_EXCHANGE_READ = (GLOBAL_READER, *_EXCHANGE_WRITE)
_DEFENDER_WRITE = (SECURITY_ADMINISTRATOR, EXCHANGE_ADMINISTRATOR, GLOBAL_ADMINISTRATOR)
_DEFENDER_READ = (SECURITY_READER, GLOBAL_READER, *_DEFENDER_WRITE)
_COMPLIANCE_WRITE = (COMPLIANCE_ADMINISTRATOR, GLOBAL_ADMINISTRATOR)
_COMPLIANCE_READ = (GLOBAL_READER, *_COMPLIANCE_WRITE)
_ALERTS_WRITE = (COMPLIANCE_ADMINISTRATOR, SECURITY_ADMINISTRATOR, GLOBAL_ADMINISTRATOR)
_ALERTS_READ = (GLOBAL_READER, *_ALERTS_WRITE)

_STATE = Toggle()
_IDENTITY = frozenset({"Identity", "Name"})
"""Never a ``Set-`` parameter here: the identity (and, for a rule with a toggle, its state)."""
_TOGGLED = frozenset({"Enabled", "State"})
_PRESETS = frozenset(
    {"Standard Preset Security Policy", "Strict Preset Security Policy", "Built-In Protection Policy"}
)
_DEFAULT = Builtin(frozenset({"Default"}), frozenset({"IsDefault"}))
"""Reported ``IsDefault``: the rows with this keep it."""
_DEFAULT_AND_PRESETS = Builtin(_DEFAULT.names | _PRESETS, _DEFAULT.flags)
"""A Defender policy type whose default and preset security policies Microsoft keeps (reported ``IsDefault``)."""
_NAMED_DEFAULT = Builtin(frozenset({"Default"}))
_BUILTIN_QUARANTINE = frozenset(
    {
        "AdminOnlyAccessPolicy",
        "DefaultFullAccessPolicy",
        "DefaultFullAccessWithNotificationPolicy",
        "NotificationEnabledPolicy",
        "DefaultGlobalTag",
    }
)
_DELTA_FIELDS = ("Location", "LocationException")


def _quarantine_tags(resource: str) -> tuple[Reference, ...]:
    """A policy's ``...QuarantineTag`` fields name quarantine policies (the built-in ones by keyword)."""
    return tuple(
        Reference(prop, ResourceType.QUARANTINE_POLICY, _BUILTIN_QUARANTINE, by="Name")
        for prop in RESOURCES[resource].properties
        if prop.endswith("QuarantineTag")
    )


def _policy(field: str, target: ResourceType) -> Reference:
    return Reference(field, target, by="Name")


def _deltas(resource: str, *more: str) -> tuple[ListEdit, ...]:
    """The location lists (and ``more``) a compliance policy's ``Set-`` changes by ``Add``/``Remove``."""
    properties = RESOURCES[resource].properties
    return tuple(
        ListEdit(prop)
        for prop in properties
        if (prop.endswith(_DELTA_FIELDS) and not prop.startswith(("Add", "Remove"))) or prop in more
    )


def _row(
    name: ResourceType,
    resource: str,
    noun: str,
    *,
    cmdlet_noun: str | None = None,
    service: Service = Service.EXCHANGE,
    roles: tuple[tuple[str, ...], tuple[str, ...]] = (_EXCHANGE_READ, _EXCHANGE_WRITE),
    singleton: bool = False,
    create_only: Iterable[str] = (),
    reported: Iterable[str] = (),
    references: tuple[Reference, ...] = (),
    list_edits: tuple[ListEdit, ...] = (),
    write_only: Iterable[str] = (),
    no_set: bool = False,
    named: bool = True,
    **options: object,
) -> ConfigurationType:
    """A row whose parameters are its Microsoft365DSC schema's, less identity, toggled state, create-only
    parameters and the ``Add``/``Remove`` halves of lists written as a delta. ``named`` False: ``New-``
    takes no ``Name`` (an audit configuration policy is named by its workload)."""
    schema = RESOURCES[resource]
    create = frozenset({*(("Name",) if named else ()), *create_only})
    delta = {edit.add for edit in list_edits} | {edit.remove for edit in list_edits}
    toggled = _TOGGLED if options.get("toggle") else frozenset()
    properties = frozenset(schema.properties) - _IDENTITY - toggled - delta
    parameters = frozenset() if no_set else properties - create
    cmdlets = Cmdlets(
        cmdlet_noun or name[0].upper() + name[1:],
        parameters,
        create_only=(create | properties) if no_set else create,
        reported=frozenset(reported),
        source=f"MSFT_{resource}",
        list_edits=list_edits,
        write_only=frozenset(write_only),
        can_set=not no_set,
        **options,  # type: ignore[arg-type]
    )
    read_roles, write_roles = roles
    return ConfigurationType(
        name,
        cmdlets.noun,
        noun=noun,
        service=service,
        cmdlets=cmdlets,
        singleton=singleton,
        key_field="Guid",
        read_only_fields=frozenset(
            {"Guid"}
        ),  # reported properties are kept; cmdlets.parameters say what is sent
        read_permissions=(EXCHANGE_PERMISSION,),
        write_permissions=(EXCHANGE_PERMISSION,),
        read_roles=read_roles,
        write_roles=write_roles,
        references=references,
        unordered_lists=properties,
    )


def _defender(name: ResourceType, resource: str, noun: str, **options: object) -> ConfigurationType:
    return _row(name, resource, noun, roles=(_DEFENDER_READ, _DEFENDER_WRITE), **options)  # type: ignore[arg-type]


def _compliance(name: ResourceType, resource: str, noun: str, **options: object) -> ConfigurationType:
    options.setdefault("roles", (_COMPLIANCE_READ, _COMPLIANCE_WRITE))
    return _row(name, resource, noun, service=Service.COMPLIANCE, **options)  # type: ignore[arg-type]


def _singleton(name: ResourceType, resource: str, noun: str, **options: object) -> ConfigurationType:
    """Set-only; names itself by ``Identity`` where its schema has one (so its ``Set-`` needs it)."""
    named = "Identity" in RESOURCES[resource].properties or options.pop("identified", False)
    return _row(
        name,
        resource,
        noun,
        singleton=True,
        can_create=False,
        can_remove=False,
        singleton_identity=bool(named),
        reported=("Identity",) if named else (),
        **options,  # type: ignore[arg-type]
    )


def exchange_types() -> list[ConfigurationType]:
    """Every Exchange admin API type, in the order of :class:`ResourceType`."""
    t = ResourceType
    rows = [
        _row(
            t.ACCEPTED_DOMAIN, "EXOAcceptedDomain", "accepted domain",
            reported=("DomainName", "InitialDomain", "Default"), can_create=False, can_remove=False,
        ),
        _row(t.REMOTE_DOMAIN, "EXORemoteDomain", "remote domain", create_only=("DomainName",), builtin=_NAMED_DEFAULT),
        _row(t.TRANSPORT_RULE, "EXOTransportRule", "transport rule", toggle=_STATE),
        _row(t.INBOUND_CONNECTOR, "EXOInboundConnector", "inbound connector"),
        _row(t.OUTBOUND_CONNECTOR, "EXOOutboundConnector", "outbound connector"),
        _defender(
            t.DKIM_SIGNING_CONFIG, "EXODkimSigningConfig", "DKIM signing configuration",
            named=False, reported=("Domain", "Name"), create_from=(("DomainName", "Domain"),),
            can_remove=False,
        ),
        _singleton(t.ORGANIZATION_CONFIG, "EXOOrganizationConfig", "organization configuration"),
        _singleton(t.TRANSPORT_CONFIG, "EXOTransportConfig", "transport configuration"),
        _defender(
            t.HOSTED_CONTENT_FILTER_POLICY, "EXOHostedContentFilterPolicy", "anti-spam policy",
            references=_quarantine_tags("EXOHostedContentFilterPolicy"), reported=("IsDefault",),
            builtin=_DEFAULT_AND_PRESETS,
        ),
        _defender(
            t.HOSTED_CONTENT_FILTER_RULE, "EXOHostedContentFilterRule", "anti-spam rule",
            create_only=("HostedContentFilterPolicy",), toggle=_STATE,
            references=(_policy("HostedContentFilterPolicy", t.HOSTED_CONTENT_FILTER_POLICY),),
        ),
        _defender(
            t.HOSTED_CONNECTION_FILTER_POLICY, "EXOHostedConnectionFilterPolicy", "connection filter policy",
            reported=("IsDefault",), builtin=_DEFAULT,
        ),
        _defender(
            t.HOSTED_OUTBOUND_SPAM_FILTER_POLICY, "EXOHostedOutboundSpamFilterPolicy", "outbound spam policy",
            reported=("IsDefault",), builtin=_DEFAULT_AND_PRESETS,
        ),
        _defender(
            t.HOSTED_OUTBOUND_SPAM_FILTER_RULE, "EXOHostedOutboundSpamFilterRule", "outbound spam rule",
            create_only=("HostedOutboundSpamFilterPolicy",), toggle=_STATE,
            references=(_policy("HostedOutboundSpamFilterPolicy", t.HOSTED_OUTBOUND_SPAM_FILTER_POLICY),),
        ),
        _defender(
            t.MALWARE_FILTER_POLICY, "EXOMalwareFilterPolicy", "anti-malware policy",
            references=_quarantine_tags("EXOMalwareFilterPolicy"), reported=("IsDefault",),
            builtin=_DEFAULT_AND_PRESETS,
        ),
        _defender(
            t.MALWARE_FILTER_RULE, "EXOMalwareFilterRule", "anti-malware rule",
            create_only=("MalwareFilterPolicy",), toggle=_STATE,
            references=(_policy("MalwareFilterPolicy", t.MALWARE_FILTER_POLICY),),
        ),
        _defender(
            t.ANTI_PHISH_POLICY, "EXOAntiPhishPolicy", "anti-phishing policy",
            references=_quarantine_tags("EXOAntiPhishPolicy"), reported=("IsDefault",),
            builtin=Builtin(frozenset({"Office365 AntiPhish Default"}) | _PRESETS, frozenset({"IsDefault"})),
        ),
        _defender(
            t.ANTI_PHISH_RULE, "EXOAntiPhishRule", "anti-phishing rule",
            create_only=("AntiPhishPolicy",), toggle=_STATE,
            references=(_policy("AntiPhishPolicy", t.ANTI_PHISH_POLICY),),
        ),
        _defender(
            t.SAFE_LINKS_POLICY, "EXOSafeLinksPolicy", "Safe Links policy", builtin=Builtin(_PRESETS),
        ),
        _defender(
            t.SAFE_LINKS_RULE, "EXOSafeLinksRule", "Safe Links rule",
            create_only=("SafeLinksPolicy",), toggle=_STATE,
            references=(_policy("SafeLinksPolicy", t.SAFE_LINKS_POLICY),),
        ),
        _defender(
            t.SAFE_ATTACHMENT_POLICY, "EXOSafeAttachmentPolicy", "Safe Attachments policy",
            references=_quarantine_tags("EXOSafeAttachmentPolicy"), builtin=Builtin(_PRESETS),
        ),
        _defender(
            t.SAFE_ATTACHMENT_RULE, "EXOSafeAttachmentRule", "Safe Attachments rule",
            create_only=("SafeAttachmentPolicy",), toggle=_STATE,
            references=(_policy("SafeAttachmentPolicy", t.SAFE_ATTACHMENT_POLICY),),
        ),
        _defender(
            t.QUARANTINE_POLICY, "EXOQuarantinePolicy", "quarantine policy", builtin=Builtin(_BUILTIN_QUARANTINE),
        ),
        _singleton(
            t.ATP_POLICY_FOR_O365, "EXOAtpPolicyForO365", "Defender for Office 365 setting",
            roles=(_DEFENDER_READ, _DEFENDER_WRITE),
        ),
        _row(
            t.EOP_PROTECTION_POLICY_RULE, "EXOEOPProtectionPolicyRule", "preset protection rule (EOP)",
            cmdlet_noun="EOPProtectionPolicyRule", roles=(_DEFENDER_READ, _DEFENDER_WRITE), toggle=_STATE,
            can_create=False, can_remove=False,
        ),
        _defender(
            t.ATP_PROTECTION_POLICY_RULE, "EXOAtpProtectionPolicyRule", "preset protection rule (Defender)",
            cmdlet_noun="ATPProtectionPolicyRule", create_only=("SafeAttachmentPolicy", "SafeLinksPolicy"),
            toggle=_STATE, builtin=Builtin(_PRESETS),
            references=(
                _policy("SafeAttachmentPolicy", t.SAFE_ATTACHMENT_POLICY),
                _policy("SafeLinksPolicy", t.SAFE_LINKS_POLICY),
            ),
        ),
        _defender(
            t.ATP_BUILT_IN_PROTECTION_RULE, "EXOATPBuiltInProtectionRule", "built-in protection rule",
            cmdlet_noun="ATPBuiltInProtectionRule", can_create=False, can_remove=False,
        ),
        _row(
            t.OWA_MAILBOX_POLICY, "EXOOwaMailboxPolicy", "Outlook on the web policy",
            builtin=Builtin(frozenset({"OwaMailboxPolicy-Default"}), frozenset({"IsDefault"})), reported=("IsDefault",),
        ),
        _row(
            t.MOBILE_DEVICE_MAILBOX_POLICY, "EXOMobileDeviceMailboxPolicy", "mobile device mailbox policy",
            builtin=_DEFAULT, reported=("IsDefault",),
        ),
        _row(t.ACTIVE_SYNC_DEVICE_ACCESS_RULE, "EXOActiveSyncDeviceAccessRule", "ActiveSync device access rule"),
        _row(
            t.SHARING_POLICY, "EXOSharingPolicy", "sharing policy",
            builtin=Builtin(frozenset({"Default Sharing Policy"})),
        ),
        _row(
            t.ROLE_ASSIGNMENT_POLICY, "EXORoleAssignmentPolicy", "role assignment policy",
            builtin=Builtin(frozenset({"Default Role Assignment Policy"})),
        ),
        _row(t.JOURNAL_RULE, "EXOJournalRule", "journal rule", toggle=Toggle("Enabled", True)),
        _row(
            t.ADDRESS_LIST, "EXOAddressList", "address list",
            builtin=Builtin(
                frozenset({"All Contacts", "All Distribution Lists", "All Groups", "All Rooms", "All Users"})
                | frozenset({"Public Folders", "All Mail Users(VLV)", "All Recipients(VLV)", "All Mailboxes(VLV)"})
            ),
        ),
        _row(
            t.EMAIL_ADDRESS_POLICY, "EXOEmailAddressPolicy", "email address policy",
            builtin=Builtin(frozenset({"Default Policy"})),
        ),
        _row(t.ORGANIZATION_RELATIONSHIP, "EXOOrganizationRelationship", "organization relationship"),
        _row(
            t.AVAILABILITY_ADDRESS_SPACE, "EXOAvailabilityAddressSpace", "availability address space",
            write_only=("Credentials",), no_set=True, create_verb="Add",
        ),
        _row(t.APPLICATION_ACCESS_POLICY, "EXOApplicationAccessPolicy", "application access policy"),
        _row(t.AUTHENTICATION_POLICY, "EXOAuthenticationPolicy", "authentication policy"),
        _singleton(
            t.PERIMETER_CONFIGURATION, "EXOPerimeterConfiguration", "perimeter configuration",
            cmdlet_noun="PerimeterConfig",
        ),
        _singleton(
            t.REPORT_SUBMISSION_POLICY, "EXOReportSubmissionPolicy", "report submission policy",
            roles=(_DEFENDER_READ, _DEFENDER_WRITE), identified=True,
        ),
        _singleton(
            t.REPORT_SUBMISSION_RULE, "EXOReportSubmissionRule", "report submission rule",
            roles=(_DEFENDER_READ, _DEFENDER_WRITE),
        ),
        _singleton(t.EXTERNAL_IN_OUTLOOK, "EXOExternalInOutlook", "external sender identification"),
        _row(
            t.RETENTION_POLICY, "EXORetentionPolicy", "messaging records management retention policy",
            builtin=Builtin(frozenset({"Default MRM Policy", "ArbitrationMailbox"})),
        ),
        _row(t.MESSAGE_CLASSIFICATION, "EXOMessageClassification", "message classification"),
        _row(t.ADDRESS_BOOK_POLICY, "EXOAddressBookPolicy", "address book policy"),
        _row(
            t.GLOBAL_ADDRESS_LIST, "EXOGlobalAddressList", "global address list",
            builtin=Builtin(frozenset({"Default Global Address List"})),
        ),
        _row(
            t.OFFLINE_ADDRESS_BOOK, "EXOOfflineAddressBook", "offline address book",
            builtin=Builtin(frozenset({"Default Offline Address Book"}), frozenset({"IsDefault"})), reported=("IsDefault",),
        ),
        _row(t.CLIENT_ACCESS_RULE, "EXOClientAccessRule", "client access rule"),
        _row(t.PARTNER_APPLICATION, "EXOPartnerApplication", "partner application"),
        _row(t.INTRA_ORGANIZATION_CONNECTOR, "EXOIntraOrganizationConnector", "intra-organization connector"),
        _row(t.POLICY_TIP_CONFIG, "EXOPolicyTipConfig", "custom policy tip"),
        _singleton(t.ARC_CONFIG, "EXOArcConfig", "ARC trusted sealers setting"),
        _singleton(t.EMAIL_TENANT_SETTINGS, "EXOEmailTenantSettings", "priority account protection setting"),
        _singleton(
            t.IRM_CONFIGURATION, "EXOIRMConfiguration", "information rights management setting",
            cmdlet_noun="IRMConfiguration",
        ),
        _row(
            t.OME_CONFIGURATION, "EXOOMEConfiguration", "message encryption branding",
            cmdlet_noun="OMEConfiguration", builtin=Builtin(frozenset({"OME Configuration"})),
        ),
        _row(t.ON_PREMISES_ORGANIZATION, "EXOOnPremisesOrganization", "on-premises organization"),
        _singleton(
            t.RESOURCE_CONFIGURATION, "EXOResourceConfiguration", "resource configuration",
            cmdlet_noun="ResourceConfig",
        ),
        _row(t.DATA_CLASSIFICATION, "EXODataClassification", "data classification", can_create=False),
        _row(t.MANAGEMENT_SCOPE, "EXOManagementScope", "management scope"),
        _defender(
            t.PHISH_SIM_OVERRIDE_RULE, "EXOPhishSimOverrideRule", "phishing simulation override rule",
            cmdlet_noun="ExoPhishSimOverrideRule", create_only=("Policy",),
        ),
        _defender(
            t.SEC_OPS_OVERRIDE_RULE, "EXOSecOpsOverrideRule", "SecOps mailbox override rule",
            cmdlet_noun="ExoSecOpsOverrideRule", create_only=("Policy",),
        ),
        _compliance(
            t.DLP_COMPLIANCE_POLICY, "SCDLPCompliancePolicy", "DLP policy",
            cmdlet_noun="DlpCompliancePolicy", list_edits=_deltas("SCDLPCompliancePolicy"),
        ),
        _compliance(
            t.DLP_COMPLIANCE_RULE, "SCDLPComplianceRule", "DLP rule", cmdlet_noun="DlpComplianceRule",
            create_only=("Policy",), references=(_policy("Policy", t.DLP_COMPLIANCE_POLICY),),
        ),
        _compliance(
            t.RETENTION_COMPLIANCE_POLICY, "SCRetentionCompliancePolicy", "retention policy",
            list_edits=_deltas("SCRetentionCompliancePolicy"),
        ),
        _compliance(
            t.RETENTION_COMPLIANCE_RULE, "SCRetentionComplianceRule", "retention rule",
            create_only=("Policy",), references=(_policy("Policy", t.RETENTION_COMPLIANCE_POLICY),),
        ),
        _compliance(t.COMPLIANCE_TAG, "SCComplianceTag", "retention label"),
        _compliance(t.SENSITIVITY_LABEL, "SCSensitivityLabel", "sensitivity label", cmdlet_noun="Label"),
        _compliance(
            t.LABEL_POLICY, "SCLabelPolicy", "sensitivity label policy",
            list_edits=_deltas("SCLabelPolicy", "Labels"),
            references=(Reference("Labels[]", t.SENSITIVITY_LABEL, by="Name"),),
        ),
        _compliance(
            t.PROTECTION_ALERT, "SCProtectionAlert", "alert policy", roles=(_ALERTS_READ, _ALERTS_WRITE),
            reported=("IsSystemRule",), builtin=Builtin(flags=frozenset({"IsSystemRule"})),
        ),
        _compliance(
            t.AUDIT_CONFIGURATION_POLICY, "SCAuditConfigurationPolicy", "audit configuration policy",
            roles=(_ALERTS_READ, _ALERTS_WRITE), no_set=True, named=False,
        ),
        _compliance(
            t.SUPERVISORY_REVIEW_POLICY, "SCSupervisoryReviewPolicy", "communication compliance policy",
            cmdlet_noun="SupervisoryReviewPolicyV2",
        ),
        _compliance(
            t.SUPERVISORY_REVIEW_RULE, "SCSupervisoryReviewRule", "communication compliance rule",
            create_only=("Policy",), can_remove=False,
            references=(_policy("Policy", t.SUPERVISORY_REVIEW_POLICY),),
        ),
        _compliance(
            t.AUTO_SENSITIVITY_LABEL_POLICY, "SCAutoSensitivityLabelPolicy", "auto-labeling policy",
            list_edits=_deltas("SCAutoSensitivityLabelPolicy"),
            references=(Reference("ApplySensitivityLabel", t.SENSITIVITY_LABEL, by="Name"),),
        ),
        _compliance(
            t.AUTO_SENSITIVITY_LABEL_RULE, "SCAutoSensitivityLabelRule", "auto-labeling rule",
            create_only=("Policy",), references=(_policy("Policy", t.AUTO_SENSITIVITY_LABEL_POLICY),),
        ),
        _compliance(
            t.UNIFIED_AUDIT_LOG_RETENTION_POLICY, "SCUnifiedAuditLogRetentionPolicy", "audit log retention policy",
        ),
        _compliance(
            t.RETENTION_EVENT_TYPE, "SCRetentionEventType", "retention event type",
            cmdlet_noun="ComplianceRetentionEventType",
        ),
        _compliance(
            t.DEVICE_CONDITIONAL_ACCESS_POLICY, "SCDeviceConditionalAccessPolicy", "basic mobility policy",
        ),
        _compliance(t.FILE_PLAN_PROPERTY_AUTHORITY, "SCFilePlanPropertyAuthority", "file plan authority", no_set=True),
        _compliance(t.FILE_PLAN_PROPERTY_CATEGORY, "SCFilePlanPropertyCategory", "file plan category", no_set=True),
        _compliance(t.FILE_PLAN_PROPERTY_CITATION, "SCFilePlanPropertyCitation", "file plan citation"),
        _compliance(
            t.FILE_PLAN_PROPERTY_DEPARTMENT, "SCFilePlanPropertyDepartment", "file plan department", no_set=True,
        ),
        _compliance(
            t.FILE_PLAN_PROPERTY_REFERENCE_ID, "SCFilePlanPropertyReferenceId", "file plan reference id", no_set=True,
        ),
        _compliance(
            t.FILE_PLAN_PROPERTY_SUB_CATEGORY, "SCFilePlanPropertySubCategory", "file plan subcategory",
            no_set=True, references=(Reference("Category", t.FILE_PLAN_PROPERTY_CATEGORY, by="Name"),),
        ),
    ]  # fmt: skip
    return rows
