"""The repository layout of a tenant's folder: one file per object, `<type>/<id>.json`.

Backup, plan, deploy and verify all name files through here, so the layout has one definition. A name
never leaves its type's folder, whatever id the service hands back or whatever a person commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tenantsync.api import CodedError, ErrorCode, ResourceType
from tenantsync.catalog import ConfigurationType, catalog

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SUFFIX = ".json"


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
    """Files at the top of the tenant's folder (a README) are people's, not objects."""
    return "/" in path
