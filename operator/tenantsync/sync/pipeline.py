"""The pipeline: the steps of a run in their order, each reading the run's status and doing its work.

`LIFE` is the one place that says in which order a run takes its steps: a step says only how it ended
(done, wait, finished), and the pipeline picks the next step from the table.

Its position (`status.step`) and everything a later step needs live in the SyncRun's status, which the
caller persists after every transition. A restarted operator therefore resumes at the step it stopped
in, and steps are written so that running one again after a crash repeats nothing already done.

This is the one place that turns a failure into an outcome: a step raises a `CodedError` or a
`GraphError` and the pipeline finishes the run NewError with the step's condition set False, so no run
is left to kopf's retries with a status that still says it is working.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import ValidationError

from tenantsync.api import (
    BASELINES_FOLDER,
    CREDENTIAL_ERRORS,
    GROUP,
    VERSION,
    BaselineRepository,
    CodedError,
    ConditionStatus,
    ConditionType,
    CredentialsStatus,
    ErrorCode,
    RetryStatus,
    RunError,
    RunPhase,
    RunStep,
    SyncRunStatus,
    TenantSpec,
    human_duration,
    run_error,
    set_condition,
)
from tenantsync.graph import GraphError, GraphPermissionDenied, GraphTransientError
from tenantsync.repository import is_within
from tenantsync.settings import utc_now

log = logging.getLogger(__name__)

TRANSIENT_ATTEMPTS = 8
"""A step that keeps failing transiently ends the run after this many tries (with backoff, ~half an hour)."""
TRANSIENT_WAIT_SECONDS = (15.0, 1800.0)
"""Bounds of the wait between tries: at least a breath, at most what a person would still call "soon"."""

DATA_ERRORS = (ValueError, TypeError, KeyError, LookupError, UnicodeError)
"""Input the code did not expect: deterministic, so retrying would wedge the run. Anything else (the
API server or the network failing) is left to the caller, which retries the step."""


class SecretReader(Protocol):
    async def read_secret(self, namespace: str, name: str) -> dict[str, bytes]: ...

    async def write_secret(
        self,
        namespace: str,
        name: str,
        data: dict[str, bytes | None],
        *,
        owner: dict[str, Any] | None = None,
    ) -> None: ...


Observation = tuple[ConditionStatus, StrEnum, str]
"""A Tenant condition as a run observed it: status, reason (a ConditionReason or an ErrorCode), message."""


@dataclass
class TenantObservations:
    """What a run learned about its Tenant that the Tenant's own status shows (not only the run's)."""

    credentials: CredentialsStatus | None = None
    credentials_valid: Observation | None = None
    admin_consent: Observation | None = None
    user_authenticated: Observation | None = None


@dataclass(frozen=True)
class AdoptedBaseline:
    """A Baseline the Tenant adopts, as the controller found it when the step began."""

    name: str
    repository: BaselineRepository | None
    """Where the baseline's folder is; None when no Baseline of that name exists (the run stops)."""
    revision: str | None = None
    """The commit released to this Tenant; None while none has been (the baseline adds nothing yet)."""
    overrides_path: str | None = None
    """The Tenant's overrides folder in its repository; None for `<Tenant folder>/baselines/<name>`."""


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
    tenant_uid: str | None = None
    """The Tenant's uid: Secrets the run creates (the token cache) are owned by the Tenant."""
    baselines: list[AdoptedBaseline] = field(default_factory=list)
    """The Baselines of `tenant.baselines`, in its order (later ones win)."""
    tenant_labels: Mapping[str, str] = field(default_factory=dict)
    tenant_annotations: Mapping[str, str] = field(default_factory=dict)
    """The Tenant's metadata, which baselines' variables may name."""
    clock: Callable[[], datetime] = utc_now
    """The time now, for what happened during the step (a sign-in completing) rather than at its start."""

    def tenant_owner(self) -> dict[str, Any] | None:
        """An ownerReference to the Tenant, its controller: the chart's Secret policy lets the operator create
        a Secret only so owned, and the garbage collector deletes it with its Tenant. Without
        blockOwnerDeletion, which would need `update` on tenants/finalizers where the
        OwnerReferencesPermissionEnforcement admission plugin runs, and buys nothing here: deleting a
        Tenant never waits for its token cache."""
        if self.tenant_uid is None:
            return None
        return {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "Tenant",
            "name": self.tenant_name,
            "uid": self.tenant_uid,
            "controller": True,
        }

    def condition(
        self,
        type_: ConditionType,
        status: ConditionStatus,
        reason: StrEnum,
        message: str,
        *,
        at: datetime | None = None,
    ) -> None:
        """Set a condition of the run; `at` is when it came true, when not the step's start (`now`)."""
        self.status.conditions = set_condition(
            self.status.conditions,
            type_,
            status,
            reason,
            message,
            generation=self.generation,
            now=at or self.now,
        )

    @property
    def repository_path(self) -> str:
        # Only trailing slashes go: the repository refuses an absolute path rather than quietly re-rooting it.
        return self.tenant.repository.path.rstrip("/") or f"tenants/{self.tenant_name}"

    async def save(self) -> None:
        if self.checkpoint is not None:
            await self.checkpoint()

    def overrides_path(self, baseline: AdoptedBaseline) -> str:
        """The Tenant's overrides of a baseline: `overridesPath`, or `<Tenant folder>/baselines/<name>`.

        Always under `<Tenant folder>/baselines/`: the run writes `ids.json` there, and anywhere else it
        would overwrite another Tenant's folder in a shared repository (or read its objects as
        overrides). The CRD refuses such a path; one stored before that rule is refused here, by name.
        """
        baselines_folder = f"{self.repository_path}/{BASELINES_FOLDER}"
        inside = f"{baselines_folder}/"
        if not baseline.overrides_path:
            return f"{inside}{baseline.name}"
        path = baseline.overrides_path.rstrip("/")
        if path == baselines_folder or not is_within(path, baselines_folder):
            raise CodedError(
                ErrorCode.INVALID_DESIRED_STATE,
                f"spec.baselines[{baseline.name}].overridesPath {path!r} is not a folder under {inside}, the"
                f" baselines folder of Tenant {self.tenant_name}'s own folder: a Tenant's overrides (and the"
                " ids.json the operator writes there) never live in another Tenant's folder. Set it to a"
                f" folder under {inside} or remove it for the default; nothing was planned.",
            )
        return path

    def error(self, code: ErrorCode, message: str) -> RunError:
        return run_error(code, message, docs_base_url=self.docs_base_url)

    def fail(self, code: ErrorCode, message: str) -> Finish:
        return Finish(RunPhase.NEW_ERROR, message, self.error(code, message))


