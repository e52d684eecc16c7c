"""Running one cmdlet against a tenant: parameter binding, then Get/Set/New/Remove/Enable/Disable.

Binding follows PowerShell: parameter names are case-insensitive, an unknown one or a missing mandatory
one fails before anything runs, and a value is converted to the parameter's type or refused. The verbs
then follow the service: New refuses a name in use and a rule whose policy does not exist; rules of a
prioritised type keep priorities 0..n-1 (a new or moved rule pushes the others down, a removed one
closes the gap); singletons are Set without an identity; built-in objects cannot be removed.
"""

from __future__ import annotations

from typing import Any

from tenantsync_sim.exchange import errors, objects
from tenantsync_sim.exchange.schema import CREATE_KEYS, STATE_RULES, BindingError, ExchangeType, bind, types
from tenantsync_sim.state import JsonObject, Tenant

_NOT_STORED = {"Identity", "Confirm", "ResultSize"}


def _bind(exchange_type: ExchangeType, cmdlet: str, verb: str, raw: dict[str, Any]) -> dict[str, Any]:
    accepted = {name.lower(): name for name in exchange_type.parameters(verb)}
    bound: dict[str, Any] = {}
    for name, value in raw.items():
        canonical = accepted.get(name.lower())
        if canonical is None:
            raise errors.unknown_parameter(name)
        try:
            bound[canonical] = (
                bind(exchange_type, canonical, value) if canonical not in _NOT_STORED else value
            )
        except BindingError as exc:
            raise errors.bad_request(errors.PARAMETER_BINDING, str(exc)) from None
    for name in exchange_type.required(verb):
        if bound.get(name) in (None, ""):
            raise errors.missing_parameter(cmdlet, name)
    return bound


def _target(tenant: Tenant, exchange_type: ExchangeType, bound: dict[str, Any]) -> JsonObject:
    items = objects.objects(tenant, exchange_type)
    identity = bound.get("Identity")
    if identity is None and exchange_type.singleton and items:
        return next(iter(items.values()))
    found = objects.find(tenant, exchange_type, str(identity)) if identity is not None else None
    if found is None:
        raise errors.not_found(str(identity))
    return found


def _check_references(tenant: Tenant, exchange_type: ExchangeType, bound: dict[str, Any]) -> None:
    reference = objects.REFERENCES.get(exchange_type.key)
    if reference is None or bound.get(reference[0]) is None:
        return
    parameter, target_key = reference
    policy = objects.find(tenant, types()[target_key], str(bound[parameter]))
    if policy is None:
        raise errors.not_found(str(bound[parameter]))
    bound[parameter] = policy["Name"]


def _rules(tenant: Tenant, exchange_type: ExchangeType) -> list[JsonObject]:
    return objects.ordered(exchange_type, list(objects.objects(tenant, exchange_type).values()))


def _place(tenant: Tenant, exchange_type: ExchangeType, item: JsonObject, priority: int | None) -> None:
    """Give ``item`` its priority and renumber the type's other rules 0..n-1 around it."""
    others = [r for r in _rules(tenant, exchange_type) if r is not item]
    limit = len(others)
    if priority is None:
        priority = limit
    if priority > limit:
        raise errors.bad_request(
            errors.OUT_OF_RANGE,
            f"The value of parameter Priority must be between 0 and {limit}. Specified value: {priority}.",
        )
    others.insert(priority, item)
    for index, rule in enumerate(others):
        rule["Priority"] = index


def _apply(exchange_type: ExchangeType, item: JsonObject, bound: dict[str, Any]) -> None:
    deltas = exchange_type.delta_parameters
    for name, value in bound.items():
        if name in _NOT_STORED or name == "Priority":
            continue
        if name in deltas:
            target, action = deltas[name]
            current = list(item.get(target) or [])
            if action == "Add":
                current += [v for v in value if v not in current]
            else:
                current = [v for v in current if v not in value]
            item[target] = current
        elif name == "Enabled" and exchange_type.key in STATE_RULES:
            item["State"] = "Enabled" if value else "Disabled"
        else:
            item[name] = value
    for name in deltas:
        item.pop(name, None)


