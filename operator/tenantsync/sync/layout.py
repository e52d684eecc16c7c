"""The repository layout of a tenant's folder: one file per object, `<type>/<id>.json`.

Backup, plan, deploy and verify all name files through here, so the layout has one definition. A name
never leaves its type's folder, whatever id the service hands back or whatever a person commits.

A script's body (base64 in Graph) is kept as a companion file beside its JSON, `<type>/<id>.ps1`, and
the JSON names it (``{"@tenantsync.file": "<id>.ps1"}``): a pull request then shows the script's diff.
Stream properties (branding images) are companions too, written byte for byte:
`organizationalBranding/organizationalBranding.bannerLogo.png`, and for an item of a sub-resource
`organizationalBranding/organizationalBranding.fr-FR.customCSS.css`, named from the item.
Plan and deploy work on the object as Graph holds it, with the body put back (`join_companions`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from tenantsync.api import BASELINES_FOLDER, CodedError, ErrorCode, ResourceType
from tenantsync.catalog import ConfigurationType, catalog, serialise
from tenantsync.sync.streams import decoded, stream_suffix

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SUFFIX = ".json"
COMPANION = "@tenantsync.file"


def object_file(type_: ResourceType, object_id: str) -> str:
    """The file of one object: a singleton is named after its type, an object after its id."""
    entry = catalog()[type_]
    return f"{type_}/{type_ if entry.singleton else object_id}{SUFFIX}"


def file_for(entry: ConfigurationType, obj: Mapping[str, Any]) -> str:
    """The file of an object read from Graph; an id that cannot name a file stops the backup."""
    object_id = str(obj.get(entry.key_field, ""))
    if not entry.singleton and not SAFE_NAME.match(object_id):
        raise CodedError(
            ErrorCode.UNEXPECTED_ERROR,
            f"Graph returned a {entry.name} object whose id {object_id[:80]!r} cannot name a file in the"
            " repository; nothing was written.",
        )
    return object_file(entry.name, object_id)


def parse_file(path: str, *, where: str) -> tuple[ResourceType, str]:
    """The type and id a file stands for; anything else in a tenant's folder is refused by name."""
    folder, _, name = path.partition("/")
    if folder not in ResourceType.__members__.values():
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE,
            f"{where}: folder {folder!r} (file {path}) is not a configuration type. Each folder is one of"
            " spec.resources' types, e.g. namedLocations/; move or remove the file.",
        )
    if not name.endswith(SUFFIX) or "/" in name or not SAFE_NAME.match(name.removesuffix(SUFFIX)):
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE,
            f"{where}: {path} is not a <type>/<object id>.json file. Move or remove it.",
        )
    return ResourceType(folder), name.removesuffix(SUFFIX)


def is_object_file(path: str) -> bool:
    """Files at the top of the tenant's folder (a README) are people's, and the baselines folder holds
    overrides: neither is an object."""
    return "/" in path and not is_reserved(path)


def is_reserved(path: str) -> bool:
    """A file of the baselines folder, which writes of the tenant's objects carry over unchanged."""
    return path.partition("/")[0] == BASELINES_FOLDER


