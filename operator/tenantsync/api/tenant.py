"""The Tenant resource: one Microsoft 365 tenant whose configuration tenantsync keeps in Git.

These models are the single source of the CRD (see `crd.py`): field docstrings become `kubectl explain`
text, and `x-kubernetes-validations` carry the CEL rules whose messages tell a person what to fix.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from tenantsync.api.conditions import Condition
from tenantsync.api.drift import INTERVAL_PATTERN, DriftSpec, DriftStatus
from tenantsync.api.errors import RunError
from tenantsync.api.phases import TenantPhase
from tenantsync.api.resources import ResourceType

GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
DOMAIN_PATTERN = r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$"


def _rule(rule: str, message: str, field_path: str | None = None) -> JsonDict:
    """A CEL rule; `field_path` (e.g. ".backupBranch") names the field in the error for object-level rules."""
    validation: JsonDict = {"rule": rule, "message": message}
    if field_path is not None:
        validation["fieldPath"] = field_path
    return {"x-kubernetes-validations": [validation]}


# A Tenant's name is the value of the tenantsync.io/tenant label on its SyncRuns (label values are at most
# 63 characters) and the start of their names, `<tenant>-YYYYMMDD-HHMMSS-N`.
TENANT_NAME_MAX_LENGTH = 63
TENANT_NAME_RULE: JsonDict = {
    "rule": f"size(self.metadata.name) <= {TENANT_NAME_MAX_LENGTH}",
    "message": f"metadata.name of a Tenant must be at most {TENANT_NAME_MAX_LENGTH} characters: it is the"
    " value of the tenantsync.io/tenant label on its SyncRuns, which are named <tenant>-YYYYMMDD-HHMMSS-N",
}
BASELINES_FOLDER = "baselines"
"""In a Tenant's folder, the folder of its overrides of the baselines it adopts."""
# `<Tenant folder>/baselines/`, the Tenant folder being spec.repository.path (a trailing slash allowed) or
# tenants/<name> by default: the only place a Tenant's overrides (and the ids.json the operator writes
# there) may be, so that a run never writes into another Tenant's folder. The default folder is compared
# by segments: the API server estimates metadata.name as unbounded, and a concatenation with it in a loop
# exceeds the rule's cost budget, while an equality does not.
_PATH = "self.spec.repository.path"
_SEGMENTS = "b.overridesPath.split('/')"
_UNDER_SET_FOLDER = (
    f"b.overridesPath.startsWith({_PATH}.endsWith('/') ? {_PATH} + '{BASELINES_FOLDER}/'"
    f" : {_PATH} + '/{BASELINES_FOLDER}/')"
)
_UNDER_DEFAULT_FOLDER = (
    f"{_SEGMENTS}.size() >= 4 && {_SEGMENTS}[0] == 'tenants' && {_SEGMENTS}[1] == self.metadata.name"
    f" && {_SEGMENTS}[2] == '{BASELINES_FOLDER}'"
)
OVERRIDES_INSIDE_RULE: JsonDict = {
    "rule": "!has(self.spec.baselines) || self.spec.baselines.all(b, !has(b.overridesPath)"
    f" || (has({_PATH}) && {_PATH} != '' ? {_UNDER_SET_FOLDER} : ({_UNDER_DEFAULT_FOLDER})))",
    "message": "spec.baselines[].overridesPath must be a folder under the Tenant's own folder's"
    f" {BASELINES_FOLDER}/ (<spec.repository.path, default tenants/<name>>/{BASELINES_FOLDER}/<folder>): a"
    " Tenant's overrides never live in, or overwrite, another Tenant's folder",
    "fieldPath": ".spec.baselines",
}
TENANT_RULES: JsonDict = {"x-kubernetes-validations": [TENANT_NAME_RULE, OVERRIDES_INSIDE_RULE]}
"""CEL rules on the whole Tenant: the only place that sees metadata.name."""


class Model(BaseModel):
    """Base of every API model: field docstrings are the schema's descriptions."""

    model_config = ConfigDict(use_attribute_docstrings=True, populate_by_name=True)


class Cloud(StrEnum):
    PUBLIC = "Public"
    US_GOVERNMENT = "USGovernment"
    CHINA = "China"


class Mode(StrEnum):
    MANAGED = "Managed"
    BACKUP_ONLY = "BackupOnly"


class Approval(StrEnum):
    MANUAL = "Manual"
    AUTOMATIC = "Automatic"


class SecretReference(Model):
    name: str = Field(min_length=1, max_length=253)
    """Name of a Secret in the Tenant's namespace."""


HttpsUrl = Annotated[
    str,
    Field(max_length=2048, json_schema_extra=_rule("self.startsWith('https://')", "must be an https:// URL")),
]


