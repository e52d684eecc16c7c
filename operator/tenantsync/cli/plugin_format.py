"""What `kubectl tenantsync` shows, as pure functions of the objects: no API calls, no terminal.

Every command builds its output here from the Tenant and SyncRun bodies the API server returned, so the
words people read (the human phase names, the plan diff, the error block, the permission list) are
tested without a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tenantsync.api import (
    PLANS_BRANCH,
    ChangeOutcome,
    Mode,
    ResourceType,
    RunPhase,
    SignInState,
    TenantPhase,
    human_duration,
)
from tenantsync.catalog import (
    TCM_APP_ID,
    TCM_READ_ROLE,
    Service,
    catalog,
    drift_permission_needs,
    exchange_needs,
    permission_needs,
    role_needs,
)

Body = Mapping[str, Any]

PHASE_NAMES: Mapping[str, str] = {
    TenantPhase.NOT_RUN: "Not run",
    TenantPhase.IDLE: "Idle",
    TenantPhase.STARTING: "Starting",
    TenantPhase.IN_PROGRESS: "In progress",
    TenantPhase.NEW_ERROR: "New error",
    TenantPhase.PENDING_AUTHENTICATION: "Pending authentication",
    TenantPhase.PENDING_APPROVAL: "Pending approval",
    TenantPhase.PARTIALLY_SUCCESSFUL: "Partially successful",
    TenantPhase.PENDING_ADMIN_CONSENT: "Pending admin consent",
    RunPhase.SUCCEEDED: "Succeeded",
    RunPhase.REJECTED: "Rejected",
}
"""The "Sync status" words of the README, for Tenant phases and the two finished-run phases of SyncRuns."""

UNKNOWN_PHASE = "Unknown"
"""A Tenant or SyncRun the operator has not written status to yet."""

PHASE_STYLES: Mapping[str, str] = {
    TenantPhase.NOT_RUN: "dim",
    TenantPhase.IDLE: "green",
    TenantPhase.STARTING: "cyan",
    TenantPhase.IN_PROGRESS: "cyan",
    TenantPhase.NEW_ERROR: "bold red",
    TenantPhase.PENDING_AUTHENTICATION: "yellow",
    TenantPhase.PENDING_APPROVAL: "yellow",
    TenantPhase.PENDING_ADMIN_CONSENT: "yellow",
    TenantPhase.PARTIALLY_SUCCESSFUL: "dark_orange",
    RunPhase.SUCCEEDED: "green",
    RunPhase.REJECTED: "magenta",
}

PENDING_RUN_PHASES = frozenset(
    {RunPhase.PENDING_AUTHENTICATION, RunPhase.PENDING_APPROVAL, RunPhase.PENDING_ADMIN_CONSENT}
)


def human_phase(phase: str | None) -> str:
    """`PendingApproval` → `Pending approval`; an unknown value is shown as it is, a missing one as Unknown."""
    if not phase:
        return UNKNOWN_PHASE
    return PHASE_NAMES.get(phase, phase)


def phase_style(phase: str | None) -> str:
    return PHASE_STYLES.get(phase or "", "")


def parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 timestamp as the API server writes it (`2026-11-23T06:00:00Z`)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def age(value: str | None, now: datetime, never: str = "never") -> str:
    when = parse_time(value)
    if when is None:
        return never
    return f"{human_duration((now - when).total_seconds())} ago"


# --- status -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TenantSyncStatus:
    """One row of `kubectl tenantsync status`."""

    namespace: str
    name: str
    phase: str | None
    status: str
    message: str
    last_sync_run: str | None
    last_sync_time: str | None
    last_successful_sync_time: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "name": self.name,
            "phase": self.phase,
            "status": self.status,
            "message": self.message,
            "lastSyncRun": self.last_sync_run,
            "lastSyncTime": self.last_sync_time,
            "lastSuccessfulSyncTime": self.last_successful_sync_time,
        }


def tenant_sync_status(tenant: Body) -> TenantSyncStatus:
    status = tenant.get("status") or {}
    phase = status.get("phase")
    return TenantSyncStatus(
        namespace=tenant["metadata"].get("namespace", ""),
        name=tenant["metadata"]["name"],
        phase=phase,
        status=human_phase(phase),
        message=status.get("message") or "",
        last_sync_run=status.get("lastSyncRun"),
        last_sync_time=status.get("lastSyncTime"),
        last_successful_sync_time=status.get("lastSuccessfulSyncTime"),
    )


def last_run_line(run: Body) -> str:
    """One line under a named Tenant's row: how long its last run worked and, apart, how long it waited
    in the queue first (`status.duration` runs from the first step, `status.queuedSeconds` before it), so
    a slow run and a long queue are told apart."""
    status = run.get("status") or {}
    name = run["metadata"]["name"]
    queued = status.get("queuedSeconds")
    waited = f", after {human_duration(queued)} in the queue" if queued is not None else ""
    if status.get("duration"):
        return f"Last run {name}: took {status['duration']}{waited}."
    if status.get("startTime"):
        return f"Last run {name}: working since {status['startTime']}{waited}."
    if status.get("completionTime"):
        return f"Last run {name}: ended before its first step{waited}."
    return f"Last run {name}: waiting in the queue."


# --- plan ---------------------------------------------------------------------------------------------

"""Where the operator commits each whole plan (SyncRun `status.plan.file` at `status.plan.commit`)."""

ACTION_MARKS: Mapping[str, tuple[str, str]] = {
    "create": ("+", "green"),
    "update": ("~", "yellow"),
    "delete": ("-", "red"),
}


@dataclass(frozen=True)
class Line:
    """One line of output and the rich style it gets on a terminal (none elsewhere)."""

    text: str
    style: str = ""
    indent: int = 0
    """Where lines after the first start when a terminal wraps it: under the value, not at column 0."""
    command: bool = False
    """A shell command: wrapped so that it pastes back as one (`plugin_wrap.wrap_command`)."""


def _deploy_results(run: Body) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    results = ((run.get("status") or {}).get("deploy") or {}).get("results") or []
    return {(r.get("type", ""), r.get("id", ""), r.get("action", "")): r for r in results}


def plan_lines(run: Body) -> list[Line]:
    """The run's plan as a diff a reviewer reads before approving: one block per change, then the digest."""
    status = run.get("status") or {}
    name = run["metadata"]["name"]
    tenant = (run.get("spec") or {}).get("tenantRef", {}).get("name", "?")
    plan = status.get("plan")
    phase = status.get("phase")
    lines = [Line(f"SyncRun {name} (Tenant {tenant}) — {human_phase(phase)}", "bold")]
    if plan is None:
        lines.append(Line(f"No plan yet: the run is at step {status.get('step') or 'Starting'}."))
        return lines
    changes: Sequence[Mapping[str, Any]] = plan.get("changes") or []
    if not changes:
        lines.append(Line("No changes: the tenant matches the desired state."))
    results = _deploy_results(run)
    counts = {"create": 0, "update": 0, "delete": 0}
    for change in changes:
        action = str(change.get("action", "?"))
        counts[action] = counts.get(action, 0) + 1
        mark, style = ACTION_MARKS.get(action, ("?", ""))
        title = change.get("displayName") or "(no display name)"
        lines.append(Line(""))
        lines.append(Line(f'{mark} {action} {change.get("type", "?")} "{title}"', f"bold {style}".strip()))
        lines.append(Line(f"    id: {change.get('id', '?')}"))
        if change.get("adminCentre"):
            where = "    make this change in: "
            lines.append(
                Line(
                    f"{where}{change['adminCentre']} (no API can; never deployed)",
                    "yellow",
                    indent=len(where),
                )
            )
        values: Sequence[Mapping[str, Any]] = change.get("values") or []
        fields = change.get("changedFields") or []
        if values:
            lines.append(Line("    fields:" if action in ("create", "delete") else "    changed fields:"))
            for value in values:
                label = f"      {mark} {value.get('path', '?')}: "
                lines.append(Line(label + _transition(action, value), style, indent=len(label)))
        elif fields:
            lines.append(Line("    changed fields:"))
            lines.extend(Line(f"      {mark} {field}", style) for field in fields)
        result = results.get((str(change.get("type", "")), str(change.get("id", "")), action))
        if result is not None:
            outcome = f"    deploy result: {result.get('result', '?')}"
            if result.get("message"):
                outcome += f" — {result['message']}"
            if result.get("createdId"):
                outcome += f" (created id {result['createdId']})"
            lines.append(
                Line(
                    outcome,
                    "green" if result.get("result") == ChangeOutcome.APPLIED else "red",
                    indent=len("    deploy result: "),
                )
            )
    lines.append(Line(""))
    summary = ", ".join(f"{counts[a]} to {a}" for a in ("create", "update", "delete"))
    total = plan.get("changeCount", len(changes))
    if plan.get("truncated"):
        summary = f"the {len(changes)} shown: {summary}"
        lines.append(
            Line(
                f"Showing the first {len(changes)} of {total} changes. The whole plan is {plan.get('file') or '?'}"
                f" at commit {plan.get('commit') or '?'} of branch {PLANS_BRANCH} in the Tenant's repository.",
                "yellow",
            )
        )
    lines.append(Line(f"Plan: {total} change{'s' if total != 1 else ''} ({summary})", "bold"))
    by_hand = int(plan.get("adminCentreChangeCount") or 0)
    if by_hand:
        lines.append(
            Line(
                f"{by_hand} of them must be made by a person in the admin centre each names; an approval deploys"
                " only the others.",
                "yellow",
            )
        )
    digest = str(plan.get("digest") or "")
    lines.append(Line(f"Digest: {digest or '(none)'}"))
    if phase == RunPhase.PENDING_APPROVAL and digest:
        namespace = run["metadata"].get("namespace")
        where = f" -n {namespace}" if namespace else ""
        lines.append(Line("Approve this plan:"))
        lines.append(Line(f"  kubectl tenantsync approve {name}{where} --digest {digest[:12]}", command=True))
    return lines


