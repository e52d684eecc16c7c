"""What a person may type to name an object: `NAME` or kubectl's `TYPE/NAME` (`sr/NAME`, `tenant/NAME`).

The type spellings are those kubectl itself accepts for our CRDs (kind, singular, plural, short names,
each optionally with `.tenantsync.io`), taken from the CRD definitions so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from tenantsync.api import GROUP, all_crds
from tenantsync.cli.plugin_errors import PluginError


class Kind(StrEnum):
    TENANT = "Tenant"
    SYNC_RUN = "SyncRun"
    BASELINE = "Baseline"

    @property
    def plural(self) -> str:
        return _crd_names(self)["plural"]

    @property
    def resource(self) -> str:
        """kubectl's `-o name` prefix, e.g. `syncrun.tenantsync.io`."""
        return f"{_crd_names(self)['singular']}.{GROUP}"


def _crd_names(kind: Kind) -> Mapping[str, str]:
    names: Mapping[str, str] = _names_by_kind()[kind]
    return names


@cache
def _names_by_kind() -> dict[str, dict[str, str]]:
    return {crd["spec"]["names"]["kind"]: crd["spec"]["names"] for crd in all_crds()}


@cache
def _kinds_by_spelling() -> dict[str, Kind]:
    spellings: dict[str, Kind] = {}
    for kind in Kind:
        names = _names_by_kind()[kind]
        for spelling in [names["kind"], names["singular"], names["plural"], *names.get("shortNames", [])]:
            spellings[spelling.lower()] = kind
            spellings[f"{spelling.lower()}.{GROUP}"] = kind
    return spellings


@dataclass(frozen=True)
class Reference:
    """`kind` is None for a bare NAME: the command decides what it means."""

    kind: Kind | None
    name: str


def parse_reference(text: str) -> Reference:
    """`NAME`, `syncrun/NAME`, `sr/NAME`, `tenant/NAME`, `tenants.tenantsync.io/NAME`, ..."""
    spelling, slash, name = text.rpartition("/")
    if not slash:
        return Reference(None, text)
    kind = _kinds_by_spelling().get(spelling.lower())
    if kind is None or not name:
        raise PluginError(
            f"{text!r}: expected NAME or TYPE/NAME where TYPE is one of"
            f" {', '.join(sorted({s for s in _kinds_by_spelling() if '.' not in s}))}"
        )
    return Reference(kind, name)