def split_companions(
    entry: ConfigurationType, obj: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The object's JSON with each base64 body replaced by the name of a readable file, and those files."""
    document = dict(obj)
    files: dict[str, bytes] = {}
    for name, suffix in entry.companions.items():
        value = document.get(name)
        if not isinstance(value, str):
            continue
        try:
            content = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue  # not base64: kept in the JSON as Graph returned it
        companion = f"{document.get(entry.key_field, entry.name)}{suffix}"
        files[f"{entry.name}/{companion}"] = content
        document[name] = {COMPANION: companion}
    if not has_streams(entry):
        return document, files
    stem = file_for(entry, document).rpartition("/")[2].removesuffix(SUFFIX)
    _split_streams(entry, document, entry.streams, stem, files)
    for sub in entry.sub_resources:
        items = document.get(sub.name)
        if sub.streams and isinstance(items, list):
            document[sub.name] = items = [dict(item) if isinstance(item, dict) else item for item in items]
            for item in items:
                item_id = str(item.get("id", "")) if isinstance(item, dict) else ""
                if isinstance(item, dict) and SAFE_NAME.match(item_id):
                    _split_streams(entry, item, sub.streams, f"{stem}.{item_id}", files)
    return document, files


def has_streams(entry: ConfigurationType) -> bool:
    """Whether the type, or an item of one of its sub-resources, has stream properties."""
    return bool(entry.streams) or any(sub.streams for sub in entry.sub_resources)


def _split_streams(
    entry: ConfigurationType,
    holder: dict[str, Any],
    names: frozenset[str],
    stem: str,
    files: dict[str, bytes],
) -> None:
    for name in sorted(names):
        content = decoded(holder.get(name))
        if content is not None:
            companion = f"{stem}{stream_suffix(name, content)}"
            files[f"{entry.name}/{companion}"] = content
            holder[name] = {COMPANION: companion}


def split_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Joined object files (as plan and deploy see them) in the repository's form, bodies beside them."""
    out: dict[str, bytes] = {}
    for path, content in files.items():
        type_, _ = parse_file(path, where="the tenant's files")
        entry = catalog()[type_]
        document = json.loads(content) if entry.companions or has_streams(entry) else None
        if not isinstance(document, dict):
            out[path] = content
            continue
        document, companions = split_companions(entry, document)
        out[path] = serialise(document)
        out.update(companions)
    return out


def file_type(path: str, *, where: str) -> ResourceType:
    """The type an object file or a companion file belongs to; any other file is refused by name."""
    folder, _, name = path.partition("/")
    if folder in ResourceType.__members__.values() and "/" not in name:
        entry = catalog()[ResourceType(folder)]
        streams = entry.streams.union(*(sub.streams for sub in entry.sub_resources))
        if SAFE_NAME.match(name) and (
            any(name.endswith(suffix) for suffix in entry.companions.values())
            or any(f".{stream}." in name for stream in streams)
        ):
            return ResourceType(folder)
    return parse_file(path, where=where)[0]


def join_companions(files: Mapping[str, bytes], *, where: str) -> dict[str, bytes]:
    """Object files with the bodies their companions hold put back as Graph holds them (base64).

    A JSON naming a companion that is missing, or a companion no JSON names, stops the plan by name.
    """
    companions = {path: content for path, content in files.items() if not path.endswith(SUFFIX)}
    joined: dict[str, bytes] = {}
    used: set[str] = set()
    for path, content in files.items():
        if path in companions:
            continue
        if COMPANION.encode() in content:
            content = _joined(path, content, companions, used, where=where)
        joined[path] = content
    unused = sorted(set(companions) - used)
    if unused:
        raise CodedError(
            ErrorCode.INVALID_DESIRED_STATE,
            f"{where}: {unused[0]} belongs to no object: no JSON file beside it names it in a"
            f' {{"{COMPANION}": ...}} field. Name it from its object\'s JSON, or remove it.',
        )
    return joined


def _joined(
    path: str, content: bytes, companions: Mapping[str, bytes], used: set[str], *, where: str
) -> bytes:
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return content  # the plan names the file and the error
    if not isinstance(document, dict):
        return content
    folder = path.rpartition("/")[0]
    holders = [document] + [
        item
        for value in document.values()
        if isinstance(value, list)
        for item in value
        if isinstance(item, dict)
    ]
    for holder in holders:  # the object, and the items of its lists (a branding localization's images)
        for key, value in holder.items():
            if isinstance(value, dict) and set(value) == {COMPANION}:
                companion = f"{folder}/{value[COMPANION]}"
                if companion not in companions:
                    raise CodedError(
                        ErrorCode.INVALID_DESIRED_STATE,
                        f"{where}: {path} keeps {key} in {companion}, which does not exist. Add the file or"
                        " put the value back into the JSON.",
                    )
                holder[key] = base64.b64encode(companions[companion]).decode()
                used.add(companion)
    return serialise(document)
