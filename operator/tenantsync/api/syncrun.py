"""The SyncRun resource: one sync, start to end, like a Job; the durable record of what happened."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from tenantsync.api.annotations import Decision
from tenantsync.api.conditions import Condition
from tenantsync.api.errors import RunError
from tenantsync.api.phases import RunPhase, RunStep
from tenantsync.api.resources import ResourceType
from tenantsync.api.tenant import Model


class Trigger(StrEnum):
    MANUAL = "Manual"
    SCHEDULE = "Schedule"
    SYNC_REQUEST = "SyncRequest"


class SignInState(StrEnum):
    """Where the delegated user's sign-in stands within one run."""

    PENDING = "Pending"
    SIGNED_IN = "SignedIn"
    SIGNED_IN_BY_DEVICE_CODE = "SignedInByDeviceCode"
    TIMED_OUT = "TimedOut"
    BLOCKED = "Blocked"
    FAILED = "Failed"

    @property
    def signed_in(self) -> bool:
        return self in (SignInState.SIGNED_IN, SignInState.SIGNED_IN_BY_DEVICE_CODE)

    @property
    def failed(self) -> bool:
        """Failed for this run: it goes on with the service principal alone and ends PartiallySuccessful."""
        return self in (SignInState.TIMED_OUT, SignInState.BLOCKED, SignInState.FAILED)

    @property
    def settled(self) -> bool:
        return self.signed_in or self.failed


class ChangeAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class ChangeOutcome(StrEnum):
    APPLIED = "Applied"
    FAILED = "Failed"
    CONFLICT = "Conflict"
    APPLYING = "Applying"
    """Saved before a change is sent: after a crash it marks the one change whose fate must be read back."""


class TenantReference(Model):
    name: str = Field(min_length=1, max_length=253)
    """Name of the Tenant, in the SyncRun's namespace."""


class SyncRunSpec(Model):
    model_config = Model.model_config | {
        "json_schema_extra": {
            "x-kubernetes-validations": [
                {
                    "rule": "self == oldSelf",
                    "message": "a SyncRun's spec is immutable: create a new SyncRun instead",
                }
            ]
        }
    }

    tenantRef: TenantReference
    """The Tenant to sync."""
    trigger: Trigger = Trigger.MANUAL
    """What started the run: a person (Manual), the schedule, or the sync-requested-at annotation."""


class UserSignIn(Model):
    state: SignInState | None = None
    """Pending, SignedIn (silently), SignedInByDeviceCode, TimedOut, Blocked or Failed (declined)."""
    userCode: str | None = None
    """The code to enter at the verification URL while the sign-in is pending."""
    verificationUri: str | None = None
    expiresAt: datetime | None = None
    message: str | None = None


class AuthenticationStatus(Model):
    servicePrincipal: str | None = None
    """Outcome of the service principal's sign-in."""
    grantedPermissions: list[str] = Field(default_factory=list)
    missingPermissions: list[str] = Field(default_factory=list)
    adminConsentUrl: str | None = None
    user: UserSignIn | None = None


class BackupStatus(Model):
    commit: str | None = None
    """Commit on the backup branch that records this sync (none when nothing changed)."""
    objects: int = 0
    objectsByType: dict[str, int] = Field(default_factory=dict)
    skippedTypes: list[str] = Field(default_factory=list)
    """Types not backed up, e.g. because no user was signed in."""


class PlanChange(Model):
    action: ChangeAction
    """create, update or delete."""
    type: ResourceType
    """The configuration type, as named in spec.resources."""
    id: str
    displayName: str | None = None
    changedFields: list[str] = Field(default_factory=list)
    """JSON paths that differ between the desired and the live object."""


class PlanStatus(Model):
    digest: str | None = None
    """sha256 of the whole plan; an approval applies to exactly this plan."""
    changeCount: int = 0
    changes: list[PlanChange] = Field(default_factory=list)


class ApprovalStatus(Model):
    decision: Decision | None = None
    """approve, reject or reject-and-revert."""
    decidedAt: datetime | None = None
    decidedBy: str | None = None


class ChangeResult(Model):
    id: str
    type: ResourceType
    action: ChangeAction
    result: ChangeOutcome
    """Applied, Failed or Conflict; Applying while the change is being sent."""
    message: str | None = None
    createdId: str | None = None
    """The id the tenant gave a created object (its file is renamed to it in the repository)."""


class DeployStatus(Model):
    results: list[ChangeResult] = Field(default_factory=list)


class SyncRunStatus(Model):
    phase: RunPhase | None = None
    step: RunStep | None = None
    """Where the pipeline stands; a restarted operator resumes here."""
    message: str | None = None
    observedGeneration: int | None = None
    conditions: list[Condition] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    startTime: datetime | None = None
    completionTime: datetime | None = None
    error: RunError | None = None
    authentication: AuthenticationStatus | None = None
    backup: BackupStatus | None = None
    plan: PlanStatus | None = None
    approval: ApprovalStatus | None = None
    deploy: DeployStatus | None = None
