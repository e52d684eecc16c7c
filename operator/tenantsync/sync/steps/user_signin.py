"""The delegated user's sign-in: silent refresh first, else the device code flow.

Its own step, so a run waiting for a person polls only the token endpoint, once per interval. While a
person has to act the run waits in PendingAuthentication, with the code in its status, the Tenant's
message and an event. After `timeoutSeconds`, or when Entra blocks or the person declines, the run goes
on with the service principal alone and ends PartiallySuccessful with the words of the spec.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from tenantsync.api import (
    AuthenticationStatus,
    ConditionReason,
    ConditionType,
    RunPhase,
    SignInState,
    UserSignIn,
)
from tenantsync.auth import DelegatedUser, endpoints_for
from tenantsync.catalog import ADMIN_API_SCOPE, GRAPH_SCOPE_PREFIX, Service, catalog, user_graph_scopes
from tenantsync.sync.pipeline import Advance, RunContext, Transition, Wait
from tenantsync.sync.session import Session

TIMEOUT_MESSAGE = (
    "User authentication failed - Authentication timed out waiting for delegated authentication to complete."
    " Sync again and complete the steps for authentication. Configurations requiring user account"
    " authentication will not be backed up until the Sync authenticates successfully."
)
BLOCKED_MESSAGE = (
    "User authentication failed - The user is blocked due to a Conditional Access or MFA policy in the tenant."
    " Please exclude the user from the policy. Configurations requiring user account authentication will not"
    " be backed up until the Sync authenticates successfully."
)
DECLINED_MESSAGE = (
    "User authentication failed - The sign-in was declined or the code was not accepted. Sync again and"
    " complete the steps for authentication. Configurations requiring user account authentication will not be"
    " backed up until the Sync authenticates successfully."
)
ON_TO_BACKUP = "Backing up the tenant."


def sign_in_scopes(ctx: RunContext) -> list[str]:
    """What the device code asks for. Entra issues a token for one resource per request, so the sign-in
    asks for the portal's admin API when a type of it is synced, else for the Graph scopes of the synced
    user-only Graph types; the other resource's token is redeemed later from the same refresh token
    (sync/session.py), under the consent the app registration already holds."""
    types = ctx.tenant.resources or list(catalog())
    if any(catalog()[name].requires_user and catalog()[name].service == Service.PORTAL for name in types):
        return [ADMIN_API_SCOPE]
    resource = endpoints_for(ctx.tenant).graph_resource.rstrip("/") + "/"
    graph = [resource + scope.removeprefix(GRAPH_SCOPE_PREFIX) for scope in user_graph_scopes(types)]
    return graph or [ADMIN_API_SCOPE]


class UserSignInStep:
    condition: ClassVar[ConditionType | None] = ConditionType.AUTHENTICATED
    activity: ClassVar[str] = "signing the delegated user in"

    async def __call__(self, ctx: RunContext, session: Session) -> Transition:
        settings = ctx.tenant.userAuthentication
        auth = ctx.status.authentication = ctx.status.authentication or AuthenticationStatus()
        if settings is None:
            ctx.observations.user_authenticated = (
                "True",
                ConditionReason.NOT_REQUIRED,
                "No delegated user is configured.",
            )
            return Advance(RunPhase.IN_PROGRESS, ON_TO_BACKUP)
        state = auth.user = auth.user or UserSignIn()
        if state.state is not None and state.state.settled:  # signed in afresh (after admin consent)
            self._authenticated(ctx, state)
            return Advance(RunPhase.IN_PROGRESS, ON_TO_BACKUP)
        user = await session.delegated_user()
        try:
            return await self._advance(ctx, user, state, settings.timeoutSeconds)
        finally:
            await session.save_user(user)

    async def _advance(
        self, ctx: RunContext, user: DelegatedUser, state: UserSignIn, sign_in_seconds: int
    ) -> Transition:
        if state.state is None:
            if user.pending_flow:
                user.forget_flow()  # left by an earlier run: its code is not this run's
            scopes = sign_in_scopes(ctx)
            if await user.silent_token(scopes):
                return self._signed_in(
                    ctx, state, SignInState.SIGNED_IN, "The user's sign-in was refreshed silently."
                )
            challenge = await user.start_device_flow(scopes)
            state.state, state.userCode, state.verificationUri = (
                SignInState.PENDING,
                challenge.user_code,
                challenge.verification_uri,
            )
            state.expiresAt = min(challenge.expires_at, ctx.now + timedelta(seconds=sign_in_seconds))
            state.message = (
                f"Waiting for a user to sign in: open {challenge.verification_uri} and enter the code"
                f" {challenge.user_code} before {state.expiresAt:%H:%M:%S} UTC."
            )
            ctx.observations.user_authenticated = (
                "False",
                ConditionReason.PENDING_AUTHENTICATION,
                state.message,
            )
            return Wait(challenge.interval, RunPhase.PENDING_AUTHENTICATION, state.message)

        outcome = await user.poll() if user.pending_flow else None
        if outcome is not None and outcome.signed_in:
            return self._signed_in(
                ctx, state, SignInState.SIGNED_IN_BY_DEVICE_CODE, "The user signed in with the device code."
            )
        if outcome is not None and outcome.pending and state.expiresAt and ctx.now < state.expiresAt:
            interval = user.challenge().interval * (2 if outcome.slow_down else 1)
            waiting = state.message or "Waiting for a user to sign in."
            if outcome.unanswered:
                waiting += (
                    f" The identity platform did not answer the last check ({outcome.unanswered}); the code"
                    " stays valid and the operator keeps asking."
                )
            return Wait(interval, RunPhase.PENDING_AUTHENTICATION, waiting)
        if outcome is not None and outcome.blocked_by:
            return self._failed(
                ctx, state, SignInState.BLOCKED, ConditionReason(outcome.blocked_by), BLOCKED_MESSAGE
            )
        if outcome is not None and outcome.error and outcome.error != "expired_token":
            return self._failed(
                ctx, state, SignInState.FAILED, ConditionReason.SIGN_IN_DECLINED, DECLINED_MESSAGE
            )
        user.forget_flow()
        return self._failed(
            ctx, state, SignInState.TIMED_OUT, ConditionReason.AUTHENTICATION_TIMED_OUT, TIMEOUT_MESSAGE
        )

    @staticmethod
    def _signed_in(ctx: RunContext, state: UserSignIn, how: SignInState, message: str) -> Transition:
        state.state, state.message, state.userCode, state.verificationUri, state.expiresAt = (
            how,
            message,
            None,
            None,
            None,
        )
        UserSignInStep._authenticated(ctx, state)
        ctx.observations.user_authenticated = ("True", how, message)
        return Advance(RunPhase.IN_PROGRESS, f"The user signed in. {ON_TO_BACKUP}")

    @staticmethod
    def _failed(
        ctx: RunContext, state: UserSignIn, how: SignInState, reason: ConditionReason, message: str
    ) -> Transition:
        state.state, state.message, state.userCode, state.verificationUri = how, message, None, None
        UserSignInStep._authenticated(ctx, state)
        ctx.observations.user_authenticated = ("False", reason, message)
        return Advance(RunPhase.IN_PROGRESS, f"{message} {ON_TO_BACKUP}")

    @staticmethod
    def _authenticated(ctx: RunContext, state: UserSignIn) -> None:
        """The run's sign-in is complete: Authenticated turns True now, when the user's sign-in settled
        (the service principal's left it Unknown), so its lastTransitionTime is when the user signed in."""
        if state.state is not None and state.state.signed_in:
            ctx.condition(
                ConditionType.AUTHENTICATED,
                "True",
                ConditionReason.USER_SIGNED_IN,
                state.message or "The user signed in.",
                at=ctx.clock(),
            )
        else:
            ctx.condition(
                ConditionType.AUTHENTICATED,
                "True",
                ConditionReason.SERVICE_PRINCIPAL_ONLY,
                "The service principal signed in; the delegated user did not, so the types that need a user"
                " are not backed up in this run.",
                at=ctx.clock(),
            )
