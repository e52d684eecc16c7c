"""`metav1.Condition` as cert-manager and Flux use it: lastTransitionTime moves only when status flips."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema


class ConditionType(StrEnum):
    # Tenant
    READY = "Ready"
    CREDENTIALS_VALID = "CredentialsValid"
    ADMIN_CONSENT_GRANTED = "AdminConsentGranted"
    USER_AUTHENTICATED = "UserAuthenticated"
    # SyncRun
    AUTHENTICATED = "Authenticated"
    BACKED_UP = "BackedUp"
    PLANNED = "Planned"
    APPROVED = "Approved"
    DENIED = "Denied"
    DEPLOYED = "Deployed"
    COMPLETE = "Complete"
    FAILED = "Failed"
    # Baseline
    PROGRESSING = "Progressing"
    DEGRADED = "Degraded"


class ConditionReason(StrEnum):
    """Why a condition is what it is, where the operator words the reason itself. Elsewhere the reason
    comes from another vocabulary: a failure's ErrorCode, a run's RunPhase, the Tenant's TenantPhase, the
    user's SignInState, a rollout's RolloutPhase."""

    # Tenant: CredentialsValid, AdminConsentGranted, UserAuthenticated
    NOT_CHECKED = "NotChecked"
    VALID = "Valid"
    EXPIRING_SOON = "ExpiringSoon"
    GRANTED = "Granted"
    NOT_REQUIRED = "NotRequired"
    PENDING_AUTHENTICATION = "PendingAuthentication"
    SIGN_IN_DECLINED = "SignInDeclined"
    AUTHENTICATION_TIMED_OUT = "AuthenticationTimedOut"
    CONDITIONAL_ACCESS = "ConditionalAccess"
    MFA_REQUIRED = "MfaRequired"
    # SyncRun
    SERVICE_PRINCIPAL_SIGNED_IN = "ServicePrincipalSignedIn"
    WAITING_FOR_USER_SIGN_IN = "WaitingForUserSignIn"
    USER_SIGNED_IN = "UserSignedIn"
    SERVICE_PRINCIPAL_ONLY = "ServicePrincipalOnly"
    BACKED_UP = "BackedUp"
    INITIALISED = "Initialised"
    NO_CHANGES = "NoChanges"
    DRIFT_DETECTED = "DriftDetected"
    CHANGES_PLANNED = "ChangesPlanned"
    ADMIN_CENTRE_CHANGES = "AdminCentreChanges"
    """The tenant differs from the desired state only where no API writes (Teams policies): a person
    makes each change in the admin centre the plan names; nothing waits for an approval."""
    APPROVED = "Approved"
    REJECTED = "Rejected"
    REJECTED_AND_REVERTED = "RejectedAndReverted"
    DEPLOYED = "Deployed"
    PARTIALLY_DEPLOYED = "PartiallyDeployed"
    # Baseline
    NO_REVISION = "NoRevision"


ConditionStatus = Literal["True", "False", "Unknown"]


class Condition(BaseModel):
    """One aspect of the object's state, as `metav1.Condition`."""

    model_config = ConfigDict(populate_by_name=True, use_attribute_docstrings=True)

    type: Annotated[ConditionType, WithJsonSchema({"type": "string", "maxLength": 316})]
    """The aspect this condition describes, e.g. Ready."""
    status: ConditionStatus
    """True, False or Unknown."""
    reason: str = Field(max_length=1024, pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
    """Why the status is what it is, in CamelCase, for programs."""
    message: str = Field(default="", max_length=32768)
    """The same, for people."""
    lastTransitionTime: datetime
    """When the status last changed."""
    observedGeneration: int | None = Field(default=None, ge=0)
    """The `metadata.generation` the condition was set for."""


def set_condition(
    conditions: list[Condition],
    type_: ConditionType,
    status: ConditionStatus,
    reason: str,
    message: str,
    *,
    generation: int | None,
    now: datetime,
) -> list[Condition]:
    """Return the list with `type_` set in its place (appended when new); the transition time is kept
    when the status did not change, so re-setting an unchanged condition changes nothing.

    `reason` is a member of a vocabulary (ConditionReason, ErrorCode, a phase); the operator's callers
    pass one (typed `StrEnum`), the rollout still passes a phase's value."""
    previous = next((c for c in conditions if c.type == type_), None)
    transition = previous.lastTransitionTime if previous and previous.status == status else now
    updated = Condition(
        type=type_,
        status=status,
        reason=reason,
        message=message,
        lastTransitionTime=transition,
        observedGeneration=generation,
    )
    if previous is None:
        return [*conditions, updated]
    return [updated if c.type == type_ else c for c in conditions]


def find_condition(conditions: list[Condition], type_: ConditionType) -> Condition | None:
    return next((c for c in conditions if c.type == type_), None)
