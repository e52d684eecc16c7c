"""The admin audit records of Exchange Online and Security & Compliance, as ``Search-UnifiedAuditLog``
returns them (docs/drift.md, "The Exchange and Purview admin audit").

Every cmdlet that changes something (any verb but ``Get``), run through the admin API or made in a
portal (the control API with ``?actor=``), leaves one record: ``RecordType`` ``ExchangeAdmin`` for the
Exchange endpoint's cmdlets and ``SecurityComplianceCenterEXOCmdlet`` for the compliance endpoint's,
its ``AuditData`` the unified audit log's JSON (the Management Activity API schema's common and Exchange
admin properties: ``Operation`` the cmdlet, ``ObjectId`` the identity it was given, ``Parameters``, the
user or the app). Records become searchable after the ingestion delay: Microsoft documents 60 to 90
minutes as typical for Exchange's audit events, so the default is an hour (``--audit-delay`` sets the
Graph logs' delay, the control API each).

``Search-UnifiedAuditLog`` takes ``StartDate``/``EndDate`` (on the record's creation time),
``RecordType``, ``ResultSize`` and ``SessionId``/``SessionCommand ReturnLargeSet``; it needs an Entra
role whose Exchange role group holds the View-Only Audit Logs or Audit Logs role, and its answer is paged
and throttled like any other cmdlet's.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from tenantsync_sim.audit import Actor
from tenantsync_sim.exchange import errors, roles
from tenantsync_sim.exchange.schema import ExchangeType, Service
from tenantsync_sim.state import JsonObject, Tenant

SEARCH_CMDLET = "Search-UnifiedAuditLog"
RECORD_TYPES: dict[Service, tuple[str, int, str]] = {
    "exchange": ("ExchangeAdmin", 1, "Exchange"),
    "compliance": ("SecurityComplianceCenterEXOCmdlet", 18, "SecurityComplianceCenter"),
}
"""Each endpoint's records: RecordType's name, its number in AuditData, the Workload."""
AUDIT_ROLES = (
    roles.SECURITY_READER,
    roles.SECURITY_ADMINISTRATOR,
    roles.COMPLIANCE_ADMINISTRATOR,
    roles.EXCHANGE_ADMINISTRATOR,
    roles.GLOBAL_ADMINISTRATOR,
)
"""Entra roles whose Exchange role groups (Security Reader, Security Administrator, Compliance
Management, Organization Management) hold View-Only Audit Logs or Audit Logs."""
_NOT_RECORDED = frozenset({"identity", "confirm", "force", "resultsize"})
_USER_ADMIN, _APPLICATION = 2, 5


def caller(tenant: Tenant, app_id: str, user_id: str | None) -> Actor:
    """Who ran a cmdlet: the signed-in user of a delegated token, else the application."""
    app = next((a for a in tenant.apps.values() if a.app_id == app_id), None)
    name = app.display_name if app else None
    user = tenant.users.get(user_id) if user_id else None
    if user_id is not None:
        upn = user.user_principal_name if user else None
        return Actor(user_id=user_id, user_principal_name=upn, app_id=app_id, app_display_name=name)
    return Actor(
        app_id=app_id, app_display_name=name, service_principal_id=app.service_principal_id if app else None
    )


def _value(value: Any) -> str:
    """Parameter values as the records carry them: text, lists joined as PowerShell prints them."""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value)


def admin_record(
    tenant: Tenant,
    exchange_type: ExchangeType,
    cmdlet: str,
    identity: str,
    parameters: dict[str, Any],
    actor: Actor,
    now: float,
) -> JsonObject:
    """One ``Search-UnifiedAuditLog`` result: the search's own properties around ``AuditData``."""
    record_type, number, workload = RECORD_TYPES[exchange_type.service]
    created = dt.datetime.fromtimestamp(now, dt.UTC).replace(tzinfo=None)
    user = actor.user_principal_name
    audit_id = str(uuid.uuid4())
    audit: JsonObject = {
        "CreationTime": created.strftime("%Y-%m-%dT%H:%M:%S"),
        "Id": audit_id,
        "Operation": cmdlet,
        "OrganizationId": tenant.id,
        "RecordType": number,
        "ResultStatus": "True",
        "UserKey": actor.user_id or actor.app_id or "",
        "UserType": _USER_ADMIN if user else _APPLICATION,
        "Version": 1,
        "Workload": workload,
        "ClientIP": actor.ip_address,
        "ObjectId": identity,
        "UserId": user or actor.app_display_name or actor.app_id or "",
        "AppId": actor.app_id or "",
        "ClientAppId": "",
        "ExternalAccess": False,
        "OrganizationName": next(iter(tenant.domains), tenant.id),
        "OriginatingServer": "SIMPR01MB0001 (15.20.0000.000)",
        "Parameters": [
            {"Name": "Identity", "Value": identity},
            *(
                {"Name": name, "Value": _value(value)}
                for name, value in parameters.items()
                if name.lower() not in _NOT_RECORDED
            ),
        ],
    }
    return {
        "RecordType": record_type,
        "CreationDate": audit["CreationTime"],
        "UserIds": audit["UserId"],
        "Operations": cmdlet,
        "AuditData": json.dumps(audit, separators=(",", ":")),
        "Identity": audit_id,
        "IsValid": True,
        "ObjectState": "Unchanged",
    }


def _moment(value: Any, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise errors.bad_request(
            errors.PARAMETER_BINDING, f"Cannot bind parameter '{name}': '{value}' is not a date."
        ) from None
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def search(records: list[JsonObject], parameters: dict[str, Any]) -> list[JsonObject]:
    """The records ``Search-UnifiedAuditLog`` returns for ``parameters``, newest first, numbered."""
    bound = {name.lower(): value for name, value in parameters.items()}
    for name in ("startdate", "enddate"):
        if bound.get(name) in (None, ""):
            raise errors.missing_parameter(SEARCH_CMDLET, "StartDate" if name == "startdate" else "EndDate")
    start, end = _moment(bound["startdate"], "StartDate"), _moment(bound["enddate"], "EndDate")
    wanted = str(bound.get("recordtype") or "")
    size = int(bound.get("resultsize") or 100)
    found = [
        record
        for record in records
        if (not wanted or record["RecordType"].lower() == wanted.lower())
        and start <= dt.datetime.fromisoformat(record["CreationDate"]) <= end
    ][: max(1, min(size, 5000))]
    return [
        {**record, "ResultIndex": index, "ResultCount": len(found)} for index, record in enumerate(found, 1)
    ]


def may_search(wids: list[str]) -> bool:
    """Whether the caller's roles reach ``Search-UnifiedAuditLog``."""
    return any(role in wids for role in AUDIT_ROLES)
