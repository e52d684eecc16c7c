"""The Baseline resource: one reviewed configuration that many Tenants adopt, rolled out in waves.

A Baseline's folder has a tenant folder's layout (`<type>/<key>.json`), but its objects are keyed by a
stable name instead of a tenant's id. Each adopting Tenant composes its desired state from the baselines
it lists and its own folder (see `tenantsync.baselines`); the rollout decides which revision of the
baseline each Tenant composes, so a change reaches a Tenant only when its wave is released.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import Field
from pydantic.config import JsonDict

from tenantsync.api.conditions import Condition
from tenantsync.api.tenant import (
    RELATIVE_PATH_RULE,
    TENANT_NAME_MAX_LENGTH,
    GitBranch,
    Model,
    SecretReference,
    _rule,
)

MAX_CHANGED_FILES = 200

_NUMBER = r"[0-9]+(\.[0-9]+)?"
DURATION_PATTERN = rf"^({_NUMBER}h)?({_NUMBER}m)?({_NUMBER}s)?$"
"""Hours, minutes and seconds, each at most once and in that order ("1h30m", "90s", "1.5h")."""
# The same with at most six digits before each unit (leading zeros aside): a value CEL's duration() reads
# without overflowing, and any longer number is over the bound anyway (1000000s is 277h).
_SHORT_NUMBER = r"0*[0-9]{1,6}(\.[0-9]+)?"
_SHORT_DURATION_PATTERN = rf"^({_SHORT_NUMBER}h)?({_SHORT_NUMBER}m)?({_SHORT_NUMBER}s)?$"
MAX_PAUSE_BETWEEN_WAVES = timedelta(hours=168)
"""A week: longer pauses are a typo (or a rollout better split in two), and the CRD refuses them."""
_PAUSE_RULES: JsonDict = {
    "x-kubernetes-validations": [
        {
            "rule": f"self != '' && self.matches(r'{DURATION_PATTERN}')",
            "message": 'pauseBetweenWaves must be a duration such as "30s", "10m" or "1h30m" (hours,'
            " minutes and seconds, in that order)",
        },
        {
            "rule": f"!self.matches(r'{DURATION_PATTERN}') || (self.matches(r'{_SHORT_DURATION_PATTERN}')"
            " && duration(self) <= duration('168h'))",
            "message": "pauseBetweenWaves must be at most 168h (7 days)",
        },
    ]
}
# A Tenant's name as the API server accepts it (RFC 1123 subdomain), at most as long as a Tenant's name.
TENANT_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
TenantName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=TENANT_NAME_MAX_LENGTH,
        json_schema_extra=_rule(
            f"self.matches(r'{TENANT_NAME_PATTERN}')",
            "canary.tenants must name Tenants: lowercase letters, digits, '-' and '.', such as contoso-lab",
        ),
    ),
]


class BaselineRepository(Model):
    """Where the baseline's objects live; often the same repository as the Tenants' folders."""

    url: str = Field(min_length=1, max_length=2048)
    """Git remote (https://..., ssh://...) or a local path to a repository."""
    branch: GitBranch = "main"
    """Branch whose newest commit touching `path` is the baseline's revision."""
    path: str = Field(
        min_length=1,
        max_length=1024,
        json_schema_extra=_rule(
            RELATIVE_PATH_RULE,
            "path must be relative to the repository root, without '..' segments (e.g. baselines/security)",
        ),
    )
    """Folder holding the baseline's objects, `<type>/<key>.json`."""
    secretRef: SecretReference | None = None
    """Secret with `username` and `password` (or token) for an HTTPS remote, or an SSH key."""


class LabelSelector(Model):
    matchLabels: dict[str, str] = Field(default_factory=dict)
    """Tenants whose labels include all of these."""


class Canary(Model):
    """The first wave: Tenants named here or matching the selector (either or both)."""

    tenants: list[TenantName] = Field(
        default_factory=list, max_length=1000, json_schema_extra={"x-kubernetes-list-type": "set"}
    )
    """Names of Tenants (in the Baseline's namespace) in the first wave; each must adopt the baseline, or
    the rollout halts before releasing anything (a typo never widens a rollout)."""
    selector: LabelSelector | None = None
    """Tenants in the first wave by label."""


class RolloutPolicy(Model):
    """How a new revision of the baseline reaches the adopting Tenants once it is approved."""

    canary: Canary | None = None
    """The first wave; without it the first wave is simply the first `maxParallel` Tenants by name."""
    maxParallel: int = Field(
        default=10,
        json_schema_extra=_rule("self >= 1 && self <= 1000", "maxParallel must be between 1 and 1000"),
    )
    """How many Tenants a wave after the canary holds."""
    pauseBetweenWaves: str = Field(default="0s", max_length=32, json_schema_extra=_PAUSE_RULES)
    """How long to wait after a wave has verified before releasing the next one (at most 168h)."""


class BaselineSpec(Model):
    """Where the baseline lives and how its changes are rolled out."""

    repository: BaselineRepository
    """The baseline's folder in Git."""
    rollout: RolloutPolicy = Field(default_factory=RolloutPolicy)
    """Waves, their size and the pause between them."""


class BaselineRelease(Model):
    """The revision of the baseline one adopting Tenant composes its desired state from."""

    tenant: str
    """Name of the Tenant, in the Baseline's namespace."""
    revision: str
    """Commit of the baseline's repository released to this Tenant."""


class RolloutPhase(StrEnum):
    PENDING_APPROVAL = "PendingApproval"
    PROGRESSING = "Progressing"
    PAUSED = "Paused"
    HALTED = "Halted"
    COMPLETE = "Complete"
    REJECTED = "Rejected"


class BaselineTenantState(StrEnum):
    CONFORMING = "Conforming"
    DRIFTED = "Drifted"
    EXCEPTED = "Excepted"
    PENDING = "Pending"
    FAILED = "Failed"


class BaselineTenant(Model):
    """One adopting Tenant as the baseline sees it."""

    name: str
    """Name of the Tenant."""
    state: BaselineTenantState
    """Conforming, Drifted (differs from the baseline), Excepted (has overrides or exclusions), Pending
    (not yet synced at the released revision) or Failed (its last run failed)."""
    since: datetime | None = None
    """Since when the Tenant has been in this state."""
    syncRun: str | None = None
    """The SyncRun the state was read from."""
    message: str | None = None
    """Why, for people (e.g. the overridden objects, the failing run's error)."""


class RolloutStatus(Model):
    """The rollout of one revision of the baseline."""

    revision: str
    """Commit of the baseline being rolled out."""
    digest: str | None = None
    """Digest of the baseline's content at `revision`; `kubectl tenantsync baseline approve` names it."""
    phase: RolloutPhase
    """PendingApproval, Progressing, Paused (between waves), Halted, Complete or Rejected."""
    changedFiles: list[str] = Field(default_factory=list, max_length=MAX_CHANGED_FILES)
    """The baseline's files this revision changes since the completed one, "A|M|D <type>/<key>.json"
    (the first 200; `kubectl tenantsync baseline plan` shows them)."""
    approvedBy: str | None = None
    """Who approved the revision."""
    approvedAt: datetime | None = None
    """When the operator saw the approval; a run that failed before planning counts from then on."""
    approvedTenants: list[str] = Field(
        default_factory=list, json_schema_extra={"x-kubernetes-list-type": "set"}
    )
    """The Tenants adopting the baseline when it was approved: the approval covers their baseline-only
    runs. A Tenant adopting it later joins its wave, but its runs wait for a person's approval."""
    wave: int = 0
    """The wave released last (1 is the canary)."""
    waves: int = 0
    """How many waves the rollout has."""
    haltedTenants: list[str] = Field(default_factory=list)
    """Tenants whose run failed in the current wave: nothing further is deployed until a person acts."""
    waveVerifiedAt: datetime | None = None
    """When every Tenant released so far had verified; the next wave follows `pauseBetweenWaves` later."""
    resumedAt: datetime | None = None
    """When a person last resumed the halted rollout: only runs from then on can halt it again."""
    revisionMissingSince: datetime | None = None
    """Since when `revision` is no longer on the branch (force-pushed away): the rollout halted then,
    and goes on only when a person resumes it after that time or a new revision supersedes it."""
    message: str | None = None
    """What the rollout is doing or waiting for, for people."""


class BaselineStatus(Model):
    """The baseline's newest revision, its rollout and each adopting Tenant's conformance."""

    observedGeneration: int | None = None
    """The `metadata.generation` of the spec this status describes."""
    revision: str | None = None
    """Newest commit of `spec.repository.branch` that touches `spec.repository.path`."""
    completedRevision: str | None = None
    """The newest revision rolled out to every adopting Tenant; a Tenant adopting later starts from it."""
    rollout: RolloutStatus | None = None
    """The rollout under way or the last one."""
    releases: list[BaselineRelease] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["tenant"]},
    )
    """The revision each adopting Tenant composes; a Tenant not listed composes `completedRevision`."""
    tenants: list[BaselineTenant] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    """Each adopting Tenant's conformance."""
    conforming: int = 0
    """How many adopting Tenants match the baseline."""
    drifted: int = 0
    """How many adopting Tenants differ from the baseline."""
    excepted: int = 0
    """How many adopting Tenants have documented overrides or exclusions."""
    conditions: list[Condition] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    """Ready, Progressing and Degraded, as `metav1.Condition`s (Argo CD's health reads them)."""
    message: str | None = None
    """What the baseline is doing right now, for people."""
