"""A Tenant's desired state composed from the baselines it adopts, its overrides and its own objects.

Pure: the caller reads the folders and looks up what the baselines name in the tenant (groups, the
domain), and gets back the objects to add to the desired state, each with the tenant id it has (or a
placeholder for one the deploy creates), the baseline it came from, and the ids to record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tenantsync.api import CodedError, ErrorCode, PlannedBaseline, ResourceType
from tenantsync.baselines.json_merge_patch import merge_patch
from tenantsync.baselines.substitution import (
    GROUP,
    ObjectReference,
    Resolver,
    TenantFacts,
    UnknownVariable,
    expressions,
    reference_in,
    substitute,
)
from tenantsync.catalog import catalog, normalise

JsonObject = dict[str, Any]
ObjectKey = tuple[ResourceType, str]
"""(type, id in the tenant)."""
IDS_FILE = "ids.json"
"""In a Tenant's overrides folder: `{"<type>/<key>": "<tenant object id>"}`, written by the operator."""
SUFFIX = ".json"


@dataclass(frozen=True)
class BaselineFolder:
    """One adopted baseline as a run reads it: its objects at the released revision and the Tenant's
    overrides of them."""

    name: str
    revision: str | None
    """None while no revision was released to the Tenant: the baseline contributes nothing yet."""
    objects: Mapping[str, bytes] = field(default_factory=dict)
    """`<type>/<key>.json` of the configured types, script bodies joined."""
    overrides: Mapping[str, bytes] = field(default_factory=dict)
    """The overrides folder: `<type>/<key>.json` merge patches (`null` excludes) and `ids.json`."""
    where: str = ""
    """The baseline's folder as messages name it."""
    overrides_where: str = ""
    """The overrides folder as messages name it."""


@dataclass(frozen=True)
class ComposedObject:
    type: ResourceType
    id: str
    """The object's id in the tenant, or a placeholder the deploy replaces with the id it creates."""
    document: JsonObject
    baseline: str
    key: str
    """`<type>/<key>` in the baseline."""


@dataclass(frozen=True)
class Composition:
    objects: dict[ObjectKey, ComposedObject]
    """What the baselines add to the desired state; last baseline wins on the same object."""
    planned: list[PlannedBaseline]
    """Each adopted baseline with its revision and the Tenant's overrides and exclusions."""
    ids: dict[str, dict[str, str]]
    """Per baseline, `ids.json` as it should read now: the recorded ids and those matched by name."""
    matched: list[str]
    """Baselines whose `ids.json` gained ids matched by name in this composition (to write)."""
    superseded: list[ObjectKey]
    """The Tenant's own objects a baseline object replaces."""


@dataclass(frozen=True)
class Lookups:
    """What the baselines ask of the tenant, so the caller asks Graph only for that."""

    groups: frozenset[str]
    domain: bool


def placeholder(baseline: str, key: str) -> str:
    """The id an object to be created goes by until the deploy knows its real one."""
    return f"baseline.{baseline}.{key.partition('/')[2]}"


def lookups(folders: Iterable[BaselineFolder]) -> Lookups:
    """The group names and variables the baselines and overrides use (files that are not JSON are
    left to `compose`, which names them)."""
    groups: set[str] = set()
    domain = False
    for folder in folders:
        if folder.revision is None:
            continue
        for content in [*folder.objects.values(), *folder.overrides.values()]:
            try:
                parsed = json.loads(content)
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
            for expression in expressions(parsed):
                reference = reference_in(expression)
                if reference is not None and reference.kind == GROUP:
                    groups.add(reference.name)
                domain = domain or expression == "tenant.domain"
    return Lookups(frozenset(groups), domain)


