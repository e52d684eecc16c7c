"""Every seeded Exchange and Purview object against Microsoft365DSC's schemas, and the schema subset itself.

An object may carry only its type's MOF properties and the output-only properties the service adds;
each value must have the MOF type (a list exactly for array properties, a member of the ValueMap for
enumerations, the embedded class's fields for embedded instances). Rules' ``Priority`` is the number the
service reports even where the MOF declares a string.
"""

from __future__ import annotations

from typing import Any

import pytest

from tenantsync_sim.exchange import objects
from tenantsync_sim.exchange.schema import ExchangeType, Property, source, types
from tenantsync_sim.seed import DEMO_TENANT_ID, demo, large
from tenantsync_sim.state import JsonObject, Tenant

_INTEGER_TYPES = {"uint16", "uint32", "uint64", "sint32"}


def _value_errors(exchange_type: ExchangeType, prop: Property, value: Any) -> list[str]:
    if value is None:
        return []
    if prop.name == "Priority" and exchange_type.prioritised:
        return (
            []
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0
            else ["not a priority"]
        )
    if prop.embedded:
        fields = exchange_type.classes[prop.embedded]
        items = value if isinstance(value, list) else [value]
        return [f"{k} not in {prop.embedded}" for item in items for k in item if k not in fields]
    if prop.type == "boolean":
        return [] if isinstance(value, bool) else [f"{value!r} is not a boolean"]
    if prop.type in _INTEGER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{value!r} is not an integer"]
        if prop.values is not None and str(value) not in prop.values:
            return [f"{value!r} not in {prop.values}"]
        return []
    if not isinstance(value, str):
        return [f"{value!r} is not a string"]
    if prop.values is not None and value not in prop.values:
        return [f"{value!r} not in {prop.values}"]
    return []


def conformance_errors(exchange_type: ExchangeType, item: JsonObject) -> list[str]:
    problems: list[str] = []
    for name, value in item.items():
        prop = exchange_type.properties.get(name)
        if prop is None:
            if name not in exchange_type.output_only:
                problems.append(f"{name}: unknown property")
            continue
        if prop.array and not prop.embedded:
            if not isinstance(value, list):
                problems.append(f"{name}: {value!r} is not a list")
                continue
            problems += [f"{name}: {p}" for v in value for p in _value_errors(exchange_type, prop, v)]
        else:
            problems += [f"{name}: {p}" for p in _value_errors(exchange_type, prop, value)]
    return problems


def _tenant(state_tenants: dict[str, Tenant]) -> Tenant:
    return state_tenants[DEMO_TENANT_ID]


def test_the_subset_names_its_source_and_holds_at_least_sixty_types() -> None:
    assert source()["repository"] == "https://github.com/microsoft/Microsoft365DSC"
    assert len(source()["commit"]) == 40
    assert len(types()) >= 60
    assert {t.service for t in types().values()} == {"exchange", "compliance"}


@pytest.mark.parametrize("seed", [demo, large], ids=["demo", "large"])
def test_every_seeded_object_conforms_to_its_microsoft365dsc_schema(seed: Any) -> None:
    tenant = _tenant(seed().tenants)
    problems = {
        f"{key}/{item['Name']}": errors
        for key, exchange_type in types().items()
        for item in objects.objects(tenant, exchange_type).values()
        if (errors := conformance_errors(exchange_type, item))
    }
    assert problems == {}


def test_every_type_is_seeded_and_the_seed_is_whole() -> None:
    tenant = _tenant(demo().tenants)
    empty = [key for key, t in types().items() if not objects.objects(tenant, t)]
    assert empty == []
    for key, exchange_type in types().items():
        for item in objects.objects(tenant, exchange_type).values():
            missing = [n for n in exchange_type.properties if n not in item and n not in _NOT_REPORTED(key)]
            assert missing == [], key


def _NOT_REPORTED(key: str) -> set[str]:
    """Parameters a Get does not report: rules' Enabled (they report State) and Add/Remove deltas."""
    exchange_type = types()[key]
    hidden = set(exchange_type.delta_parameters)
    return hidden | ({"Enabled"} if "State" in exchange_type.output_only else set())


def test_rules_name_existing_policies_and_keep_dense_priorities() -> None:
    tenant = _tenant(large().tenants)
    for key, (parameter, policy_key) in objects.REFERENCES.items():
        policies = {p["Name"] for p in objects.objects(tenant, types()[policy_key]).values()}
        for rule in objects.objects(tenant, types()[key]).values():
            assert rule[parameter] in policies, (key, rule["Name"])
    for key, exchange_type in types().items():
        if exchange_type.prioritised:
            priorities = sorted(r["Priority"] for r in objects.objects(tenant, exchange_type).values())
            assert priorities == list(range(len(priorities))), key


def test_the_checker_catches_unknown_properties_and_values_outside_a_valuemap() -> None:
    phish = types()["antiPhishPolicy"]
    assert conformance_errors(
        phish, {"PhishThresholdLevel": 9, "Nonsense": 1, "DmarcRejectAction": "Drop"}
    ) == [
        "PhishThresholdLevel: 9 not in ('1', '2', '3', '4')",
        "Nonsense: unknown property",
        "DmarcRejectAction: 'Drop' not in ('Quarantine', 'Reject')",
    ]
