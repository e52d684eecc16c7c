"""Audit records read as drift, and a watch that reads only what is new: records in Microsoft's shapes
(as the simulator writes them) served by a fake Graph."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tenantsync.api import ResourceType
from tenantsync.catalog import AuditSource, Service
from tenantsync.drift import LOOKBACK, AuditWatch, drift_change
from tenantsync.drift.records import audit_data
from tenantsync.drift.watcher import ADMIN_LOOKBACK
from tenantsync.exchange import ExchangeClient
from tenantsync.graph import GraphClient
from tenantsync_sim.audit import Actor, AuditLog, Change
from tenantsync_sim.exchange.admin_audit import admin_record, search
from tenantsync_sim.exchange.schema import types as exchange_types
from tenantsync_sim.state import Tenant

OPERATOR = "0f6c1a54-3a33-4bd4-8a5f-000000000001"
ALICE = Actor(user_id="u-1", user_principal_name="alice@contoso.com", user_display_name="Alice")
TYPES = [
    ResourceType.CONDITIONAL_ACCESS_POLICIES,
    ResourceType.DEVICE_CONFIGURATIONS,
    ResourceType.AUTHORIZATION_POLICY,
]
START = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def _record(change: Change, actor: Actor = ALICE, at: dt.datetime = START) -> dict[str, Any]:
    log = AuditLog(ingestion_delay_seconds=0)
    return log.record("t", change, actor, at.timestamp())


CA_UPDATE = Change(
    "directory",
    "conditionalAccessPolicy",
    "p-1",
    "Require MFA",
    "Update",
    (("state", "enabled", "disabled"),),
)


def test_a_directory_audit_names_type_object_fields_and_person() -> None:
    seen = drift_change(AuditSource.DIRECTORY, _record(CA_UPDATE), TYPES, OPERATOR)
    assert seen is not None
    change = seen.change
    assert (change.type, change.objectId, change.displayName) == (
        ResourceType.CONDITIONAL_ACCESS_POLICIES,
        "p-1",
        "Require MFA",
    )
    assert change.actor.userPrincipalName == "alice@contoso.com"
    assert (change.activity, change.changedFields, change.time) == (
        "Update conditional access policy",
        ["state"],
        START,
    )


def test_an_intune_event_and_a_singleton_map_to_their_types() -> None:
    intune = Change(
        "intune", "deviceConfiguration", "d-1", "Baseline", "Update", (("passwordRequired", False, True),)
    )
    seen = drift_change(AuditSource.INTUNE, _record(intune), TYPES, OPERATOR)
    assert seen is not None and seen.change.type == ResourceType.DEVICE_CONFIGURATIONS
    assert seen.change.objectId == "d-1"
    singleton = Change(
        "directory", "authorizationPolicy", "authorizationPolicy", "", "Update", (("x", 1, 2),)
    )
    found = drift_change(AuditSource.DIRECTORY, _record(singleton), TYPES, OPERATOR)
    assert found is not None and found.change.objectId == "authorizationPolicy"


def test_the_operators_own_writes_and_what_it_does_not_keep_are_not_drift() -> None:
    operator = Actor(app_id=OPERATOR, app_display_name="tenantsync", service_principal_id="sp-1")
    assert drift_change(AuditSource.DIRECTORY, _record(CA_UPDATE, operator), TYPES, OPERATOR) is None
    other_app = Actor(app_id="11111111-0000-0000-0000-000000000000", app_display_name="Some script")
    by_script = drift_change(AuditSource.DIRECTORY, _record(CA_UPDATE, other_app), TYPES, OPERATOR)
    assert by_script is not None and by_script.change.actor.appDisplayName == "Some script"
    user = Change("directory", "user", "u-9", "Bob", "Update", (("jobTitle", "a", "b"),))
    assert drift_change(AuditSource.DIRECTORY, _record(user), TYPES, OPERATOR) is None
    location = Change("directory", "namedLocation", "l-1", "HQ", "Update", (("x", 1, 2),))
    assert drift_change(AuditSource.DIRECTORY, _record(location), TYPES, OPERATOR) is None, "not synced"
    failed = {**_record(CA_UPDATE), "result": "failure"}
    assert drift_change(AuditSource.DIRECTORY, failed, TYPES, OPERATOR) is None


class FakeAuditLogs:
    """Graph's two audit logs over records of changes, answering ``activityDateTime ge`` filters."""

    def __init__(self) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {"directoryAudits": [], "auditEvents": []}
        self.filters: list[tuple[str, str]] = []

    def add(self, change: Change, at: dt.datetime, actor: Actor = ALICE) -> None:
        source = "directoryAudits" if change.source == "directory" else "auditEvents"
        self.records[source].insert(0, _record(change, actor, at))

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        source = url.path.rsplit("/", 1)[-1]
        expression = parse_qs(url.query)["$filter"][0]
        self.filters.append((source, expression))
        since = dt.datetime.fromisoformat(
            expression.removeprefix("activityDateTime ge ").replace("Z", "+00:00")
        )
        found = [
            r
            for r in self.records[source]
            if dt.datetime.fromisoformat(r["activityDateTime"].replace("Z", "+00:00")) >= since
        ]
        return httpx.Response(200, json={"value": found})