class Endpoints(Model):
    authority: HttpsUrl | None = None
    """Identity platform base URL (default from `cloud`, e.g. https://login.microsoftonline.com)."""
    graph: HttpsUrl | None = None
    """Microsoft Graph base URL (default from `cloud`, e.g. https://graph.microsoft.com)."""
    exchange: HttpsUrl | None = None
    """Exchange Online admin API base URL (default from `cloud`, or `graph` when only that is set)."""
    compliance: HttpsUrl | None = None
    """Security & Compliance admin API base URL (default from `cloud`, or `graph` when only that is set)."""
    caBundleSecretRef: SecretReference | None = None
    """Secret whose `ca.crt` holds extra CA certificates to trust (the simulator, TLS-inspecting proxies)."""


class ServicePrincipal(Model):
    clientId: str = Field(
        max_length=36,
        json_schema_extra=_rule(
            f"self.matches(r'{GUID_PATTERN}')",
            "clientId must be the application (client) ID GUID of the Entra app registration",
        ),
    )
    """Application (client) ID of the Entra app registration the operator signs in as."""
    credentialsSecretRef: SecretReference
    """Secret with `clientSecret`, or `tls.crt` and `tls.key` for certificate credentials."""


class UserAuthentication(Model):
    clientId: str = Field(
        max_length=36,
        json_schema_extra=_rule(
            f"self.matches(r'{GUID_PATTERN}')",
            "userAuthentication.clientId must be the client ID GUID of a public client application",
        ),
    )
    """Client ID of the public client application used for the device code sign-in."""
    tokenSecretRef: SecretReference
    """Secret in which the operator keeps the signed-in user's MSAL token cache."""
    timeoutSeconds: int = Field(
        default=180,
        json_schema_extra=_rule(
            "self >= 30 && self <= 3600", "timeoutSeconds must be between 30 and 3600 seconds"
        ),
    )
    """How long a run waits in PendingAuthentication for the user to sign in."""


# `git check-ref-format --branch` in CEL: no control characters, space, ~ ^ : ? * [ or backslash; no
# "..", "//" or "@{"; no leading "-" or "/", no trailing "/" or "."; no component starting with "." or
# ending in ".lock"; not "HEAD".
GIT_BRANCH_RULE = (
    r"self.matches(r'^[^\x00-\x20\x7f~^:?*\[\\]+$')"
    " && !self.startsWith('-') && !self.startsWith('/') && !self.endsWith('/') && !self.endsWith('.')"
    " && !self.contains('..') && !self.contains('//') && !self.contains('@{') && self != 'HEAD'"
    " && !self.split('/').exists(c, c.startsWith('.') || c.endsWith('.lock'))"
)
GIT_BRANCH_MESSAGE = (
    "must be a valid Git branch name (git check-ref-format --branch): no spaces, '..', '//', '@{',"
    " control characters or any of ~^:?*[\\; no leading '-' or '/', no trailing '/' or '.', no part"
    " starting with '.' or ending in '.lock'"
)
GitBranch = Annotated[
    str, Field(min_length=1, max_length=255, json_schema_extra=_rule(GIT_BRANCH_RULE, GIT_BRANCH_MESSAGE))
]
RELATIVE_PATH_RULE = "!self.startsWith('/') && !self.split('/').exists(s, s == '..')"


class Repository(Model):
    """A Git repository; `branch` and `backupBranch` are distinct so a backup never lands on desired state."""

    model_config = ConfigDict(
        json_schema_extra=_rule(
            "self.backupBranch != self.branch",
            "backupBranch must differ from branch: the operator writes backups there and would overwrite"
            " the desired state",
            field_path=".backupBranch",
        )
    )

    url: str = Field(min_length=1, max_length=2048)
    """Git remote (https://...) or a local path to a repository."""
    branch: GitBranch = "main"
    """Branch that holds the desired state; people change it by pull request."""
    path: str = Field(
        default="",
        max_length=1024,
        json_schema_extra=_rule(
            RELATIVE_PATH_RULE,
            "path must be relative to the repository root, without '..' segments (e.g. tenants/contoso)",
        ),
    )
    """Folder inside the repository for this tenant (default: `tenants/<Tenant name>`)."""
    backupBranch: GitBranch = "tenantsync/backup"
    """Branch holding the tenant's backup history; only the operator writes it."""
    secretRef: SecretReference | None = None
    """Secret with `username` and `password` (or token) for an HTTPS remote."""


def _cron_field(value: str, *specials: str) -> str:
    """One cron field: `*` or values and ranges, each with an optional /step, comma-separated; or one of
    the special forms (`?`, `L`, `15W`, `1#2`...) on its own, the only way croniter accepts them."""
    item = rf"(\*|({value})(-({value}))?)(/0*[1-9][0-9]?)?"
    return "(" + "|".join([rf"{item}(,{item})*", *specials]) + ")"


