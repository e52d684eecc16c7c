"""ExchangeClient against httpx.MockTransport: the InvokeCommand request, paging, throttling, the regional
redirect, what is repeated and what is not, and the service's errors typed as the pipeline handles them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tenantsync.exchange import (
    ExchangeClient,
    ExchangeError,
    ExchangeNotFound,
    ExchangePermissionDenied,
    ExchangeThrottled,
    ExchangeUnavailable,
    ExchangeValidationError,
)
from tenantsync.graph import GraphNotFound, GraphPermissionDenied, GraphUnavailable
from tests.support.client_fakes import FakeSleep, Handler

BASE = "https://outlook.office365.com"
TENANT = "3f2b9c4e-0000-4000-8000-000000000001"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOi.eyJhdWQiOiJleG8ifQ.c2lnbmF0dXJl"


async def _token() -> str:
    return TOKEN


def _client(
    handler: Handler, sleep: FakeSleep | None = None, base: str = BASE, **options: Any
) -> ExchangeClient:
    return ExchangeClient(
        base, TENANT, _token, transport=httpx.MockTransport(handler), sleep=sleep or FakeSleep(), **options
    )


def _error(status: int, exception: str, text: str, code: str = "BadRequest") -> httpx.Response:
    """A failed cmdlet as the service answers it: the cmdlet's exception only in the details."""
    wrapper = "Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException"
    return httpx.Response(
        status,
        json={
            "error": {
                "code": code,
                "message": "Error executing cmdlet",
                "details": [{"code": "Client", "target": "", "message": f"Ex6F9304|{exception}|{text}"}],
                "innererror": {
                    "message": "Error executing cmdlet",
                    "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                    "internalexception": {
                        "message": f"Exception of type '{wrapper}' was thrown.",
                        "type": wrapper,
                    },
                },
            }
        },
    )


async def test_a_cmdlet_is_posted_as_the_module_posts_it_and_every_page_is_read() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if len(requests) == 1:
            next_link = f"{BASE}/adminapi/beta/{TENANT}/InvokeCommand?$skiptoken=2"
            return httpx.Response(200, json={"value": [{"Name": "a"}], "@odata.nextLink": next_link})
        return httpx.Response(200, json={"value": [{"Name": "b"}]})

    async with _client(handler) as client:
        found = await client.invoke("Get-TransportRule")

    assert [item["Name"] for item in found] == ["a", "b"]
    first, second = requests
    assert first.method == second.method == "POST"
    assert first.url.path == f"/adminapi/beta/{TENANT}/InvokeCommand"
    assert second.url.params["$skiptoken"] == "2"
    body = {"CmdletInput": {"CmdletName": "Get-TransportRule", "Parameters": {}}}
    assert json.loads(first.content) == json.loads(second.content) == body
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert (
        first.headers["X-AnchorMailbox"]
        == f"APP:SystemMailbox{{bb558c35-97f1-4cb9-8ff7-d53741dc928c}}@{TENANT}"
    )
    assert first.headers["X-CmdletName"] == "Get-TransportRule"
    assert first.headers["Prefer"] == "odata.maxpagesize=1000"


async def test_throttling_waits_the_retry_after_the_service_sends() -> None:
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={"value": []})]
    )
    sleep = FakeSleep()
    async with _client(lambda request: next(answers), sleep) as client:
        assert await client.invoke("Set-TransportConfig", {"MaxSendSize": "35 MB"}) == []
    assert sleep.waits == [7.0]
    assert client.stats.throttled == 1


async def test_a_wait_beyond_the_bound_is_given_to_the_caller_to_show() -> None:
    async with _client(
        lambda request: httpx.Response(429, headers={"Retry-After": "600"}), max_wait=60
    ) as client:
        with pytest.raises(ExchangeThrottled) as raised:
            await client.invoke("Get-AntiPhishPolicy")
    assert raised.value.retry_after == 600.0


async def test_a_read_is_repeated_after_a_lost_answer_and_a_write_is_not() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content)["CmdletInput"]["CmdletName"])
        if len(sent) == 1:
            return httpx.Response(503)
        if sent[-1].startswith("Set-"):
            raise httpx.ReadError("connection reset")
        return httpx.Response(200, json={"value": [{"Name": "Default"}]})

    async with _client(handler) as client:
        assert await client.invoke("Get-HostedContentFilterPolicy") == [{"Name": "Default"}]
        with pytest.raises(ExchangeUnavailable) as raised:
            await client.invoke("Set-HostedContentFilterPolicy", {"Identity": "g", "BulkThreshold": 6})
    assert sent == [
        "Get-HostedContentFilterPolicy",
        "Get-HostedContentFilterPolicy",
        "Set-HostedContentFilterPolicy",
    ]
    assert isinstance(raised.value, GraphUnavailable)  # the deploy reads a lost write back, as for Graph