def _graph(logs: FakeAuditLogs) -> GraphClient:
    async def token() -> str:
        return "token"

    return GraphClient("https://graph.example", token, transport=httpx.MockTransport(logs.handler))


async def test_each_look_reads_each_log_once_and_each_record_once() -> None:
    logs = FakeAuditLogs()
    watch = AuditWatch(START)
    async with _graph(logs) as graph:
        assert await watch.look(graph, TYPES, OPERATOR, START + dt.timedelta(minutes=1)) == []
        assert [source for source, _ in logs.filters] == ["directoryAudits", "auditEvents"]
        logs.add(CA_UPDATE, START + dt.timedelta(seconds=90))
        first = await watch.look(graph, TYPES, OPERATOR, START + dt.timedelta(minutes=2))
        assert [seen.change.objectId for seen in first] == ["p-1"]
        assert await watch.look(graph, TYPES, OPERATOR, START + dt.timedelta(minutes=3)) == []
    assert watch.requests == len(logs.filters) == 6
    # Each look reaches back over the audit logs' late arrivals from where the last one stopped.
    assert (
        logs.filters[-1][1]
        == f"activityDateTime ge {(START + dt.timedelta(minutes=2) - LOOKBACK):%Y-%m-%dT%H:%M:%SZ}"
    )


async def test_a_record_that_arrives_late_is_still_seen_and_one_from_before_the_watch_never() -> None:
    logs = FakeAuditLogs()
    watch = AuditWatch(START)
    logs.add(
        Change("directory", "conditionalAccessPolicy", "old", "", "Update", (("x", 1, 2),)),
        START - dt.timedelta(seconds=5),
    )
    async with _graph(logs) as graph:
        assert await watch.look(graph, TYPES, OPERATOR, START + dt.timedelta(minutes=1)) == []
        # A change made before the last look, ingested only after it.
        logs.add(CA_UPDATE, START + dt.timedelta(seconds=50))
        late = await watch.look(graph, TYPES, OPERATOR, START + dt.timedelta(minutes=2))
    assert [seen.change.objectId for seen in late] == ["p-1"]


async def test_a_tenant_without_intune_types_reads_only_the_directory_audits() -> None:
    logs = FakeAuditLogs()
    async with _graph(logs) as graph:
        await AuditWatch(START).look(graph, [ResourceType.NAMED_LOCATIONS], OPERATOR, START)
    assert [source for source, _ in logs.filters] == ["directoryAudits"]


def _admin(cmdlet: str, actor: Actor, at: dt.datetime, **parameters: Any) -> dict[str, Any]:
    """The AuditData of the simulator's Search-UnifiedAuditLog result for ``cmdlet`` on rule "Block"."""
    tenant = Tenant(id="t", domains=["contoso.com"])
    rule = exchange_types()["transportRule"]
    result = admin_record(tenant, rule, cmdlet, "Block", parameters, actor, at.timestamp())
    data = audit_data(result)
    assert data is not None
    return data


EXCHANGE_TYPES = [ResourceType.TRANSPORT_RULE, ResourceType.ANTI_PHISH_POLICY]