@dataclass(frozen=True)
class Advance:
    """This step is done: go on to the next one of `LIFE` now."""

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

SessionT = TypeVar("SessionT")
SessionT_contra = TypeVar("SessionT_contra", contravariant=True)


class Step(Protocol[SessionT_contra]):
    """One step of the pipeline: what it does, given the run and a session open for this step alone."""

    condition: ClassVar[ConditionType | None]
    """The condition a failure in this step sets False."""
    activity: ClassVar[str]
    """What the step was doing, for error messages ("reading the tenant's configuration")."""

    async def __call__(self, ctx: RunContext, session: SessionT_contra) -> Transition: ...


@dataclass(frozen=True)
class Stage:
    """A step of a run's life, and whether a Tenant's runs take it."""

    step: RunStep
    taken: Callable[[TenantSpec], bool] = lambda _tenant: True


LIFE: tuple[Stage, ...] = (
    Stage(RunStep.PREFLIGHT),
    Stage(RunStep.AUTHENTICATE),
    Stage(RunStep.USER_SIGN_IN, taken=lambda tenant: tenant.userAuthentication is not None),
    Stage(RunStep.BACKUP),
    Stage(RunStep.PLAN),
    Stage(RunStep.APPROVAL),
    Stage(RunStep.DEPLOY),
    Stage(RunStep.VERIFY),
)
"""A run's life, in order. A step may end the run early (Finish), wait (Wait, possibly going back to an
earlier step) or be done (Advance: the next stage its Tenant takes runs next); the last one finishes."""


def step_after(step: RunStep, tenant: TenantSpec) -> RunStep:
    """The step a run of `tenant` takes once `step` is done."""
    order = [stage.step for stage in LIFE]
    for stage in LIFE[order.index(step) + 1 :]:
        if stage.taken(tenant):
            return stage.step
    raise ValueError(f"step {step} is the last of a run's life and cannot be followed by another")


def describe(error: Exception) -> str:
    """An unexpected error in words that never quote input: pydantic's own text includes the values."""
    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}"
            for e in error.errors(include_input=False)
        )
        return f"{type(error).__name__}: {problems}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


def graph_failure(ctx: RunContext, error: GraphError, doing: str) -> Finish:
    """A Graph error stops the run with what happened; a 403 names the permission to consent."""
    if isinstance(error, GraphPermissionDenied):
        return ctx.fail(
            ErrorCode.ADMIN_CONSENT_REQUIRED,
            f"Graph refused {doing} with 403 {error.code}: {error.message} Grant the application the"
            " permission and admin consent, then sync again.",
        )
    return ctx.fail(
        ErrorCode.GRAPH_REQUEST_FAILED,
        f"Graph answered {error.status} {error.code} while {doing}: {error.message}",
    )


