"""`kubectl-tenantsync`: the kubectl plugin people drive tenantsync with (`kubectl tenantsync ...`).

Read commands (status, plan, error, logs, permissions) take `-o json|yaml`; writes are the two
annotations of SPEC §2 (sync-requested-at on a Tenant, approval on a SyncRun), nothing else. Exit code
0 means done, 1 means the cluster said no or the run failed (the message says why), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tenantsync.api import APPROVAL, SYNC_REQUESTED_AT, Decision, Mode, ResourceType, RunPhase
from tenantsync.cli.plugin_cluster import (
    Body,
    Cluster,
    ObjectChanged,
    ObjectNotFound,
    PluginError,
    connect,
)
from tenantsync.cli.plugin_format import (
    MICROSOFT_GRAPH_APP_ID,
    PENDING_RUN_PHASES,
    Line,
    age,
    error_text,
    has_error,
    human_duration,
    human_phase,
    parse_resources,
    parse_time,
    permission_report,
    phase_style,
    plan_lines,
    tenant_sync_status,
    timeline,
)

POLL_SECONDS = 1.0
NO_COLOUR_WIDTH = 1000
"""Output that is not a terminal is not wrapped: one table row stays one line for grep and scripts."""


class Terminal:
    """stdout for results, stderr for progress and errors; colour and spinners only on a terminal."""

    def __init__(self) -> None:
        self.out = Console(highlight=False, markup=False, emoji=False)
        if not self.out.is_terminal:
            self.out = Console(highlight=False, markup=False, emoji=False, width=NO_COLOUR_WIDTH)
        self.err = Console(stderr=True, highlight=False, markup=False, emoji=False)
        if not self.err.is_terminal:
            self.err = Console(stderr=True, highlight=False, markup=False, emoji=False, width=NO_COLOUR_WIDTH)

    def table(self, table: Table) -> None:
        if self.out.is_terminal:
            self.out.print(table)
            return
        # Columns are padded to their width: drop the trailing blanks that padding leaves elsewhere.
        with self.out.capture() as captured:
            self.out.print(table)
        sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))

    def lines(self, lines: Sequence[Line]) -> None:
        for line in lines:
            self.out.print(Text(line.text, style=line.style))

    def note(self, text: str, style: str = "") -> None:
        self.err.print(Text(text, style=style))

    @contextmanager
    def waiting(self, text: str) -> Iterator[None]:
        """A spinner on a terminal; elsewhere the same words once, so logs show what the wait was for."""
        if self.err.is_terminal:
            with self.err.status(text):
                yield
        else:
            self.err.print(text)
            yield


def emit(data: Any, output: str) -> None:
    if output == "json":
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))


WRAPPING_COLUMNS = frozenset({"MESSAGE", "NEEDED BY"})


Cell = str | Text


def _table(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Table:
    """kubectl's borderless columns. On a narrow terminal only the prose wraps; names and times stay whole."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold", padding=(0, 2, 0, 0))
    for index, header in enumerate(headers):
        if header in WRAPPING_COLUMNS:
            table.add_column(header, overflow="fold", ratio=1)
        else:
            width = max([len(header), *(len(str(row[index])) for row in rows)])
            table.add_column(header, no_wrap=True, min_width=width)
    for row in rows:
        table.add_row(*row)
    return table


def _now() -> datetime:
    return datetime.now(UTC)


def _phase(obj: Body) -> str | None:
    phase: str | None = (obj.get("status") or {}).get("phase")
    return phase


def _finished(run: Body) -> bool:
    phase = _phase(run)
    return phase in {p.value for p in RunPhase} and RunPhase(phase).finished


def _hint(cluster: Cluster, command: str) -> str:
    return f"kubectl tenantsync {command} -n {cluster.namespace}"


