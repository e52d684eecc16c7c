"""The delegated user's sign-in, part of Authenticate: silent refresh first, else the device code flow.

While a person has to act the run waits in PendingAuthentication, with the code in its status, the
Tenant's message and an event. After `timeoutSeconds`, or when Entra blocks the user, the run goes on
with the service principal alone and ends PartiallySuccessful with the words of the spec.
"""

from __future__ import annotations

from datetime import timedelta

from tenantsync.api import ConditionType, RunPhase
from tenantsync.api.syncrun import AuthenticationStatus, UserSignIn
from tenantsync.auth.user import DelegatedUser
from tenantsync.catalog import ADMIN_API_SCOPE
from tenantsync.sync.connections import TenantConnections
from tenantsync.sync.pipeline import RunContext, Transition, Wait

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
SETTLED = frozenset({"SignedIn", "SignedInByDeviceCode", "TimedOut", "Blocked", "Failed"})
SCOPES = [ADMIN_API_SCOPE]


class UserSignInStep:
    def __init__(self, connections: TenantConnections) -> None:
        self._connections = connections

    async def __call__(self, ctx: RunContext) -> Transition | None:
        """None when the run may go on (signed in, not configured, or failed for good); else a Wait."""
        settings = ctx.tenant.userAuthentication
        auth = ctx.status.authentication = ctx.status.authentication or AuthenticationStatus()
        if settings is None:
            ctx.observations.user_authenticated = ("True", "NotRequired", "No delegated user is configured.")
            return None
        state = auth.user = auth.user or UserSignIn()
        if state.state in SETTLED:
            return None
        user = await self._connections.delegated_user(ctx)
        try:
            return await self._advance(ctx, user, state, settings.timeoutSeconds)
        finally:
            if user.changed:
                await ctx.secrets.write_secret(
                    ctx.namespace, settings.tokenSecretRef.name, user.secret_data()
                )

    async def _advance(
        self, ctx: RunContext, user: DelegatedUser, state: UserSignIn, sign_in_seconds: int
    ) -> Transition | None:
        if state.state is None:
            if user.pending_flow:
                user.forget_flow()  # left by an earlier run: its code is not this run's
            if await user.silent_token(SCOPES):
                self._signed_in(ctx, state, "SignedIn", "The user's sign-in was refreshed silently.")
                return None
            challenge = await user.start_device_flow(SCOPES)
            state.state, state.userCode, state.verificationUri = (
                "Pending",
                challenge.user_code,
                challenge.verification_uri,
            )
            state.expiresAt = min(challenge.expires_at, ctx.now + timedelta(seconds=sign_in_seconds))
            state.message = (
                f"Waiting for a user to sign in: open {challenge.verification_uri} and enter the code"
                f" {challenge.user_code} before {state.expiresAt:%H:%M:%S} UTC."
            )
            ctx.observations.user_authenticated = ("False", "PendingAuthentication", state.message)
            return Wait(challenge.interval, RunPhase.PENDING_AUTHENTICATION, state.message)

        outcome = await user.poll() if user.pending_flow else None
        if outcome is not None and outcome.signed_in:
            self._signed_in(ctx, state, "SignedInByDeviceCode", "The user signed in with the device code.")
            return None
        if outcome is not None and outcome.pending and state.expiresAt and ctx.now < state.expiresAt:
            interval = user.challenge().interval * (2 if outcome.slow_down else 1)
            return Wait(
                interval, RunPhase.PENDING_AUTHENTICATION, state.message or "Waiting for a user to sign in."
            )
        if outcome is not None and outcome.blocked_by:
            self._failed(ctx, state, "Blocked", outcome.blocked_by, BLOCKED_MESSAGE)
        elif outcome is not None and outcome.error and outcome.error != "expired_token":
            self._failed(ctx, state, "Failed", "SignInDeclined", DECLINED_MESSAGE)
        else:
            user.forget_flow()
            self._failed(ctx, state, "TimedOut", "AuthenticationTimedOut", TIMEOUT_MESSAGE)
        return None

    @staticmethod
    def _signed_in(ctx: RunContext, state: UserSignIn, how: str, message: str) -> None:
        state.state, state.message, state.userCode, state.verificationUri, state.expiresAt = (
            how,
            message,
            None,
            None,
            None,
        )
        ctx.condition(ConditionType.AUTHENTICATED, "True", "UserSignedIn", message)
        ctx.observations.user_authenticated = ("True", how, message)

    @staticmethod
    def _failed(ctx: RunContext, state: UserSignIn, how: str, reason: str, message: str) -> None:
        state.state, state.message, state.userCode, state.verificationUri = how, message, None, None
        ctx.observations.user_authenticated = ("False", reason, message)
