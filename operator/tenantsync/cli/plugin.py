"""`kubectl-tenantsync`: the kubectl plugin people drive tenantsync with (`kubectl tenantsync ...`).

It behaves like kubectl: global flags anywhere on the line, `TYPE/NAME` wherever a name goes, kubectl's
`-o` formats, tables that fit the terminal, `-w` and `-f` to follow. Writes are the public annotations
(sync-requested-at on a Tenant, approval on a SyncRun or a Baseline, rollout on a Baseline), nothing
else. Exit codes: plugin_errors.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from tenantsync.api import (
    APPROVAL,
    APPROVAL_DIGEST,
    FURTHER_APPROVAL_PREFIX,
    SYNC_REQUESTED_AT,
    Decision,
    Mode,
    ResourceType,
    RunPhase,
    Trigger,
    approver_handle,
    human_duration,
    names_digest,
)
from tenantsync.catalog import EXCHANGE_ONLINE_APP_ID
from tenantsync.cli.plugin_baseline import add_baseline_commands
from tenantsync.cli.plugin_cluster import Body, Cluster, connect
from tenantsync.cli.plugin_drift import drift_lines
from tenantsync.cli.plugin_errors import (
    MEANINGS,
    ExitCode,
    ObjectChanged,
    ObjectNotFound,
    PluginError,
    WaitTimedOut,
)
from tenantsync.cli.plugin_format import (
    MICROSOFT_GRAPH_APP_ID,
    PENDING_RUN_PHASES,
    PermissionNeed,
    TimelineEntry,
    age,
    error_code,
    error_text,
    event_time,
    has_error,
    human_phase,
    last_run_line,
    parse_resources,
    parse_time,
    permission_report,
    phase_style,
    plan_lines,
    sign_in_failed,
    sign_in_succeeded,
    tenant_sync_status,
    timeline,
)
from tenantsync.cli.plugin_output import Output, Terminal, emit, emit_next, object_list
from tenantsync.cli.plugin_pages import troubleshooting_page
from tenantsync.cli.plugin_refs import Kind, Reference, parse_reference
from tenantsync.cli.plugin_table import GAP, Cell, Column, Layout

POLL_SECONDS = 1.0


def _now() -> datetime:
    return datetime.now(UTC)


def _name(obj: Body) -> str:
    name: str = obj["metadata"]["name"]
    return name


def _phase(obj: Body) -> str | None:
    phase: str | None = (obj.get("status") or {}).get("phase")
    return phase


def _finished(run: Body) -> bool:
    phase = _phase(run)
    return phase in {p.value for p in RunPhase} and RunPhase(phase).finished


def _failed(run: Body) -> bool:
    phase = _phase(run)
    return phase in {p.value for p in RunPhase} and RunPhase(phase).failed


def _tenant_of(run: Body) -> str:
    tenant: str = ((run.get("spec") or {}).get("tenantRef") or {}).get("name", "")
    return tenant


def _hint(cluster: Cluster, command: str) -> str:
    return f"kubectl tenantsync {command} -n {cluster.namespace}"


class Deadline:
    """`seconds` from now; 0 or less never passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds if seconds > 0 else None

    def passed(self) -> bool:
        return self._end is not None and time.monotonic() >= self._end


# --- what a name on the command line means -----------------------------------------------------------


def _reference_argument(text: str) -> Reference:
    """A command-line name; a TYPE that is not ours is bad usage (exit 2), found before any API call."""
    try:
        reference = parse_reference(text)
    except PluginError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from problem
    if reference.kind is Kind.BASELINE:
        raise argparse.ArgumentTypeError(
            f"{text}: this command takes a SyncRun or Tenant; for a Baseline use kubectl tenantsync baseline"
        )
    return reference


def _tenant_argument(text: str) -> str:
    """NAME or tenant/NAME."""
    reference = _reference_argument(text)
    if reference.kind is Kind.SYNC_RUN:
        raise argparse.ArgumentTypeError(
            f"{text}: this command takes a Tenant (NAME or tenant/NAME), not a SyncRun"
        )
    return reference.name


def _current_run(cluster: Cluster, tenant: str) -> Body:
    """The run a person means by `tenant/NAME`: the active one (a Tenant has at most one), else the
    one the Tenant's status names last, else the newest by creation (whose time has 1 s resolution)."""
    last = (cluster.get(Kind.TENANT, tenant).get("status") or {}).get("lastSyncRun")
    runs = cluster.runs_of(tenant)
    if not runs:
        raise ObjectNotFound(
            f"Tenant {tenant} has no SyncRun yet; start one with: {_hint(cluster, 'sync')} {tenant}"
        )
    active = [r for r in runs if not _finished(r)]
    named = [r for r in runs if _name(r) == last]
    return (active or named or runs)[-1]


def _run(cluster: Cluster, reference: Reference) -> Body:
    """NAME, syncrun/NAME or sr/NAME: that SyncRun; tenant/NAME: the Tenant's current SyncRun."""
    if reference.kind is Kind.TENANT:
        return _current_run(cluster, reference.name)
    try:
        return cluster.get(Kind.SYNC_RUN, reference.name)
    except ObjectNotFound as missing:
        if reference.kind is None and _exists(cluster, Kind.TENANT, reference.name):
            raise ObjectNotFound(
                f"{missing}; Tenant {reference.name} exists: tenant/{reference.name} names its current SyncRun"
            ) from None
        raise


