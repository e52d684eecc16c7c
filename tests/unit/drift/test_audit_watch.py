"""Audit records read as drift, and a watch that reads only what is new: records in Microsoft's shapes
(as the simulator writes them) served by a fake Graph."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tenantsync.api import ResourceType
from tenantsync.catalog import AuditSource
from tenantsync.drift import LOOKBACK, AuditWatch, drift_change
from tenantsync.graph import GraphClient
from tenantsync_sim.audit import Actor, AuditLog, Change

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
