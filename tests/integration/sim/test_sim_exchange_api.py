"""The Exchange admin API over HTTP: real MSAL tokens for both resources, httpx calling InvokeCommand.

Each test starts from a fresh tenant (the conftest's), which holds the built-in objects every Exchange
Online tenant has, and an app with ``Exchange.ManageAsApp`` and the Exchange and Compliance
Administrator roles as every seeded app has.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.exchange.roles import (
    COMPLIANCE_ADMINISTRATOR,
    EXCHANGE_ADMINISTRATOR,
    GLOBAL_READER,
)
from tests.integration.sim.simtest_support import SimTenant
from tests.integration.sim.test_sim_msal import confidential, verified_claims

pytestmark = pytest.mark.integration

EXCHANGE = "https://outlook.office365.com"
COMPLIANCE = "https://ps.compliance.protection.outlook.com"
ANCHOR = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}"


def token(tenant: SimTenant, resource: str) -> str:
    result = confidential(tenant, tenant.secret).acquire_token_for_client(scopes=[f"{resource}/.default"])
    assert "access_token" in result, result
    return str(result["access_token"])


class Exo:
    """What the EXO v3 module sends: bearer token, anchor mailbox, JSON answers, a page size."""

    def __init__(self, http: httpx.Client, tenant: SimTenant, resource: str = EXCHANGE) -> None:
        self.http, self.tenant, self.resource = http, tenant, resource
        self.url = f"/adminapi/beta/{tenant.id}/InvokeCommand"
        self.headers = {
            "Authorization": f"Bearer {token(tenant, resource)}",
            "X-AnchorMailbox": f"APP:{ANCHOR}@{tenant.id}",
            "X-ResponseFormat": "json",
            "X-ClientApplication": "ExoManagementModule",
        }

    def call(
        self, cmdlet: str, url: str | None = None, page_size: int | None = None, **parameters: Any
    ) -> httpx.Response:
        headers = dict(self.headers)
        if page_size:
            headers["Prefer"] = f"odata.maxpagesize={page_size}"
        body = {"CmdletInput": {"CmdletName": cmdlet, "Parameters": parameters}}
        return self.http.post(url or self.url, json=body, headers=headers)

    def ok(self, cmdlet: str, **parameters: Any) -> list[dict[str, Any]]:
        response = self.call(cmdlet, **parameters)
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


def cmdlet_error(response: httpx.Response, status: int) -> tuple[str, str]:
    """A failed cmdlet's exception type and text, from ``details[0].message`` ("<ExId>|<type>|<text>")."""
    body = error(response, status)
    assert (body["message"], body["innererror"]["type"]) == (
        "Error executing cmdlet",
        "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
    )
    _, exception, text = body["details"][0]["message"].split("|", 2)
    return exception, text


@pytest.fixture
def exo(http: httpx.Client, tenant: SimTenant) -> Exo:
    return Exo(http, tenant)


@pytest.fixture
def purview(http: httpx.Client, tenant: SimTenant) -> Exo:
    return Exo(http, tenant, COMPLIANCE)


@pytest.fixture
def faulty_sim(sim: SimulatorClient, tenant: SimTenant) -> Iterator[SimulatorClient]:
    yield sim
    sim.clear_faults()


def test_tokens_for_both_resources_carry_the_exchange_permission_and_the_roles(
    http: httpx.Client, tenant: SimTenant
) -> None:
    for resource in (EXCHANGE, COMPLIANCE):
        claims = verified_claims(http, tenant, token(tenant, resource), resource)
        assert claims["roles"] == ["Exchange.ManageAsApp"]
        wids = claims["wids"]
        assert isinstance(wids, list)
        assert sorted(wids) == sorted([EXCHANGE_ADMINISTRATOR, COMPLIANCE_ADMINISTRATOR])
    graph = verified_claims(
        http, tenant, token(tenant, "https://graph.microsoft.com"), "https://graph.microsoft.com"
    )
    roles = graph["roles"]
    assert isinstance(roles, list) and "Exchange.ManageAsApp" not in roles


def test_a_fresh_tenant_has_the_builtins_with_microsofts_defaults(exo: Exo, tenant: SimTenant) -> None:
    [domain] = exo.ok("Get-AcceptedDomain")
    assert (domain["Name"], domain["DomainType"], domain["InitialDomain"]) == (
        tenant.domain,
        "Authoritative",
        True,
    )
    [spam] = exo.ok("Get-HostedContentFilterPolicy")
    assert (spam["Name"], spam["IsDefault"], spam["BulkThreshold"], spam["SpamAction"]) == (
        "Default",
        True,
        7,
        "MoveToJmf",
    )
    names = {q["Name"] for q in exo.ok("Get-QuarantinePolicy")}
    assert {"AdminOnlyAccessPolicy", "DefaultFullAccessPolicy"} <= names
    [config] = exo.ok("Get-OrganizationConfig")
    assert config["OAuth2ClientProfileEnabled"] is True


