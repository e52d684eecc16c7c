"""The Exchange admin API's rows: at least 60, each from a Microsoft365DSC resource whose schema holds
every parameter, with roles Entra knows, references by name to types of the same API, and the
Microsoft365DSC naming rule for their ResourceType value."""

from __future__ import annotations

import re

from tenantsync.api import Mode, ResourceType
from tenantsync.catalog import CMDLET_SERVICES, ROLE_TEMPLATE_IDS, Service, catalog, normalise, role_needs
from tenantsync.catalog.m365dsc import RESOURCES
from tenantsync.catalog.teams_types import teams_types

EXCHANGE_TYPES = {kind: entry for kind, entry in catalog().items() if entry.service in CMDLET_SERVICES}


def lower_camel(resource: str) -> str:
    """``EXOATPBuiltInProtectionRule`` -> ``atpBuiltInProtectionRule``: the prefix gone, a leading acronym lowered."""
    name = re.sub(r"^(EXO|SC)", "", resource)
    acronym = re.match(r"^[A-Z]+(?=[A-Z][a-z]|$)", name)
    head = acronym.group(0) if acronym and len(acronym.group(0)) > 1 else name[0]
    return head.lower() + name[len(head) :]


def test_sixty_or_more_types_each_named_after_its_microsoft365dsc_resource() -> None:
    assert len(EXCHANGE_TYPES) >= 60
    assert len(catalog()) == 92 + len(EXCHANGE_TYPES) + len(teams_types())
    for kind, entry in EXCHANGE_TYPES.items():
        assert entry.cmdlets is not None
        assert lower_camel(entry.cmdlets.source.removeprefix("MSFT_")) == kind.value
        assert entry.key_field == "Guid"


def test_every_parameter_is_one_the_resources_schema_declares() -> None:
    for entry in EXCHANGE_TYPES.values():
        assert entry.cmdlets is not None
        schema = set(RESOURCES[entry.cmdlets.source.removeprefix("MSFT_")].properties) | {"Name"}
        sent = entry.cmdlets.parameters | entry.cmdlets.create_only
        assert sent <= schema, (entry.name, sorted(sent - schema))
        assert not {"Identity", "Ensure", "Credential", "ApplicationId"} & entry.cmdlets.parameters


def test_compliance_types_go_to_the_compliance_endpoint_and_the_rest_to_exchange() -> None:
    compliance = {kind for kind, entry in EXCHANGE_TYPES.items() if entry.service == Service.COMPLIANCE}
    assert ResourceType.DLP_COMPLIANCE_POLICY in compliance
    assert ResourceType.SENSITIVITY_LABEL in compliance
    assert ResourceType.TRANSPORT_RULE not in compliance
    assert all(
        entry.cmdlets and entry.cmdlets.source.startswith("MSFT_SC")
        for entry in (catalog()[k] for k in compliance)
    )


def test_each_type_names_roles_entra_knows_and_global_administrator_always_does() -> None:
    for mode in Mode:
        for roles in role_needs(list(EXCHANGE_TYPES), mode):
            assert set(roles) <= set(ROLE_TEMPLATE_IDS)
            assert "Global Administrator" in roles


def test_references_are_by_name_to_types_of_the_same_api_and_order_the_deploy() -> None:
    rule = catalog()[ResourceType.HOSTED_CONTENT_FILTER_RULE]
    assert rule.depends_on == (ResourceType.HOSTED_CONTENT_FILTER_POLICY,)
    for entry in EXCHANGE_TYPES.values():
        for reference in entry.references:
            assert reference.by == "Name"
            assert reference.target in EXCHANGE_TYPES


def test_a_rules_state_and_its_policy_are_kept_but_never_set_parameters() -> None:
    rule = catalog()[ResourceType.ANTI_PHISH_RULE]
    assert rule.cmdlets is not None
    assert {"State", "Enabled", "AntiPhishPolicy"}.isdisjoint(rule.cmdlets.parameters)
    kept = normalise(rule, {"Guid": "g", "Name": "n", "AntiPhishPolicy": "p", "State": "Disabled", "Enabled": True,
                            "WhenChanged": "now", "Priority": 1})  # fmt: skip
    assert kept == {"AntiPhishPolicy": "p", "Guid": "g", "Name": "n", "Priority": 1, "State": "Disabled"}
