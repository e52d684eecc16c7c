"""The sync pipeline of SPEC §3 as a resumable state machine; it knows nothing of kopf."""

from tenantsync.sync.pipeline import (
    Advance,
    Finish,
    Pipeline,
    RunContext,
    SecretReader,
    TenantObservations,
    Transition,
    Wait,
)

__all__ = [
    "Advance",
    "Finish",
    "Pipeline",
    "RunContext",
    "SecretReader",
    "TenantObservations",
    "Transition",
    "Wait",
]