def test_an_exchange_admin_record_names_the_cmdlet_identity_parameters_and_person() -> None:
    record = _admin("Set-TransportRule", ALICE, START, SetHeaderValue="x", Confirm=False)
    seen = drift_change(AuditSource.EXCHANGE_ADMIN, record, EXCHANGE_TYPES, OPERATOR)
    assert seen is not None
    change = seen.change
    assert (change.type, change.objectId, change.displayName) == (
        ResourceType.TRANSPORT_RULE,
        "Block",
        "Block",
    )
    assert (change.activity, change.changedFields, change.time) == (
        "Set-TransportRule",
        ["SetHeaderValue"],
        START,
    )
    assert change.actor.userPrincipalName == "alice@contoso.com"
    assert change.source == "ExchangeAdmin"
    operator = Actor(app_id=OPERATOR, app_display_name="tenantsync")
    by_operator = _admin("Set-TransportRule", operator, START, SetHeaderValue="x")
    assert drift_change(AuditSource.EXCHANGE_ADMIN, by_operator, EXCHANGE_TYPES, OPERATOR) is None
    script = Actor(app_id="11111111-0000-0000-0000-000000000000", app_display_name="Some script")
    by_script = drift_change(
        AuditSource.EXCHANGE_ADMIN, _admin("Disable-TransportRule", script, START), EXCHANGE_TYPES, OPERATOR
    )
    assert by_script is not None and by_script.change.actor.appId == script.app_id
    assert by_script.change.actor.userPrincipalName is None
    read = _admin("Get-TransportRule", ALICE, START)
    assert drift_change(AuditSource.EXCHANGE_ADMIN, read, EXCHANGE_TYPES, OPERATOR) is None
    failed = {**record, "ResultStatus": "False"}
    assert drift_change(AuditSource.EXCHANGE_ADMIN, failed, EXCHANGE_TYPES, OPERATOR) is None
    assert drift_change(AuditSource.EXCHANGE_ADMIN, record, TYPES, OPERATOR) is None, "not synced"


async def test_the_admin_audit_is_searched_once_a_look_reaching_back_over_its_late_records() -> None:
    records: list[dict[str, Any]] = []
    searches: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        parameters = json.loads(request.content)["CmdletInput"]["Parameters"]
        searches.append(parameters)
        return httpx.Response(200, json={"value": search(records, parameters)})

    async def token() -> str:
        return "token"

    watch = AuditWatch(START)
    async with (
        ExchangeClient(
            "https://outlook.example", "t", token, transport=httpx.MockTransport(handler)
        ) as client,
        _graph(FakeAuditLogs()) as graph,
    ):

        async def exchange(_: Service) -> ExchangeClient:
            return client

        async def look(minutes: int) -> list[str]:
            now = START + dt.timedelta(minutes=minutes)
            found = await watch.look(graph, EXCHANGE_TYPES, OPERATOR, now, exchange)
            return [seen.change.activity for seen in found]

        assert await look(1) == []
        # Recorded at minute 2, searchable only at minute 70 (an hour's ingestion): still seen.
        late = admin_record(
            Tenant(id="t", domains=["contoso.com"]),
            exchange_types()["transportRule"],
            "Set-TransportRule",
            "Block",
            {"SetHeaderValue": "x"},
            ALICE,
            (START + dt.timedelta(minutes=2)).timestamp(),
        )
        records.append(late)
        assert await look(70) == ["Set-TransportRule"]
        assert await look(71) == []
    assert [s["RecordType"] for s in searches] == ["ExchangeAdmin"] * 3
    assert (
        searches[1]["StartDate"] == f"{START + dt.timedelta(minutes=1) - ADMIN_LOOKBACK:%Y-%m-%dT%H:%M:%SZ}"
    )
    assert watch.requests == 3


async def test_an_admin_record_made_in_the_second_the_watch_started_is_drift() -> None:
    """CreationTime has no fraction of a second: a change just after the watch's start reads as before it."""
    started = START + dt.timedelta(milliseconds=700)
    record = _admin("Set-TransportRule", ALICE, START + dt.timedelta(milliseconds=900), SetHeaderValue="x")
    result = {"AuditData": json.dumps(record)}

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [result]})

    async def token() -> str:
        return "token"

    watch = AuditWatch(started)
    async with (
        ExchangeClient(
            "https://outlook.example", "t", token, transport=httpx.MockTransport(handler)
        ) as client,
        _graph(FakeAuditLogs()) as graph,
    ):

        async def exchange(_: Service) -> ExchangeClient:
            return client

        found = await watch.look(graph, EXCHANGE_TYPES, OPERATOR, START + dt.timedelta(minutes=1), exchange)
    assert record["CreationTime"] == f"{START:%Y-%m-%dT%H:%M:%S}"
    assert [seen.change.activity for seen in found] == ["Set-TransportRule"]