def test_new_get_set_remove_a_transport_rule(exo: Exo, tenant: SimTenant) -> None:
    [created] = exo.ok(
        "New-TransportRule", Name="Tag external", FromScope="NotInOrganization", PrependSubject="[EXT] "
    )
    assert (created["Identity"], created["Priority"], created["State"]) == ("Tag external", 0, "Enabled")
    assert exo.ok("Set-TransportRule", Identity="tag EXTERNAL", PrependSubject="[External] ") == []
    [read] = exo.ok("Get-TransportRule", Identity=created["Guid"])
    assert read["PrependSubject"] == "[External] " and read["WhenChanged"] >= created["WhenChanged"]
    assert exo.ok("Disable-TransportRule", Identity="Tag external") == []
    assert exo.ok("Get-TransportRule", Identity="Tag external")[0]["State"] == "Disabled"
    assert exo.ok("Remove-TransportRule", Identity="Tag external", Confirm=False) == []
    gone = exo.call("Get-TransportRule", Identity="Tag external")
    assert error(gone, 404)["code"] == "NotFound"
    assert gone.json()["error"]["details"][0]["message"].startswith(
        "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation "
        "couldn't be performed because object 'Tag external' couldn't be found on "
    )


def test_new_rules_take_priorities_and_push_the_others_down(exo: Exo) -> None:
    for name in ("first", "second"):
        exo.ok("New-TransportRule", Name=name)
    exo.ok("New-TransportRule", Name="urgent", Priority=0)
    assert [(r["Name"], r["Priority"]) for r in exo.ok("Get-TransportRule")] == [
        ("urgent", 0),
        ("first", 1),
        ("second", 2),
    ]
    exo.ok("Remove-TransportRule", Identity="urgent")
    assert [r["Priority"] for r in exo.ok("Get-TransportRule")] == [0, 1]
    exception, _ = cmdlet_error(exo.call("Set-TransportRule", Identity="first", Priority=5), 400)
    assert exception == "System.ArgumentOutOfRangeException"


def test_a_rule_needs_its_policy_and_a_name_is_unique(exo: Exo) -> None:
    _, missing = cmdlet_error(exo.call("New-AntiPhishRule", Name="r", AntiPhishPolicy="nope"), 404)
    assert "'nope'" in missing
    exo.ok("New-AntiPhishPolicy", Name="Executives", PhishThresholdLevel=3)
    [rule] = exo.ok(
        "New-AntiPhishRule", Name="r", AntiPhishPolicy="executives", RecipientDomainIs="contoso.com"
    )
    assert (rule["AntiPhishPolicy"], rule["RecipientDomainIs"]) == ("Executives", ["contoso.com"])
    _, twice = cmdlet_error(exo.call("New-AntiPhishPolicy", Name="Executives"), 400)
    assert "already exists" in twice


def test_built_in_objects_cannot_be_removed(exo: Exo) -> None:
    exception, _ = cmdlet_error(exo.call("Remove-HostedContentFilterPolicy", Identity="Default"), 400)
    assert exception == "Microsoft.Exchange.Configuration.Tasks.TaskInvalidOperationException"
    error(exo.call("Remove-QuarantinePolicy", Identity="DefaultFullAccessPolicy"), 400)
    assert len(exo.ok("Get-HostedContentFilterPolicy")) == 1


def test_singletons_are_set_without_identity(exo: Exo) -> None:
    assert exo.ok("Set-OrganizationConfig", AuditDisabled=True, DefaultGroupAccessType="public") == []
    [config] = exo.ok("Get-OrganizationConfig")
    assert (config["AuditDisabled"], config["DefaultGroupAccessType"]) == (True, "Public")
    error(exo.call("New-OrganizationConfig"), 400)