def _exists(cluster: Cluster, kind: Kind, name: str) -> bool:
    try:
        cluster.get(kind, name)
    except ObjectNotFound:
        return False
    return True


# --- status -------------------------------------------------------------------------------------------

STATUS_COLUMNS = (
    Column("NAMESPACE"),
    Column("TENANT"),
    Column("SYNC STATUS", min_width=max(len(human_phase(p)) for p in RunPhase)),
    Column("MESSAGE", priority=1, prose=True),
    Column("LAST SYNC", priority=2),
    Column("LAST SUCCESS", priority=4),
    Column("LAST RUN", priority=3),
    Column("MODE", wide=True),
    Column("APPROVAL", wide=True),
    Column("SCHEDULE", wide=True),
)


def _status_cells(tenant: Body, now: datetime, all_namespaces: bool) -> list[Cell]:
    row = tenant_sync_status(tenant)
    spec = tenant.get("spec") or {}
    cells: list[Cell] = [
        row.namespace,
        row.name,
        Text(row.status, style=phase_style(row.phase)),
        row.message,
        age(row.last_sync_time, now),
        age(row.last_successful_sync_time, now),
        row.last_sync_run or "-",
        spec.get("mode") or Mode.MANAGED.value,
        spec.get("approval") or "Manual",
        spec.get("schedule") or "-",
    ]
    return cells if all_namespaces else cells[1:]


def _status_columns(all_namespaces: bool) -> Sequence[Column]:
    return STATUS_COLUMNS if all_namespaces else STATUS_COLUMNS[1:]


def _shown_state(tenant: Body) -> tuple[Any, ...]:
    """What a status row shows, but for the ages: `-w` prints a row again only when this changes."""
    status = tenant.get("status") or {}
    keys = ("phase", "message", "lastSyncRun", "lastSyncTime", "lastSuccessfulSyncTime")
    return (tenant.get("spec"), *(status.get(key) for key in keys))


