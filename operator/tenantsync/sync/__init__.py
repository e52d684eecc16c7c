"""The sync pipeline (docs/architecture.md: "A run's life") as a resumable state machine; it knows nothing of kopf."""

from tenantsync.sync.attribution import Explanation
from tenantsync.sync.history import UNENCRYPTED_SECRETS, unencrypted_secrets_warning
from tenantsync.sync.pipeline import (
    AdoptedBaseline,
    Advance,
    Finish,
    Pipeline,
    RunContext,
    SecretReader,
    TenantObservations,
    Transition,
    Wait,
    record_transition,
)
from tenantsync.sync.secret_reads import SecretsUntilWait
from tenantsync.sync.session import Folders, Principal, Session, TenantCache, TenantSession
from tenantsync.sync.steps import build_pipeline
from tenantsync.sync.targeted import Recorded, TouchedObject, commit_touched

__all__ = [
    "UNENCRYPTED_SECRETS",
    "AdoptedBaseline",
    "Advance",
    "Explanation",
    "Finish",
    "Folders",
    "Pipeline",
    "Principal",
    "Recorded",
    "RunContext",
    "SecretReader",
    "SecretsUntilWait",
    "Session",
    "TenantCache",
    "TenantObservations",
    "TenantSession",
    "TouchedObject",
    "Transition",
    "Wait",
    "build_pipeline",
    "commit_touched",
    "record_transition",
    "unencrypted_secrets_warning",
]
