"""Sustained throughput of one tenantsync-sim process: Graph GETs/s and token issues/s.

Starts the simulator pinned to one core (``taskset -c 0`` where available), with throttling off for
the demo tenant, and drives it over loopback from this process (pinned to another core) with aiohttp
for a bounded time per scenario. Usage::

    .venv/bin/python benchmarks/sim_bench.py [--seconds 5] [--concurrency 32]
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
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID

MAX_REQUESTS = 200_000


def start(state_dir: Path) -> tuple[subprocess.Popen[str], str, str]:
    command = [
        str(Path(sys.executable).parent / "tenantsync-sim"),
        "--port",
        "0",
        "--state-dir",
        str(state_dir),
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
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
