"""``tenantsync-sim``: start the simulator and print where it listens and which CA to trust.

The last line of startup output is machine-readable, for parent processes (tests, the demo)::

    TENANTSYNC_SIM_READY url=https://127.0.0.1:PORT ca=/path/to/ca.pem
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from aiohttp import web

from tenantsync_sim import seed
from tenantsync_sim.audit import DEFAULT_INGESTION_DELAY_SECONDS, AuditLog
from tenantsync_sim.identity.signing import TokenSigner
from tenantsync_sim.runtime import Simulator
from tenantsync_sim.server import create_app, ssl_context
from tenantsync_sim.state import SimState
from tenantsync_sim.tls import ensure_tls_files


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tenantsync-sim", description="Microsoft identity platform and Graph simulator for tenantsync."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8443, help="port; 0 picks a free one (default 8443)")
    parser.add_argument(
        "--state-dir", type=Path, default=Path(".cache/sim"), help="CA, server certificate and signing key"
    )
    parser.add_argument("--seed", choices=sorted(seed.SEEDS), default="demo", help="initial tenants")
    parser.add_argument(
        "--state-file", type=Path, help="load state from this JSON file if it exists; save to it on exit"
    )
    parser.add_argument(
        "--tls-host", action="append", default=[], help="extra host name for the server certificate"
    )
    parser.add_argument(
        "--audit-delay",
        type=float,
        default=DEFAULT_INGESTION_DELAY_SECONDS,
        help="seconds before an audit record is visible (default: Microsoft's 95th-percentile figure, 120)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def build_simulator(args: argparse.Namespace) -> Simulator:
    if args.state_file and args.state_file.exists():
        state = SimState.load(args.state_file)
    else:
        state = seed.SEEDS[args.seed]()
    return Simulator(
        state=state,
        signer=TokenSigner.load_or_create(args.state_dir),
        state_file=args.state_file,
        audits=AuditLog(ingestion_delay_seconds=args.audit_delay),
    )


async def serve(args: argparse.Namespace) -> None:
    sim = build_simulator(args)
    files = ensure_tls_files(args.state_dir, [args.host, *args.tls_host])
    if args.access_log:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    runner = web.AppRunner(
        create_app(sim), access_log=logging.getLogger("aiohttp.access") if args.access_log else None
    )
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, ssl_context=ssl_context(files))
    await site.start()
    port = runner.addresses[0][1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"https://{host}:{port}"
    print(f"tenantsync-sim listening on {url}")
    print(f"CA bundle: {files.ca_cert.resolve()}")
    for tenant in sim.state.tenants.values():
        print(f"tenant {tenant.id} ({', '.join(tenant.domains)}): authority {url}/{tenant.id}")
    print(f"TENANTSYNC_SIM_READY url={url} ca={files.ca_cert.resolve()}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if sim.state_file:
        sim.state.save(sim.state_file)
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        asyncio.run(serve(args))
    except OSError as exc:
        print(f"tenantsync-sim: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
