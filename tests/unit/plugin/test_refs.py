"""`NAME` and kubectl's `TYPE/NAME` spellings for our kinds, from the CRDs themselves."""

from __future__ import annotations

import pytest

from tenantsync.cli.plugin_errors import PluginError
from tenantsync.cli.plugin_refs import Kind, Reference, parse_reference


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("contoso-1", Reference(None, "contoso-1")),
        ("syncrun/contoso-1", Reference(Kind.SYNC_RUN, "contoso-1")),
        ("sr/contoso-1", Reference(Kind.SYNC_RUN, "contoso-1")),
        ("SyncRuns/contoso-1", Reference(Kind.SYNC_RUN, "contoso-1")),
        ("syncrun.tenantsync.io/contoso-1", Reference(Kind.SYNC_RUN, "contoso-1")),
        ("tenant/contoso", Reference(Kind.TENANT, "contoso")),
        ("tnt/contoso", Reference(Kind.TENANT, "contoso")),
        ("tenants.tenantsync.io/contoso", Reference(Kind.TENANT, "contoso")),
    ],
)
def test_spellings(text: str, expected: Reference) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize("text", ["pod/x", "tenant/", "syncrun.example.com/x"])
def test_unknown_types_are_refused(text: str) -> None:
    with pytest.raises(PluginError, match="expected NAME or TYPE/NAME"):
        parse_reference(text)


def test_plurals_and_output_names_come_from_the_crds() -> None:
    assert (Kind.TENANT.plural, Kind.SYNC_RUN.plural) == ("tenants", "syncruns")
    assert (Kind.TENANT.resource, Kind.SYNC_RUN.resource) == ("tenant.tenantsync.io", "syncrun.tenantsync.io")
