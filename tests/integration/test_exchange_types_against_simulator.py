"""The Exchange admin API's types against the real simulator's InvokeCommand, with tokens from real MSAL
for both endpoints: a complete and stable backup at one request per type, and a desired-state change to
a transport rule and an anti-phishing policy (plus a new anti-spam rule) deployed by the Deploy step,
one cmdlet's lost answer read back, one refused cmdlet recorded as that change's failure."""

from __future__ import annotations

import copy
import json
import ssl
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from tenantsync.api import ChangeOutcome, ResourceType, SyncRunStatus
from tenantsync.auth import ClientSecretCredential, ServicePrincipal, TenantEndpoints
from tenantsync.catalog import CMDLET_SERVICES, ConfigurationType, Service, catalog, serialise
from tenantsync.exchange import ExchangeClient
from tenantsync.graph import GraphClient
from tenantsync.sync.snapshot import BackupSnapshot, take_snapshot
from tenantsync.sync.steps.deploy import Deploy
from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import SimEndpoint
from tests.integration.simulator_support import CLIENT_ID, CLIENT_SECRET, PATH, TENANT_ID, planned_run
from tests.unit.sync.fakes import FakeSession, MemoryFolders, spec

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

EXCHANGE_TYPES = [entry for entry in catalog().values() if entry.service in CMDLET_SERVICES]


def _endpoints(url: str) -> TenantEndpoints:
    """Everything served by the simulator, the resources the public cloud's (as a Tenant overriding
    only spec.endpoints.graph gets them)."""
    return TenantEndpoints(
        authority_host=url,
        graph_url=url,
        graph_resource="https://graph.microsoft.com",
        public_cloud_authority=False,
        exchange_url=url,
        exchange_resource="https://outlook.office365.com",
        compliance_url=url,
        compliance_resource="https://ps.compliance.protection.outlook.com",
    )


class Clients:
    def __init__(self, endpoint: SimEndpoint) -> None:
        endpoints = _endpoints(endpoint.url)
        credential = ClientSecretCredential(client_secret=SecretStr(CLIENT_SECRET))
        self.principal = ServicePrincipal(
            endpoints, TENANT_ID, CLIENT_ID, credential, secret_name="sp", verify=endpoint.ca
        )
        verify = ssl.create_default_context(cafile=endpoint.ca)
        resources = {
            Service.EXCHANGE: endpoints.exchange_resource,
            Service.COMPLIANCE: endpoints.compliance_resource,
        }
        self.exchange = {
            service: ExchangeClient(endpoint.url, TENANT_ID, self._token(resource), verify=verify)
            for service, resource in resources.items()
        }
        self.graph = GraphClient(endpoint.url, self._token(None), verify=verify)

    def _token(self, resource: str | None) -> Any:
        async def provide() -> str:
            return (await self.principal.acquire(resource=resource)).value.get_secret_value()

        return provide

    async def snapshot(self, types: list[ConfigurationType] = EXCHANGE_TYPES) -> BackupSnapshot:
        return await take_snapshot(self.graph, types, exchange=self.exchange)

    async def aclose(self) -> None:
        for client in [*self.exchange.values(), self.graph]:
            await client.aclose()


@pytest.fixture
async def clients(endpoint: SimEndpoint) -> AsyncIterator[Clients]:
    opened = Clients(endpoint)
    yield opened
    await opened.aclose()


class ExchangeSession(FakeSession):
    """The pipeline's session over the simulator's Exchange admin API and an in-memory repository."""

    def __init__(self, clients: Clients, folders: MemoryFolders, types: list[ResourceType]) -> None:
        super().__init__(spec(resources=types), folders=folders)
        self._clients = clients

    async def exchange(self, service: Service) -> ExchangeClient:
        return self._clients.exchange[service]


async def test_the_backup_reads_each_type_with_one_request_and_is_stable(clients: Clients) -> None:
    first = await clients.snapshot()
    read = [entry for entry in EXCHANGE_TYPES if entry.name in first.objects]
    requests = sum(client.stats.requests for client in clients.exchange.values())
    print(
        f"\n{requests} InvokeCommand requests for {len(EXCHANGE_TYPES)} types ({len(first.unavailable)} not served)"
    )
    assert requests <= 1.1 * len(EXCHANGE_TYPES)
    assert {
        ResourceType.TRANSPORT_RULE,
        ResourceType.ANTI_PHISH_POLICY,
        ResourceType.DLP_COMPLIANCE_POLICY,
    } <= {entry.name for entry in read}
    for entry in read:
        for obj in first.objects[entry.name]:
            assert entry.cmdlets is not None
            assert set(obj) <= entry.cmdlets.kept | {"Guid"}, entry.name
    second = await clients.snapshot()
    assert second.files() == first.files()


def _only(cmdlet: str) -> dict[str, Any]:
    """A fault rule's ``cmdlet`` (the simulator's Exchange admin API, branch exo-sim): only that cmdlet."""
    return {"cmdlet": cmdlet}


def _desired(live: dict[str, bytes], edits: dict[str, dict[str, Any]]) -> dict[str, bytes]:
    return {**live, **{path: serialise(document) for path, document in edits.items()}}