def test_unknown_cmdlets_parameters_and_values_get_powershells_errors(exo: Exo) -> None:
    unknown, _ = cmdlet_error(exo.call("Get-Nonsense"), 400)
    assert unknown == "System.Management.Automation.CommandNotFoundException"
    binding = "System.Management.Automation.ParameterBindingException"
    parameter = cmdlet_error(exo.call("Set-TransportRule", Identity="x", Bogus=1), 400)
    assert parameter == (binding, "A parameter cannot be found that matches parameter name 'Bogus'.")
    value = cmdlet_error(
        exo.call("Set-HostedContentFilterPolicy", Identity="Default", SpamAction="Explode"), 400
    )
    assert value[0] == binding and "MoveToJmf" in value[1]
    typed = cmdlet_error(
        exo.call("Set-HostedContentFilterPolicy", Identity="Default", BulkThreshold="high"), 400
    )
    assert "System.UInt32" in typed[1]
    # Rules report State; only New takes Enabled, Set refuses it as the service does.
    error(exo.call("Set-TransportRule", Identity="x", Enabled=False), 400)


def test_get_pages_by_next_link_with_the_same_body(exo: Exo) -> None:
    for index in range(5):
        exo.ok("New-TransportRule", Name=f"rule {index}")
    seen: list[str] = []
    url: str | None = None
    pages = 0
    while True:
        page = exo.call("Get-TransportRule", url=url, page_size=2).json()
        pages += 1
        seen += [r["Name"] for r in page["value"]]
        url = page.get("@odata.nextLink")
        if url is None:
            break
    assert (pages, seen) == (3, [f"rule {i}" for i in range(5)])
    selected = exo.call("Get-TransportRule", url=f"{exo.url}?$select=Name,Priority", page_size=4).json()
    assert selected["value"][0] == {"Name": "rule 0", "Priority": 0}
    rest = exo.call("Get-TransportRule", url=selected["@odata.nextLink"], page_size=4).json()
    assert rest["value"] == [{"Name": "rule 4", "Priority": 4}] and "@odata.nextLink" not in rest


def test_compliance_cmdlets_run_on_the_compliance_resource_only(exo: Exo, purview: Exo) -> None:
    [policy] = purview.ok(
        "New-DlpCompliancePolicy", Name="PCI", Mode="TestWithNotifications", ExchangeLocation="All"
    )
    assert (policy["Mode"], policy["ExchangeLocation"]) == ("TestWithNotifications", ["All"])
    purview.ok("New-DlpComplianceRule", Name="cards", Policy="PCI", BlockAccess=True)
    assert [r["Name"] for r in purview.ok("Get-DlpComplianceRule", Policy="PCI")] == ["cards"]
    for endpoint, cmdlet in ((exo, "Get-DlpCompliancePolicy"), (purview, "Get-TransportRule")):
        wrong, _ = cmdlet_error(endpoint.call(cmdlet), 400)
        assert wrong == "System.Management.Automation.CommandNotFoundException"


def test_tokens_for_other_audiences_and_tenants_are_refused(
    http: httpx.Client, exo: Exo, tenant: SimTenant
) -> None:
    graph = {**exo.headers, "Authorization": f"Bearer {token(tenant, 'https://graph.microsoft.com')}"}
    body = {"CmdletInput": {"CmdletName": "Get-TransportRule"}}
    assert http.post(exo.url, json=body, headers=graph).status_code == 401
    other = http.post("/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand", json=body, headers=exo.headers)
    assert other.status_code == 401 and "WWW-Authenticate" in other.headers


def test_app_only_calls_need_the_system_mailbox_anchor(
    http: httpx.Client, exo: Exo, tenant: SimTenant
) -> None:
    body = {"CmdletInput": {"CmdletName": "Get-AcceptedDomain", "Parameters": {}}}
    for anchor in (None, f"APP:{ANCHOR}@other.onmicrosoft.com", f"UPN:someone@{tenant.domain}"):
        headers = {k: v for k, v in exo.headers.items() if k != "X-AnchorMailbox"}
        if anchor:
            headers["X-AnchorMailbox"] = anchor
        _, refused = cmdlet_error(http.post(exo.url, json=body, headers=headers), 400)
        assert "X-AnchorMailbox" in refused
    exo.headers["X-AnchorMailbox"] = f"UPN:{ANCHOR}@{tenant.domain}"
    assert len(exo.ok("Get-AcceptedDomain")) == 1