def _transition(action: str, value: Mapping[str, Any]) -> str:
    """A field's old and new value as the plan recorded them (JSON, shortened, secrets withheld)."""
    old, new = value.get("old"), value.get("new")
    if action == "delete":
        return str(old)
    if old is None:
        return str(new)
    if new is None:
        return f"{old} (removed)"
    return f"{old} → {new}"


# --- sign-in ------------------------------------------------------------------------------------------


def _sign_in_state(state: str | None) -> SignInState | None:
    """The API's state; a value from a newer operator (or none yet) is neither signed in nor failed."""
    return SignInState(state) if state in {s.value for s in SignInState} else None


def sign_in_succeeded(state: str | None) -> bool:
    known = _sign_in_state(state)
    return known is not None and known.signed_in


def sign_in_failed(state: str | None) -> bool:
    """Timed out, blocked by Conditional Access / MFA, or `Failed` (the user declined the sign-in)."""
    known = _sign_in_state(state)
    return known is not None and known.failed


# --- error --------------------------------------------------------------------------------------------


def error_text(kind: str, obj: Body) -> str:
    """The whole error of a SyncRun or Tenant as plain text, to paste into a ticket or a chat.

    Beyond `status.error` it carries what a person needs to act: the missing permissions and the
    admin-consent URL, the user sign-in message, and every change that failed to deploy.
    """
    status = obj.get("status") or {}
    name = obj["metadata"]["name"]
    namespace = obj["metadata"].get("namespace", "")
    phase = status.get("phase")
    lines = [f"{kind} {namespace}/{name}: {human_phase(phase)}"]
    if kind == "SyncRun":
        lines[0] += f" (Tenant {(obj.get('spec') or {}).get('tenantRef', {}).get('name', '?')})"
    error = status.get("error")
    if error:
        lines.append(f"Code: {error.get('code', '?')}")
        lines.append(f"Message: {error.get('message', '')}")
        lines.append(f"Troubleshooting: {error.get('troubleshootingUrl', '')}")
    elif status.get("message"):
        lines.append(f"Message: {status['message']}")
    authentication = status.get("authentication") or {}
    missing = authentication.get("missingPermissions") or []
    if missing:
        lines.append(f"Missing permissions: {', '.join(missing)}")
    if authentication.get("adminConsentUrl") and (missing or phase == RunPhase.PENDING_ADMIN_CONSENT):
        lines.append(f"Admin consent URL: {authentication['adminConsentUrl']}")
    user = authentication.get("user") or {}
    if user.get("message") and sign_in_failed(user.get("state")):
        lines.append(f"User sign-in ({user['state']}): {user['message']}")
    failed = [
        r
        for r in ((status.get("deploy") or {}).get("results") or [])
        if r.get("result") not in (None, ChangeOutcome.APPLIED)
    ]
    for result in failed:
        lines.append(
            f"Change {result.get('result')}: {result.get('action')} {result.get('type')} {result.get('id')}"
            + (f": {result['message']}" if result.get("message") else "")
        )
    return "\n".join(lines) + "\n"


