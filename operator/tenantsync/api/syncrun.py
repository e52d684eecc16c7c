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
    """Which Tenant to sync and what started the run; immutable, like a Job's."""

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
    """The delegated user's sign-in for the types that need a user; the device code while one is pending."""

    state: SignInState | None = None
    """Pending, SignedIn (silently), SignedInByDeviceCode, TimedOut, Blocked or Failed (declined)."""
    userCode: str | None = None
    """The code to enter at the verification URL while the sign-in is pending."""
    verificationUri: str | None = None
    """Where the user enters the code (e.g. https://microsoft.com/devicelogin)."""
    expiresAt: datetime | None = None
    """When the pending device code expires and the run goes on with the service principal alone."""
    message: str | None = None
    """Why the sign-in failed (timed out, or blocked by Conditional Access or MFA), word for word."""


class AuthenticationStatus(Model):
    """How the run signed in: the service principal, its permissions, and the delegated user if any."""

    servicePrincipal: str | None = None
    """Outcome of the service principal's sign-in."""
    grantedPermissions: list[str] = Field(default_factory=list)
    """Application permissions the configured types need that the token carries."""
    missingPermissions: list[str] = Field(default_factory=list)
    """Application permissions the configured types need that no administrator has consented to yet."""
    missingRoles: list[str] = Field(default_factory=list)
    """Entra roles the service principal must hold for the Exchange, Defender and Purview types and does
    not (each entry names the roles any one of which will do)."""
    adminConsentUrl: str | None = None
    """Where a Global Administrator grants the missing permissions; the run resumes by itself after."""
    user: UserSignIn | None = None
    """The delegated user's sign-in, when the Tenant sets `userAuthentication`."""


UNENCRYPTED_SECRETS_LISTED = 20
"""How many unencrypted secrets a backup's status names; `unencryptedSecretCount` counts them all."""


class UnencryptedSecretFound(Model):
    """A setting Graph serves unencrypted whose value looks like a secret: where it is, never the value."""

    type: ResourceType
    """The configuration type of the object."""
    id: str
    """The object's id in the tenant."""
    name: str | None = None
    """The object's display name."""
    field: str
    """The field's path in the backed-up file, e.g. omaSettings[1].value."""
    setting: str
    """The OMA-URI of the setting."""
    looksLike: str
    """Which pattern the value matched, e.g. "a <Password> element" (see troubleshooting/UnencryptedSecrets.md)."""


class BackupStatus(Model):
    """What the backup read from the tenant and the commit that records it."""

    commit: str | None = None
    """Commit on the backup branch that records this sync (none when nothing changed)."""
    objects: int = 0
    """How many objects were read from the tenant, all types together."""
    objectsByType: dict[str, int] = Field(default_factory=dict)
    """How many objects were read per configuration type."""
    skippedTypes: list[str] = Field(default_factory=list)
    """Types not backed up, e.g. because no user was signed in."""
    unavailableTypes: list[str] = Field(default_factory=list)
    """Types the tenant does not license (Graph said so): not backed up, never planned as deletions."""
    expiries: dict[str, datetime] = Field(default_factory=dict)
    """When the Apple push certificate and the earliest Apple DEP token expire, by type, as read."""
    unencryptedSecretCount: int = 0
    """Settings Graph serves unencrypted whose value looks like a secret: committed as read, so in Git."""
    unencryptedSecrets: list[UnencryptedSecretFound] = Field(
        default_factory=list, max_length=UNENCRYPTED_SECRETS_LISTED
    )
    """The first of them (at most 20): type, object and field, never the value."""
    teamsSnapshotTime: datetime | None = None
    """When the Teams snapshot in this backup was taken: by this run, or an earlier one when this run
    fell within spec.teams.snapshotInterval (or its snapshot job failed) and kept it unchanged."""


class SnapshotJobStatus(Model):
    """A Tenant Configuration Management snapshot job the run waits for (the Teams policies)."""

    id: str
    """The job's id in the tenant (admin/configurationManagement/configurationSnapshotJobs)."""
    status: str | None = None
    """The job's status as last read: notStarted, running, succeeded, failed or partiallySuccessful."""
    createdAt: datetime | None = None
    """When the run created the job: the run stops waiting after a bounded time."""


PLANS_BRANCH = "tenantsync/plans"
"""The repository branch where each plan that waits for approval is committed in full."""


class FieldChange(Model):
    """One changed field of a planned change, as the approver sees it before deciding."""

    path: str
    """JSON path of the field (dotted, [i] for list items); "." for the whole object."""
    old: str | None = None
    """The tenant's value now, as JSON (shortened when long); absent for a new field or object."""
    new: str | None = None
    """The desired value, as JSON (shortened when long); absent for a removed field or object."""


class PlanChange(Model):
    """One change the plan would make to the tenant."""

    action: ChangeAction
    """create, update or delete."""
    type: ResourceType
    """The configuration type, as named in spec.resources."""
    id: str
    """The object's id in the tenant (for a create, the id of its file in the desired state)."""
    displayName: str | None = None
    """The object's display name, for people."""
    changedFields: list[str] = Field(default_factory=list)
    """JSON paths that differ between the desired and the live object."""
    values: list[FieldChange] = Field(default_factory=list)
    """Old and new value of each changed field (each field of the object for a create or delete);
    secrets are shown as "(withheld)" and never compared in clear."""
    baseline: str | None = None
    """The Baseline the desired object comes from; absent for the Tenant's own objects."""
    adminCentre: str | None = None
    """Set for a type Microsoft documents no write API for (Teams policies): where a person makes the
    change ("Teams admin centre > Meetings > Meeting policies"). A deploy never sends it."""


