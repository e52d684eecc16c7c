"""Changes that could never converge: a desired object without a field Graph always returns, or with a
value where Graph withholds one (a secret), would differ from the tenant after every deploy and be
applied again at every sync. The plan refuses them."""

from __future__ import annotations

from tenantsync.api import ChangeAction, GroupMembers, PlanChange, ResourceType
from tenantsync.catalog import catalog, field_values, secrets_in_clear
from tenantsync.sync.diff import Files, document
from tenantsync.sync.layout import object_file


def never_converging(desired: Files, changes: list[PlanChange], *, where: str) -> list[str]:
    """One sentence per missing field: the file, the field, and where to copy it from."""
    problems = []
    for change in changes:
        if change.action == ChangeAction.DELETE:
            continue
        file = object_file(change.type, change.id)
        doc = document(desired[file], file, where=where)
        for path in catalog()[change.type].required_fields:
            values = field_values(doc, path)
            if any(value is None for value in values):
                problems.append(f"{file} lacks {path}")
    return problems


def secrets_set_in_git(desired: Files, changes: list[PlanChange], *, where: str) -> list[str]:
    """One sentence per field that holds a value where the service withholds it: the file and the
    field, never the value (it is a secret, or a null that would blank one)."""
    problems = []
    for change in changes:
        if change.action == ChangeAction.DELETE:
            continue
        file = object_file(change.type, change.id)
        problems += [
            f"{file} at {path}" for path in secrets_in_clear(document(desired[file], file, where=where))
        ]
    return problems


def unknown_parameters(desired: Files, changes: list[PlanChange], *, where: str) -> list[str]:
    """One sentence per desired Exchange admin API object holding a field no cmdlet of its type takes
    (a misspelt parameter, an output-only property) or an unset value (null, ``[]``), which the backup
    never records: either would be planned again at every sync, or sent to a cmdlet that refuses it."""
    problems = []
    for change in changes:
        entry = catalog()[change.type]
        if change.action == ChangeAction.DELETE or entry.cmdlets is None:
            continue
        file = object_file(change.type, change.id)
        doc = document(desired[file], file, where=where)
        unknown = sorted(set(doc) - entry.cmdlets.kept - {entry.key_field})
        unset = sorted(name for name, value in doc.items() if value is None or value == [])
        if unknown:
            problems.append(
                f"{file} has {', '.join(unknown)}, which no cmdlet of a {entry.noun} takes"
                f" ({entry.cmdlets.source} in Microsoft365DSC lists its parameters; docs/types.md)"
            )
        if unset:
            problems.append(f"{file} sets {', '.join(unset)} to nothing: leave the field out instead")
    return problems


def members_not_kept(
    desired: Files, changes: list[PlanChange], opted_in: GroupMembers | None, *, where: str
) -> list[str]:
    """The desired groups that list members although the Tenant keeps none (no ``spec.groupMembers``):
    its backups never record them, so the change would be planned again at every sync."""
    if opted_in is not None:
        return []
    found = []
    for change in changes:
        if change.action == ChangeAction.DELETE or change.type != ResourceType.GROUPS:
            continue
        file = object_file(change.type, change.id)
        if "members" in document(desired[file], file, where=where):
            found.append(file)
    return found
