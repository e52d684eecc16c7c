"""Reading one object and writing a change through the Exchange admin API's cmdlets.

A deploy writes what the plan changed and nothing else: ``Set-<Noun>`` gets only the parameters whose
value differs, a rule's state goes through ``Enable-``/``Disable-``, and a list ``Set-`` cannot
replace is sent as what to add and what to remove. What no cmdlet can change (a create-only parameter,
a reported property, a type without ``Set-``) is refused by name before anything is sent.
"""

from __future__ import annotations

from typing import Any

from tenantsync.catalog import Cmdlets, ConfigurationType, is_withheld, normalise
from tenantsync.exchange import ExchangeClient, ExchangeNotFound
from tenantsync.graph import GraphNotFound

JsonObject = dict[str, Any]


def cmdlets_of(entry: ConfigurationType) -> Cmdlets:
    assert entry.cmdlets is not None, f"{entry.name} is not an Exchange admin API type"
    return entry.cmdlets


def _identity(entry: ConfigurationType, object_id: str, current: JsonObject) -> JsonObject:
    """How ``Set-``/``Remove-`` name the object: its Guid; a singleton by nothing, or by its Identity."""
    cmdlets = cmdlets_of(entry)
    if not entry.singleton:
        return {"Identity": object_id}
    return {"Identity": current["Identity"]} if cmdlets.singleton_identity and "Identity" in current else {}


async def read_object(client: ExchangeClient, entry: ConfigurationType, object_id: str) -> JsonObject | None:
    """One object as the backup records it, or None when it no longer exists."""
    cmdlets = cmdlets_of(entry)
    try:
        found = await client.invoke(cmdlets.get, {} if entry.singleton else {"Identity": object_id})
    except GraphNotFound:
        return None
    return normalise(entry, found[0]) if found else None


async def find_named(client: ExchangeClient, entry: ConfigurationType, name: Any) -> JsonObject | None:
    """The object called ``name`` (names are unique per type), or None."""
    if not isinstance(name, str) or not name:
        return None
    try:
        found = await client.invoke(cmdlets_of(entry).get, {"Identity": name})
    except GraphNotFound:
        return None
    return normalise(entry, found[0]) if found else None


def unwritable(entry: ConfigurationType, wanted: JsonObject, current: JsonObject) -> str | None:
    """Why the cmdlets cannot make ``current`` into ``wanted``, naming the fields; None when they can."""
    cmdlets = cmdlets_of(entry)
    changed = sorted(
        name
        for name in set(wanted) | set(current)
        if name != entry.key_field
        and wanted.get(name) != current.get(name)
        and not is_withheld(wanted.get(name))
    )
    if not changed:
        return None
    if not cmdlets.can_set:
        return (
            f"{entry.noun} has no {cmdlets.set} cmdlet, so {', '.join(changed)} cannot change: remove the"
            " object and create it anew, or change it in the admin centre."
        )
    settable = cmdlets.parameters | {edit.field for edit in cmdlets.list_edits}
    if cmdlets.toggle:
        settable |= {cmdlets.toggle.field}
    fixed = [name for name in changed if name not in settable]
    if fixed:
        return (
            f"{', '.join(fixed)} of a {entry.noun} cannot be changed by {cmdlets.set} (only {cmdlets.new} sets"
            f" {'it' if len(fixed) == 1 else 'them'}, or the service reports {'it' if len(fixed) == 1 else 'them'}):"
            " remove the object and create it anew, or leave the field as the tenant has it."
        )
    return None


async def update(
    client: ExchangeClient, entry: ConfigurationType, object_id: str, wanted: JsonObject, current: JsonObject
) -> None:
    """``Set-`` with the changed parameters (a removed one as null), the lists' additions and removals,
    then the rule's state if it changed."""
    cmdlets = cmdlets_of(entry)
    edited = {edit.field for edit in cmdlets.list_edits}
    parameters: JsonObject = {
        name: wanted.get(name)
        for name in sorted(cmdlets.parameters - edited)
        if wanted.get(name) != current.get(name) and not is_withheld(wanted.get(name))
    }
    for edit in cmdlets.list_edits:
        want, have = _items(wanted.get(edit.field)), _items(current.get(edit.field))
        added, removed = [v for v in want if v not in have], [v for v in have if v not in want]
        if added:
            parameters[edit.add] = added
        if removed:
            parameters[edit.remove] = removed
    identity = _identity(entry, object_id, current)
    if parameters:
        await client.invoke(cmdlets.set, identity | parameters)
    toggle = cmdlets.toggle
    if toggle and toggle.field in wanted and wanted[toggle.field] != current.get(toggle.field):
        await client.invoke(cmdlets.switch(wanted[toggle.field] == toggle.on), identity)


async def create(client: ExchangeClient, entry: ConfigurationType, wanted: JsonObject) -> str:
    """``New-`` with every parameter of the desired object; the new object's Guid (read back by name
    when the cmdlet outputs nothing)."""
    cmdlets = cmdlets_of(entry)
    writable = cmdlets.parameters | cmdlets.create_only
    parameters: JsonObject = {
        name: value for name, value in sorted(wanted.items()) if name in writable and not is_withheld(value)
    }
    if cmdlets.toggle and cmdlets.toggle.field in wanted:
        parameters["Enabled"] = wanted[cmdlets.toggle.field] == cmdlets.toggle.on
    for parameter, name in cmdlets.create_from:
        if name in wanted:
            parameters[parameter] = wanted[name]
    created = await client.invoke(cmdlets.new, parameters)
    guid = created[0].get(entry.key_field) if created else None
    if not guid:
        found = await find_named(client, entry, wanted.get("Name"))
        guid = found.get(entry.key_field) if found else None
    if not guid:
        raise ExchangeNotFound(
            404,
            "CreatedObjectNotFound",
            f"{cmdlets.new} ran, but no {entry.noun} is named {wanted.get('Name')!r}",
        )
    return str(guid)


async def remove(client: ExchangeClient, entry: ConfigurationType, object_id: str) -> None:
    await client.invoke(cmdlets_of(entry).remove, {"Identity": object_id})


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [] if value is None else [value]