async def _deploy(
    clients: Clients, types: list[ResourceType], desired: dict[str, bytes], live: dict[str, bytes]
) -> tuple[SyncRunStatus, MemoryFolders]:
    ctx, folders, _ = planned_run(types, live, desired)
    await Deploy()(ctx, ExchangeSession(clients, folders, types))
    return ctx.status, folders


def _first(snapshot: BackupSnapshot, kind: ResourceType, *, custom: bool = False) -> dict[str, Any]:
    """The first object of a type; ``custom``: the first that is not a built-in."""
    entry = catalog()[kind]
    assert entry.cmdlets is not None
    builtin = entry.cmdlets.builtin
    return next(obj for obj in snapshot.objects[kind] if not (custom and builtin.matches(obj)))


async def test_a_transport_rule_and_an_anti_phishing_policy_deploy_and_verify(
    clients: Clients, sim: SimulatorClient
) -> None:
    types = [
        ResourceType.TRANSPORT_RULE,
        ResourceType.ANTI_PHISH_POLICY,
        ResourceType.HOSTED_CONTENT_FILTER_POLICY,
        ResourceType.HOSTED_CONTENT_FILTER_RULE,
    ]
    entries = [catalog()[kind] for kind in types]
    before = await clients.snapshot(entries)
    live = before.files()
    rule = copy.deepcopy(before.objects[ResourceType.TRANSPORT_RULE][0])
    rule["Comments"] = "Stamped by tenantsync"
    rule["State"] = "Disabled" if rule.get("State") == "Enabled" else "Enabled"
    policy = copy.deepcopy(_first(before, ResourceType.ANTI_PHISH_POLICY, custom=True))
    policy["EnableMailboxIntelligence"] = not policy.get("EnableMailboxIntelligence")
    spam_policy = _first(before, ResourceType.HOSTED_CONTENT_FILTER_POLICY)
    new_rule = {"Guid": "new-rule", "Name": "Marketing (tenantsync)", "State": "Enabled",
                "Priority": len(before.objects.get(ResourceType.HOSTED_CONTENT_FILTER_RULE, [])),
                "HostedContentFilterPolicy": spam_policy["Name"], "RecipientDomainIs": ["contoso.com"]}  # fmt: skip
    desired = _desired(
        live,
        {
            f"transportRule/{rule['Guid']}.json": rule,
            f"antiPhishPolicy/{policy['Guid']}.json": policy,
            "hostedContentFilterRule/new-rule.json": new_rule,
        },
    )
    sim.lose_responses("/adminapi/", "POST", status=503, **_only("Set-AntiPhishPolicy"))

    status, folders = await _deploy(clients, types, desired, live)

    assert status.deploy is not None
    assert sorted((r.type, r.action, r.result) for r in status.deploy.results) == [
        ("antiPhishPolicy", "update", ChangeOutcome.APPLIED),
        ("hostedContentFilterRule", "create", ChangeOutcome.APPLIED),
        ("transportRule", "update", ChangeOutcome.APPLIED),
    ]
    recorded = await folders.read_folder("main", PATH)
    assert recorded is not None
    after = (await clients.snapshot(entries)).files()
    differing = {
        path: (recorded.get(path), after.get(path))
        for path in recorded.keys() | after.keys()
        if recorded.get(path) != after.get(path)
    }
    assert differing == {}, {
        path: [json.loads(side or b"{}") for side in sides] for path, sides in differing.items()
    }


async def test_a_refused_cmdlet_fails_only_its_change(clients: Clients, sim: SimulatorClient) -> None:
    types = [ResourceType.TRANSPORT_RULE, ResourceType.REMOTE_DOMAIN]
    before = await clients.snapshot([catalog()[kind] for kind in types])
    live = before.files()
    rule = copy.deepcopy(before.objects[ResourceType.TRANSPORT_RULE][0])
    rule["Comments"] = "second change"
    domain = copy.deepcopy(_first(before, ResourceType.REMOTE_DOMAIN))
    domain["AutoReplyEnabled"] = not domain.get("AutoReplyEnabled")
    desired = _desired(
        live, {f"transportRule/{rule['Guid']}.json": rule, f"remoteDomain/{domain['Guid']}.json": domain}
    )
    sim.add_fault("/adminapi/", status=400, count=1, **_only("Set-RemoteDomain"))

    status, _ = await _deploy(clients, types, desired, live)

    assert status.deploy is not None
    results = {r.type: r for r in status.deploy.results}
    assert results[ResourceType.TRANSPORT_RULE].result == ChangeOutcome.APPLIED
    assert results[ResourceType.REMOTE_DOMAIN].result == ChangeOutcome.FAILED
    assert (results[ResourceType.REMOTE_DOMAIN].message or "").startswith("Exchange admin API answered 400")
    assert json.loads(serialise(rule)) == json.loads(
        (await clients.snapshot([catalog()[ResourceType.TRANSPORT_RULE]])).files()[
            f"transportRule/{rule['Guid']}.json"
        ]
    )