def error_code(obj: Body) -> str | None:
    """The stable code of the object's error, which names its troubleshooting page."""
    code = ((obj.get("status") or {}).get("error") or {}).get("code")
    return str(code) if code else None


def has_error(obj: Body) -> bool:
    status = obj.get("status") or {}
    return bool(status.get("error")) or status.get("phase") in (
        TenantPhase.NEW_ERROR,
        TenantPhase.PARTIALLY_SUCCESSFUL,
        TenantPhase.PENDING_ADMIN_CONSENT,
    )


# --- logs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """An event or a condition transition of a SyncRun, placed in time."""

    time: str
    source: str
    type: str
    reason: str
    message: str
    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "source": self.source,
            "type": self.type,
            "reason": self.reason,
            "message": self.message,
            "count": self.count,
        }


def event_time(event: Body) -> str:
    """The newest time an event carries (series, lastTimestamp, eventTime, then its creation)."""
    series = event.get("series") or {}
    for value in (
        series.get("lastObservedTime"),
        event.get("lastTimestamp"),
        event.get("eventTime"),
        event.get("firstTimestamp"),
        (event.get("metadata") or {}).get("creationTimestamp"),
    ):
        if value:
            return str(value)
    return ""


def timeline(run: Body, events: Iterable[Body]) -> list[TimelineEntry]:
    """The run's events and its conditions' transitions, oldest first."""
    entries = [
        TimelineEntry(
            time=event_time(event),
            source="Event",
            type=str(event.get("type") or "Normal"),
            reason=str(event.get("reason") or ""),
            message=str(event.get("message") or ""),
            count=int(event.get("count") or 1),
        )
        for event in events
    ]
    status = run.get("status") or {}
    for condition in status.get("conditions") or []:
        entries.append(
            TimelineEntry(
                time=str(condition.get("lastTransitionTime") or ""),
                source="Condition",
                type=f"{condition.get('type')}={condition.get('status')}",
                reason=str(condition.get("reason") or ""),
                message=str(condition.get("message") or ""),
            )
        )

    def key(entry: TimelineEntry) -> tuple[float, int]:
        when = parse_time(entry.time)
        # Within one second, a condition records what the event that follows announces.
        return (when.timestamp() if when else 0.0, 0 if entry.source == "Condition" else 1)

    return sorted(entries, key=key)


