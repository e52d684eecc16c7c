"""The Exchange and Purview admin audit over HTTP: every changing cmdlet (through the admin API or a
portal change with an actor) is a Search-UnifiedAuditLog record, searchable after the ingestion
delay, filtered by time and record type, paged, throttled and refused without an audit role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.exchange.roles import COMPLIANCE_ADMINISTRATOR, EXCHANGE_ADMINISTRATOR, SECURITY_READER
from tests.integration.sim.simtest_support import SimTenant
from tests.integration.sim.test_sim_exchange_api import COMPLIANCE, Exo, error

pytestmark = pytest.mark.integration


@pytest.fixture
def no_delay(sim: SimulatorClient) -> Iterator[None]:
    before = (sim.audit_delay(), sim.admin_audit_delay())
    sim.set_audit_delay(0)
    yield
    sim.set_audit_delay(*before)


def window(**parameters: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "StartDate": f"{now - timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}",
        "EndDate": f"{now + timedelta(minutes=1):%Y-%m-%dT%H:%M:%SZ}",
        **parameters,
    }


def audit(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(result["AuditData"]) for result in results]


def test_cmdlets_and_portal_changes_are_recorded_with_who_and_what(
    sim: SimulatorClient, http: httpx.Client, tenant: SimTenant, no_delay: None
) -> None:
    exo, purview = Exo(http, tenant), Exo(http, tenant, COMPLIANCE)
    exo.ok("New-TransportRule", Name="Stamp", SetHeaderName="X-Ext", SetHeaderValue="yes")
    exo.ok("Get-TransportRule")
    sim.drift(tenant.id, "transportRule", {"SetHeaderValue": "no"}, "Stamp", actor="alice@contoso.com")
    purview.ok("New-DlpCompliancePolicy", Name="Cards")

    records = exo.ok("Search-UnifiedAuditLog", **window(RecordType="ExchangeAdmin"))
    assert [r["Operations"] for r in records] == ["Set-TransportRule", "New-TransportRule"], "newest first"
    assert [(r["ResultIndex"], r["ResultCount"]) for r in records] == [(1, 2), (2, 2)]
    portal, created = audit(records)
    assert (portal["UserId"], portal["ObjectId"], portal["Workload"]) == (
        "alice@contoso.com",
        "Stamp",
        "Exchange",
    )
    assert {"Name": "SetHeaderValue", "Value": "no"} in portal["Parameters"]
    assert (created["AppId"], created["UserType"]) == (tenant.client_id, 5)
    compliance = audit(
        exo.ok("Search-UnifiedAuditLog", **window(RecordType="SecurityComplianceCenterEXOCmdlet"))
    )
    assert [(r["Operation"], r["ObjectId"]) for r in compliance] == [("New-DlpCompliancePolicy", "Cards")]
    later = window()
    later["StartDate"] = later["EndDate"]
    assert exo.ok("Search-UnifiedAuditLog", **later) == []


def test_records_wait_for_the_ingestion_delay_and_are_paged(
    sim: SimulatorClient, http: httpx.Client, tenant: SimTenant, no_delay: None
) -> None:
    exo = Exo(http, tenant)
    sim.set_audit_delay(0, admin=3600)
    exo.ok("New-TransportRule", Name="Held back")
    assert exo.ok("Search-UnifiedAuditLog", **window()) == []
    sim.set_audit_delay(0, admin=0)
    for i in range(4):
        exo.ok("New-TransportRule", Name=f"rule {i}")
    first = exo.call("Search-UnifiedAuditLog", page_size=3, **window()).json()
    assert len(first["value"]) == 3
    rest = exo.call("Search-UnifiedAuditLog", url=first["@odata.nextLink"], page_size=3, **window()).json()
    assert len(rest["value"]) == 2 and "@odata.nextLink" not in rest


def test_searching_needs_an_audit_role_and_is_throttled(
    sim: SimulatorClient, http: httpx.Client, tenant: SimTenant, no_delay: None
) -> None:
    for role in (EXCHANGE_ADMINISTRATOR, COMPLIANCE_ADMINISTRATOR):
        sim.remove_role(tenant.id, tenant.client_id, role)
    sim.add_role(tenant.id, tenant.client_id, "f2ef992c-3afb-46b9-b7cf-a126ee74c451")  # Global Reader
    denied = error(Exo(http, tenant).call("Search-UnifiedAuditLog", **window()), 401)
    assert denied["message"] == "User is not allowed to call Search-UnifiedAuditLog"
    sim.add_role(tenant.id, tenant.client_id, SECURITY_READER)
    reader = Exo(http, tenant)
    assert reader.ok("Search-UnifiedAuditLog", **window()) == []
    sim.set_throttling(
        tenant.id,
        services={"exchange": {"tenantCapacity": 1, "tenantRefillPerSecond": 0.01, "appCapacity": 1,
                               "appRefillPerSecond": 0.01}},
    )  # fmt: skip
    statuses = [reader.call("Search-UnifiedAuditLog", **window()).status_code for _ in range(2)]
    assert statuses == [200, 429]
