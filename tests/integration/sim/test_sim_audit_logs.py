"""The audit logs over HTTP: every write leaves a record in Microsoft's shape, naming who made it, read
with ``$filter`` on ``activityDateTime``, paged, throttled, and held back by the ingestion delay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import READ_WRITE_PERMISSIONS, SimTenant, app_token

pytestmark = pytest.mark.integration

DIRECTORY_AUDITS = "/v1.0/auditLogs/directoryAudits"
AUDIT_EVENTS = "/v1.0/deviceManagement/auditEvents"
AUDIT_READERS = ["AuditLog.Read.All", "DeviceManagementApps.Read.All"]


@pytest.fixture
def no_delay(sim: SimulatorClient) -> Iterator[None]:
    before = sim.audit_delay()
    sim.set_audit_delay(0)
    yield
    sim.set_audit_delay(before)


@pytest.fixture
def auditor(http: httpx.Client, sim: SimulatorClient, tenant: SimTenant) -> httpx.Client:
    """An app that writes configuration and reads both audit logs."""
    client_id, secret = str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    sim.create_app(
        tenant.id,
        client_id,
        display_name="audit reader",
        application_permissions=[*READ_WRITE_PERMISSIONS, *AUDIT_READERS],
        secret=secret,
    )
    reader = dataclasses.replace(tenant, client_id=client_id, secret=secret)
    http.headers["Authorization"] = f"Bearer {app_token(http, reader)}"
    return http


def _records(http: httpx.Client, path: str, **query: str) -> list[dict[str, Any]]:
    response = http.get(path, params=query)
    assert response.status_code == 200, response.text
    values: list[dict[str, Any]] = response.json()["value"]
    return values


def test_a_graph_write_is_a_directory_audit_naming_the_app(
    no_delay: None, auditor: httpx.Client, tenant: SimTenant
) -> None:
    created = auditor.post(
        "/v1.0/identity/conditionalAccess/namedLocations",
        json={
            "@odata.type": "#microsoft.graph.countryNamedLocation",
            "displayName": "Blocked countries",
            "countriesAndRegions": ["KP"],
            "includeUnknownCountriesAndRegions": False,
        },
    )
    assert created.status_code == 201, created.text
    location_id = created.json()["id"]
    changed = auditor.patch(
        f"/v1.0/identity/conditionalAccess/namedLocations/{location_id}",
        json={"@odata.type": "#microsoft.graph.countryNamedLocation", "countriesAndRegions": ["KP", "IR"]},
    )
    assert changed.status_code == 204, changed.text

    records = _records(auditor, DIRECTORY_AUDITS)
    assert [r["activityDisplayName"] for r in records] == ["Update named location", "Add named location"]
    update = records[0]
    assert update["operationType"] == "Update"
    assert update["initiatedBy"]["user"] is None
    assert update["initiatedBy"]["app"]["displayName"] == "audit reader"
    target = update["targetResources"][0]
    assert (target["id"], target["displayName"]) == (location_id, "Blocked countries")
    modified = {p["displayName"]: p for p in target["modifiedProperties"]}
    assert set(modified) == {"countriesAndRegions"}
    assert json.loads(modified["countriesAndRegions"]["newValue"]) == ["KP", "IR"]
    assert json.loads(modified["countriesAndRegions"]["oldValue"]) == ["KP"]


def test_a_portal_change_is_an_intune_audit_event_naming_the_person(
    no_delay: None, auditor: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    created = sim.create_object(
        tenant.id,
        "deviceConfigurations",
        {"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": "Baseline"},
    )
    assert _records(auditor, AUDIT_EVENTS) == [], "seeding without an actor is no one's change"
    sim.drift(
        tenant.id,
        "deviceConfigurations",
        {"passwordRequired": True},
        created["id"],
        actor="alice@contoso.com",
    )

    [event] = _records(auditor, AUDIT_EVENTS)
    assert event["actor"]["userPrincipalName"] == "alice@contoso.com"
    assert event["activityOperationType"] == "Patch"
    [resource] = event["resources"]
    assert resource["resourceId"] == created["id"]
    assert resource["auditResourceType"] == "DeviceConfiguration"
    assert [p["displayName"] for p in resource["modifiedProperties"]] == ["passwordRequired"]
    assert _records(auditor, DIRECTORY_AUDITS) == []


def test_filter_on_activity_time_and_paging(
    no_delay: None, auditor: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    ids = [
        sim.create_object(tenant.id, "namedLocations", {"displayName": f"Site {n}"}, actor="bob@contoso.com")[
            "id"
        ]
        for n in range(3)
    ]
    records = _records(auditor, DIRECTORY_AUDITS)
    assert [r["targetResources"][0]["id"] for r in records] == ids[::-1]
    newest = dt.datetime.fromisoformat(records[0]["activityDateTime"].replace("Z", "+00:00"))
    later = (newest + dt.timedelta(milliseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert _records(auditor, DIRECTORY_AUDITS, **{"$filter": f"activityDateTime ge {later}"}) == []
    since = records[1]["activityDateTime"]
    assert len(_records(auditor, DIRECTORY_AUDITS, **{"$filter": f"activityDateTime ge {since}"})) == 2

    page = auditor.get(DIRECTORY_AUDITS, params={"$top": "2"})
    body = page.json()
    assert len(body["value"]) == 2
    rest = auditor.get(body["@odata.nextLink"])
    assert [r["id"] for r in rest.json()["value"]] == [records[2]["id"]]


def test_records_wait_for_the_ingestion_delay(
    auditor: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    before = sim.audit_delay()
    try:
        sim.set_audit_delay(3600)
        sim.create_object(tenant.id, "namedLocations", {"displayName": "Late"}, actor="bob@contoso.com")
        assert _records(auditor, DIRECTORY_AUDITS) == []
        sim.set_audit_delay(0)
        assert [r["activityDisplayName"] for r in _records(auditor, DIRECTORY_AUDITS)] == [
            "Add named location"
        ]
    finally:
        sim.set_audit_delay(before)


def test_audit_logs_need_their_permission(http: httpx.Client, tenant: SimTenant) -> None:
    http.headers["Authorization"] = f"Bearer {app_token(http, tenant)}"
    refused = http.get(DIRECTORY_AUDITS)
    assert refused.status_code == 403
    assert "AuditLog.Read.All" in refused.text
    assert http.get(AUDIT_EVENTS).status_code == 403


def test_directory_audits_are_throttled_as_the_reports_are(auditor: httpx.Client) -> None:
    answers = [auditor.get(DIRECTORY_AUDITS) for _ in range(8)]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    throttled = [a for a in answers[5:] if a.status_code == 429]
    assert throttled, "5 requests per 10 seconds"
    assert int(throttled[0].headers["Retry-After"]) >= 1
