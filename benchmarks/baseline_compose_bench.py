"""Composing a baseline into many Tenants' desired states: the CPU a plan spends on baselines.

Each Tenant has its own objects (matched by name against the baseline's), overrides for a tenth of the
baseline's objects and an exclusion; the baseline's policies refer to its named locations and to a
group by display name. Pure composition (what `read_states` adds to a plan), without Git or Graph: the
Graph requests a baseline costs are one per distinct group name, plus one when it uses
`${tenant.domain}` and the Tenant's id is a GUID. Usage::

    .venv/bin/python benchmarks/baseline_compose_bench.py [--tenants 300] [--objects 60] [--own 500]

Printed: milliseconds per Tenant (median and slowest) and objects composed. Figures, not asserts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from tenantsync.api import ResourceType
from tenantsync.baselines import BaselineFolder, ObjectKey, TenantFacts, compose

CA = ResourceType.CONDITIONAL_ACCESS_POLICIES
LOCATIONS = ResourceType.NAMED_LOCATIONS


def baseline_files(objects: int) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    locations = max(1, objects // 6)
    for i in range(locations):
        location = {
            "@odata.type": "#microsoft.graph.ipNamedLocation",
            "displayName": f"Office {i}",
            "ipRanges": [],
        }
        files[f"namedLocations/office-{i}.json"] = json.dumps(location).encode()
    for i in range(objects - locations):
        document: dict[str, Any] = {
            "displayName": f"Policy {i} for ${{tenant.name}}",
            "state": "enabled",
            "conditions": {
                "users": {"includeGroups": ["${group:All Staff}"], "excludeUsers": []},
                "locations": {"excludeLocations": [f"${{namedLocations:Office {i % locations}}}"]},
            },
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
        }
        files[f"conditionalAccessPolicies/policy-{i}.json"] = json.dumps(document).encode()
    return files


def tenant_inputs(
    tenant: int, objects: int, own: int
) -> tuple[BaselineFolder, dict[ObjectKey, str | None], dict[ObjectKey, str | None]]:
    files = baseline_files(objects)
    keys = sorted(f.removesuffix(".json") for f in files)
    overrides = {
        f"{key}.json": b'{"state": "enabledForReportingButNotEnforced"}'
        for key in keys[:: max(1, objects // 6)]
    }
    overrides[f"{keys[-1]}.json"] = b"null"
    live: dict[ObjectKey, str | None] = {(CA, f"own-{tenant}-{i}"): f"Own policy {i}" for i in range(own)}
    live.update({(CA, f"p-{tenant}-{i}"): f"Policy {i} for t{tenant}" for i in range(objects // 2)})
    live.update({(LOCATIONS, f"l-{tenant}-{i}"): f"Office {i}" for i in range(max(1, objects // 6))})
    folder = BaselineFolder(
        "security", "rev", objects=files, overrides=overrides, where="bench", overrides_where="bench"
    )
    return folder, dict(live), live


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=300)
    parser.add_argument("--objects", type=int, default=60, help="objects in the baseline")
    parser.add_argument("--own", type=int, default=500, help="each Tenant's own objects")
    args = parser.parse_args()
    timings: list[float] = []
    composed = 0
    for tenant in range(args.tenants):
        folder, own, live = tenant_inputs(tenant, args.objects, args.own)
        facts = TenantFacts(name=f"t{tenant}")
        started = time.perf_counter()
        composition = compose(
            [folder], own=own, live=live, facts=facts, groups={"All Staff": [f"g-{tenant}"]}
        )
        timings.append((time.perf_counter() - started) * 1000)
        composed += len(composition.objects)
    print(
        f"{args.tenants} tenants, a baseline of {args.objects} objects, {args.own} own objects each:"
        f" {statistics.median(timings):.2f} ms per tenant (median), {max(timings):.2f} ms slowest,"
        f" {sum(timings) / 1000:.2f} s in all; {composed} objects composed"
        f" ({composed / args.tenants:.0f} per tenant, one excluded)"
    )


if __name__ == "__main__":
    main()
