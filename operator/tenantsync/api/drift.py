"""Drift between syncs (`spec.drift`, `status.drift`): changes made behind tenantsync's back, seen in the
tenant's audit logs minutes after they happen, with who made them (docs/drift.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from tenantsync.api.resources import ResourceType


class Model(BaseModel):
    """As the Tenant's models (field docstrings are the schema's descriptions); the Tenant imports these."""

    model_config = ConfigDict(use_attribute_docstrings=True, populate_by_name=True)


_NUMBER = r"0*[0-9]{1,6}(\.[0-9]+)?"
INTERVAL_PATTERN = rf"^({_NUMBER}h)?({_NUMBER}m)?({_NUMBER}s)?$"
"""Hours, minutes and seconds, in that order ("1m", "90s", "1h30m"); six digits at most per unit, so
CEL's duration() reads every value the pattern accepts."""
MIN_INTERVAL = timedelta(seconds=10)
MAX_INTERVAL = timedelta(hours=24)
_INTERVAL_RULES: JsonDict = {
    "x-kubernetes-validations": [
        {
            "rule": f"self != '' && self.matches(r'{INTERVAL_PATTERN}')",
            "message": 'drift.interval must be a duration such as "30s", "1m" or "1h30m" (hours, minutes'
            " and seconds, in that order)",
        },
        {
            "rule": f"!self.matches(r'{INTERVAL_PATTERN}') || (duration(self) >= duration('10s')"
            " && duration(self) <= duration('24h'))",
            "message": "drift.interval must be between 10s and 24h: the audit logs are read once per interval",
        },
    ]
}
RECENT_CHANGES_KEPT = 10
"""How many drift changes `status.drift.changes` keeps, newest first."""


class DriftAction(StrEnum):
    REPORT = "Report"
    REVERT = "Revert"


class DriftSpec(Model):
    """Whether and how often the operator reads the tenant's audit logs for changes made behind its back."""

    enabled: bool = True
    """Read the audit logs (Entra directory audits, Intune audit events) between syncs."""
    interval: str = Field(default="1m", max_length=32, json_schema_extra=_INTERVAL_RULES)
    """How often to look for new audit records: one request per audit log per interval when idle."""
    action: DriftAction = DriftAction.REPORT
    """Report records the change in the backup branch (authored by its actor) and notifies; Revert also
    starts a sync whose plan reverts it (Managed mode: approved like any plan)."""


class DriftWatch(StrEnum):
    """Where the audit watcher stands."""

    WATCHING = "Watching"
    PENDING_ADMIN_CONSENT = "PendingAdminConsent"
    DISABLED = "Disabled"
    FAILING = "Failing"


class DriftActor(Model):
    """Who made a change, as the audit record names them."""

    userPrincipalName: str | None = None
    """The person, for a change made by a user."""
    appDisplayName: str | None = None
    """The application's name, for a change made by an app (or the app a person used)."""
    appId: str | None = None
    """The application (client) ID."""


class DriftChange(Model):
    """One change to a kept object that tenantsync did not make."""

    type: ResourceType
    """The configuration type."""
    objectId: str
    """The object's id (a singleton's type name)."""
    displayName: str | None = None
    """The object's name as the audit record gives it."""
    actor: DriftActor
    """Who made the change."""
    time: datetime
    """When the change was made (the audit record's activityDateTime)."""
    activity: str
    """What the audit record calls the change ("Update conditional access policy")."""
    changedFields: list[str] = Field(default_factory=list)
    """The properties the audit record names as modified."""
    source: str
    """The audit log that recorded it: directoryAudits or auditEvents."""
    commit: str | None = None
    """The backup branch commit that records the changed object, authored by the actor."""


class DriftStatus(Model):
    """What the audit watcher saw: its state, and the newest changes made behind tenantsync's back."""

    watch: DriftWatch | None = None
    """Watching, PendingAdminConsent (a permission below is missing), Disabled or Failing."""
    message: str | None = None
    """What the watch's state means right now."""
    missingPermissions: list[str] = Field(default_factory=list)
    """Application permissions the audit logs need that the service principal lacks."""
    adminConsentUrl: str | None = None
    """Where a Global Administrator grants the missing permissions."""
    lastCheckTime: datetime | None = None
    """When the audit logs were last read."""
    lastDetectionTime: datetime | None = None
    """When drift was last seen."""
    detected: int = 0
    """Changes seen since the Tenant was created (or the operator's watcher started)."""
    changes: list[DriftChange] = Field(default_factory=list, max_length=RECENT_CHANGES_KEPT)
    """The newest changes made behind tenantsync's back, newest first."""