# --- permissions --------------------------------------------------------------------------------------

MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


@dataclass(frozen=True)
class PermissionNeed:
    name: str
    needed_by: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "neededBy": list(self.needed_by)}


@dataclass(frozen=True)
class PermissionReport:
    """What the Entra app registrations must be granted for a set of types in a mode."""

    mode: Mode
    resources: tuple[ResourceType, ...]
    application: tuple[PermissionNeed, ...]
    delegated: tuple[PermissionNeed, ...]
    exchange: tuple[PermissionNeed, ...] = ()
    """Exchange.ManageAsApp (of the Office 365 Exchange Online API), for the Exchange admin API's types."""
    roles: tuple[PermissionNeed, ...] = ()
    """Entra roles the service principal must hold; each name lists alternatives ("A or B")."""
    drift: tuple[PermissionNeed, ...] = ()
    """Application permissions the audit watch needs (spec.drift); a sync never waits for them."""
    snapshots: tuple[PermissionNeed, ...] = ()
    """Tenant Configuration Management's own service principal, which runs the Teams snapshots: it must
    be in the tenant and hold this role (not tenantsync's app)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "resources": [r.value for r in self.resources],
            "applicationPermissions": [p.as_dict() for p in self.application],
            "exchangePermissions": [p.as_dict() for p in self.exchange],
            "entraRoles": [p.as_dict() for p in self.roles],
            "delegatedScopes": [p.as_dict() for p in self.delegated],
            "driftPermissions": [p.as_dict() for p in self.drift],
            "snapshotServicePrincipal": [p.as_dict() for p in self.snapshots],
        }


def permission_report(
    resources: Iterable[ResourceType], mode: Mode, *, drift: bool = True
) -> PermissionReport:
    """`required_permissions` (the operator's own preflight list), each with the types that need it, and
    with ``drift`` those the audit watch needs."""
    types = tuple(dict.fromkeys(resources))
    entries = catalog()
    application = {
        name: [t.value for t in needed_by] for name, needed_by in permission_needs(types, mode).items()
    }
    delegated: dict[str, list[str]] = {}
    for name in types:
        entry = entries[name]
        if entry.requires_user:
            for scope in entry.delegated_scopes:
                delegated.setdefault(scope, []).append(name.value)
    return PermissionReport(
        mode=mode,
        resources=types,
        application=tuple(PermissionNeed(p, tuple(t)) for p, t in application.items()),
        delegated=tuple(PermissionNeed(s, tuple(t)) for s, t in sorted(delegated.items())),
        exchange=tuple(
            PermissionNeed(p, tuple(t.value for t in needed_by))
            for p, needed_by in exchange_needs(types, mode).items()
        ),
        roles=tuple(
            PermissionNeed(" or ".join(roles), tuple(t.value for t in needed_by))
            for roles, needed_by in role_needs(types, mode).items()
        ),
        drift=tuple(
            PermissionNeed(p, tuple(t.value for t in needed_by))
            for p, needed_by in (drift_permission_needs(types) if drift else {}).items()
        ),
        snapshots=tuple(
            PermissionNeed(f"{TCM_APP_ID} with {TCM_READ_ROLE}", tuple(t.value for t in teams))
            for teams in [[t for t in types if entries[t].service == Service.TCM]]
            if teams
        ),
    )


def parse_resources(value: str) -> list[ResourceType]:
    """`a,b,c` → resource types; raises ValueError naming the unknown ones and the valid names."""
    names = [part.strip() for part in value.split(",") if part.strip()]
    valid = {r.value for r in ResourceType}
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ValueError(
            f"unknown resource type(s): {', '.join(unknown)}; valid: {', '.join(r.value for r in ResourceType)}"
        )
    return [ResourceType(n) for n in names]