class PlannedBaseline(Model):
    """A Baseline the plan composed into the desired state, at the revision released to the Tenant."""

    name: str
    """Name of the Baseline."""
    revision: str | None = None
    """Commit of the baseline composed; absent while no revision has been released to the Tenant."""
    overridden: list[str] = Field(default_factory=list)
    """The baseline's objects (`<type>/<key>`) this Tenant overrides with a merge patch."""
    excluded: list[str] = Field(default_factory=list)
    """The baseline's objects this Tenant excludes."""


class PlanStatus(Model):
    """The difference between the desired state and the tenant, which an approval applies to."""

    digest: str | None = None
    """sha256 of the whole plan; an approval applies to exactly this plan."""
    changeCount: int = 0
    """How many changes the plan holds (0: the tenant already matches the desired state)."""
    adminCentreChangeCount: int = 0
    """How many of them no API can make (Teams policies): each names the admin centre page where a person
    makes it; a deploy applies the others, and a plan of these alone never waits for an approval."""
    changes: list[PlanChange] = Field(default_factory=list)
    """The first changes (at most 50, so the status stays small); the whole plan is in `file`."""
    truncated: bool = False
    """`changes` holds only the first of `changeCount` changes; read the whole plan in `file`."""
    file: str | None = None
    """The whole plan, committed to `commit` of branch `tenantsync/plans` in the repository."""
    commit: str | None = None
    """The commit holding the whole plan (reviewable like a pull request)."""
    baselines: list[PlannedBaseline] = Field(default_factory=list)
    """The Baselines composed into the desired state, with their revisions and this Tenant's exceptions."""


class ApprovalStatus(Model):
    """The decision taken on the plan through the `tenantsync.io/approval` annotation."""

    decision: Decision | None = None
    """approve, reject or reject-and-revert."""
    decidedAt: datetime | None = None
    """When the operator saw the decision."""
    decidedBy: str | None = None
    """Who decided, as the admission policy recorded it in `tenantsync.io/approval-by`."""
    digest: str | None = None
    """The digest of the plan that was approved: the deploy applies exactly this plan or nothing."""
    approvers: list[str] = Field(default_factory=list)
    """Everyone whose approval of this digest counted, when more than one is required."""


class ChangeResult(Model):
    """The outcome of one planned change, recorded as it completes so a restart never applies it twice."""

    id: str
    """The object's id, as in the plan."""
    type: ResourceType
    """Configuration type of the object, as in the plan."""
    action: ChangeAction
    """create, update or delete, as in the plan."""
    result: ChangeOutcome
    """Applied, Failed or Conflict; Applying while the change is being sent."""
    message: str | None = None
    """Why the change failed or conflicted."""
    createdId: str | None = None
    """The id the tenant gave a created object (its file is renamed to it in the repository)."""


class DeployStatus(Model):
    """What the deployment of an approved plan did, change by change."""

    results: list[ChangeResult] = Field(default_factory=list)
    """One entry per planned change that was sent (or is being sent) to the tenant."""


class RetryStatus(Model):
    """A step waiting to be tried again because a service failed transiently (throttling, 5xx)."""

    reason: str
    """What failed, e.g. "Graph answered 503 ServiceUnavailable"."""
    attempt: int
    """How many times the step has failed this way in a row."""
    nextAttemptTime: datetime
    """When the step runs again."""


class SyncRunStatus(Model):
    """What happened in the run, step by step: the durable record of one sync."""

    phase: RunPhase | None = None
    """Starting, InProgress, Pending*; once finished: Succeeded, Rejected, PartiallySuccessful, NewError."""
    step: RunStep | None = None
    """Where the pipeline stands; a restarted operator resumes here."""
    message: str | None = None
    """What the phase means right now, for people."""
    observedGeneration: int | None = None
    """The `metadata.generation` of the spec this status describes."""
    conditions: list[Condition] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    """Authenticated, BackedUp, Planned, Approved or Denied, Deployed, and Complete or Failed."""
    queuedSeconds: float | None = None
    """Seconds the run waited before its first step began: behind its Tenant's older runs and for a free
    slot under the operator's --max-concurrent-syncs. Not part of startTime or duration."""
    startTime: datetime | None = None
    """When the run's first step began, after any wait in the queue (queuedSeconds)."""
    completionTime: datetime | None = None
    """When the run finished; empty while it is under way."""
    duration: str | None = None
    """How long the run took from startTime to its end (e.g. 3m12s, 2h5m), its queue wait not included;
    written when it finishes."""
    error: RunError | None = None
    """The error that stopped the run, with its code and troubleshooting page."""
    authentication: AuthenticationStatus | None = None
    """How the run signed in to the tenant."""
    backup: BackupStatus | None = None
    snapshotJob: SnapshotJobStatus | None = None
    """The Teams snapshot job the backup waits for; cleared once the backup has read it."""
    """What the backup read and committed."""
    plan: PlanStatus | None = None
    """The changes needed to make the tenant match the desired state."""
    approval: ApprovalStatus | None = None
    """The decision on the plan."""
    deploy: DeployStatus | None = None
    """The result of every deployed change."""
    retry: RetryStatus | None = None
    """Set while the current step waits to be retried after a transient failure; cleared when it moves on."""
