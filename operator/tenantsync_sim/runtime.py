"""The running simulator's shared objects, handed to every handler through the aiohttp app."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from tenantsync_sim.audit import AuditLog
from tenantsync_sim.faults import FaultInjector
from tenantsync_sim.graph.throttling import Throttler
from tenantsync_sim.identity.signing import TokenSigner
from tenantsync_sim.requestlog import RequestLog
from tenantsync_sim.state import SimState


@dataclass
class Simulator:
    """State plus the machinery that is not part of it (keys, buckets, faults, logs)."""

    state: SimState
    signer: TokenSigner
    state_file: Path | None = None
    throttler: Throttler = field(default_factory=Throttler)
    faults: FaultInjector = field(default_factory=FaultInjector)
    requests: RequestLog = field(default_factory=RequestLog)
    audits: AuditLog = field(default_factory=AuditLog)
    clock: Callable[[], float] = time.time


SIMULATOR = web.AppKey("simulator", Simulator)


def simulator(request: web.Request) -> Simulator:
    return request.app[SIMULATOR]


def origin(request: web.Request) -> str:
    """The scheme and host the client used, so every URL we hand out points back at us."""
    return f"https://{request.host}"


def note_caller(request: web.Request, tenant_id: str | None, app_id: str | None) -> None:
    """Attribute a request to a tenant and app for the request log."""
    if tenant_id:
        request["sim_tenant"] = tenant_id
    if app_id:
        request["sim_app"] = app_id