class Pipeline(Generic[SessionT]):
    def __init__(
        self,
        steps: Mapping[RunStep, Step[SessionT]],
        open_session: Callable[[RunContext], AbstractAsyncContextManager[SessionT]],
    ) -> None:
        self._steps = steps
        self._open_session = open_session

    @property
    def steps(self) -> Mapping[RunStep, Step[SessionT]]:
        """What runs each step of `LIFE`."""
        return self._steps

    async def advance(self, ctx: RunContext) -> Transition:
        """Run the current step once and record its transition in `ctx.status`."""
        status = ctx.status
        if status.step is None:
            status.step = LIFE[0].step
            status.phase = RunPhase.STARTING
            status.startTime = ctx.now
        step = self._steps[status.step]
        try:
            async with self._open_session(ctx) as session:
                transition = await step(ctx, session)
        except CodedError as error:
            transition = self._failed(ctx, step, ctx.fail(error.code, error.message))
        except GraphTransientError as error:
            transition = self._transient(ctx, step, error)
        except GraphError as error:
            transition = self._failed(ctx, step, graph_failure(ctx, error, step.activity))
        except DATA_ERRORS as error:
            described = describe(error)
            # A validation error's own text and traceback quote the input, which may be a Secret's value.
            log.error(
                "SyncRun %s/%s failed in step %s: %s",
                ctx.namespace,
                ctx.run_name,
                status.step,
                described,
                exc_info=not isinstance(error, ValidationError),
            )
            message = (
                f"tenantsync could not complete step {status.step} ({step.activity}): {described}."
                " The operator's log has the details."
            )
            transition = self._failed(ctx, step, ctx.fail(ErrorCode.UNEXPECTED_ERROR, message))
        transition = self._with_user_outcome(ctx, transition)
        if isinstance(transition, Advance):
            status.step = step_after(status.step, ctx.tenant)
        record_transition(status, transition, generation=ctx.generation, now=ctx.now)
        return transition

    def _transient(self, ctx: RunContext, step: Step[SessionT], error: GraphTransientError) -> Transition:
        """Graph could not answer now: try the step again later, visibly, a bounded number of times."""
        status = ctx.status
        attempt = (status.retry.attempt if status.retry else 0) + 1
        reason = f"Graph answered {error.status or 'nothing'} {error.code}"
        if attempt > TRANSIENT_ATTEMPTS:
            return self._failed(
                ctx,
                step,
                ctx.fail(
                    ErrorCode.GRAPH_REQUEST_FAILED,
                    f"{reason} while {step.activity}, {TRANSIENT_ATTEMPTS} times in a row: {error.message}"
                    " Nothing was lost; sync again later.",
                ),
            )
        low, high = TRANSIENT_WAIT_SECONDS
        seconds = min(max(error.retry_after or low * 2 ** (attempt - 1), low), high)
        next_try = ctx.now + timedelta(seconds=seconds)
        status.retry = RetryStatus(reason=reason, attempt=attempt, nextAttemptTime=next_try)
        return Wait(
            seconds,
            status.phase or RunPhase.IN_PROGRESS,
            f"{reason} while {step.activity}: {error.message} Trying again at {next_try:%H:%M:%S} UTC"
            f" (attempt {attempt + 1} of {TRANSIENT_ATTEMPTS + 1}).",
        )

    @staticmethod
    def _failed(ctx: RunContext, step: Step[SessionT], finish: Finish) -> Finish:
        assert finish.error is not None
        code = finish.error.code
        if step.condition is not None:
            ctx.condition(step.condition, "False", code, finish.message)
        if code in CREDENTIAL_ERRORS:
            ctx.observations.credentials_valid = ("False", code, finish.message)
            ctx.condition(ConditionType.AUTHENTICATED, "False", code, finish.message)
        return finish

    @staticmethod
    def _with_user_outcome(ctx: RunContext, transition: Transition) -> Transition:
        """A run whose user sign-in failed is at best PartiallySuccessful: it backed up less than asked."""
        user = ctx.status.authentication.user if ctx.status.authentication else None
        if (
            isinstance(transition, Finish)
            and transition.phase == RunPhase.SUCCEEDED
            and user is not None
            and user.state is not None
            and user.state.failed
        ):
            return Finish(RunPhase.PARTIALLY_SUCCESSFUL, f"{user.message} {transition.message}")
        return transition


def record_transition(
    status: SyncRunStatus, transition: Transition, *, generation: int | None, now: datetime
) -> None:
    """Write a transition into the run's status; a Finish sets Complete or Failed (as a Job's do).

    The pipeline has moved `status.step` on already for an Advance (it knows the step table)."""
    status.phase = transition.phase
    status.message = transition.message
    status.observedGeneration = generation
    if not (isinstance(transition, Wait) and status.retry and status.retry.nextAttemptTime > now):
        status.retry = None
    if isinstance(transition, Wait) and transition.resume_at is not None:
        status.step = transition.resume_at
    elif isinstance(transition, Finish):
        status.step = RunStep.DONE
        status.startTime = status.startTime or now
        status.completionTime = now
        status.duration = human_duration((now - status.startTime).total_seconds())
        status.error = transition.error
        ended = (
            (ConditionType.COMPLETE, transition.phase)
            if transition.error is None
            else (ConditionType.FAILED, transition.error.code)
        )
        status.conditions = set_condition(
            status.conditions, ended[0], "True", ended[1], transition.message, generation=generation, now=now
        )