async def test_the_services_errors_are_typed_by_meaning() -> None:
    answers = {
        "Get-SafeLinksPolicy": _error(
            404,
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            "The operation couldn't be performed because object 'x' couldn't be found.",
            "NotFound",
        ),
        "Set-SafeLinksPolicy": _error(
            400,
            "System.Management.Automation.ParameterBindingException",
            "A parameter cannot be found that matches parameter name 'Bogus'.",
        ),
        "New-SafeLinksPolicy": _error(
            403,
            "Microsoft.Exchange.Configuration.Tasks.RoleAssignmentMissingException",
            f"The application 'app' holds no role that allows 'New-SafeLinksPolicy'. Required: one of Security"
            f" Administrator, Exchange Administrator. {TOKEN}",
            "Forbidden",
        ),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return answers[json.loads(request.content)["CmdletInput"]["CmdletName"]]

    async with _client(handler) as client:
        with pytest.raises(ExchangeNotFound) as missing:
            await client.invoke("Get-SafeLinksPolicy", {"Identity": "x"})
        with pytest.raises(ExchangeValidationError) as unknown:
            await client.invoke("Set-SafeLinksPolicy", {"Identity": "x", "Bogus": 1})
        with pytest.raises(ExchangePermissionDenied) as refused:
            await client.invoke("New-SafeLinksPolicy", {"Name": "x"})
    assert isinstance(missing.value, GraphNotFound)
    assert missing.value.exception.endswith("ManagementObjectNotFoundException")
    assert (
        missing.value.message == "The operation couldn't be performed because object 'x' couldn't be found."
    )
    assert "parameter name 'Bogus'" in str(unknown.value)
    assert str(unknown.value).startswith("Exchange admin API 400 BadRequest")
    assert isinstance(refused.value, GraphPermissionDenied)
    assert refused.value.roles == ["Security Administrator", "Exchange Administrator"]
    assert TOKEN not in str(refused.value)


async def test_a_401_is_a_permission_or_a_role_to_grant_and_says_which() -> None:
    unsupported = (
        "The role assigned to application 1f0e2c4a isn't supported in this scenario. Please check online"
        " documentation for assigning correct Directory Roles to Azure AD Application for EXO App-Only"
        " Authentication."
    )
    answers = iter(
        [
            httpx.Response(401, text=""),
            httpx.Response(401, json={"error": {"code": "Unauthorized", "message": unsupported}}),
            httpx.Response(
                401, json={"error": {"code": "Unauthorized", "message": "User is not allowed to call Set-X"}}
            ),
        ]
    )
    found: list[list[str]] = []
    async with _client(lambda request: next(answers)) as client:
        for _ in range(3):
            with pytest.raises(ExchangePermissionDenied) as refused:
                await client.invoke("Get-OrganizationConfig")
            found.append(refused.value.permissions)
    assert found == [["Exchange.ManageAsApp"], [], []]


async def test_the_regional_redirect_is_followed_within_the_endpoint_only() -> None:
    compliance = "https://ps.compliance.protection.outlook.com"
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host == "ps.compliance.protection.outlook.com":
            location = (
                f"https://eur05b.ps.compliance.protection.outlook.com/adminapi/beta/{TENANT}/InvokeCommand"
            )
            return httpx.Response(302, headers={"Location": location})
        return httpx.Response(200, json={"value": [{"Name": "label"}]})

    async with _client(handler, base=compliance) as client:
        assert await client.invoke("Get-Label") == [{"Name": "label"}]
        assert await client.invoke("Get-LabelPolicy") == [{"Name": "label"}]
    assert hosts == [
        "ps.compliance.protection.outlook.com",
        "eur05b.ps.compliance.protection.outlook.com",
        "eur05b.ps.compliance.protection.outlook.com",
    ]

    def elsewhere(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://attacker.example/adminapi"})

    async with _client(elsewhere, base=compliance) as client:
        with pytest.raises(ExchangeError, match="refusing to follow a redirect"):
            await client.invoke("Get-Label")
