"""The pipeline: each step reads the run's status, does its work and says where the run goes next.

Its position (`status.step`) and everything a later step needs live in the SyncRun's status, which the
caller persists after every transition. A restarted operator therefore resumes at the step it stopped
in, and steps are written so that running one again after a crash repeats nothing already done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tenantsync.api import (
    ConditionType,
    ErrorCode,
    RunError,
    RunPhase,
    RunStep,
    SyncRunStatus,
    TenantSpec,
    set_condition,
    troubleshooting_url,
)
from tenantsync.api.conditions import ConditionStatus
from tenantsync.api.tenant import CredentialsStatus

USER_SIGN_IN_FAILED = frozenset({"TimedOut", "Blocked", "Failed"})


class SecretReader(Protocol):
    async def read_secret(self, namespace: str, name: str) -> dict[str, bytes]: ...

    async def write_secret(self, namespace: str, name: str, data: dict[str, bytes | None]) -> None: ...


@dataclass
class TenantObservations:
    """What a run learned about its Tenant that the Tenant's own status shows (not only the run's)."""

    credentials: CredentialsStatus | None = None
    credentials_valid: tuple[ConditionStatus, str, str] | None = None  # status, reason, message
    admin_consent: tuple[ConditionStatus, str, str] | None = None
    user_authenticated: tuple[ConditionStatus, str, str] | None = None


@dataclass
class RunContext:
    namespace: str
    run_name: str
    tenant_name: str
    tenant: TenantSpec
    status: SyncRunStatus
    generation: int | None
    now: datetime
    docs_base_url: str
    secrets: SecretReader
    annotations: Mapping[str, str] = field(default_factory=dict)
    checkpoint: Callable[[], Awaitable[None]] | None = None
    """Persists the run's status mid-step, so a long step (deploy) resumes without repeating work."""
    observations: TenantObservations = field(default_factory=TenantObservations)

    def condition(self, type_: ConditionType, status: ConditionStatus, reason: str, message: str) -> None:
        self.status.conditions = set_condition(
            self.status.conditions, type_, status, reason, message, generation=self.generation, now=self.now
        )

    @property
    def repository_path(self) -> str:
        return self.tenant.repository.path.strip("/") or f"tenants/{self.tenant_name}"

    async def save(self) -> None:
        if self.checkpoint is not None:
            await self.checkpoint()

    def error(self, code: ErrorCode, message: str) -> RunError:
        return RunError(
            code=code, message=message, troubleshootingUrl=troubleshooting_url(self.docs_base_url, code)
        )


@dataclass(frozen=True)
class Advance:
    """Go on to `step` now."""

    step: RunStep
    phase: RunPhase
    message: str


@dataclass(frozen=True)
class Wait:
    """Try again after `seconds`: this step, or `resume_at` when an earlier step must run again."""

    seconds: float
    phase: RunPhase
    message: str
    resume_at: RunStep | None = None


@dataclass(frozen=True)
class Finish:
    phase: RunPhase
    message: str
    error: RunError | None = None


Transition = Advance | Wait | Finish
Step = Callable[[RunContext], Awaitable[Transition]]


class Pipeline:
    def __init__(self, steps: dict[RunStep, Step]) -> None:
        self._steps = steps

    async def advance(self, ctx: RunContext) -> Transition:
        """Run the current step once and record its transition in `ctx.status`."""
        status = ctx.status
        if status.step is None:
            status.step = RunStep.PREFLIGHT
            status.phase = RunPhase.STARTING
            status.startTime = ctx.now
        transition = await self._steps[status.step](ctx)
        transition = self._with_user_outcome(ctx, transition)
        self._record(ctx, transition)
        return transition

    @staticmethod
    def _with_user_outcome(ctx: RunContext, transition: Transition) -> Transition:
        """A run whose user sign-in failed is at best PartiallySuccessful: it backed up less than asked."""
        user = ctx.status.authentication.user if ctx.status.authentication else None
        if (
            isinstance(transition, Finish)
            and transition.phase == RunPhase.SUCCEEDED
            and user is not None
            and user.state in USER_SIGN_IN_FAILED
        ):
            return Finish(RunPhase.PARTIALLY_SUCCESSFUL, f"{user.message} {transition.message}")
        return transition

    @staticmethod
    def _record(ctx: RunContext, transition: Transition) -> None:
        status = ctx.status
        status.phase = transition.phase
        status.message = transition.message
        status.observedGeneration = ctx.generation
        if isinstance(transition, Advance):
            status.step = transition.step
        elif isinstance(transition, Wait) and transition.resume_at is not None:
            status.step = transition.resume_at
        elif isinstance(transition, Finish):
            status.step = RunStep.DONE
            status.completionTime = ctx.now
            status.error = transition.error
            if transition.error is None:
                ctx.condition(ConditionType.COMPLETE, "True", transition.phase.value, transition.message)
            else:
                ctx.condition(ConditionType.FAILED, "True", transition.error.code.value, transition.message)