def compose(
    folders: Sequence[BaselineFolder],
    *,
    own: Mapping[ObjectKey, str | None],
    live: Mapping[ObjectKey, str | None],
    facts: TenantFacts,
    groups: Mapping[str, Sequence[str]],
) -> Composition:
    """The baselines' objects for this Tenant, in `folders` order (last wins).

    `own` and `live` give the display name of each of the Tenant's own desired objects and of each
    object in the tenant; `groups` the ids of each group name `lookups` asked for. A baseline object
    without a recorded id is matched to the one live object of its type and name (none: created; more
    than one: the run stops, naming them). References resolve against the composed desired state, then
    the tenant; any that does not resolve stops this Tenant's run (ReferencedObjectMissing).
    """
    adopted: dict[ObjectKey, _Adopted] = {}
    planned: list[PlannedBaseline] = []
    all_ids: dict[str, dict[str, str]] = {}
    matched: list[str] = []
    live_names = _names(live.items())
    for folder in folders:
        if folder.revision is None:
            planned.append(PlannedBaseline(name=folder.name))
            continue
        recorded = _recorded_ids(folder)
        ids = all_ids[folder.name] = dict(recorded)
        patches = _patches(folder)
        for found in _adopt(folder, patches, facts, ids, live_names):
            adopted[(found.object.type, found.object.id)] = found
        if ids != recorded:
            matched.append(folder.name)
        planned.append(
            PlannedBaseline(
                name=folder.name,
                revision=folder.revision,
                overridden=sorted(k for k, p in patches.items() if p is not None),
                excluded=sorted(k for k, p in patches.items() if p is None),
            )
        )
    desired_names = _names(
        [(key, name) for key, name in own.items() if key not in adopted]
        + [(key, found.name) for key, found in adopted.items()]
    )
    objects = _resolved_objects(adopted, facts, desired_names, live_names, groups)
    return Composition(objects, planned, all_ids, matched, sorted(key for key in own if key in adopted))


@dataclass(frozen=True)
class _Adopted:
    object: ComposedObject
    """With the Tenant's override applied; variables and references not put in yet."""
    folder: BaselineFolder
    name: str | None
    """Its display name with the Tenant's variables put in."""


def _adopt(
    folder: BaselineFolder,
    patches: Mapping[str, JsonObject | None],
    facts: TenantFacts,
    ids: dict[str, str],
    live_names: Mapping[tuple[str, str], list[str]],
) -> list[_Adopted]:
    """A baseline's objects this Tenant takes (exclusions left out), each with its id in the tenant."""
    found: list[_Adopted] = []
    for file in sorted(folder.objects):
        key = file.removesuffix(SUFFIX)
        type_ = ResourceType(key.partition("/")[0])
        if not catalog()[type_].writable:
            continue
        document = _document(folder.objects[file], f"{folder.where}: {file}")
        if key in patches:
            patch = patches[key]
            if patch is None:
                continue
            document = merge_patch(document, patch)
        name = _name(document, facts, folder, key)
        object_id = _object_id(folder, key, type_, name, ids, live_names)
        composed = ComposedObject(type=type_, id=object_id, document=document, baseline=folder.name, key=key)
        found.append(_Adopted(composed, folder, name))
    return found


def _resolved_objects(
    adopted: Mapping[ObjectKey, _Adopted],
    facts: TenantFacts,
    desired_names: Mapping[tuple[str, str], list[str]],
    live_names: Mapping[tuple[str, str], list[str]],
    groups: Mapping[str, Sequence[str]],
) -> dict[ObjectKey, ComposedObject]:
    """Each object with its variables and references put in, read as the backup records objects (read-
    only fields dropped, unordered lists sorted) so that a tenant that follows the baseline plans nothing."""
    missing: list[str] = []
    objects: dict[ObjectKey, ComposedObject] = {}
    for object_key, found in adopted.items():
        composed = found.object

        def resolve(reference: ObjectReference, composed: ComposedObject = composed) -> str:
            resolved = _resolved(reference, desired_names, live_names, groups)
            if isinstance(resolved, str):
                return resolved
            missing.append(f"{resolved[1]} (in {composed.key} of Baseline {composed.baseline})")
            return ""

        document = _substituted(composed.document, facts, resolve, found.folder, composed.key)
        entry = catalog()[composed.type]
        if not entry.singleton:
            document[entry.key_field] = composed.id
        objects[object_key] = ComposedObject(
            type=composed.type,
            id=composed.id,
            document=normalise(entry, document),
            baseline=composed.baseline,
            key=composed.key,
        )
    if missing:
        raise CodedError(
            ErrorCode.REFERENCED_OBJECT_MISSING,
            f"The baselines Tenant {facts.name} adopts refer to objects this tenant does not have: "
            f"{'; '.join(missing)}. Create them in the tenant (or exclude the baseline's object in the"
            " Tenant's overrides); nothing was applied.",
        )
    return objects


def _document(content: bytes, where: str) -> Any:
    try:
        return json.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise CodedError(ErrorCode.INVALID_DESIRED_STATE, f"{where} is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE,
            f"{where} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).",
        ) from None


def _recorded_ids(folder: BaselineFolder) -> dict[str, str]:
    if IDS_FILE not in folder.overrides:
        return {}
    where = f"{folder.overrides_where}: {IDS_FILE}"
    ids = _document(folder.overrides[IDS_FILE], where)
    if not isinstance(ids, dict) or not all(isinstance(v, str) and v for v in ids.values()):
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE,
            f'{where} must be a JSON object {{"<type>/<key>": "<object id>"}}; the operator writes it, so'
            " restore it from the branch's history.",
        )
    return {str(k): str(v) for k, v in ids.items()}


