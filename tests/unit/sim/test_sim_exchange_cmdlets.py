"""Cmdlet binding and verbs of the simulated Exchange admin API, in process (HTTP: the integration tests)."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

from tenantsync_sim.exchange import cmdlets, errors, seeds
from tenantsync_sim.exchange.schema import types
from tenantsync_sim.state import JsonObject, Tenant

HACK = Path(__file__).resolve().parents[3] / "hack" / "m365dsc-schema"


@pytest.fixture
def tenant() -> Tenant:
    fresh = Tenant(id="0b6f3c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", domains=["fresh.onmicrosoft.com"])
    seeds.add_builtins(fresh)
    return fresh


def run(tenant: Tenant, cmdlet: str, **parameters: Any) -> list[JsonObject]:
    verb, _, noun = cmdlet.partition("-")
    [exchange_type] = [t for t in types().values() if t.noun.lower() == noun.lower()]
    return cmdlets.run(tenant, exchange_type, verb, cmdlet, parameters, 1_800_000_000.0)


def refused(tenant: Tenant, cmdlet: str, **parameters: Any) -> errors.ExchangeError:
    with pytest.raises(errors.ExchangeError) as caught:
        run(tenant, cmdlet, **parameters)
    return caught.value


def test_binding_is_case_insensitive_and_spells_enums_as_the_valuemap(tenant: Tenant) -> None:
    run(tenant, "Set-HostedContentFilterPolicy", identity="default", spamaction="quarantine")
    [policy] = run(tenant, "Get-HostedContentFilterPolicy")
    assert policy["SpamAction"] == "Quarantine"
    assert "spamaction" not in policy


def test_a_scalar_binds_to_an_array_parameter_and_an_array_never_to_a_scalar(tenant: Tenant) -> None:
    run(tenant, "Set-HostedConnectionFilterPolicy", Identity="Default", IPAllowList="192.0.2.0/24")
    assert run(tenant, "Get-HostedConnectionFilterPolicy")[0]["IPAllowList"] == ["192.0.2.0/24"]
    error = refused(tenant, "Set-HostedConnectionFilterPolicy", Identity="Default", EnableSafeList=[True])
    assert error.exception == errors.PARAMETER_BINDING


def test_integer_valuemaps_and_unsigned_types_are_enforced(tenant: Tenant) -> None:
    domain = "fresh.onmicrosoft.com"
    assert refused(tenant, "Set-DkimSigningConfig", Identity=domain, KeySize=4096).status == 400
    assert (
        refused(tenant, "Set-HostedContentFilterPolicy", Identity="Default", BulkThreshold=-1).status == 400
    )
    run(tenant, "Set-DkimSigningConfig", Identity=domain, KeySize=1024)


def test_mandatory_parameters_are_named(tenant: Tenant) -> None:
    error = refused(tenant, "New-SafeLinksRule", Name="r")
    assert "SafeLinksPolicy" in error.text
    assert "Identity" in refused(tenant, "Remove-TransportRule").text


def test_add_and_remove_parameters_change_a_list_and_are_not_stored(tenant: Tenant) -> None:
    run(tenant, "New-LabelPolicy", Name="p", Labels=["General"])
    run(tenant, "Set-LabelPolicy", Identity="p", AddLabels=["Secret", "General"])
    run(tenant, "Set-LabelPolicy", Identity="p", RemoveLabels="General")
    [policy] = run(tenant, "Get-LabelPolicy", Identity="p")
    assert policy["Labels"] == ["Secret"]
    assert "AddLabels" not in policy and "RemoveLabels" not in policy


def test_moving_a_rule_renumbers_the_others(tenant: Tenant) -> None:
    for name in "abc":
        run(tenant, "New-TransportRule", Name=name)
    run(tenant, "Set-TransportRule", Identity="c", Priority=0)
    assert [(r["Name"], r["Priority"]) for r in run(tenant, "Get-TransportRule")] == [
        ("c", 0),
        ("a", 1),
        ("b", 2),
    ]


def test_a_rename_keeps_the_guid_and_refuses_a_name_in_use(tenant: Tenant) -> None:
    [first] = run(tenant, "New-RemoteDomain", Name="Partner", DomainName="partner.example")
    run(tenant, "Set-RemoteDomain", Identity="Partner", Name="Partner EU")
    [renamed] = run(tenant, "Get-RemoteDomain", Identity=first["Guid"])
    assert (renamed["Identity"], renamed["Name"]) == ("Partner EU", "Partner EU")
    assert (
        refused(tenant, "Set-RemoteDomain", Identity="Partner EU", Name="Default").exception
        == errors.ALREADY_EXISTS
    )


def test_single_instance_types_take_no_second_object(tenant: Tenant) -> None:
    assert len(run(tenant, "Get-ReportSubmissionPolicy")) == 1
    assert refused(tenant, "New-ReportSubmissionPolicy").exception == errors.INVALID_OPERATION
    run(tenant, "Set-TransportConfig", SmtpClientAuthenticationDisabled=False)
    assert run(tenant, "Get-TransportConfig")[0]["SmtpClientAuthenticationDisabled"] is False


def test_the_preset_rules_are_switched_by_enable_and_disable(tenant: Tenant) -> None:
    run(tenant, "Enable-EOPProtectionPolicyRule", Identity="Standard Preset Security Policy")
    states = {r["Name"]: r["State"] for r in run(tenant, "Get-EOPProtectionPolicyRule")}
    assert states == {
        "Standard Preset Security Policy": "Enabled",
        "Strict Preset Security Policy": "Disabled",
    }
    assert refused(tenant, "Set-EOPProtectionPolicyRule", Identity="x", State="Enabled").exception == (
        errors.PARAMETER_BINDING
    )


def test_the_regeneration_script_reads_a_mof(tmp_path: Path) -> None:
    script = runpy.run_path(str(HACK))
    mof = (
        '[ClassVersion("1.0.0")]\nclass MSFT_Inner\n{\n    [Write, Description("a")] String Value;\n};\n'
        '[ClassVersion("1.0.0.0"), FriendlyName("X")]\nclass MSFT_X : OMI_BaseResource\n{\n'
        '    [Key, Description("The (name).")] String Identity;\n'
        '    [Write, Description("Level"), ValueMap{"1","2"}, Values{"1","2"}] UInt32 Level;\n'
        '    [Write, Description("Items"), EmbeddedInstance("MSFT_Inner")] String Items[];\n};\n'
    )
    resource, classes = script["parse_mof"](mof)
    assert resource == "MSFT_X"
    assert classes["MSFT_X"] == {
        "Identity": {"type": "string", "qualifier": "key"},
        "Level": {"type": "uint32", "qualifier": "write", "values": ["1", "2"]},
        "Items": {"type": "string", "qualifier": "write", "array": True, "class": "MSFT_Inner"},
    }
    assert classes["MSFT_Inner"] == {"Value": {"type": "string", "qualifier": "write"}}


def test_a_credential_is_kept_but_never_printed(tenant: Tenant) -> None:
    [created] = cmdlets.run(
        tenant,
        types()["availabilityAddressSpace"],
        "New",
        "Add-AvailabilityAddressSpace",
        {"Name": "fabrikam.com", "Credentials": "svc:Pa55!"},
        1_800_000_000.0,
    )
    assert created["Credentials"] is None
    assert run(tenant, "Get-AvailabilityAddressSpace")[0]["Credentials"] is None
    [stored] = tenant.collection("availabilityAddressSpace").values()
    assert stored["Credentials"] == "svc:Pa55!"


def test_where_the_service_differs_from_microsoft365dsc(tenant: Tenant) -> None:
    """DKIM is created by domain, journal rules toggle Enabled, DLP locations change by Add/Remove."""
    [dkim] = run(tenant, "New-DkimSigningConfig", DomainName="contoso.com", Enabled=False)
    assert (dkim["Name"], dkim["Domain"]) == ("contoso.com", "contoso.com")
    run(tenant, "New-JournalRule", Name="j", JournalEmailAddress="j@fabrikam.com", Enabled=True)
    run(tenant, "Disable-JournalRule", Identity="j")
    assert run(tenant, "Get-JournalRule")[0]["Enabled"] is False
    run(tenant, "New-DlpCompliancePolicy", Name="PCI", ExchangeLocation=["All"])
    run(
        tenant,
        "Set-DlpCompliancePolicy",
        Identity="PCI",
        AddTeamsLocation="All",
        RemoveExchangeLocation="All",
    )
    [policy] = run(tenant, "Get-DlpCompliancePolicy")
    assert (policy["ExchangeLocation"], policy["TeamsLocation"]) == ([], ["All"])
    assert "AddTeamsLocation" not in policy
    run(tenant, "New-AuthenticationPolicy", Name="No basic")
    run(tenant, "Set-AuthenticationPolicy", Identity="No basic", AllowBasicAuthSmtp=True)
    assert run(tenant, "Get-AuthenticationPolicy")[0]["AllowBasicAuthSmtp"] is True
