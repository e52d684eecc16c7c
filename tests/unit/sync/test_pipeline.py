"""The pipeline's one error path: whatever a step raises that a person must act on ends the run once,
NewError with a code, a message and the step's condition; infrastructure failures are left to retry.
And its one step table: a done step moves the run to the next stage its Tenant takes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ValidationError

from tenantsync.api import (
    AuthenticationStatus,
    CodedError,
    ConditionType,
    ErrorCode,
    RunPhase,
    RunStep,
    SignInState,
    TenantSpec,
    UserSignIn,
    find_condition,
)
from tenantsync.auth import CredentialsError, SignInError
from tenantsync.graph import GraphError, GraphPermissionDenied, GraphThrottled, GraphUnavailable
from tenantsync.repository import RepositoryError
from tenantsync.sync import Finish, Pipeline, RunContext, Transition, Wait
from tenantsync.sync.pipeline import LIFE, TRANSIENT_ATTEMPTS, Advance, step_after
from tenantsync.sync.session import TenantCache
from tenantsync.sync.steps import build_pipeline
from tests.unit.sync.fakes import context, spec


class Raising:
    condition: ClassVar[ConditionType | None] = ConditionType.BACKED_UP
    activity: ClassVar[str] = "reading the tenant's configuration"

    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def __call__(self, ctx: RunContext, session: None) -> Transition:
        raise self.error


class Succeeding:
    condition: ClassVar[ConditionType | None] = None
    activity: ClassVar[str] = "finishing"

    async def __call__(self, ctx: RunContext, session: None) -> Transition:
        return Finish(RunPhase.SUCCEEDED, "Backed up.")


@asynccontextmanager
async def no_session(ctx: RunContext) -> AsyncIterator[None]:
    yield None


def at_backup(error: BaseException) -> tuple[Pipeline[None], RunContext]:
    ctx = context()
    ctx.status.step = RunStep.BACKUP
    return Pipeline({RunStep.BACKUP: Raising(error)}, no_session), ctx


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (
            CredentialsError(ErrorCode.CREDENTIALS_SECRET_NOT_FOUND, "Secret sp does not exist."),
            "CredentialsSecretNotFound",
        ),
        (
            SignInError(ErrorCode.AUTHENTICATION_FAILED, "The identity platform answered 500."),
            "AuthenticationFailed",
        ),
        (RepositoryError(ErrorCode.PUSH_REJECTED, "The server refused the push."), "PushRejected"),
        (CodedError(ErrorCode.INVALID_DESIRED_STATE, "a/b.json is not valid JSON."), "InvalidDesiredState"),
    ],
    ids=["credentials", "sign-in", "repository", "desired state"],
)
async def test_a_coded_error_in_any_step_ends_the_run_with_its_code(error: CodedError, code: str) -> None:
    pipeline, ctx = at_backup(error)
    transition = await pipeline.advance(ctx)
    assert isinstance(transition, Finish)
    assert (ctx.status.phase, ctx.status.step) == (RunPhase.NEW_ERROR, RunStep.DONE)
    assert ctx.status.error is not None
    assert (ctx.status.error.code, ctx.status.error.message) == (code, error.message)
    assert ctx.status.error.troubleshootingUrl == f"https://docs.example/troubleshooting/{code}.md"
    backed_up = find_condition(ctx.status.conditions, ConditionType.BACKED_UP)
    assert backed_up is not None
    assert (backed_up.status, backed_up.reason) == ("False", code)
    failed = find_condition(ctx.status.conditions, ConditionType.FAILED)
    assert failed is not None
    assert failed.reason == code


async def test_credential_errors_also_mark_the_credentials_invalid() -> None:
    pipeline, ctx = at_backup(CredentialsError(ErrorCode.CLIENT_SECRET_EXPIRED, "The secret has expired."))
    await pipeline.advance(ctx)
    assert ctx.observations.credentials_valid == ("False", "ClientSecretExpired", "The secret has expired.")
    authenticated = find_condition(ctx.status.conditions, ConditionType.AUTHENTICATED)
    assert authenticated is not None
    assert authenticated.status == "False"


async def test_a_graph_error_names_the_status_and_what_the_step_was_doing() -> None:
    pipeline, ctx = at_backup(GraphError(500, "InternalServerError", "Something went wrong."))
    await pipeline.advance(ctx)
    assert ctx.status.error is not None
    assert ctx.status.error.code == ErrorCode.GRAPH_REQUEST_FAILED
    assert ctx.status.message == (
        "Graph answered 500 InternalServerError while reading the tenant's configuration: Something went wrong."
    )


async def test_a_graph_403_names_the_consent_to_grant() -> None:
    pipeline, ctx = at_backup(GraphPermissionDenied(403, "Forbidden", "Missing role."))
    await pipeline.advance(ctx)
    assert ctx.status.error is not None
    assert ctx.status.error.code == ErrorCode.ADMIN_CONSENT_REQUIRED


async def test_input_the_code_did_not_expect_ends_the_run_instead_of_wedging_it() -> None:
    pipeline, ctx = at_backup(KeyError("displayName"))
    await pipeline.advance(ctx)
    assert ctx.status.phase == RunPhase.NEW_ERROR
    assert ctx.status.error is not None
    assert ctx.status.error.code == ErrorCode.UNEXPECTED_ERROR
    message = ctx.status.message or ""
    assert "step Backup" in message and "KeyError" in message


async def test_infrastructure_failures_are_left_to_the_caller_to_retry() -> None:
    pipeline, ctx = at_backup(ConnectionResetError("the API server went away"))
    with pytest.raises(ConnectionResetError):
        await pipeline.advance(ctx)
    assert ctx.status.phase is None and ctx.status.step == RunStep.BACKUP


async def test_a_new_run_starts_at_preflight_and_records_its_start() -> None:
    ctx = context()
    transition = await Pipeline({RunStep.PREFLIGHT: Succeeding()}, no_session).advance(ctx)
    assert isinstance(transition, Finish)
    assert ctx.status.startTime == ctx.now == ctx.status.completionTime
    assert ctx.status.duration == "0s"
    complete = find_condition(ctx.status.conditions, ConditionType.COMPLETE)
    assert complete is not None
    assert complete.reason == "Succeeded"


@pytest.mark.parametrize("state", [SignInState.TIMED_OUT, SignInState.BLOCKED, SignInState.FAILED])
async def test_a_failed_user_sign_in_makes_a_success_partial(state: SignInState) -> None:
    ctx = context()
    ctx.status.authentication = AuthenticationStatus(
        user=UserSignIn(state=state, message="User authentication failed.")
    )
    await Pipeline({RunStep.PREFLIGHT: Succeeding()}, no_session).advance(ctx)
    assert ctx.status.phase == RunPhase.PARTIALLY_SUCCESSFUL
    assert ctx.status.message == "User authentication failed. Backed up."


def test_sign_in_states_say_what_they_mean() -> None:
    assert {s for s in SignInState if s.failed} == {
        SignInState.TIMED_OUT,
        SignInState.BLOCKED,
        SignInState.FAILED,
    }
    assert {s for s in SignInState if s.signed_in} == {
        SignInState.SIGNED_IN,
        SignInState.SIGNED_IN_BY_DEVICE_CODE,
    }
    assert not SignInState.PENDING.settled
    assert all(s.settled for s in SignInState if s != SignInState.PENDING)


async def test_a_transient_graph_failure_is_retried_visibly_and_then_ends_the_run() -> None:
    error = GraphUnavailable(503, "ServiceUnavailable", "Try later.", retry_after=120)
    pipeline, ctx = at_backup(error)
    ctx.status.phase = RunPhase.IN_PROGRESS
    first = await pipeline.advance(ctx)
    assert isinstance(first, Wait)
    assert first.seconds == 120
    assert ctx.status.step == RunStep.BACKUP and ctx.status.phase == RunPhase.IN_PROGRESS
    assert ctx.status.retry is not None
    assert (ctx.status.retry.attempt, ctx.status.retry.reason) == (1, "Graph answered 503 ServiceUnavailable")
    assert "Trying again at 09:02:00 UTC (attempt 2 of 9)" in (ctx.status.message or "")
    for _ in range(TRANSIENT_ATTEMPTS - 1):
        assert isinstance(await pipeline.advance(ctx), Wait)
    last = await pipeline.advance(ctx)
    assert isinstance(last, Finish)
    assert ctx.status.error is not None
    assert ctx.status.error.code == ErrorCode.GRAPH_REQUEST_FAILED
    assert f"{TRANSIENT_ATTEMPTS} times in a row" in (ctx.status.message or "")


async def test_a_step_that_succeeds_after_a_transient_failure_clears_the_retry() -> None:
    ctx = context()
    ctx.status.step = RunStep.BACKUP
    pipeline: Pipeline[None] = Pipeline(
        {RunStep.BACKUP: Raising(GraphThrottled(429, "TooManyRequests", "Slow down."))}, no_session
    )
    await pipeline.advance(ctx)
    assert ctx.status.retry is not None
    await Pipeline({RunStep.BACKUP: Succeeding()}, no_session).advance(ctx)
    assert ctx.status.retry is None


async def test_an_unexpected_validation_error_never_quotes_the_input_it_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Credentials(BaseModel):
        port: int

    try:
        Credentials.model_validate({"port": "hunter2-secret-value"})
    except ValidationError as refused:
        error = refused
    pipeline, ctx = at_backup(error)
    await pipeline.advance(ctx)
    assert ctx.status.error is not None
    assert ctx.status.error.code == ErrorCode.UNEXPECTED_ERROR
    assert "port: Input should be a valid integer" in (ctx.status.message or "")
    assert "hunter2" not in ctx.status.model_dump_json()
    assert "hunter2" not in caplog.text


USER = {"clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "tokenSecretRef": {"name": "user"}}


def life(tenant: TenantSpec) -> list[RunStep]:
    steps = [LIFE[0].step]
    while steps[-1] != LIFE[-1].step:
        steps.append(step_after(steps[-1], tenant))
    return steps


def test_a_run_takes_its_steps_in_the_order_of_the_table() -> None:
    assert life(spec()) == [
        RunStep.PREFLIGHT,
        RunStep.AUTHENTICATE,
        RunStep.BACKUP,
        RunStep.PLAN,
        RunStep.APPROVAL,
        RunStep.DEPLOY,
        RunStep.VERIFY,
    ]
    with_user = life(spec(userAuthentication=USER))
    assert with_user[:4] == [RunStep.PREFLIGHT, RunStep.AUTHENTICATE, RunStep.USER_SIGN_IN, RunStep.BACKUP]


def test_nothing_follows_the_last_step() -> None:
    with pytest.raises(ValueError, match="last"):
        step_after(RunStep.VERIFY, spec())


def test_the_pipeline_runs_every_step_of_the_table_and_no_other(tmp_path: Path) -> None:
    pipeline = build_pipeline(TenantCache(tmp_path), consent_poll_seconds=30, deletion_guard_ratio=0.2)
    assert set(pipeline.steps) == {stage.step for stage in LIFE} == set(RunStep) - {RunStep.DONE}


class Done:
    condition: ClassVar[ConditionType | None] = None
    activity: ClassVar[str] = "signing in"

    async def __call__(self, ctx: RunContext, session: None) -> Transition:
        return Advance(RunPhase.IN_PROGRESS, "Signed in.")


@pytest.mark.parametrize(
    ("user", "then"), [(None, RunStep.BACKUP), (USER, RunStep.USER_SIGN_IN)], ids=["no user", "user"]
)
async def test_a_done_step_moves_the_run_to_the_next_stage_its_tenant_takes(
    user: dict[str, Any] | None, then: RunStep
) -> None:
    ctx = context(spec(userAuthentication=user))
    ctx.status.step = RunStep.AUTHENTICATE
    await Pipeline({RunStep.AUTHENTICATE: Done()}, no_session).advance(ctx)
    assert (ctx.status.step, ctx.status.phase, ctx.status.message) == (
        then,
        RunPhase.IN_PROGRESS,
        "Signed in.",
    )
