"""Exchange and Purview objects as Get-* prints them: every parameter property plus the output-only ones.

Objects live in the tenant's collections under their type name (``transportRule``), keyed by ``Guid``.
A cmdlet names an object by ``Identity``, which the service resolves against the name, the GUID and the
distinguished name, case-insensitively.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tenantsync_sim.exchange.schema import FLAGS, STATE_RULES, ExchangeType
from tenantsync_sim.state import JsonObject, Tenant, new_id

EXCHANGE_VERSION = "0.20 (15.0.0.0)"

PRESETS = frozenset(
    {"Standard Preset Security Policy", "Strict Preset Security Policy", "Built-In Protection Policy"}
)
BUILT_IN_NAMES: dict[str, frozenset[str]] = {
    "quarantinePolicy": frozenset(
        {
            "AdminOnlyAccessPolicy",
            "DefaultFullAccessPolicy",
            "DefaultFullAccessWithNotificationPolicy",
            "NotificationEnabledPolicy",
            "DefaultGlobalTag",
        }
    ),
    "remoteDomain": frozenset({"Default"}),
    "sharingPolicy": frozenset({"Default Sharing Policy"}),
    "roleAssignmentPolicy": frozenset({"Default Role Assignment Policy"}),
    "emailAddressPolicy": frozenset({"Default Policy"}),
    "retentionPolicy": frozenset({"Default MRM Policy", "ArbitrationMailbox"}),
    "globalAddressList": frozenset({"Default Global Address List"}),
    "offlineAddressBook": frozenset({"Default Offline Address Book"}),
    "omeConfiguration": frozenset({"OME Configuration"}),
    "addressList": frozenset(
        {
            "All Contacts",
            "All Distribution Lists",
            "All Groups",
            "All Rooms",
            "All Users",
            "Public Folders",
            "All Mail Users(VLV)",
            "All Recipients(VLV)",
            "All Mailboxes(VLV)",
        }
    ),
    **{
        key: PRESETS
        for key in (
            "hostedContentFilterPolicy",
            "hostedOutboundSpamFilterPolicy",
            "malwareFilterPolicy",
            "antiPhishPolicy",
            "safeLinksPolicy",
            "safeAttachmentPolicy",
            "atpProtectionPolicyRule",
        )
    },
}
"""Built-in objects that carry no ``IsDefault`` flag but that the service refuses to remove."""

WITHHELD: dict[str, frozenset[str]] = {"availabilityAddressSpace": frozenset({"Credentials"})}
"""Secrets a cmdlet takes but Get never prints (the service keeps them; the control API shows them)."""


def as_printed(exchange_type: ExchangeType, item: JsonObject) -> JsonObject:
    """The object as Get-* prints it: withheld secrets are null."""
    hidden = WITHHELD.get(exchange_type.key, frozenset())
    return {k: (None if k in hidden else v) for k, v in item.items()}


REFERENCES: dict[str, tuple[str, str]] = {
    "antiPhishRule": ("AntiPhishPolicy", "antiPhishPolicy"),
    "hostedContentFilterRule": ("HostedContentFilterPolicy", "hostedContentFilterPolicy"),
    "hostedOutboundSpamFilterRule": ("HostedOutboundSpamFilterPolicy", "hostedOutboundSpamFilterPolicy"),
    "malwareFilterRule": ("MalwareFilterPolicy", "malwareFilterPolicy"),
    "safeLinksRule": ("SafeLinksPolicy", "safeLinksPolicy"),
    "safeAttachmentRule": ("SafeAttachmentPolicy", "safeAttachmentPolicy"),
    "dlpComplianceRule": ("Policy", "dlpCompliancePolicy"),
    "retentionComplianceRule": ("Policy", "retentionCompliancePolicy"),
    "autoSensitivityLabelRule": ("Policy", "autoSensitivityLabelPolicy"),
    "supervisoryReviewRule": ("Policy", "supervisoryReviewPolicy"),
}
"""A rule's parameter naming its policy, and the policy's type: the policy must exist."""


def timestamp(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def blank(exchange_type: ExchangeType) -> JsonObject:
    """Every parameter property at the value a new object reports when the caller leaves it out."""
    item: JsonObject = {}
    for name, prop in exchange_type.properties.items():
        if prop.array:
            item[name] = []
        elif prop.type == "boolean":
            item[name] = False
        elif prop.type.startswith(("uint", "sint")):
            item[name] = 0
        else:
            item[name] = None
    if exchange_type.key in STATE_RULES:
        item.pop("Enabled", None)
        item["State"] = "Enabled"
    for flag in FLAGS & exchange_type.output_only:
        item[flag] = False
    return item


def envelope(tenant: Tenant, exchange_type: ExchangeType, name: str, guid: str, created: str) -> JsonObject:
    """The output-only identity and bookkeeping properties of every object."""
    organization = tenant.domains[0] if tenant.domains else tenant.id
    container = "Configuration" if exchange_type.service == "exchange" else "Compliance"
    return {
        "Identity": name,
        "Name": name,
        "Guid": guid,
        "Id": name,
        "DistinguishedName": f"CN={name},CN={exchange_type.noun},CN={container},"
        f"CN={organization},CN=ConfigurationUnits,DC=EURPR01A001,DC=PROD,DC=OUTLOOK,DC=COM",
        "WhenCreated": created,
        "WhenChanged": created,
        "WhenCreatedUTC": created,
        "WhenChangedUTC": created,
        "ExchangeVersion": EXCHANGE_VERSION,
        "IsValid": True,
        "ObjectState": "Unchanged",
        "OrganizationId": f"EURPR01A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/{organization}",
    }


def create(
    tenant: Tenant, exchange_type: ExchangeType, name: str, values: dict[str, Any], now: float, guid: str = ""
) -> JsonObject:
    item = {**blank(exchange_type), **envelope(tenant, exchange_type, name, guid or new_id(), timestamp(now))}
    item.update(values)
    return item


def touch(item: JsonObject, now: float) -> None:
    stamp = timestamp(now)
    item["WhenChanged"] = item["WhenChangedUTC"] = stamp


def objects(tenant: Tenant, exchange_type: ExchangeType) -> dict[str, JsonObject]:
    return tenant.collection(exchange_type.key)


def find(tenant: Tenant, exchange_type: ExchangeType, identity: str) -> JsonObject | None:
    wanted = identity.strip().lower()
    for item in objects(tenant, exchange_type).values():
        names = (item.get(k) for k in ("Identity", "Name", "Guid", "DistinguishedName", "Id"))
        if any(isinstance(n, str) and n.lower() == wanted for n in names):
            return item
    return None


def removable(exchange_type: ExchangeType, item: JsonObject) -> bool:
    if any(item.get(flag) is True for flag in ("IsDefault", "IsBuiltInProtection", "IsSystemRule")):
        return False
    return item.get("Name") not in BUILT_IN_NAMES.get(exchange_type.key, frozenset())


def ordered(exchange_type: ExchangeType, items: list[JsonObject]) -> list[JsonObject]:
    """Rules by priority, everything else by name: the order Get-* lists them in."""
    if exchange_type.prioritised:
        return sorted(items, key=lambda i: (int(i.get("Priority") or 0), str(i.get("Name"))))
    return sorted(items, key=lambda i: str(i.get("Name")).lower())