_SECOND_OR_MINUTE = "[0-5]?[0-9]"
_DAY = "0?[1-9]|[12][0-9]|3[01]"
_MONTH = "0?[1-9]|1[0-2]|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
_WEEKDAY = "[0-7]|(?i:sun|mon|tue|wed|thu|fri|sat)"
# Five fields (minute hour day-of-month month day-of-week) or six with seconds first. The pattern accepts
# a subset of what the operator's croniter parser reads (a test checks it never accepts more).
CRON_PATTERN = (
    rf"^ *({_cron_field(_SECOND_OR_MINUTE)} +)?{_cron_field(_SECOND_OR_MINUTE)}"
    rf" +{_cron_field('[01]?[0-9]|2[0-3]')}"
    rf" +{_cron_field(_DAY, '[?]', 'L', rf'({_DAY})W')}"
    rf" +{_cron_field(_MONTH)}"
    rf" +{_cron_field(_WEEKDAY, '[?]', rf'({_WEEKDAY})#[1-5]', rf'L({_WEEKDAY})')} *$"
)
CRON_RULE = f"self == '' || self.matches(r'{CRON_PATTERN}')"


class BaselineReference(Model):
    """A Baseline this Tenant adopts; later entries win where two baselines define the same object."""

    name: str = Field(min_length=1, max_length=253)
    """Name of the Baseline, in the Tenant's namespace."""
    overridesPath: str | None = Field(
        default=None,
        max_length=1024,
        json_schema_extra=_rule(
            "!self.startsWith('/') && !self.split('/').exists(s, s == '' || s == '.' || s == '..')",
            "overridesPath must be a folder relative to the repository root, without '.', '..' or empty"
            " segments (e.g. tenants/contoso/baselines/security)",
        ),
    )
    """Folder in the Tenant's repository, relative to its root and under `<Tenant folder>/baselines/`,
    with its overrides of this baseline (`<type>/<key>.json`, a JSON merge patch, or `null` to exclude
    the object) and the ids the baseline's objects have in this tenant (`ids.json`, written by the
    operator); default `<Tenant folder>/baselines/<name>`."""


GROUP_MEMBERS_CAP = 1000
"""The most members a group may have for its membership to be kept (docs/types.md, *Group members*)."""


_SNAPSHOT_INTERVAL_RULES: JsonDict = {
    "x-kubernetes-validations": [
        {
            "rule": f"self != '' && self.matches(r'{INTERVAL_PATTERN}')",
            "message": 'teams.snapshotInterval must be a duration such as "24h" or "12h30m" (hours, minutes'
            " and seconds, in that order)",
        },
        {
            "rule": f"!self.matches(r'{INTERVAL_PATTERN}') || (duration(self) >= duration('1h')"
            " && duration(self) <= duration('720h'))",
            "message": "teams.snapshotInterval must be between 1h and 720h (30 days): every snapshot counts"
            " against the tenant's monthly Tenant Configuration Management quota",
        },
    ]
}


class TeamsSpec(Model):
    """How often the Teams policies are snapshotted (Tenant Configuration Management, docs/types.md)."""

    snapshotInterval: str = Field(default="24h", max_length=32, json_schema_extra=_SNAPSHOT_INTERVAL_RULES)
    """How often a sync takes a new Teams snapshot; the syncs between keep the last snapshot's files
    unchanged. Each snapshot counts its resources against the tenant's quota of 20,000 a month."""


class GroupMembers(Model):
    """Keep the assigned members of non-dynamic groups, as links like their owners (off unless set)."""

    maxMembers: int = Field(
        default=100,
        json_schema_extra=_rule(
            f"self >= 1 && self <= {GROUP_MEMBERS_CAP}",
            f"groupMembers.maxMembers must be between 1 and {GROUP_MEMBERS_CAP}: membership is data, kept"
            " only for groups small enough to review in a pull request",
        ),
    )
    """A group with more members keeps none, and the backup says which (never a partial list)."""