class Deadline:
    """`seconds` from now; 0 or less never passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds if seconds > 0 else None

    def passed(self) -> bool:
        return self._end is not None and time.monotonic() >= self._end


# --- status -------------------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    if args.tenant:
        tenants = [cluster.get("Tenant", "tenants", args.tenant)]
    else:
        tenants = sorted(
            cluster.list_all("tenants", args.all_namespaces),
            key=lambda t: (t["metadata"].get("namespace", ""), t["metadata"]["name"]),
        )
    rows = [tenant_sync_status(t) for t in tenants]
    if args.output:
        emit(rows[0].as_dict() if args.tenant else {"items": [r.as_dict() for r in rows]}, args.output)
        return 0
    if not rows:
        where = "any namespace" if args.all_namespaces else f"namespace {cluster.namespace!r}"
        ui.note(f"No tenants found in {where}.")
        return 0
    now = _now()
    headers = ["TENANT", "SYNC STATUS", "MESSAGE", "LAST SYNC", "LAST SUCCESS", "LAST RUN"]
    table_rows: list[list[Cell]] = []
    for row in rows:
        cells: list[Cell] = [
            row.name,
            Text(row.status, style=phase_style(row.phase)),
            row.message,
            age(row.last_sync_time, now),
            age(row.last_successful_sync_time, now),
            row.last_sync_run or "-",
        ]
        table_rows.append([row.namespace, *cells] if args.all_namespaces else cells)
    table = _table(["NAMESPACE", *headers] if args.all_namespaces else headers, table_rows)
    ui.table(table)
    return 0


# --- sync ---------------------------------------------------------------------------------------------


def _request_value(tenant: Body) -> str:
    """A new RFC 3339 value: the operator starts a run for any value it has not handled yet."""
    value = _now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    taken = {
        (tenant["metadata"].get("annotations") or {}).get(SYNC_REQUESTED_AT),
        (tenant.get("status") or {}).get("lastHandledSyncRequest"),
    }
    return value if value not in taken else f"{value}-1"


def _wait_for_new_run(
    cluster: Cluster, tenant: str, value: str, before: set[str], deadline: Deadline, ui: Terminal
) -> Body:
    announced_active = False
    with ui.waiting(f"Waiting for the operator to start a SyncRun for Tenant {tenant}..."):
        while True:
            current = cluster.get("Tenant", "tenants", tenant)
            runs = cluster.runs_of(tenant)
            new = [r for r in runs if r["metadata"]["name"] not in before]
            handled = (current.get("status") or {}).get("lastHandledSyncRequest") == value
            if handled and new:
                requested = [r for r in new if (r.get("spec") or {}).get("trigger") == "SyncRequest"]
                newest: Body = (requested or new)[-1]
                return newest
            active = [r for r in runs if not _finished(r)]
            if active and not announced_active:
                run = active[-1]
                ui.note(
                    f"SyncRun {run['metadata']['name']} is still {human_phase(_phase(run))}: the new sync"
                    " starts when it has finished."
                )
                announced_active = True
            if deadline.passed():
                raise PluginError(
                    f"no SyncRun started for Tenant {tenant!r} in time; the request stays on the Tenant"
                    f" ({SYNC_REQUESTED_AT}={value}). Is the operator running and watching namespace"
                    f" {cluster.namespace!r}?"
                )
            time.sleep(POLL_SECONDS)


def _outcome(args: argparse.Namespace, cluster: Cluster, run: Body, ui: Terminal) -> int:
    """The line a person reads at the end of a wait, and what to do next."""
    name = run["metadata"]["name"]
    tenant = (run.get("spec") or {}).get("tenantRef", {}).get("name", "")
    status = run.get("status") or {}
    phase = status.get("phase")
    ui.out.print(
        Text(f"SyncRun {name}: {human_phase(phase)}", style=phase_style(phase)),
        Text(f"- {status.get('message') or ''}"),
    )
    if phase == RunPhase.PENDING_APPROVAL:
        ui.out.print(f"Review the plan: {_hint(cluster, 'plan')} {name}")
        ui.out.print(f"Then decide:     {_hint(cluster, 'approve|reject|revert')} {name}")
    elif phase == RunPhase.PENDING_AUTHENTICATION:
        ui.out.print(f"Sign in: {_hint(cluster, 'login')} {tenant}")
    elif phase == RunPhase.PENDING_ADMIN_CONSENT:
        authentication = status.get("authentication") or {}
        missing = authentication.get("missingPermissions") or []
        if missing:
            ui.out.print(f"Missing permissions: {', '.join(missing)}")
        if authentication.get("adminConsentUrl"):
            ui.out.print(f"Grant admin consent: {authentication['adminConsentUrl']}")
    elif phase in (RunPhase.NEW_ERROR, RunPhase.PARTIALLY_SUCCESSFUL):
        ui.out.print(f"Details: {_hint(cluster, 'error')} {name}")
        return 1
    return 0


def _wait_for_outcome(cluster: Cluster, name: str, deadline: Deadline, ui: Terminal) -> Body:
    with ui.waiting(f"Waiting for SyncRun {name} to finish or to need a person..."):
        while True:
            run = cluster.get("SyncRun", "syncruns", name)
            phase = _phase(run)
            if _finished(run) or phase in PENDING_RUN_PHASES:
                return run
            if deadline.passed():
                raise PluginError(
                    f"SyncRun {name} is still {human_phase(phase)} after {deadline.seconds:g}s."
                )
            time.sleep(POLL_SECONDS)


def cmd_sync(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    tenant = cluster.get("Tenant", "tenants", args.tenant)
    before = {r["metadata"]["name"] for r in cluster.runs_of(args.tenant)}
    value = _request_value(tenant)
    cluster.annotate("Tenant", "tenants", args.tenant, {SYNC_REQUESTED_AT: value}, None)
    ui.note(f"Requested a sync of Tenant {cluster.namespace}/{args.tenant} ({SYNC_REQUESTED_AT}={value}).")
    deadline = Deadline(args.timeout)
    run = _wait_for_new_run(cluster, args.tenant, value, before, deadline, ui)
    name = run["metadata"]["name"]
    sys.stdout.write(f"{name}\n")
    sys.stdout.flush()
    if not args.wait:
        return 0
    return _outcome(args, cluster, _wait_for_outcome(cluster, name, deadline, ui), ui)


# --- plan ---------------------------------------------------------------------------------------------


def cmd_plan(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    run = cluster.get("SyncRun", "syncruns", args.syncrun)
    status = run.get("status") or {}
    if status.get("plan") is None:
        raise PluginError(
            f"SyncRun {args.syncrun} has no plan yet: it is {human_phase(status.get('phase'))}"
            f" (step {status.get('step') or 'Starting'})."
        )
    if args.output:
        emit(
            {
                "syncRun": args.syncrun,
                "namespace": cluster.namespace,
                "tenant": (run.get("spec") or {}).get("tenantRef", {}).get("name"),
                "phase": status.get("phase"),
                "plan": status["plan"],
                "deployResults": (status.get("deploy") or {}).get("results") or [],
            },
            args.output,
        )
        return 0
    ui.lines(plan_lines(run))
    return 0


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
    name = args.syncrun
    for _ in range(3):
        run = cluster.get("SyncRun", "syncruns", name)
        phase = _phase(run)
        if phase != RunPhase.PENDING_APPROVAL:
            raise PluginError(
                f"SyncRun {name} is {human_phase(phase)} (phase {phase or 'not set yet'}), not Pending"
                f" approval: there is nothing to {args.command}."
            )
        existing = (run["metadata"].get("annotations") or {}).get(APPROVAL)
        if existing == decision.value:
            ui.out.print(
                f"SyncRun {name} already carries {APPROVAL}={existing}; the operator acts on it shortly."
            )
            return 0
        if existing in {d.value for d in Decision} and not args.overwrite:
            raise PluginError(
                f"SyncRun {name} already carries {APPROVAL}={existing}, which the operator has not acted on"
                " yet; pass --overwrite to change the decision."
            )
        try:
            cluster.annotate(
                "SyncRun", "syncruns", name, {APPROVAL: decision.value}, run["metadata"]["resourceVersion"]
            )
        except ObjectChanged:
            continue  # The operator wrote to the run meanwhile: read it again and re-check its phase.
        plan = (run.get("status") or {}).get("plan") or {}
        ui.out.print(
            f"{done} SyncRun {name} (plan {plan.get('digest') or '-'}, {plan.get('changeCount', 0)}"
            f" changes): {consequence}"
        )
        return 0
    raise PluginError(f"SyncRun {name} kept changing while being annotated; try again.")


# --- login --------------------------------------------------------------------------------------------

SIGNED_IN_STATES = frozenset({"SignedIn", "SignedInByDeviceCode"})
FAILED_SIGN_IN_STATES = frozenset({"TimedOut", "Blocked"})


def _user(run: Body) -> dict[str, Any]:
    user: dict[str, Any] = ((run.get("status") or {}).get("authentication") or {}).get("user") or {}
    return user


def cmd_login(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    tenant = cluster.get("Tenant", "tenants", args.tenant)
    runs = cluster.runs_of(args.tenant)
    if not runs:
        ui.out.print(
            f"Tenant {args.tenant} has no SyncRun: no sign-in is pending. Start a sync with:"
            f" {_hint(cluster, 'sync')} {args.tenant}"
        )
        return 0
    # One run is active per Tenant; it is the newest, but creation times have one-second resolution.
    pending = [r for r in runs if _phase(r) == RunPhase.PENDING_AUTHENTICATION]
    run = (pending or runs)[-1]
    name = run["metadata"]["name"]
    if _phase(run) != RunPhase.PENDING_AUTHENTICATION:
        ui.out.print(
            f"No sign-in is pending: the newest SyncRun of Tenant {args.tenant}, {name}, is"
            f" {human_phase(_phase(run))}."
        )
        if (tenant.get("spec") or {}).get("userAuthentication") is None:
            ui.out.print(f"Tenant {args.tenant} has no spec.userAuthentication: it never asks for a sign-in.")
        return 0
    deadline = Deadline(args.timeout)
    shown_code: str | None = None
    with ui.waiting(f"Waiting for the sign-in to SyncRun {name} (Ctrl-C stops waiting, not the run)..."):
        while _phase(run) == RunPhase.PENDING_AUTHENTICATION:
            user = _user(run)
            if user.get("userCode") and user["userCode"] != shown_code:
                shown_code = user["userCode"]
                _show_device_code(ui, args.tenant, name, user)
            if deadline.passed():
                raise PluginError(f"SyncRun {name} is still Pending authentication after {args.timeout:g}s.")
            time.sleep(POLL_SECONDS)
            run = cluster.get("SyncRun", "syncruns", name)
    user = _user(run)
    status = run.get("status") or {}
    state = user.get("state")
    if state in SIGNED_IN_STATES:
        ui.out.print(Text(f"Signed in. SyncRun {name} goes on: {human_phase(_phase(run))}.", style="green"))
        return 0
    if state in FAILED_SIGN_IN_STATES:
        ui.out.print(Text(user.get("message") or status.get("message") or f"Sign-in {state}.", style="red"))
        return 1
    ui.out.print(f"SyncRun {name} is now {human_phase(_phase(run))}: {status.get('message') or ''}")
    return 1 if _phase(run) in (RunPhase.NEW_ERROR, RunPhase.PARTIALLY_SUCCESSFUL) else 0


def _show_device_code(ui: Terminal, tenant: str, run: str, user: dict[str, Any]) -> None:
    ui.out.print(f"Tenant {tenant} (SyncRun {run}) needs a signed-in user. To sign in, open")
    ui.out.print(
        Text(f"    {user.get('verificationUri') or '(no verification URL in status)'}", style="bold")
    )
    ui.out.print("and enter the code")
    ui.out.print(Text(f"    {user['userCode']}", style="bold cyan"))
    expires = parse_time(user.get("expiresAt"))
    if expires is not None:
        left = human_duration((expires - _now()).total_seconds())
        ui.out.print(f"The code expires in {left} ({user['expiresAt']}).")
    if user.get("message"):
        ui.out.print(user["message"])


# --- error --------------------------------------------------------------------------------------------


def _error_target(cluster: Cluster, target: str) -> tuple[str, Body]:
    kind, _, name = target.rpartition("/")
    kind = kind.lower()
    if kind in ("syncrun", "syncruns", "syncrun.tenantsync.io"):
        return "SyncRun", cluster.get("SyncRun", "syncruns", name)
    if kind in ("tenant", "tenants", "tenant.tenantsync.io"):
        tenant = cluster.get("Tenant", "tenants", name)
    elif kind:
        raise PluginError(f"{target}: expected NAME, syncrun/NAME or tenant/NAME")
    else:
        try:
            return "SyncRun", cluster.get("SyncRun", "syncruns", name)
        except ObjectNotFound:
            try:
                tenant = cluster.get("Tenant", "tenants", name)
            except ObjectNotFound:
                raise ObjectNotFound(
                    f'no SyncRun or Tenant named "{name}" in namespace {cluster.namespace!r}'
                ) from None
    # A Tenant's own error (e.g. an invalid schedule) first, else the error of its newest run.
    last_run = (tenant.get("status") or {}).get("lastSyncRun")
    if not (tenant.get("status") or {}).get("error") and last_run:
        try:
            return "SyncRun", cluster.get("SyncRun", "syncruns", last_run)
        except ObjectNotFound:
            pass
    return "Tenant", tenant


def cmd_error(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    kind, obj = _error_target(cluster, args.target)
    status = obj.get("status") or {}
    if args.output:
        emit(
            {
                "kind": kind,
                "name": obj["metadata"]["name"],
                "namespace": cluster.namespace,
                "phase": status.get("phase"),
                "message": status.get("message"),
                "error": status.get("error"),
            },
            args.output,
        )
        return 0
    if not has_error(obj):
        ui.out.print(
            f"{kind} {obj['metadata']['name']} has no error: it is {human_phase(status.get('phase'))}"
            + (f" ({status['message']})" if status.get("message") else "")
            + "."
        )
        return 0
    # Plain text, unstyled and unwrapped, ready to paste.
    sys.stdout.write(error_text(kind, obj))
    return 0


# --- logs ---------------------------------------------------------------------------------------------


def cmd_logs(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    run = cluster.get("SyncRun", "syncruns", args.syncrun)
    events = cluster.events_of("SyncRun", args.syncrun, run["metadata"].get("uid"))
    entries = timeline(run, events)
    if args.output:
        emit({"syncRun": args.syncrun, "items": [e.as_dict() for e in entries]}, args.output)
        return 0
    status = run.get("status") or {}
    tenant = (run.get("spec") or {}).get("tenantRef", {}).get("name", "?")
    header = Text(f"SyncRun {args.syncrun} (Tenant {tenant}): ")
    header.append(human_phase(status.get("phase")), style=phase_style(status.get("phase")))
    if status.get("startTime"):
        header.append(f", started {status['startTime']}")
    if status.get("completionTime"):
        header.append(f", completed {status['completionTime']}")
    ui.out.print(header)
    if not entries:
        ui.out.print("No events or conditions recorded yet.")
        return 0
    table_rows: list[list[Cell]] = []
    for entry in entries:
        style = "yellow" if entry.type == "Warning" else ("red" if entry.type.endswith("=False") else "")
        message = entry.message + (f" (x{entry.count})" if entry.count > 1 else "")
        table_rows.append([entry.time, entry.source, Text(entry.type, style=style), entry.reason, message])
    table = _table(["TIME", "SOURCE", "TYPE", "REASON", "MESSAGE"], table_rows)
    ui.table(table)
    return 0


# --- permissions --------------------------------------------------------------------------------------


def cmd_permissions(args: argparse.Namespace, cluster_factory: Callable[[], Cluster], ui: Terminal) -> int:
    user_client_id: str | None = None
    if args.tenant:
        if args.resources is not None:
            raise PluginError("give a TENANT or --resources, not both")
        cluster = cluster_factory()
        spec = cluster.get("Tenant", "tenants", args.tenant).get("spec") or {}
        resources = [ResourceType(r) for r in spec.get("resources") or ResourceType]
        mode = Mode(args.mode or spec.get("mode") or Mode.MANAGED)
        app_client_id = (spec.get("servicePrincipal") or {}).get("clientId")
        user_auth = spec.get("userAuthentication")
        user_client_id = (user_auth or {}).get("clientId")
        subject = f"Tenant {cluster.namespace}/{args.tenant}"
    else:
        try:
            resources = parse_resources(args.resources) if args.resources else list(ResourceType)
        except ValueError as problem:
            raise PluginError(str(problem)) from problem
        mode = Mode(args.mode or Mode.MANAGED)
        app_client_id = None
        user_auth = None
        subject = "these types"
    report = permission_report(resources, mode)
    if args.output:
        data = report.as_dict()
        if args.tenant:
            data = {"tenant": args.tenant, "servicePrincipalClientId": app_client_id,
                    "userAuthenticationClientId": user_client_id, **data}  # fmt: skip
        emit(data, args.output)
        return 0
    ui.out.print(
        Text(
            f"Permissions for {subject}: mode {mode.value}, {len(report.resources)} configuration types.",
            style="bold",
        )
    )
    ui.out.print()
    where = f" of app registration {app_client_id}" if app_client_id else ""
    ui.out.print(
        f"Application permissions (Microsoft Graph, {MICROSOFT_GRAPH_APP_ID}) for the service principal{where};"
        " grant admin consent:"
    )
    if report.application:
        table = _table(
            ["PERMISSION", "NEEDED BY"],
            [[Text(need.name, style="bold"), ", ".join(need.needed_by)] for need in report.application],
        )
        ui.table(table)
    else:
        ui.out.print("  none")
    ui.out.print()
    if not report.delegated:
        ui.out.print("Delegated permissions: none (no configured type needs a signed-in user).")
        return 0
    where = f", public client {user_client_id}" if user_client_id else ""
    ui.out.print(f"Delegated permissions for the signed-in user (spec.userAuthentication{where}):")
    table = _table(
        ["SCOPE", "NEEDED BY"],
        [[Text(need.name, style="bold"), ", ".join(need.needed_by)] for need in report.delegated],
    )
    ui.table(table)
    if args.tenant and user_auth is None:
        ui.out.print(
            Text(
                "Warning: the Tenant has no spec.userAuthentication, so these types are skipped at every sync.",
                style="yellow",
            )
        )
    return 0


# --- command line -------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--kubeconfig", help="path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config)"
    )
    common.add_argument("--context", help="the kubeconfig context to use")
    common.add_argument("-n", "--namespace", help="namespace (default: the context's namespace)")
    readable = argparse.ArgumentParser(add_help=False)
    readable.add_argument("-o", "--output", choices=("json", "yaml"), help="machine-readable output")

    parser = argparse.ArgumentParser(
        prog="kubectl tenantsync",
        description="Drive tenantsync: sync status, sync now, review and approve plans, sign in, errors.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    status = commands.add_parser(
        "status", parents=[common, readable], help="each tenant's sync status, message and last sync"
    )
    status.add_argument("tenant", nargs="?", metavar="TENANT")
    status.add_argument("-A", "--all-namespaces", action="store_true", help="tenants of every namespace")
    status.set_defaults(handler=cmd_status)

    sync = commands.add_parser("sync", parents=[common], help="sync a tenant now; prints the new SyncRun")
    sync.add_argument("tenant", metavar="TENANT")
    sync.add_argument(
        "--wait", action="store_true", help="wait until the run finishes or needs a person (Pending*)"
    )
    sync.add_argument(
        "--timeout", type=float, default=600, help="seconds to wait in all (0: no limit; default 600)"
    )
    sync.set_defaults(handler=cmd_sync)

    plan = commands.add_parser("plan", parents=[common, readable], help="the changes a SyncRun would deploy")
    plan.add_argument("syncrun", metavar="SYNCRUN")
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
        decide.add_argument("syncrun", metavar="SYNCRUN")
        decide.add_argument(
            "--overwrite", action="store_true", help="replace a decision the operator has not acted on yet"
        )
        decide.set_defaults(handler=cmd_decide)

    login = commands.add_parser(
        "login", parents=[common], help="show the device code of a pending sign-in and wait for it"
    )
    login.add_argument("tenant", metavar="TENANT")
    login.add_argument(
        "--timeout", type=float, default=0, help="seconds to wait (default: until the run moves on)"
    )
    login.set_defaults(handler=cmd_login)

    error = commands.add_parser(
        "error", parents=[common, readable], help="the whole error of a SyncRun or Tenant, ready to copy"
    )
    error.add_argument("target", metavar="SYNCRUN|TENANT", help="NAME, syncrun/NAME or tenant/NAME")
    error.set_defaults(handler=cmd_error)

    logs = commands.add_parser("logs", parents=[common, readable], help="a SyncRun's events and conditions")
    logs.add_argument("syncrun", metavar="SYNCRUN")
    logs.set_defaults(handler=cmd_logs)

    permissions = commands.add_parser(
        "permissions", parents=[common, readable], help="the application and delegated permissions to grant"
    )
    permissions.add_argument("tenant", nargs="?", metavar="TENANT")
    permissions.add_argument(
        "--resources",
        help=f"comma-separated types instead of a Tenant's (e.g. {ResourceType.NAMED_LOCATIONS.value})",
    )
    permissions.add_argument(
        "--mode", choices=[m.value for m in Mode], help="Managed (default) or BackupOnly"
    )
    permissions.set_defaults(handler=cmd_permissions)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    ui = Terminal()

    def cluster() -> Cluster:
        return Cluster(connect(args.kubeconfig, args.context, args.namespace))

    try:
        if args.command == "permissions":
            # Without a TENANT it needs no cluster at all.
            return cmd_permissions(args, cluster, ui)
        handler: Callable[[argparse.Namespace, Cluster, Terminal], int] = args.handler
        code: int = handler(args, cluster(), ui)
        return code
    except PluginError as problem:
        ui.note(f"error: {problem}", style="red")
        return 1
    except KeyboardInterrupt:
        ui.note("interrupted: the SyncRun goes on without this command.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
