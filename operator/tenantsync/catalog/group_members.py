"""Groups' assigned members, kept only when a Tenant opts in (``spec.groupMembers``).

Membership is data rather than configuration: most Tenants keep groups without it. Opted in, a
non-dynamic group's members are read like its owners (per group, ``$select=id``, through ``$batch``)
and linked and unlinked by reference. A dynamic group's members are the service's to compute, so they
are never kept; a group with more members than the cap keeps none and the backup names it, so a file
never holds a partial list that a deploy would then make the whole membership.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from tenantsync.api import GroupMembers, ResourceType
from tenantsync.catalog.model import ConfigurationType

MEMBERS = "members"
DYNAMIC = "DynamicMembership"


def as_read(entry: ConfigurationType, opted_in: GroupMembers | None) -> ConfigurationType:
    """The entry a backup reads: groups without their members unless the Tenant opted in."""
    if entry.name != ResourceType.GROUPS or opted_in is not None:
        return entry
    subs = tuple(sub for sub in entry.sub_resources if sub.name != MEMBERS)
    return dataclasses.replace(entry, sub_resources=subs)


def keep_within_cap(groups: Iterable[dict[str, Any]], opted_in: GroupMembers | None) -> list[str]:
    """Drop, in place, the members of every group when the Tenant has not opted in (whatever a list
    served), else those of dynamic groups and of groups over the cap; the groups over the cap, named for
    people (``'Name' (id): N members``)."""
    over: list[str] = []
    for group in groups:
        members = group.get(MEMBERS)
        if members is None:
            continue
        if opted_in is None or DYNAMIC in (group.get("groupTypes") or []):
            del group[MEMBERS]
        elif len(members) > opted_in.maxMembers:
            del group[MEMBERS]
            over.append(f"{group.get('displayName')!r} ({group.get('id')}): {len(members)} members")
    return over
