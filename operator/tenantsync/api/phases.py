"""The phases people watch: `Tenant.status.phase` (the "Sync status" column) and a SyncRun's own phase."""

from __future__ import annotations

from enum import StrEnum


class TenantPhase(StrEnum):
    NOT_RUN = "NotRun"
    STARTING = "Starting"
    IN_PROGRESS = "InProgress"
    PENDING_AUTHENTICATION = "PendingAuthentication"
    PENDING_APPROVAL = "PendingApproval"
    PENDING_ADMIN_CONSENT = "PendingAdminConsent"
    PARTIALLY_SUCCESSFUL = "PartiallySuccessful"
    NEW_ERROR = "NewError"
    IDLE = "Idle"


class RunPhase(StrEnum):
    """A SyncRun's phase. The active ones are the Tenant phases of a sync under way."""

    STARTING = "Starting"
    IN_PROGRESS = "InProgress"
    PENDING_AUTHENTICATION = "PendingAuthentication"
    PENDING_APPROVAL = "PendingApproval"
    PENDING_ADMIN_CONSENT = "PendingAdminConsent"
    SUCCEEDED = "Succeeded"
    REJECTED = "Rejected"
    PARTIALLY_SUCCESSFUL = "PartiallySuccessful"
    NEW_ERROR = "NewError"

    @property
    def finished(self) -> bool:
        return self in _FINISHED

    @property
    def failed(self) -> bool:
        """Counts against `failedRunsHistoryLimit` (CronJob keeps failed and successful runs apart)."""
        return self in (RunPhase.NEW_ERROR, RunPhase.PARTIALLY_SUCCESSFUL)

    def tenant_phase(self) -> TenantPhase:
        """The Tenant mirrors its newest run; a finished clean run leaves the Tenant Idle."""
        if self in (RunPhase.SUCCEEDED, RunPhase.REJECTED):
            return TenantPhase.IDLE
        return TenantPhase(self.value)


_FINISHED = frozenset(
    {RunPhase.SUCCEEDED, RunPhase.REJECTED, RunPhase.PARTIALLY_SUCCESSFUL, RunPhase.NEW_ERROR}
)


class RunStep(StrEnum):
    """Where the resumable pipeline stands (docs/architecture.md: "A run's life"). Stored in status so a restart resumes here."""

    PREFLIGHT = "Preflight"
    AUTHENTICATE = "Authenticate"
    USER_SIGN_IN = "UserSignIn"
    BACKUP = "Backup"
    PLAN = "Plan"
    APPROVAL = "Approval"
    DEPLOY = "Deploy"
    VERIFY = "Verify"
    DONE = "Done"
