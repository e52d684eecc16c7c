"""docs/install.md's upgrade notes: the `spec.resources` they give to keep a Tenant to the types it had
before the Exchange admin API's is exactly every other type of the catalogue, so pinning it neither drops
a type the Tenant synced nor takes on one that needs Exchange.ManageAsApp."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tenantsync.catalog import CMDLET_SERVICES, catalog

INSTALL = Path(__file__).resolve().parents[2] / "docs" / "install.md"


def test_the_pinned_resources_are_every_type_outside_the_exchange_admin_api() -> None:
    upgrading = INSTALL.read_text().split("\n## Upgrading\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", upgrading, re.DOTALL)
    assert len(blocks) == 1, "the upgrade notes hold one yaml block: the spec.resources to pin"
    pinned = yaml.safe_load(re.sub(r"^  ", "", blocks[0], flags=re.MULTILINE))["spec"]["resources"]
    expected = [entry.name.value for entry in catalog().values() if entry.service not in CMDLET_SERVICES]
    assert pinned == expected
    assert f"the {len(expected)} read through Microsoft Graph" in " ".join(upgrading.split())