def cmd_status(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    tenant: str | None = args.tenant
    if tenant is not None:
        tenants = [cluster.get(Kind.TENANT, tenant)]
        version = tenants[0]["metadata"]["resourceVersion"]
    else:
        tenants, version = cluster.list_objects(Kind.TENANT, args.all_namespaces)
        tenants.sort(key=lambda t: (t["metadata"].get("namespace", ""), _name(t)))
    output = args.output
    table: Layout | None = None
    if output is not None and output.document:
        emit(tenants[0] if tenant is not None else object_list(tenants), output)
    elif output == Output.NAME:
        ui.names(tenants)
    elif not tenants:
        where = "any namespace" if args.all_namespaces else f"namespace {cluster.namespace!r}"
        ui.note(f"No tenants found in {where}.")
    else:
        now = _now()
        rows = [_status_cells(t, now, args.all_namespaces) for t in tenants]
        table = ui.table(_status_columns(args.all_namespaces), rows, wide=output == Output.WIDE)
        if tenant is not None and not args.watch:
            last_run = (tenants[0].get("status") or {}).get("lastSyncRun")
            if last_run:
                _last_run(cluster, ui, last_run)
            for line in drift_lines(tenants[0]):
                ui.text(line)
    if args.watch:
        ui.flush()
        return _watch_status(args, cluster, ui, tenants, version, table)
    return ExitCode.OK


def _last_run(cluster: Cluster, ui: Terminal, name: str) -> None:
    """The queue wait beside the work of a named Tenant's last run; nothing when the run is gone (runs
    are pruned, the Tenant's status keeps the name)."""
    try:
        run = cluster.get(Kind.SYNC_RUN, name)
    except ObjectNotFound:
        return
    ui.text(last_run_line(run))


def _watch_status(
    args: argparse.Namespace,
    cluster: Cluster,
    ui: Terminal,
    tenants: list[Body],
    version: str,
    table: Layout | None,
) -> int:
    """kubectl's `-w`: after the list, one more row (or document, or name) each time a Tenant changes."""
    shown = {(t["metadata"].get("namespace"), _name(t)): _shown_state(t) for t in tenants}
    only: str | None = args.tenant

    def show(tenant: Body) -> None:
        nonlocal table
        key = (tenant["metadata"].get("namespace"), _name(tenant))
        if (only is not None and key[1] != only) or shown.get(key) == _shown_state(tenant):
            return
        shown[key] = _shown_state(tenant)
        if args.output is not None and args.output.document:
            emit_next(tenant, args.output)
        elif args.output == Output.NAME:
            ui.names([tenant])
        else:
            cells = _status_cells(tenant, _now(), args.all_namespaces)
            if table is None:
                table = ui.table(
                    _status_columns(args.all_namespaces), [cells], wide=args.output == Output.WIDE
                )
            else:
                ui.row(table, cells)
        ui.flush()

    while True:
        try:
            for _, tenant in cluster.watch(Kind.TENANT, args.all_namespaces, version):
                version = tenant["metadata"]["resourceVersion"]
                show(tenant)
        except ObjectChanged:
            # Too long since the last event to resume: list again and show what changed meanwhile.
            tenants, version = cluster.list_objects(Kind.TENANT, args.all_namespaces)
            for tenant in tenants:
                show(tenant)


# --- sync ---------------------------------------------------------------------------------------------


def _request_value(tenant: Body) -> str:
    """A new RFC 3339 value: the operator starts a run for any value it has not handled yet."""
    value = _now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    taken = {
        (tenant["metadata"].get("annotations") or {}).get(SYNC_REQUESTED_AT),
        (tenant.get("status") or {}).get("lastHandledSyncRequest"),
    }
    return value if value not in taken else f"{value}-1"


def runs_in_the_way(runs: Sequence[Body], before: set[str]) -> list[Body]:
    """The active runs a sync request waits behind: any but the one the request itself starts.

    The operator creates the requested run before it records the request as handled, so for a moment
    the new run is active while the request still looks pending: it is not in its own way.
    """
    return [
        run
        for run in runs
        if not _finished(run)
        and (_name(run) in before or (run.get("spec") or {}).get("trigger") != Trigger.SYNC_REQUEST)
    ]


def _wait_for_new_run(
    cluster: Cluster, tenant: str, value: str, before: set[str], deadline: Deadline, ui: Terminal
) -> Body:
    announced: set[str] = set()
    with ui.waiting(f"Waiting for the operator to start a SyncRun for Tenant {tenant}..."):
        while True:
            handled = (cluster.get(Kind.TENANT, tenant).get("status") or {}).get("lastHandledSyncRequest")
            runs = cluster.runs_of(tenant)
            if handled == value:
                requested = [
                    r
                    for r in runs
                    if _name(r) not in before and (r.get("spec") or {}).get("trigger") == Trigger.SYNC_REQUEST
                ]
                if requested:
                    return requested[-1]
            for run in runs_in_the_way(runs, before):
                if _name(run) not in announced:
                    announced.add(_name(run))
                    ui.note(
                        f"SyncRun {_name(run)} is still {human_phase(_phase(run))}: the new sync starts when"
                        " it has finished."
                    )
            if deadline.passed():
                raise WaitTimedOut(
                    f"no SyncRun started for Tenant {tenant!r} in time; the request stays on the Tenant"
                    f" ({SYNC_REQUESTED_AT}={value}). Is the operator running and watching namespace"
                    f" {cluster.namespace!r}?"
                )
            time.sleep(POLL_SECONDS)


def _outcome(cluster: Cluster, run: Body, ui: Terminal) -> int:
    """The line a person reads at the end of a wait, and what to do next."""
    name = _name(run)
    status = run.get("status") or {}
    phase = status.get("phase")
    ui.text(
        Text.assemble(
            (f"SyncRun {name}: {human_phase(phase)}", phase_style(phase)), f" - {status.get('message') or ''}"
        )
    )
    if phase == RunPhase.PENDING_APPROVAL:
        ui.text(f"Review the plan: {_hint(cluster, 'plan')} {name}")
        ui.text(f"Then decide:     {_hint(cluster, 'approve|reject|revert')} {name}")
    elif phase == RunPhase.PENDING_AUTHENTICATION:
        ui.text(f"Sign in: {_hint(cluster, 'login')} {_tenant_of(run)}")
    elif phase == RunPhase.PENDING_ADMIN_CONSENT:
        authentication = status.get("authentication") or {}
        missing = authentication.get("missingPermissions") or []
        if missing:
            ui.text(f"Missing permissions: {', '.join(missing)}")
        if authentication.get("adminConsentUrl"):
            ui.text(f"Grant admin consent: {authentication['adminConsentUrl']}")
    elif _failed(run):
        ui.text(f"Details: {_hint(cluster, 'error')} {name}")
        return ExitCode.RUN_FAILED
    return ExitCode.OK


def _wait_for_outcome(cluster: Cluster, name: str, deadline: Deadline, ui: Terminal) -> Body:
    with ui.waiting(f"Waiting for SyncRun {name} to finish or to need a person..."):
        while True:
            run = cluster.get(Kind.SYNC_RUN, name)
            if _finished(run) or _phase(run) in PENDING_RUN_PHASES:
                return run
            if deadline.passed():
                raise WaitTimedOut(
                    f"SyncRun {name} is still {human_phase(_phase(run))} after {deadline.seconds:g}s."
                )
            time.sleep(POLL_SECONDS)


def cmd_sync(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    name: str = args.tenant
    tenant = cluster.get(Kind.TENANT, name)
    before = {_name(r) for r in cluster.runs_of(name)}
    value = _request_value(tenant)
    cluster.annotate(Kind.TENANT, name, {SYNC_REQUESTED_AT: value}, None)
    ui.note(f"Requested a sync of Tenant {cluster.namespace}/{name} ({SYNC_REQUESTED_AT}={value}).")
    deadline = Deadline(args.timeout)
    run = _wait_for_new_run(cluster, name, value, before, deadline, ui)
    ui.text(_name(run))
    ui.flush()
    if not args.wait:
        return ExitCode.OK
    return _outcome(cluster, _wait_for_outcome(cluster, _name(run), deadline, ui), ui)


# --- plan ---------------------------------------------------------------------------------------------


def cmd_plan(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    run = _run(cluster, args.syncrun)
    name = _name(run)
    status = run.get("status") or {}
    if args.output == Output.NAME:
        ui.names([run])
        return ExitCode.OK
    if status.get("plan") is None:
        raise PluginError(
            f"SyncRun {name} has no plan yet: it is {human_phase(status.get('phase'))}"
            f" (step {status.get('step') or 'Starting'})."
        )
    if args.output is not None:
        emit(
            {
                "syncRun": name,
                "namespace": cluster.namespace,
                "tenant": _tenant_of(run),
                "phase": status.get("phase"),
                "plan": status["plan"],
                "deployResults": (status.get("deploy") or {}).get("results") or [],
            },
            args.output,
        )
        return ExitCode.OK
    ui.lines(plan_lines(run))
    return ExitCode.OK


# --- approve / reject / revert --------------------------------------------------------------------------

DECISIONS: dict[str, tuple[Decision, str, str]] = {
    "approve": (Decision.APPROVE, "Approved", "the operator deploys the plan now."),
    "reject": (
        Decision.REJECT,
        "Rejected",
        "nothing is deployed; the same changes come up again at the next sync.",
    ),
    "revert": (
        Decision.REJECT_AND_REVERT,
        "Rejected and reverted",
        "nothing is deployed; the tenant's current state becomes the desired state in the repository.",
    ),
}


def cmd_decide(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    decision, done, consequence = DECISIONS[args.command]
    name = _name(_run(cluster, args.syncrun))
    shown: str | None = getattr(args, "digest", None)
    for _ in range(3):
        run = cluster.get(Kind.SYNC_RUN, name)
        phase = _phase(run)
        if phase != RunPhase.PENDING_APPROVAL:
            raise PluginError(
                f"SyncRun {name} is {human_phase(phase)} (phase {phase or 'not set yet'}), not Pending"
                f" approval: there is nothing to {args.command}."
            )
        plan = (run.get("status") or {}).get("plan") or {}
        digest = str(plan.get("digest") or "")
        if shown is not None and not names_digest(shown, digest):
            raise PluginError(
                f"SyncRun {name} waits for approval of plan {digest[:12]}, not {shown}: review that plan"
                f" ({_hint(cluster, 'plan')} {name}) and approve it."
            )
        annotations = run["metadata"].get("annotations") or {}
        existing = annotations.get(APPROVAL)
        needed = _required_approvals(cluster, run) if existing == decision.value == Decision.APPROVE else 1
        if needed > 1:
            return _further_approval(cluster, ui, run, digest, needed)
        if existing == decision.value:
            ui.text(f"SyncRun {name} already carries {APPROVAL}={existing}; the operator acts on it shortly.")
            return ExitCode.OK
        if existing in {d.value for d in Decision} and not args.overwrite:
            raise PluginError(
                f"SyncRun {name} already carries {APPROVAL}={existing}, which the operator has not acted on"
                " yet; pass --overwrite to change the decision."
            )
        # An approval names the plan it is for: the one read here, at this resourceVersion.
        written = {APPROVAL: decision.value}
        if decision == Decision.APPROVE:
            written[APPROVAL_DIGEST] = shown or digest
        try:
            cluster.annotate(Kind.SYNC_RUN, name, written, run["metadata"]["resourceVersion"])
        except ObjectChanged:
            continue  # The operator wrote to the run meanwhile: read it again and re-check its phase.
        count = int(plan.get("changeCount") or 0)
        ui.text(
            f"{done} SyncRun {name} (plan {digest[:12] or '-'}, {count} change{'' if count == 1 else 's'}):"
            f" {consequence}"
        )
        return ExitCode.OK
    raise PluginError(f"SyncRun {name} kept changing while being annotated; try again.")


def _required_approvals(cluster: Cluster, run: Body) -> int:
    try:
        spec = cluster.get(Kind.TENANT, _tenant_of(run)).get("spec") or {}
    except ObjectNotFound:
        return 1
    return int(spec.get("requiredApprovals") or 1)


def _further_approval(cluster: Cluster, ui: Terminal, run: Body, digest: str, needed: int) -> int:
    """A Tenant that needs several approvers: each one after the first adds their own annotation,
    named after the user the API server says they are, so no approval overwrites another."""
    name = _name(run)
    user = cluster.username()
    key = f"{FURTHER_APPROVAL_PREFIX}{approver_handle(user)}"
    cluster.annotate(Kind.SYNC_RUN, name, {key: digest[:12]}, run["metadata"]["resourceVersion"])
    ui.text(
        f"Added the approval of {user} to SyncRun {name} (plan {digest[:12]}); the operator deploys once"
        f" {needed} people have approved this plan."
    )
    return ExitCode.OK


# --- login --------------------------------------------------------------------------------------------


def _user(run: Body) -> dict[str, Any]:
    user: dict[str, Any] = ((run.get("status") or {}).get("authentication") or {}).get("user") or {}
    return user


def cmd_login(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    name: str = args.tenant
    tenant = cluster.get(Kind.TENANT, name)
    runs = cluster.runs_of(name)
    if not runs:
        ui.text(
            f"Tenant {name} has no SyncRun: no sign-in is pending. Start a sync with:"
            f" {_hint(cluster, 'sync')} {name}"
        )
        return ExitCode.OK
    # One run is active per Tenant; it is the newest, but creation times have one-second resolution.
    pending = [r for r in runs if _phase(r) == RunPhase.PENDING_AUTHENTICATION]
    run = (pending or runs)[-1]
    run_name = _name(run)
    if _phase(run) != RunPhase.PENDING_AUTHENTICATION:
        ui.text(
            f"No sign-in is pending: the newest SyncRun of Tenant {name}, {run_name}, is"
            f" {human_phase(_phase(run))}."
        )
        if (tenant.get("spec") or {}).get("userAuthentication") is None:
            ui.text(f"Tenant {name} has no spec.userAuthentication: it never asks for a sign-in.")
        return ExitCode.OK
    deadline = Deadline(args.timeout)
    shown_code: str | None = None
    with ui.waiting(f"Waiting for the sign-in to SyncRun {run_name} (Ctrl-C stops waiting, not the run)..."):
        while _phase(run) == RunPhase.PENDING_AUTHENTICATION:
            user = _user(run)
            if user.get("userCode") and user["userCode"] != shown_code:
                shown_code = user["userCode"]
                _show_device_code(ui, name, run_name, user)
            if deadline.passed():
                raise WaitTimedOut(
                    f"SyncRun {run_name} is still Pending authentication after {args.timeout:g}s."
                )
            time.sleep(POLL_SECONDS)
            run = cluster.get(Kind.SYNC_RUN, run_name)
    user = _user(run)
    status = run.get("status") or {}
    state = user.get("state")
    if sign_in_succeeded(state):
        ui.text(Text(f"Signed in. SyncRun {run_name} goes on: {human_phase(_phase(run))}.", style="green"))
        return ExitCode.OK
    if sign_in_failed(state):
        ui.text(Text(user.get("message") or status.get("message") or f"Sign-in {state}.", style="red"))
        return ExitCode.RUN_FAILED
    ui.text(f"SyncRun {run_name} is now {human_phase(_phase(run))}: {status.get('message') or ''}")
    return ExitCode.RUN_FAILED if _failed(run) else ExitCode.OK


def _show_device_code(ui: Terminal, tenant: str, run: str, user: dict[str, Any]) -> None:
    ui.text(f"Tenant {tenant} (SyncRun {run}) needs a signed-in user. To sign in, open")
    ui.text(Text(f"    {user.get('verificationUri') or '(no verification URL in status)'}", style="bold"))
    ui.text("and enter the code")
    ui.text(Text(f"    {user['userCode']}", style="bold cyan"))
    expires = parse_time(user.get("expiresAt"))
    if expires is not None:
        left = human_duration((expires - _now()).total_seconds())
        ui.text(f"The code expires in {left} ({user['expiresAt']}).")
    if user.get("message"):
        ui.text(user["message"])
    ui.flush()


# --- error --------------------------------------------------------------------------------------------


def _error_target(cluster: Cluster, reference: Reference) -> tuple[Kind, Body]:
    """A SyncRun by name; a Tenant's own error (e.g. an invalid schedule), else its newest run's."""
    if reference.kind is Kind.SYNC_RUN:
        return Kind.SYNC_RUN, cluster.get(Kind.SYNC_RUN, reference.name)
    if reference.kind is Kind.TENANT:
        tenant = cluster.get(Kind.TENANT, reference.name)
    else:
        try:
            return Kind.SYNC_RUN, cluster.get(Kind.SYNC_RUN, reference.name)
        except ObjectNotFound:
            try:
                tenant = cluster.get(Kind.TENANT, reference.name)
            except ObjectNotFound:
                raise ObjectNotFound(
                    f'no SyncRun or Tenant named "{reference.name}" in namespace {cluster.namespace!r}'
                ) from None
    status = tenant.get("status") or {}
    if not status.get("error") and status.get("lastSyncRun"):
        try:
            return Kind.SYNC_RUN, cluster.get(Kind.SYNC_RUN, status["lastSyncRun"])
        except ObjectNotFound:
            pass
    return Kind.TENANT, tenant


def cmd_error(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    kind, obj = _error_target(cluster, args.target)
    status = obj.get("status") or {}
    if args.output == Output.NAME:
        ui.names([obj])
        return ExitCode.OK
    if args.output is not None:
        emit(
            {
                "kind": kind.value,
                "name": _name(obj),
                "namespace": cluster.namespace,
                "phase": status.get("phase"),
                "message": status.get("message"),
                "error": status.get("error"),
            },
            args.output,
        )
        return ExitCode.OK
    if not has_error(obj):
        # The message is the operator's own sentence, with its own full stop: it follows, unwrapped.
        ui.text(
            f"{kind} {_name(obj)} has no error: it is {human_phase(status.get('phase'))}."
            + (f" {status['message']}" if status.get("message") else "")
        )
        return ExitCode.OK
    # Plain text, unstyled and unwrapped, ready to paste; then what to do about it, from the package.
    sys.stdout.write(error_text(kind, obj))
    code = error_code(obj)
    page = troubleshooting_page(code) if code and not args.brief else None
    if page is not None:
        sys.stdout.write("\n")
        sys.stdout.flush()
        ui.markdown(page)
    return ExitCode.OK


# --- logs ---------------------------------------------------------------------------------------------

LOG_COLUMNS = (
    Column("TIME", min_width=len("2026-11-23T06:00:00Z")),
    Column("SOURCE", wide=True),
    Column("TYPE", priority=2, min_width=len("Warning")),
    Column("REASON", min_width=len("PendingAuthentication")),
    Column("MESSAGE", priority=1, prose=True),
)


def _log_cells(entry: TimelineEntry) -> list[Cell]:
    style = "yellow" if entry.type == "Warning" else ("red" if entry.type.endswith("=False") else "")
    message = entry.message + (f" (x{entry.count})" if entry.count > 1 else "")
    return [entry.time, entry.source, Text(entry.type, style=style), entry.reason, message]


def _log_header(run: Body) -> Text:
    status = run.get("status") or {}
    header = Text(f"SyncRun {_name(run)} (Tenant {_tenant_of(run) or '?'}): ")
    header.append(human_phase(status.get("phase")), style=phase_style(status.get("phase")))
    if status.get("queuedSeconds") is not None:
        header.append(f", queued {human_duration(status['queuedSeconds'])}")
    if status.get("startTime"):
        header.append(f", started {status['startTime']}")
    if status.get("completionTime"):
        header.append(f", completed {status['completionTime']}")
    return header


def cmd_logs(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    run = _run(cluster, args.syncrun)
    name = _name(run)
    events = cluster.events_of(Kind.SYNC_RUN, name, run["metadata"].get("uid"))
    if args.output is not None and args.output.document:
        emit(object_list([run, *sorted(events, key=event_time)]), args.output)
        return ExitCode.OK
    if args.output == Output.NAME:
        ui.names([run, *events])
        return ExitCode.OK
    entries = timeline(run, events)
    ui.text(_log_header(run))
    if not entries and not args.follow:
        ui.text("No events or conditions recorded yet.")
        return ExitCode.OK
    table = ui.table(LOG_COLUMNS, [_log_cells(e) for e in entries], wide=args.output == Output.WIDE)
    if args.follow:
        _follow(cluster, ui, run, set(entries), table)
    return ExitCode.OK


def _follow(cluster: Cluster, ui: Terminal, run: Body, printed: set[TimelineEntry], table: Layout) -> None:
    """`logs -f`: each new event or condition as it comes, until the run has finished.

    The operator posts a run's final event just after its final status, so one more look follows.
    """
    name = _name(run)
    while True:
        ui.flush()
        finished = _finished(run)
        time.sleep(POLL_SECONDS)
        run = cluster.get(Kind.SYNC_RUN, name)
        for entry in timeline(run, cluster.events_of(Kind.SYNC_RUN, name, run["metadata"].get("uid"))):
            if entry not in printed:
                printed.add(entry)
                ui.row(table, _log_cells(entry))
        if finished:
            ui.flush()
            return


# --- permissions --------------------------------------------------------------------------------------


def cmd_permissions(args: argparse.Namespace, cluster_factory: Callable[[], Cluster], ui: Terminal) -> int:
    user_client_id: str | None = None
    if args.tenant:
        if args.resources is not None:
            raise PluginError("give a TENANT or --resources, not both")
        cluster = cluster_factory()
        name: str = args.tenant
        spec = cluster.get(Kind.TENANT, name).get("spec") or {}
        resources = [ResourceType(r) for r in spec.get("resources") or ResourceType]
        mode = Mode(args.mode or spec.get("mode") or Mode.MANAGED)
        app_client_id = (spec.get("servicePrincipal") or {}).get("clientId")
        user_auth = spec.get("userAuthentication")
        user_client_id = (user_auth or {}).get("clientId")
        subject = f"Tenant {cluster.namespace}/{name}"
        watches_drift = bool((spec.get("drift") or {}).get("enabled", True))
    else:
        try:
            resources = parse_resources(args.resources) if args.resources else list(ResourceType)
        except ValueError as problem:
            raise PluginError(str(problem)) from problem
        mode = Mode(args.mode or Mode.MANAGED)
        app_client_id = None
        user_auth = None
        subject = "these types"
        watches_drift = True
    report = permission_report(resources, mode, drift=watches_drift)
    if args.output is not None:
        data = report.as_dict()
        if args.tenant:
            data = {"tenant": name, "servicePrincipalClientId": app_client_id,
                    "userAuthenticationClientId": user_client_id, **data}  # fmt: skip
        emit(data, args.output)
        return ExitCode.OK
    ui.text(
        Text(
            f"Permissions for {subject}: mode {mode.value}, {len(report.resources)} configuration"
            f" type{'' if len(report.resources) == 1 else 's'}.",
            style="bold",
        )
    )
    ui.text("")
    where = f" of app registration {app_client_id}" if app_client_id else ""
    ui.text(
        f"Application permissions (Microsoft Graph, {MICROSOFT_GRAPH_APP_ID}) for the service principal{where};"
        " grant admin consent:"
    )
    if report.application:
        _permission_needs(ui, "PERMISSION", report.application)
    else:
        ui.text("  none")
    if report.drift:
        ui.text("")
        ui.text("For drift between syncs (spec.drift, reading the audit logs; syncs never wait for these):")
        _permission_needs(ui, "PERMISSION", report.drift)
    ui.text("")
    if report.exchange:
        ui.text(
            f"Application permission (Office 365 Exchange Online, {EXCHANGE_ONLINE_APP_ID}) for the Exchange admin"
            " API; grant admin consent:"
        )
        _permission_needs(ui, "PERMISSION", report.exchange)
        ui.text("")
        ui.text(
            "Entra roles the service principal must hold (any one of each line; assign under Roles and administrators):"
        )
        _permission_needs(ui, "ROLE", report.roles)
        ui.text("")
    if report.snapshots:
        ui.text(
            "Tenant Configuration Management's service principal (Unified Tenant Configuration Management), which"
            " takes the Teams snapshots, must be added to the tenant and hold the role (docs/types.md, Teams):"
        )
        ui.table(
            (Column("SERVICE PRINCIPAL"), Column("NEEDED BY", prose=True)),
            [[Text(need.name, style="bold"), ", ".join(need.needed_by)] for need in report.snapshots],
        )
        ui.text("")
    if not report.delegated:
        ui.text("Delegated permissions: none (no configured type needs a signed-in user).")
        return ExitCode.OK
    where = f", public client {user_client_id}" if user_client_id else ""
    ui.text(f"Delegated permissions for the signed-in user (spec.userAuthentication{where}):")
    _permission_needs(ui, "SCOPE", report.delegated)
    if args.tenant and user_auth is None:
        ui.text(
            Text(
                "Warning: the Tenant has no spec.userAuthentication, so these types are skipped at every sync.",
                style="yellow",
            )
        )
    return ExitCode.OK


NEEDED_BY_ROOM = 30
"""Cells the NEEDED BY column keeps beside the names: a few types a line, and never less than the longest
type. A name so long that less is left (the Entra role alternatives are 77 characters) stacks instead."""

STACKED_INDENT = 4


def _permission_needs(ui: Terminal, header: str, needs: Sequence[PermissionNeed]) -> None:
    """Each permission, scope or role with the types that need it: a table when the names leave the
    types room beside them (or there is no terminal, one row a line for grep); else each name on a line
    of its own with its types wrapped below it, indented, so that the types neither fall one a line down
    a narrow column nor run past the terminal's edge."""
    width = ui.width
    name = max(len(need.name) for need in needs)
    room = max([NEEDED_BY_ROOM, *(len(type_) for need in needs for type_ in need.needed_by)])
    if width is None or name + GAP + room <= width:
        ui.table(
            (Column(header), Column("NEEDED BY", prose=True)),
            [[Text(need.name, style="bold"), ", ".join(need.needed_by)] for need in needs],
        )
        return
    for need in needs:
        ui.text(Text(need.name, style="bold"))
        ui.text(" " * STACKED_INDENT + ", ".join(need.needed_by), indent=STACKED_INDENT)


# --- command line -------------------------------------------------------------------------------------


def _global_flags(parser: argparse.ArgumentParser, default: Any) -> None:
    """kubectl's global flags. On subcommands they default to SUPPRESS, so one given before the
    subcommand (`kubectl tenantsync -n m365 status`) is not reset by the subcommand's default."""
    parser.add_argument(
        "--kubeconfig",
        default=default,
        help="path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config)",
    )
    parser.add_argument("--context", default=default, help="the kubeconfig context to use")
    parser.add_argument(
        "-n", "--namespace", default=default, help="namespace (default: the context's namespace)"
    )
    parser.add_argument(
        "--as", dest="impersonate", metavar="USER", default=default, help="act as this user (impersonation)"
    )
    parser.add_argument(
        "-A",
        "--all-namespaces",
        action="store_true",
        default=False if default is None else default,
        help="every namespace (status)",
    )


def _output(choices: Sequence[Output]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-o", "--output", choices=[c.value for c in choices], help="output format")
    return parser


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help at the terminal's width (COLUMNS), whose own formatter leaves the description and
    the epilog as written: each of their lines is wrapped at spaces, and a line that starts with an exit
    code continues under its meaning."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(
            textwrap.fill(
                line,
                width,
                initial_indent=indent,
                subsequent_indent=indent + _under_the_meaning(line),
                break_long_words=False,
                break_on_hyphens=False,
            )
            for line in text.splitlines()
        )


EXIT_CODE_LINE = re.compile(r"\s*\d+\s+")
"""`  3   the SyncRun ... failed`: the code and its gap, which continuation lines leave blank."""


def _under_the_meaning(line: str) -> str:
    code = EXIT_CODE_LINE.match(line)
    return " " * (code.end() if code else 0)


def argument_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _global_flags(common, argparse.SUPPRESS)
    every = [Output.JSON, Output.YAML, Output.NAME, Output.WIDE]

    parser = argparse.ArgumentParser(
        prog="kubectl tenantsync",
        description="Drive tenantsync: sync status, sync now, review and approve plans, sign in, errors,"
        " baselines.",
        epilog="exit codes:\n"
        + "\n".join(f"  {code.value:<4}{meaning}" for code, meaning in MEANINGS.items()),
        formatter_class=HelpFormatter,
    )
    _global_flags(parser, None)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    status = commands.add_parser(
        "status", parents=[common, _output(every)], help="each tenant's sync status, message and last sync"
    )
    status.add_argument("tenant", nargs="?", metavar="TENANT", type=_tenant_argument)
    status.add_argument("-w", "--watch", action="store_true", help="after the list, print each change")
    status.set_defaults(handler=cmd_status)

    sync = commands.add_parser("sync", parents=[common], help="sync a tenant now; prints the new SyncRun")
    sync.add_argument("tenant", metavar="TENANT", type=_tenant_argument)
    sync.add_argument(
        "--wait", action="store_true", help="wait until the run finishes or needs a person (Pending*)"
    )
    sync.add_argument(
        "--timeout", type=float, default=600, help="seconds to wait in all (0: no limit; default 600)"
    )
    sync.set_defaults(handler=cmd_sync)

    plan = commands.add_parser(
        "plan",
        parents=[common, _output([Output.JSON, Output.YAML, Output.NAME])],
        help="the changes a SyncRun would deploy",
    )
    plan.add_argument(
        "syncrun",
        type=_reference_argument,
        metavar="SYNCRUN",
        help="NAME, syncrun/NAME, sr/NAME or tenant/NAME (its current run)",
    )
    plan.set_defaults(handler=cmd_plan)

    for verb, text in (
        ("approve", "deploy the plan of a SyncRun in Pending approval"),
        ("reject", "deploy nothing; the same changes come up at the next sync"),
        (
            "revert",
            "deploy nothing and make the tenant's current state the desired state (reject-and-revert)",
        ),
    ):
        decide = commands.add_parser(verb, parents=[common], help=text)
        decide.add_argument(
            "syncrun",
            type=_reference_argument,
            metavar="SYNCRUN",
            help="NAME, syncrun/NAME, sr/NAME or tenant/NAME",
        )
        decide.add_argument(
            "--overwrite", action="store_true", help="replace a decision the operator has not acted on yet"
        )
        if verb == "approve":
            decide.add_argument(
                "--digest",
                metavar="PREFIX",
                help="the plan you reviewed (its digest, at least 8 characters): refused if the plan is another",
            )
        decide.set_defaults(handler=cmd_decide)

    login = commands.add_parser(
        "login", parents=[common], help="show the device code of a pending sign-in and wait for it"
    )
    login.add_argument("tenant", metavar="TENANT", type=_tenant_argument)
    login.add_argument(
        "--timeout", type=float, default=0, help="seconds to wait (default: until the run moves on)"
    )
    login.set_defaults(handler=cmd_login)

    error = commands.add_parser(
        "error",
        parents=[common, _output([Output.JSON, Output.YAML, Output.NAME])],
        help="the whole error of a SyncRun or Tenant, ready to copy, and its troubleshooting page",
    )
    error.add_argument(
        "target",
        type=_reference_argument,
        metavar="SYNCRUN|TENANT",
        help="NAME, syncrun/NAME, sr/NAME or tenant/NAME",
    )
    error.add_argument(
        "--brief", action="store_true", help="the error alone, without its troubleshooting page"
    )
    error.set_defaults(handler=cmd_error)

    logs = commands.add_parser(
        "logs", parents=[common, _output(every)], help="a SyncRun's events and conditions as one timeline"
    )
    logs.add_argument(
        "syncrun",
        type=_reference_argument,
        metavar="SYNCRUN",
        help="NAME, syncrun/NAME, sr/NAME or tenant/NAME (its current run)",
    )
    logs.add_argument("-f", "--follow", action="store_true", help="print new entries until the run finishes")
    logs.set_defaults(handler=cmd_logs)

    permissions = commands.add_parser(
        "permissions",
        parents=[common, _output([Output.JSON, Output.YAML])],
        help="the application and delegated permissions to grant",
    )
    permissions.add_argument("tenant", nargs="?", metavar="TENANT", type=_tenant_argument)
    permissions.add_argument(
        "--resources",
        help=f"comma-separated types instead of a Tenant's (e.g. {ResourceType.NAMED_LOCATIONS.value})",
    )
    permissions.add_argument(
        "--mode", choices=[m.value for m in Mode], help="Managed (default) or BackupOnly"
    )
    permissions.set_defaults(handler=cmd_permissions)
    add_baseline_commands(commands, common, _output, every)
    return parser


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Combinations argparse cannot express; refused as usage errors (exit 2)."""
    if args.all_namespaces and args.command != "status":
        parser.error("-A/--all-namespaces applies to status only")
    if args.all_namespaces and args.tenant:
        parser.error("status: give a TENANT or -A, not both")
    if args.command == "logs" and args.follow and args.output not in (None, Output.WIDE):
        parser.error("logs -f prints a table: -o wide or no -o")


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "tenant"):
        args.tenant = None
    args.output = Output(args.output) if getattr(args, "output", None) else None
    _check(parser, args)
    ui = Terminal()

    def cluster() -> Cluster:
        return Cluster(connect(args.kubeconfig, args.context, args.namespace, args.impersonate))

    try:
        if args.command == "permissions":
            # Without a TENANT it needs no cluster at all.
            return cmd_permissions(args, cluster, ui)
        handler: Callable[[argparse.Namespace, Cluster, Terminal], int] = args.handler
        return handler(args, cluster(), ui)
    except PluginError as problem:
        ui.note(f"error: {problem}", style="red")
        return problem.exit_code
    except KeyboardInterrupt:
        ui.note("interrupted: the SyncRun goes on without this command.")
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