def test_permission_and_roles_are_checked(
    http: httpx.Client, sim: SimulatorClient, tenant: SimTenant
) -> None:
    sim.remove_role(tenant.id, tenant.client_id, EXCHANGE_ADMINISTRATOR)
    denied = error(Exo(http, tenant).call("Get-TransportRule"), 401)
    assert denied["message"] == "User is not allowed to call Get-TransportRule"
    assert denied["innererror"]["type"] == "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"
    # The compliance endpoint still works: the app keeps Compliance Administrator.
    assert Exo(http, tenant, COMPLIANCE).ok("Get-DlpCompliancePolicy") == []
    sim.add_role(tenant.id, tenant.client_id, GLOBAL_READER)
    reader = Exo(http, tenant)
    assert reader.ok("Get-TransportRule") == []
    assert error(reader.call("New-TransportRule", Name="r"), 401)["message"].endswith("New-TransportRule")
    for role in (GLOBAL_READER, COMPLIANCE_ADMINISTRATOR):
        sim.remove_role(tenant.id, tenant.client_id, role)
    roleless = error(Exo(http, tenant).call("Get-AcceptedDomain"), 401)
    assert "isn't supported in this scenario" in roleless["message"]
    sim.revoke_permission(tenant.id, tenant.client_id, "Exchange.ManageAsApp")
    unconsented = Exo(http, tenant).call("Get-TransportRule")
    assert unconsented.status_code == 401 and "Exchange.ManageAsApp" in unconsented.json()["error"]["message"]


def test_throttling_answers_429_with_retry_after(sim: SimulatorClient, exo: Exo, tenant: SimTenant) -> None:
    sim.set_throttling(
        tenant.id,
        services={
            "exchange": {
                "tenantCapacity": 2,
                "tenantRefillPerSecond": 0.01,
                "appCapacity": 2,
                "appRefillPerSecond": 0.01,
            }
        },
    )
    statuses = [exo.call("Get-AcceptedDomain") for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert int(statuses[2].headers["Retry-After"]) >= 1
    assert error(statuses[2], 429)["code"] == "TooManyRequests"


def test_a_lost_answer_leaves_the_write_applied_once(
    faulty_sim: SimulatorClient, exo: Exo, tenant: SimTenant
) -> None:
    faulty_sim.lose_responses(f"/adminapi/beta/{tenant.id}", "POST", status=504, cmdlet="New-TransportRule")
    lost = exo.call("New-TransportRule", Name="landed")
    assert lost.status_code == 504 and lost.json()["error"]["code"] != "BadRequest"
    assert [r["Name"] for r in exo.ok("Get-TransportRule")] == ["landed"]
    assert faulty_sim.counters(tenant.id)["lostResponses"] == 1
    logged = [(r["cmdlet"], r["status"], r["lost"]) for r in faulty_sim.requests(tenant.id)[-2:]]
    assert logged == [("New-TransportRule", 200, True), ("Get-TransportRule", 200, False)]


def test_an_injected_refusal_hits_only_the_named_cmdlet(
    faulty_sim: SimulatorClient, exo: Exo, tenant: SimTenant
) -> None:
    faulty_sim.add_fault(f"/adminapi/beta/{tenant.id}", status=503, cmdlet="Set-AntiPhishPolicy", count=1)
    assert exo.call("Get-AntiPhishPolicy").status_code == 200
    refused = error(
        exo.call("Set-AntiPhishPolicy", Identity="Office365 AntiPhish Default", PhishThresholdLevel=2), 503
    )
    assert refused["code"] == "ServiceUnavailable"
    assert exo.ok("Get-AntiPhishPolicy")[0]["PhishThresholdLevel"] == 1


def test_msal_caches_one_token_per_resource(tenant: SimTenant) -> None:
    app = confidential(tenant, tenant.secret)
    first = app.acquire_token_for_client(scopes=[f"{EXCHANGE}/.default"])
    again = app.acquire_token_for_client(scopes=[f"{EXCHANGE}/.default"])
    other = app.acquire_token_for_client(scopes=[f"{COMPLIANCE}/.default"])
    assert first["access_token"] == again["access_token"] != other["access_token"]
    assert again.get("token_source") == "cache"


def test_the_control_api_drifts_exchange_objects_by_name_and_singletons_without_one(
    sim: SimulatorClient, exo: Exo, tenant: SimTenant
) -> None:
    [before] = exo.ok("Get-AntiPhishPolicy")
    sim.drift(tenant.id, "antiPhishPolicy", {"PhishThresholdLevel": 4}, "Office365 AntiPhish Default")
    sim.drift(tenant.id, "organizationConfig", {"AuditDisabled": True})
    [after] = exo.ok("Get-AntiPhishPolicy")
    assert (after["PhishThresholdLevel"], after["WhenChanged"] > before["WhenChanged"]) == (4, True)
    assert exo.ok("Get-OrganizationConfig")[0]["AuditDisabled"] is True
    assert sim.object(tenant.id, "antiPhishPolicy", after["Guid"])["PhishThresholdLevel"] == 4
    sim.delete_object(tenant.id, "antiPhishPolicy", "office365 antiphish default")
    assert exo.ok("Get-AntiPhishPolicy") == []
