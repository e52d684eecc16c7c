"""What runs each step of a sync, and the pipeline made of them (the order is the pipeline's `LIFE`)."""

from __future__ import annotations

from tenantsync.api import RunStep
from tenantsync.sync.attribution import Attributor
from tenantsync.sync.kept import KeptStates
from tenantsync.sync.pipeline import Pipeline, Step
from tenantsync.sync.session import Session, TenantCache
from tenantsync.sync.steps.approval import AwaitApproval
from tenantsync.sync.steps.authenticate import Authenticate
from tenantsync.sync.steps.backup import Backup
from tenantsync.sync.steps.deploy import Deploy
from tenantsync.sync.steps.plan import Plan
from tenantsync.sync.steps.preflight import Preflight
from tenantsync.sync.steps.user_signin import UserSignInStep
from tenantsync.sync.steps.verify import Verify

__all__ = ["build_pipeline"]


def build_pipeline(
    cache: TenantCache,
    *,
    consent_poll_seconds: float,
    deletion_guard_ratio: float,
    attribute: Attributor | None = None,
) -> Pipeline[Session]:
    kept = KeptStates()
    steps: dict[RunStep, Step[Session]] = {
        RunStep.PREFLIGHT: Preflight(),
        RunStep.AUTHENTICATE: Authenticate(consent_poll_seconds),
        RunStep.USER_SIGN_IN: UserSignInStep(),
        RunStep.BACKUP: Backup(consent_poll_seconds, attribute, snapshot_poll_seconds=consent_poll_seconds),
        RunStep.PLAN: Plan(deletion_guard_ratio, kept),
        RunStep.APPROVAL: AwaitApproval(),
        RunStep.DEPLOY: Deploy(kept),
        RunStep.VERIFY: Verify(kept),
    }
    return Pipeline(steps, cache.session)
