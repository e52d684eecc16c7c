"""Sustained throughput of one tenantsync-sim process: Graph GETs/s and token issues/s.

Starts the simulator pinned to one core (``taskset -c 0`` where available), with throttling off for
the demo tenant, and drives it over loopback from this process (pinned to another core) with aiohttp
for a bounded time per scenario. Usage::

    .venv/bin/python benchmarks/sim_bench.py [--seconds 5] [--concurrency 32]

``--backup`` instead reads every type of the ``large`` seed (10,000 objects) the way a backup
does, with default throttling and 50 ms added to each Graph request: lists with ``$top=999`` and
``$expand`` where the registry says Graph expands, everything else (script content, intents'
settings, administrative templates' values ...) through ``$batch``. It prints requests per object,
429s and wall time, in all and per family: what the simulator lets a client achieve.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.graph.resources import RESOURCES, Navigation, ResourceType
from tenantsync_sim.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID

MAX_REQUESTS = 200_000


def start(state_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], str, str]:
    command = [
        str(Path(sys.executable).parent / "tenantsync-sim"),
        "--port",
        "0",
        "--state-dir",
        str(state_dir),
        *extra,
    ]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("TENANTSYNC_SIM_READY"):
            fields = dict(part.split("=", 1) for part in line.split()[1:])
            return process, fields["url"], fields["ca"]
    raise RuntimeError("simulator did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (0 where /proc is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sustained(
    name: str, seconds: float, concurrency: int, server_pid: int, request: Callable[[], Awaitable[int]]
) -> float:
    """Run ``request`` from ``concurrency`` workers for ``seconds``; print requests/s and server CPU."""
    done, failed = 0, 0
    cpu_before = cpu_seconds(server_pid)
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, failed
        while time.perf_counter() < deadline and done + failed < MAX_REQUESTS:
            if await request() == 200:
                done += 1
            else:
                failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    rate = done / elapsed
    busy = (cpu_seconds(server_pid) - cpu_before) / elapsed * 100
    print(
        f"{name:<34} {rate:>7.0f} req/s  server CPU {busy:3.0f}%  ({done} ok, {failed} failed, {elapsed:.1f} s)"
    )
    return rate


async def run(url: str, ca: str, seconds: float, concurrency: int, server_pid: int) -> None:
    context = ssl.create_default_context(cafile=ca)
    token_form = {
        "grant_type": "client_credentials",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "scope": "https://graph.microsoft.com/.default",
    }
    connector = aiohttp.TCPConnector(ssl=context, limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.post(f"{url}/{DEMO_TENANT_ID}/oauth2/v2.0/token", data=token_form) as response:
            token = (await response.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        async def issue_token() -> int:
            async with session.post(f"{url}/{DEMO_TENANT_ID}/oauth2/v2.0/token", data=token_form) as response:
                await response.read()
                return response.status

        async def get_policy() -> int:
            path = "/v1.0/identity/conditionalAccess/policies?$top=1"
            async with session.get(url + path, headers=headers) as response:
                await response.read()
                return response.status

        async def list_page() -> int:
            path = "/v1.0/deviceManagement/deviceConfigurations?$top=20"
            async with session.get(url + path, headers=headers) as response:
                await response.read()
                return response.status

        await sustained("token issues (client credentials)", seconds, concurrency, server_pid, issue_token)
        await sustained("Graph GET, 1 object", seconds, concurrency, server_pid, get_policy)
        await sustained("Graph GET, page of 20 objects", seconds, concurrency, server_pid, list_page)


@dataclass
class BackupTally:
    """Requests, 429s and objects read, per family of types."""

    requests: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    objects: Counter[str] = field(default_factory=Counter)


def family(resource: ResourceType) -> str:
    head = resource.path.split("/")[0]
    return {"deviceManagement": "Intune", "deviceAppManagement": "Intune apps"}.get(head, "Entra ID")


def _expand(navigation: tuple[Navigation, ...], where: tuple[str, ...]) -> str:
    parts = []
    for nav in navigation:
        if nav.expand in where:
            nested = _expand(nav.children, ("list", "item", "never"))
            parts.append(f"{nav.name}($expand={nested})" if nested else nav.name)
    return ",".join(parts)


async def read_type(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    resource: ResourceType,
    tally: BackupTally,
) -> None:
    """One type as a backup reads it: the list (expanded), then per object what lists leave out."""
    version = "beta" if "beta" in resource.versions else "v1.0"
    name = family(resource)

    async def call(method: str, path: str, body: Any = None) -> Any:
        while True:
            tally.requests[name] += 1
            async with session.request(
                method, f"{url}/{version}/{path}", json=body, headers=headers
            ) as answer:
                if answer.status == 429:
                    tally.throttled[name] += 1
                    await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
                    continue
                answer.raise_for_status()
                return await answer.json()

    path = resource.path.replace("{tenantId}", DEMO_TENANT_ID)
    if resource.singleton:
        await call("GET", path)
        tally.objects[name] += 1
        return
    expand = _expand(resource.navigation, ("list",))
    query = f"?$top=999&$expand={expand}" if expand else "?$top=999"
    page = await call("GET", path + query)
    items = list(page["value"])
    while page.get("@odata.nextLink"):
        page = await call("GET", page["@odata.nextLink"].split(f"/{version}/", 1)[1])
        items.extend(page["value"])
    tally.objects[name] += len(items)
    per_object = [nav for nav in resource.navigation if nav.expand != "list"]
    reads = [
        f"/{path}/{item[resource.key_field]}" + (f"/{nav.name}" if nav else "")
        for item in items
        for nav in ([None] if resource.list_omits else []) + per_object
    ]
    while reads:
        batch, reads = reads[:20], reads[20:]
        requests = [{"id": str(i), "method": "GET", "url": u} for i, u in enumerate(batch)]
        answers = (await call("POST", "$batch", {"requests": requests}))["responses"]
        throttled = [a for a in answers if a["status"] == 429]
        failed = [a for a in answers if a["status"] >= 400 and a["status"] != 429]
        assert not failed, failed[0]
        if throttled:
            tally.throttled[name] += len(throttled)
            await asyncio.sleep(max(float(a["headers"].get("Retry-After", "1")) for a in throttled))
            reads.extend(batch[int(a["id"])] for a in throttled)


async def backup_read(url: str, ca: str, concurrency: int) -> None:
    context = ssl.create_default_context(cafile=ca)
    form = {"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
            "scope": "https://graph.microsoft.com/.default"}  # fmt: skip
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=context, limit=concurrency)
    ) as session:
        async with session.post(f"{url}/{DEMO_TENANT_ID}/oauth2/v2.0/token", data=form) as response:
            headers = {"Authorization": f"Bearer {(await response.json())['access_token']}"}
        tally = BackupTally()
        started = time.perf_counter()
        await asyncio.gather(*(read_type(session, url, headers, r, tally) for r in RESOURCES))
        elapsed = time.perf_counter() - started
    print(f"{'family':<12} {'objects':>8} {'requests':>9} {'per object':>11} {'429s (retried)':>15}")
    for name in sorted(tally.objects):
        objects, requests = tally.objects[name], tally.requests[name]
        print(
            f"{name:<12} {objects:>8} {requests:>9} {requests / objects:>11.3f} {tally.throttled[name]:>15}"
        )
    objects, requests = sum(tally.objects.values()), sum(tally.requests.values())
    print(
        f"{'all':<12} {objects:>8} {requests:>9} {requests / objects:>11.3f} {sum(tally.throttled.values()):>15}"
    )
    print(
        f"wall time {elapsed:.1f} s for {len(RESOURCES)} types, {concurrency} connections, one token request"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--backup", action="store_true", help="read every type of the large seed")
    parser.add_argument("--latency-ms", type=int, default=50, help="added to each Graph request (--backup)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    if args.backup:
        with tempfile.TemporaryDirectory() as state_dir:
            process, url, ca = start(Path(state_dir), "--seed", "large")
            try:
                with SimulatorClient(url, ca) as control:
                    for prefix in ("/v1.0/", "/beta/"):
                        control.add_fault(prefix, latency_ms=args.latency_ms)
                print(
                    f"tenantsync-sim --seed large at {url}; default throttling; +{args.latency_ms} ms per Graph request"
                )
                asyncio.run(backup_read(url, ca, min(args.concurrency, 8)))
            finally:
                process.terminate()
                process.wait(timeout=10)
        return 0
    with tempfile.TemporaryDirectory() as state_dir:
        process, url, ca = start(Path(state_dir))
        try:
            with SimulatorClient(url, ca) as control:
                control.set_throttling(DEMO_TENANT_ID, enabled=False)
            print(f"tenantsync-sim at {url}, server pinned to core 0, client to core 1")
            asyncio.run(run(url, ca, args.seconds, args.concurrency, process.pid))
        finally:
            process.terminate()
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