def _patches(folder: BaselineFolder) -> dict[str, JsonObject | None]:
    """The Tenant's merge patch (None: excluded) per baseline key; a file naming no baseline object is
    refused by name, so a typo never silently drops an exception."""
    keys = {file.removesuffix(SUFFIX) for file in folder.objects}
    patches: dict[str, JsonObject | None] = {}
    for file, content in sorted(folder.overrides.items()):
        if file == IDS_FILE:
            continue
        key = file.removesuffix(SUFFIX)
        where = f"{folder.overrides_where}: {file}"
        if not file.endswith(SUFFIX) or key not in keys:
            raise CodedError(
                ErrorCode.INVALID_DESIRED_STATE,
                f"{where} overrides nothing: Baseline {folder.name} has no object {key} at revision"
                f" {(folder.revision or '')[:12]}. Name a baseline object (<type>/<key>.json) or remove the file.",
            )
        patch = _document(content, where)
        if patch is not None and not isinstance(patch, dict):
            raise CodedError(
                ErrorCode.INVALID_DESIRED_STATE,
                f"{where} holds a JSON {type(patch).__name__}: an override is a JSON merge patch (an"
                " object), or null to exclude the baseline's object from this Tenant.",
            )
        patches[key] = patch
    return patches


def _name(document: Any, facts: TenantFacts, folder: BaselineFolder, key: str) -> str | None:
    """The display name the object matches by, with the Tenant's variables put in."""
    if not isinstance(document, dict):
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE,
            f"{folder.where}: {key}{SUFFIX} holds a JSON {type(document).__name__}, not an object.",
        )
    name = _plain_name(document)
    return None if name is None else str(_substituted(name, facts, None, folder, key))


def _plain_name(document: JsonObject) -> str | None:
    name = document.get("displayName") or document.get("name")
    return str(name) if name is not None else None


def _substituted(
    value: Any, facts: TenantFacts, resolve: Resolver | None, folder: BaselineFolder, key: str
) -> Any:
    try:
        return substitute(value, facts, resolve)
    except UnknownVariable as error:
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE,
            f"{folder.where}: {key}{SUFFIX} uses ${{{error}}}, which is not a variable: use tenant.name,"
            " tenant.domain, tenant.labels['<key>'], tenant.annotations['<key>'], or a reference such as"
            " group:<display name> or <type>:<display name> (write $${ for a literal ${).",
        ) from None


def _object_id(
    folder: BaselineFolder,
    key: str,
    type_: ResourceType,
    name: str | None,
    ids: dict[str, str],
    live_names: Mapping[tuple[str, str], list[str]],
) -> str:
    entry = catalog()[type_]
    if entry.singleton:
        return str(type_)
    if key in ids:
        return ids[key]
    candidates = live_names.get((str(type_), name), []) if name is not None else []
    if candidates:
        claimed = set(ids.values())
        candidates = sorted(i for i in candidates if i not in claimed)
    if len(candidates) > 1:
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE,
            f"{folder.where}: {key}{SUFFIX} matches {len(candidates)} {entry.noun}s named {name!r} in the"
            f" tenant ({', '.join(candidates)}); the operator does not guess. Record the one to manage in"
            f' {folder.overrides_where}/{IDS_FILE} as {{"{key}": "<id>"}}, or rename the others.',
        )
    if candidates:
        ids[key] = candidates[0]
        return candidates[0]
    return placeholder(folder.name, key)


def _names(items: Iterable[tuple[ObjectKey, str | None]]) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for (type_, object_id), name in items:
        if name is not None:
            found.setdefault((str(type_), name), []).append(object_id)
    return found


def _resolved(
    reference: ObjectReference,
    desired: Mapping[tuple[str, str], list[str]],
    live: Mapping[tuple[str, str], list[str]],
    groups: Mapping[str, Sequence[str]],
) -> str | tuple[None, str]:
    """The id a reference stands for, or (None, why not)."""
    if reference.kind == GROUP:
        candidates = sorted(set(groups.get(reference.name, ())))
        noun = "group"
    else:
        lookup = (str(reference.kind), reference.name)
        candidates = sorted(set(desired.get(lookup) or live.get(lookup) or ()))
        noun = catalog()[ResourceType(reference.kind)].noun
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return None, f"{noun} {reference.name!r}"
    return None, f"{noun} {reference.name!r} is ambiguous ({len(candidates)} objects have that name)"