def _get(tenant: Tenant, exchange_type: ExchangeType, bound: dict[str, Any]) -> list[JsonObject]:
    if bound.get("Identity") is not None:
        return [_target(tenant, exchange_type, bound)]
    items = _rules(tenant, exchange_type)
    policy = bound.get("Policy")
    if policy is not None:
        items = [i for i in items if str(i.get("Policy", "")).lower() == str(policy).lower()]
    return items


def _set(tenant: Tenant, exchange_type: ExchangeType, bound: dict[str, Any], now: float) -> None:
    item = _target(tenant, exchange_type, bound)
    _check_references(tenant, exchange_type, bound)
    new_name = bound.get("Name")
    if isinstance(new_name, str) and new_name != item["Name"] and not exchange_type.singleton:
        clash = objects.find(tenant, exchange_type, new_name)
        if clash is not None and clash is not item:
            raise _exists(exchange_type, new_name)
        item["Identity"] = item["Id"] = new_name
    _apply(exchange_type, item, bound)
    if exchange_type.prioritised and bound.get("Priority") is not None:
        _place(tenant, exchange_type, item, int(bound["Priority"]))
    objects.touch(item, now)


def _exists(exchange_type: ExchangeType, name: str) -> errors.ExchangeError:
    return errors.bad_request(
        errors.ALREADY_EXISTS,
        f'The {exchange_type.noun} "{name}" already exists. Choose a different name and try again.',
    )


def _new(tenant: Tenant, exchange_type: ExchangeType, bound: dict[str, Any], now: float) -> JsonObject:
    items = objects.objects(tenant, exchange_type)
    if exchange_type.singleton and items:
        raise errors.bad_request(
            errors.INVALID_OPERATION, f"A {exchange_type.noun} already exists in this organization."
        )
    key = CREATE_KEYS.get(exchange_type.key) or (
        "Name" if exchange_type.dsc_key == "Identity" else exchange_type.dsc_key
    )
    name = str(bound.get(key) or bound.get("Name") or exchange_type.noun)
    if key == "DomainName":
        bound.pop("DomainName")
        bound["Domain"] = name
    if objects.find(tenant, exchange_type, name) is not None:
        raise _exists(exchange_type, name)
    _check_references(tenant, exchange_type, bound)
    item = objects.create(tenant, exchange_type, name, {}, now)
    _apply(exchange_type, item, bound)
    items[str(item["Guid"])] = item
    if exchange_type.prioritised:
        priority = bound.get("Priority")
        _place(tenant, exchange_type, item, None if priority is None else int(priority))
    return item


def _remove(tenant: Tenant, exchange_type: ExchangeType, bound: dict[str, Any]) -> None:
    item = _target(tenant, exchange_type, bound)
    if not objects.removable(exchange_type, item):
        raise errors.bad_request(
            errors.INVALID_OPERATION,
            f'{exchange_type.noun} "{item["Name"]}" is the default {exchange_type.noun} and can\'t be removed.',
        )
    del objects.objects(tenant, exchange_type)[str(item["Guid"])]
    if exchange_type.prioritised:
        for index, rule in enumerate(_rules(tenant, exchange_type)):
            rule["Priority"] = index


def run(
    tenant: Tenant, exchange_type: ExchangeType, verb: str, cmdlet: str, raw: dict[str, Any], now: float
) -> list[JsonObject]:
    """Bind and run; the answer's ``value`` (Get's objects, New's object, nothing for the others)."""
    bound = _bind(exchange_type, cmdlet, verb, raw)
    if verb == "Get":
        return [objects.as_printed(exchange_type, i) for i in _get(tenant, exchange_type, bound)]
    if verb == "Set":
        _set(tenant, exchange_type, bound, now)
        return []
    if verb == "New":
        return [objects.as_printed(exchange_type, _new(tenant, exchange_type, bound, now))]
    if verb == "Remove":
        _remove(tenant, exchange_type, bound)
        return []
    item = _target(tenant, exchange_type, bound)
    if exchange_type.key in STATE_RULES:
        item["State"] = "Enabled" if verb == "Enable" else "Disabled"
    else:
        item["Enabled"] = verb == "Enable"
    objects.touch(item, now)
    return []
