"""One audit-log look, measured in-process: the operator's CPU per look and the memory a watch keeps.

The audit watch's real parts (DriftChecker, TenantCache, MSAL, httpx over TLS) look at N simulated
tenants' audit logs through the simulator, with no Kubernetes: what `drift_bench.py --fleet` measures
for the whole operator, taken apart. Usage::

    .venv/bin/python benchmarks/look_bench.py [--tenants 30] [--rounds 10] [--profile look.prof] [--waiting]

Printed: CPU per look (this process only; the simulator runs apart), over `--rounds` rounds after a
first round that signs in; then the memory kept per watch (tracemalloc, the difference that another
`--tenants` watches make after two looks each) and its largest holders. With `--waiting` the apps lack
``AuditLog.Read.All``: every look waits for consent, and the sign-ins that look for a grant are counted
too (give it `--rounds 120`, two hours of looks at the default interval). Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenantsync.api import DriftStatus, DriftWatch, TenantSpec
from tenantsync.drift import DriftChecker
from tenantsync.sync import SecretsUntilWait, TenantCache
from tenantsync_sim.client import SimulatorClient

sys.path.insert(0, str(Path(__file__).parent))
from drift_bench import PERMISSIONS, start_simulator

Watch = tuple[str, TenantSpec, SecretsUntilWait]


class Secrets:
    """The two Secrets a look reads, from memory."""

    def __init__(self, secret: str, ca: bytes) -> None:
        self._data = {"sp": {"clientSecret": secret.encode()}, "ca": {"ca.crt": ca}}

    async def read_secret(self, namespace: str, name: str) -> dict[str, bytes]:
        return dict(self._data[name])

    async def write_secret(
        self, namespace: str, name: str, data: dict[str, bytes | None], *, owner: dict[str, Any] | None = None
    ) -> None:
        raise AssertionError("a look writes no Secret")


def watches(
    sim: SimulatorClient, url: str, ca: str, count: int, resources: list[str], permissions: list[str]
) -> list[Watch]:
    made: list[Watch] = []
    for _ in range(count):
        tenant_id, client_id, secret = str(uuid.uuid4()), str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
        sim.create_tenant(tenant_id, [f"d{tenant_id[:8]}.onmicrosoft.com"])
        sim.create_app(tenant_id, client_id, application_permissions=permissions, secret=secret)
        spec = TenantSpec.model_validate(
            {
                "tenantId": tenant_id,
                "resources": resources,
                "endpoints": {"authority": url, "graph": url, "caBundleSecretRef": {"name": "ca"}},
                "servicePrincipal": {"clientId": client_id, "credentialsSecretRef": {"name": "sp"}},
                "repository": {"url": "/unused"},
                "drift": {"enabled": True, "interval": "1m"},
            }
        )
        made.append(
            (f"t{uuid.uuid4().hex[:8]}", spec, SecretsUntilWait(Secrets(secret, Path(ca).read_bytes())))
        )
    return made


async def look_all(
    checker: DriftChecker, fleet: list[Watch], before: dict[str, DriftStatus | None], expect: DriftWatch
) -> None:
    for name, spec, secrets in fleet:
        look = await checker.look("bench", name, name, spec, before.get(name), secrets)
        if look.status.watch != expect:
            raise SystemExit(
                f"the look of {name} is {look.status.watch}, not {expect}: {look.status.message}"
            )
        before[name] = look.status


async def measure(args: argparse.Namespace, sim: SimulatorClient, url: str, ca: str, work: Path) -> None:
    cache = TenantCache(work)
    checker = DriftChecker(cache, "https://docs.example", lambda: datetime.now(UTC))
    resources = [name.strip() for name in args.resources.split(",") if name.strip()]
    permissions = [p for p in PERMISSIONS if not (args.waiting and p == "AuditLog.Read.All")]
    expect = DriftWatch.PENDING_ADMIN_CONSENT if args.waiting else DriftWatch.WATCHING
    fleet = watches(sim, url, ca, args.tenants, resources, permissions)
    seen: dict[str, DriftStatus | None] = {}
    try:
        await look_all(checker, fleet, seen, expect)  # signs in
        signed_in = identity_requests(sim, fleet)
        profile = cProfile.Profile() if args.profile else None
        cpu, wall = time.process_time(), time.monotonic()
        if profile:
            profile.enable()
        for _ in range(args.rounds):
            await look_all(checker, fleet, seen, expect)
        if profile:
            profile.disable()
            profile.dump_stats(args.profile)
        looks = args.tenants * args.rounds
        print(
            f"{looks} looks of {len(resources)} audit sources: {(time.process_time() - cpu) * 1000 / looks:.2f} ms"
            f" of CPU per look{' (profiled)' if profile else ''}, {time.monotonic() - wall:.1f} s in all;"
            f" {(identity_requests(sim, fleet) - signed_in) / looks:.3f} token requests per look"
        )
        more = watches(sim, url, ca, args.tenants, resources, permissions)
        gc.collect()
        tracemalloc.start()
        start = tracemalloc.take_snapshot()
        await look_all(checker, more, seen, expect)
        await look_all(checker, more, seen, expect)
        gc.collect()
        grown = tracemalloc.take_snapshot().compare_to(start, "filename")
        kept = sum(stat.size_diff for stat in grown)
        print(f"memory kept per watch: {kept / args.tenants / 1024:.1f} KiB ({args.tenants} more watches)")
        for stat in grown[:8]:
            print(f"  {stat.size_diff / args.tenants / 1024:6.1f} KiB  {stat.traceback[0].filename}")
    finally:
        await cache.aclose()


def identity_requests(sim: SimulatorClient, fleet: list[Watch]) -> int:
    return sum(
        "/oauth2/" in request["path"] for _, spec, _ in fleet for request in sim.requests(spec.tenantId)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--resources", default="conditionalAccessPolicies,transportRule")
    parser.add_argument("--profile", help="write a cProfile of the measured rounds here")
    parser.add_argument("--waiting", action="store_true", help="apps lacking AuditLog.Read.All")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="look-bench-") as scratch:
        work = Path(scratch)
        process, url, ca = start_simulator(work / "sim", 0.0)
        try:
            with SimulatorClient(url, ca) as sim:
                asyncio.run(measure(args, sim, url, ca, work))
        finally:
            process.terminate()


if __name__ == "__main__":
    main()
