"""Which Entra directory roles let an app-only caller run a cmdlet.

App-only access to the Exchange admin API needs the application permission ``Exchange.ManageAsApp``
and an Entra role held by the app's service principal (the token's ``wids``). The roles per type are
Microsoft365DSC's (its ``settings.json`` "read" and "update" roles); a type that names none needs
Exchange Administrator on the Exchange endpoint and Compliance Administrator on the compliance
endpoint. Exchange Administrator also covers the Defender types (the Organization Management role group
holds the Security Admin and Transport Hygiene roles), Global Administrator covers everything and
Global Reader every Get.
"""

from __future__ import annotations

from tenantsync_sim.exchange.schema import ExchangeType

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
EXCHANGE_ADMINISTRATOR = "29232cdf-9323-42fd-ade2-1d097af3e4de"
COMPLIANCE_ADMINISTRATOR = "17315797-102d-40b4-93e0-432062caca18"
SECURITY_ADMINISTRATOR = "194ae4cb-b126-40b2-bd5b-6091b380977d"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
SECURITY_READER = "5d6b6bb7-de71-4623-b4af-96380a352509"

ROLE_IDS = {
    "Global Administrator": GLOBAL_ADMINISTRATOR,
    "Exchange Administrator": EXCHANGE_ADMINISTRATOR,
    "Compliance Administrator": COMPLIANCE_ADMINISTRATOR,
    "Security Administrator": SECURITY_ADMINISTRATOR,
    "Global Reader": GLOBAL_READER,
    "Security Reader": SECURITY_READER,
}
ROLE_NAMES = {role_id: name for name, role_id in ROLE_IDS.items()}

SEEDED_ROLES = (EXCHANGE_ADMINISTRATOR, COMPLIANCE_ADMINISTRATOR)
"""What every seeded (and control-API-created confidential) app holds unless a test removes it."""

MANAGE_AS_APP = "Exchange.ManageAsApp"


def allowed_roles(exchange_type: ExchangeType, verb: str) -> list[str]:
    """Role names that let an app run ``verb`` on the type, most specific first."""
    service_admin = (
        "Exchange Administrator" if exchange_type.service == "exchange" else "Compliance Administrator"
    )
    update = [r for r in exchange_type.roles.get("update", []) if r in ROLE_IDS] or [service_admin]
    names = [*update]
    if exchange_type.service == "exchange" and "Exchange Administrator" not in names:
        names.append("Exchange Administrator")
    names.append("Global Administrator")
    if verb == "Get":
        names += [r for r in exchange_type.roles.get("read", []) if r in ROLE_IDS] + ["Global Reader"]
    return list(dict.fromkeys(names))


def holds_role(wids: list[str], exchange_type: ExchangeType, verb: str) -> bool:
    return any(ROLE_IDS[name] in wids for name in allowed_roles(exchange_type, verb))