class TenantSpec(Model):
    """Which tenant to sync, how to sign in to it, where its configuration lives in Git, and when."""

    model_config = ConfigDict(
        json_schema_extra=_rule(
            "!has(self.groupMembers) || !has(self.resources) || self.resources.exists(r, r == 'groups')",
            "groupMembers keeps the members of groups: add groups to resources, or remove groupMembers",
            field_path=".groupMembers",
        )
    )

    tenantId: str = Field(
        max_length=253,
        json_schema_extra=_rule(
            f"self.matches(r'{GUID_PATTERN}') || self.matches(r'{DOMAIN_PATTERN}')",
            "tenantId must be the directory (tenant) ID GUID or a verified domain such as"
            " contoso.onmicrosoft.com",
        ),
    )
    """Directory (tenant) ID GUID or a verified domain."""
    cloud: Cloud = Cloud.PUBLIC
    """National cloud; sets the default authority and Graph hosts."""
    endpoints: Endpoints | None = None
    """Overrides of the cloud's endpoints."""
    servicePrincipal: ServicePrincipal
    """The application the operator signs in as."""
    userAuthentication: UserAuthentication | None = None
    """Optional delegated sign-in for configuration types that need a user."""
    mode: Mode = Mode.MANAGED
    """Managed deploys approved changes; BackupOnly never writes to the tenant."""
    resources: list[ResourceType] | None = Field(
        default=None, json_schema_extra={"x-kubernetes-list-type": "set"}
    )
    """Configuration types to sync (default: every supported type)."""
    groupMembers: GroupMembers | None = None
    """Also keep groups' assigned members (opt-in: membership is data rather than configuration)."""
    repository: Repository
    """Where desired state and backup history live."""
    baselines: list[BaselineReference] = Field(
        default_factory=list,
        max_length=20,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    """Baselines whose objects join this Tenant's desired state, in order of precedence (last wins)."""
    schedule: str = Field(
        default="",
        max_length=128,
        json_schema_extra=_rule(
            CRON_RULE,
            "schedule must be a cron expression with 5 fields (minute hour day-of-month month day-of-week,"
            ' e.g. "0 */6 * * *") or 6 with seconds first, or empty for manual syncs only',
        ),
    )
    """Cron schedule of syncs (UTC); empty means manual syncs only."""
    approval: Approval = Approval.MANUAL
    """Manual waits in PendingApproval for a person; Automatic deploys the plan straight away."""
    requiredApprovals: int = Field(
        default=1,
        json_schema_extra=_rule(
            "self >= 1 && self <= 5", "requiredApprovals must be between 1 and 5 distinct approvers"
        ),
    )
    """How many distinct people must approve the same plan (four-eyes: 2) before it is deployed."""
    drift: DriftSpec = Field(default_factory=DriftSpec, json_schema_extra={"default": {}})
    """Drift between syncs: the audit logs read every interval for changes made behind tenantsync's back."""
    teams: TeamsSpec = Field(default_factory=TeamsSpec, json_schema_extra={"default": {}})
    """How the Teams policies are read: Tenant Configuration Management's snapshot jobs."""
    suspend: bool = False
    """Stops new scheduled syncs; a run under way continues."""
    successfulRunsHistoryLimit: int = Field(
        default=3, json_schema_extra=_rule("self >= 0", "successfulRunsHistoryLimit must not be negative")
    )
    """How many finished successful SyncRuns to keep."""
    failedRunsHistoryLimit: int = Field(
        default=3, json_schema_extra=_rule("self >= 0", "failedRunsHistoryLimit must not be negative")
    )
    """How many failed or partially successful SyncRuns to keep."""


class CredentialKind(StrEnum):
    CLIENT_SECRET = "ClientSecret"
    CERTIFICATE = "Certificate"


class CredentialsStatus(Model):
    """The service principal's credential as last read from its Secret (never the secret itself)."""

    kind: CredentialKind | None = None
    """ClientSecret or Certificate."""
    expiresAt: datetime | None = None
    """When the secret or certificate expires, when known."""


class TenantStatus(Model):
    """What the operator observed: the sync status people watch, its conditions and the newest runs."""

    phase: TenantPhase | None = None
    """Sync status: NotRun, Starting, InProgress, Pending*, PartiallySuccessful, NewError or Idle."""
    message: str | None = None
    """What the phase means right now, for people."""
    phaseTransitionTime: datetime | None = None
    """Since when the Tenant has been in this phase."""
    observedGeneration: int | None = None
    """The `metadata.generation` of the spec this status describes."""
    conditions: list[Condition] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    """Ready, CredentialsValid, AdminConsentGranted and UserAuthenticated, as `metav1.Condition`s."""
    error: RunError | None = None
    """The error that keeps the Tenant itself from syncing (e.g. an invalid schedule)."""
    lastSyncRun: str | None = None
    """Name of the newest SyncRun."""
    lastSyncTime: datetime | None = None
    """When the newest SyncRun started."""
    lastSuccessfulSyncTime: datetime | None = None
    """When a SyncRun last finished successfully."""
    lastScheduleTime: datetime | None = None
    """The newest schedule tick that was handled (started a run or was skipped)."""
    lastSkippedScheduleTime: datetime | None = None
    """The newest schedule tick skipped because a run was still active."""
    lastHandledSyncRequest: str | None = None
    """The value of the `tenantsync.io/sync-requested-at` annotation that last started a run."""
    credentials: CredentialsStatus | None = None
    """Kind and expiry of the service principal's credential; alerts fire before it expires."""
    drift: DriftStatus | None = None
    """Changes made behind tenantsync's back, seen in the audit logs, with who made them."""
