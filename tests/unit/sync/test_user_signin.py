"""The delegated user's sign-in step: silent first, then a device code; every way it can end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tenantsync.api import (
    ConditionReason,
    ConditionType,
    ResourceType,
    RunPhase,
    SignInState,
    SyncRunStatus,
    find_condition,
)
from tenantsync.auth import DeviceCodeChallenge, PollOutcome
from tenantsync.catalog import ADMIN_API_SCOPE
from tenantsync.sync.pipeline import Advance, Wait
from tenantsync.sync.steps.user_signin import (
    BLOCKED_MESSAGE,
    DECLINED_MESSAGE,
    TIMEOUT_MESSAGE,
    UserSignInStep,
    sign_in_scopes,
)
from tests.unit.sync.fakes import NOW, FakeSession, context, spec

TENANT = spec(
    userAuthentication={
        "clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "tokenSecretRef": {"name": "user"},
        "timeoutSeconds": 300,
    }
)


class FakeUser:
    """A DelegatedUser whose identity platform answers are scripted."""

    def __init__(self, *, silent: str | None = None, outcome: PollOutcome | None = None) -> None:
        self.silent = silent
        self.outcome = outcome
        self.pending_flow = False
        self.saved = 0

    async def silent_token(self, scopes: list[str]) -> str | None:
        return self.silent

    async def start_device_flow(self, scopes: list[str]) -> DeviceCodeChallenge:
        self.pending_flow = True
        return self.challenge()

    def challenge(self) -> DeviceCodeChallenge:
        return DeviceCodeChallenge(
            "ABCD-1234", "https://microsoft.com/devicelogin", NOW + timedelta(minutes=15), 5, ""
        )

    async def poll(self) -> PollOutcome:
        assert self.outcome is not None
        return self.outcome

    def forget_flow(self) -> None:
        self.pending_flow = False


class UserSession(FakeSession):
    def __init__(self, user: FakeUser) -> None:
        super().__init__(TENANT)
        self.user = user

    async def delegated_user(self) -> Any:
        return self.user

    async def save_user(self, user: Any) -> None:
        self.user.saved += 1


async def test_a_cached_sign_in_is_refreshed_silently_and_the_backup_follows() -> None:
    ctx = context(TENANT)
    transition = await UserSignInStep()(ctx, UserSession(FakeUser(silent="token")))
    assert isinstance(transition, Advance)
    assert ctx.status.authentication is not None and ctx.status.authentication.user is not None
    assert ctx.status.authentication.user.state == SignInState.SIGNED_IN


async def test_without_a_cached_sign_in_the_run_waits_with_the_code() -> None:
    ctx = context(TENANT)
    user = FakeUser()
    transition = await UserSignInStep()(ctx, UserSession(user))
    assert isinstance(transition, Wait)
    assert transition.phase == RunPhase.PENDING_AUTHENTICATION
    assert "enter the code ABCD-1234" in transition.message
    assert user.saved == 1, "the pending flow is kept in the Secret, so a restart polls the same code"


async def pending(outcome: PollOutcome, *, later: timedelta = timedelta(seconds=5)) -> tuple[Any, Any]:
    user = FakeUser()
    ctx = context(TENANT)
    await UserSignInStep()(ctx, UserSession(user))
    user.outcome = outcome
    status = SyncRunStatus.model_validate(ctx.status.model_dump())
    again = context(TENANT, status=status)
    again.now = NOW + later
    return await UserSignInStep()(again, UserSession(user)), again


async def test_a_person_signing_in_moves_the_run_on() -> None:
    transition, ctx = await pending(PollOutcome(signed_in=True))
    assert isinstance(transition, Advance)
    assert ctx.status.authentication.user.state == SignInState.SIGNED_IN_BY_DEVICE_CODE


async def test_a_pending_code_keeps_waiting_and_slows_down_when_told() -> None:
    transition, _ = await pending(PollOutcome(pending=True, slow_down=True))
    assert isinstance(transition, Wait)
    assert transition.seconds == 10


async def test_a_poll_the_identity_platform_did_not_answer_keeps_waiting_and_says_so() -> None:
    transition, ctx = await pending(PollOutcome(pending=True, unanswered="HTTP 503"))
    assert isinstance(transition, Wait)
    assert transition.seconds == 5
    assert "did not answer the last check (HTTP 503); the code stays valid" in transition.message
    assert ctx.status.authentication.user.state == SignInState.PENDING


@pytest.mark.parametrize(
    ("outcome", "later", "state", "message"),
    [
        (PollOutcome(pending=True), timedelta(minutes=6), SignInState.TIMED_OUT, TIMEOUT_MESSAGE),
        (
            PollOutcome(blocked_by="ConditionalAccess"),
            timedelta(seconds=5),
            SignInState.BLOCKED,
            BLOCKED_MESSAGE,
        ),
        (PollOutcome(error="access_denied"), timedelta(seconds=5), SignInState.FAILED, DECLINED_MESSAGE),
    ],
    ids=["timed out", "blocked", "declined"],
)
async def test_a_sign_in_that_fails_lets_the_run_go_on_without_the_user(
    outcome: PollOutcome, later: timedelta, state: SignInState, message: str
) -> None:
    transition, ctx = await pending(outcome, later=later)
    assert isinstance(transition, Advance)
    user = ctx.status.authentication.user
    assert (user.state, user.message) == (state, message)
    assert user.state.failed
    assert ctx.observations.user_authenticated is not None
    assert ctx.observations.user_authenticated[0] == "False"


def authenticated(ctx: Any) -> Any:
    condition = find_condition(ctx.status.conditions, ConditionType.AUTHENTICATED)
    assert condition is not None
    return condition


async def test_authenticated_turns_true_when_the_user_signed_in_not_when_the_code_was_issued() -> None:
    """The service principal signed in and the code was issued at NOW; the person signed in 27 s later."""
    first = context(TENANT)
    first.condition(
        ConditionType.AUTHENTICATED,
        "Unknown",
        ConditionReason.WAITING_FOR_USER_SIGN_IN,
        "The service principal signed in.",
    )
    user = FakeUser()
    await UserSignInStep()(first, UserSession(user))
    assert authenticated(first).status == "Unknown", "issuing a code signs nobody in"

    user.outcome = PollOutcome(signed_in=True)
    poll = context(TENANT, status=SyncRunStatus.model_validate(first.status.model_dump()))
    poll.now = NOW + timedelta(seconds=26)
    poll.clock = lambda: NOW + timedelta(seconds=27)  # the poll's answer came back a second into the step
    await UserSignInStep()(poll, UserSession(user))
    condition = authenticated(poll)
    assert (condition.status, condition.reason) == ("True", "UserSignedIn")
    assert condition.lastTransitionTime == NOW + timedelta(seconds=27)


async def test_a_run_that_goes_on_without_the_user_is_authenticated_from_then_by_its_service_principal() -> (
    None
):
    transition, ctx = await pending(PollOutcome(pending=True), later=timedelta(minutes=6))
    assert isinstance(transition, Advance)
    condition = authenticated(ctx)
    assert (condition.status, condition.reason) == ("True", "ServicePrincipalOnly")


async def test_signing_in_again_after_admin_consent_keeps_the_users_settled_sign_in_and_says_so() -> None:
    ctx = context(TENANT)
    await UserSignInStep()(ctx, UserSession(FakeUser(silent="token")))
    ctx.condition(
        ConditionType.AUTHENTICATED, "Unknown", ConditionReason.WAITING_FOR_USER_SIGN_IN, "Signed in afresh."
    )
    transition = await UserSignInStep()(ctx, UserSession(FakeUser()))
    assert isinstance(transition, Advance)
    assert (authenticated(ctx).status, authenticated(ctx).reason) == ("True", "UserSignedIn")


def test_the_device_code_asks_for_one_resource_the_graph_scopes_when_no_portal_type_is_synced() -> None:
    assert sign_in_scopes(context(TENANT)) == [ADMIN_API_SCOPE]  # every type: the portal's API first
    graph_only = TENANT.model_copy(
        update={"resources": [ResourceType.FEATURE_ROLLOUT_POLICIES, ResourceType.TEAMS_APP_SETTINGS]}
    )
    assert sign_in_scopes(context(graph_only)) == [
        "https://graph.microsoft.com/Policy.ReadWrite.HybridAuthentication",
        "https://graph.microsoft.com/TeamworkAppSettings.ReadWrite.All",
    ]
