"""`kubectl tenantsync baseline ...`: a Baseline's conformance and rollout, its change, and the decisions
people take on it (approve the revision once, reject it, resume a halted rollout).

Writes are annotations the operator acts on (docs/baselines.md): `tenantsync.io/approval` with
`tenantsync.io/approval-digest` on the Baseline, and `tenantsync.io/rollout: resume`.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from tenantsync.api import (
    APPROVAL,
    APPROVAL_DIGEST,
    ROLLOUT,
    BaselineTenantState,
    Decision,
    RolloutPhase,
    names_digest,
)
from tenantsync.cli.plugin_cluster import Body, Cluster
from tenantsync.cli.plugin_errors import ExitCode, ObjectChanged, PluginError
from tenantsync.cli.plugin_format import age
from tenantsync.cli.plugin_output import Output, Terminal, emit
from tenantsync.cli.plugin_refs import Kind, parse_reference
from tenantsync.cli.plugin_table import Cell, Column

TENANT_COLUMNS = (
    Column("TENANT"),
    Column("STATE"),
    Column("SINCE", priority=2),
    Column("REVISION", priority=3),
    Column("SYNCRUN", priority=4),
    Column("MESSAGE", priority=1, prose=True),
)
STATE_STYLES: Mapping[str, str] = {
    BaselineTenantState.CONFORMING: "green",
    BaselineTenantState.EXCEPTED: "cyan",
    BaselineTenantState.PENDING: "yellow",
    BaselineTenantState.DRIFTED: "red",
    BaselineTenantState.FAILED: "red",
}


def baseline_argument(text: str) -> str:
    """NAME or baseline/NAME."""
    try:
        reference = parse_reference(text)
    except PluginError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from problem
    if reference.kind not in (None, Kind.BASELINE):
        raise argparse.ArgumentTypeError(f"{text}: this command takes a Baseline (NAME or baseline/NAME)")
    return reference.name


def _short(revision: str | None) -> str:
    return revision[:12] if revision else "-"


def _released(status: dict[str, Any], tenant: str) -> str | None:
    for release in status.get("releases") or []:
        if release.get("tenant") == tenant:
            return str(release.get("revision"))
    completed = status.get("completedRevision")
    return str(completed) if completed else None


def _rollout_lines(name: str, status: dict[str, Any]) -> list[str]:
    rollout = status.get("rollout") or {}
    lines = [
        f"Baseline {name}: revision {_short(status.get('revision'))},"
        f" completed {_short(status.get('completedRevision'))}",
        f"Tenants: {status.get('conforming', 0)} conforming, {status.get('drifted', 0)} drifted,"
        f" {status.get('excepted', 0)} excepted, {len(status.get('tenants') or [])} adopting",
    ]
    if rollout:
        lines.append(
            f"Rollout of {_short(rollout.get('revision'))}: {rollout.get('phase')}, wave"
            f" {rollout.get('wave', 0)} of {rollout.get('waves', 0)}"
            + (f", approved by {rollout['approvedBy']}" if rollout.get("approvedBy") else "")
        )
        if rollout.get("haltedTenants"):
            lines.append(f"Halted by: {', '.join(rollout['haltedTenants'])}")
    message = rollout.get("message") or status.get("message")
    if message:
        lines.append(str(message))
    return lines


def _tenant_cells(tenant: dict[str, Any], status: dict[str, Any], now: datetime) -> list[Cell]:
    state = str(tenant.get("state") or "-")
    return [
        str(tenant.get("name")),
        Text(state, style=STATE_STYLES.get(state, "")),
        age(tenant.get("since"), now, never="-"),
        _short(_released(status, str(tenant.get("name")))),
        str(tenant.get("syncRun") or "-"),
        str(tenant.get("message") or ""),
    ]


def cmd_baseline_status(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    baseline = cluster.get(Kind.BASELINE, args.baseline)
    status = baseline.get("status") or {}
    if args.output == Output.NAME:
        ui.names([baseline])
        return ExitCode.OK
    if args.output is not None:
        emit({"baseline": args.baseline, "namespace": cluster.namespace, "status": status}, args.output)
        return ExitCode.OK
    for line in _rollout_lines(args.baseline, status):
        ui.text(line)
    tenants = status.get("tenants") or []
    if not tenants:
        ui.text("No Tenant adopts this baseline (spec.baselines of a Tenant names it).")
        return ExitCode.OK
    ui.text("")
    now = datetime.now(UTC)
    ui.table(
        TENANT_COLUMNS, [_tenant_cells(t, status, now) for t in tenants], wide=args.output == Output.WIDE
    )
    return ExitCode.OK


def cmd_baseline_plan(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    baseline = cluster.get(Kind.BASELINE, args.baseline)
    status = baseline.get("status") or {}
    rollout = status.get("rollout")
    if not rollout:
        raise PluginError(
            f"Baseline {args.baseline} has no rollout yet: {status.get('message') or 'its revision is not known'}."
        )
    if args.output is not None:
        emit(
            {
                "baseline": args.baseline,
                "namespace": cluster.namespace,
                "path": baseline["spec"]["repository"]["path"],
                "from": status.get("completedRevision"),
                "revision": rollout.get("revision"),
                "digest": rollout.get("digest"),
                "phase": rollout.get("phase"),
                "changedFiles": rollout.get("changedFiles") or [],
            },
            args.output,
        )
        return ExitCode.OK
    repository = baseline["spec"]["repository"]
    path = repository["path"]
    completed = status.get("completedRevision")
    revision = str(rollout.get("revision"))
    files = rollout.get("changedFiles") or []
    ui.text(
        f"Baseline {args.baseline}: {path} from {_short(completed) if completed else 'nothing'} to"
        f" {_short(revision)} ({rollout.get('phase')}), digest {rollout.get('digest') or '-'}"
    )
    ui.text(f"{len(files)} file(s) changed:" if files else "No file changed.")
    for changed in files:
        kind, _, name = str(changed).partition(" ")
        style = {"A": "green", "D": "red"}.get(kind, "yellow")
        ui.text(Text(f"  {kind} {name}", style=style))
    since = f"{completed}..{revision}" if completed else revision
    ui.text(f"Whole diff: git diff {since} -- {path}   (in a clone of {repository['url']})")
    if rollout.get("phase") == RolloutPhase.PENDING_APPROVAL:
        ui.text("Approve:")
        ui.command(
            f"  kubectl tenantsync baseline approve {args.baseline} -n {cluster.namespace} --digest"
            f" {str(rollout.get('digest'))[:12]}"
        )
    return ExitCode.OK


def _annotate(cluster: Cluster, name: str, baseline: Body, annotations: dict[str, str]) -> None:
    try:
        cluster.annotate(Kind.BASELINE, name, annotations, baseline["metadata"]["resourceVersion"])
    except ObjectChanged:
        raise PluginError(f"Baseline {name} changed while being annotated; try again.") from None


def cmd_baseline_decide(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    baseline = cluster.get(Kind.BASELINE, args.baseline)
    rollout = (baseline.get("status") or {}).get("rollout") or {}
    if rollout.get("phase") != RolloutPhase.PENDING_APPROVAL:
        raise PluginError(
            f"Baseline {args.baseline} has no revision waiting for approval (rollout:"
            f" {rollout.get('phase') or 'none'}): there is nothing to {args.baseline_command}."
        )
    digest = str(rollout.get("digest") or "")
    if args.baseline_command == "approve":
        if not names_digest(args.digest, digest):
            raise PluginError(
                f"Baseline {args.baseline} waits for approval of digest {digest[:12]}, not {args.digest}: review"
                f" it (kubectl tenantsync baseline plan {args.baseline} -n {cluster.namespace}) and approve that"
                " digest."
            )
        _annotate(
            cluster, args.baseline, baseline, {APPROVAL: Decision.APPROVE.value, APPROVAL_DIGEST: args.digest}
        )
        ui.text(
            f"Approved revision {_short(rollout.get('revision'))} of Baseline {args.baseline} (digest"
            f" {digest[:12]}): the operator releases it wave by wave."
        )
        return ExitCode.OK
    _annotate(cluster, args.baseline, baseline, {APPROVAL: Decision.REJECT.value})
    ui.text(
        f"Rejected revision {_short(rollout.get('revision'))} of Baseline {args.baseline}: nothing is rolled"
        " out; revert it in Git or push a new revision."
    )
    return ExitCode.OK


def cmd_baseline_resume(args: argparse.Namespace, cluster: Cluster, ui: Terminal) -> int:
    baseline = cluster.get(Kind.BASELINE, args.baseline)
    rollout = (baseline.get("status") or {}).get("rollout") or {}
    if rollout.get("phase") != RolloutPhase.HALTED:
        raise PluginError(
            f"Baseline {args.baseline}'s rollout is {rollout.get('phase') or 'not started'}, not Halted:"
            " there is nothing to resume."
        )
    _annotate(cluster, args.baseline, baseline, {ROLLOUT: "resume"})
    halted = ", ".join(rollout.get("haltedTenants") or []) or "-"
    ui.text(f"Resumed the rollout of Baseline {args.baseline}: {halted} sync again, then the waves go on.")
    return ExitCode.OK


def add_baseline_commands(
    commands: Any, common: argparse.ArgumentParser, output: Any, every: list[Output]
) -> None:
    """`baseline status|plan|approve|reject|resume NAME` under the plugin's commands."""
    baseline = commands.add_parser(
        "baseline",
        parents=[common],
        help="a Baseline's conformance and rollout; approve, reject or resume it",
    )
    verbs = baseline.add_subparsers(dest="baseline_command", required=True, metavar="COMMAND")
    for verb, text, handler, formats in (
        ("status", "each adopting tenant's conformance and the rollout", cmd_baseline_status, every),
        (
            "plan",
            "the files the new revision changes and its digest",
            cmd_baseline_plan,
            [Output.JSON, Output.YAML],
        ),
        ("approve", "roll the new revision out (one approval for every tenant)", cmd_baseline_decide, []),
        ("reject", "do not roll the new revision out", cmd_baseline_decide, []),
        ("resume", "continue a halted rollout: the failed tenants sync again", cmd_baseline_resume, []),
    ):
        parents = [common, output(formats)] if formats else [common]
        command = verbs.add_parser(verb, parents=parents, help=text)
        command.add_argument(
            "baseline", metavar="BASELINE", type=baseline_argument, help="NAME or baseline/NAME"
        )
        if verb == "approve":
            command.add_argument(
                "--digest",
                metavar="PREFIX",
                required=True,
                help="the digest you reviewed (at least 8 characters; kubectl tenantsync baseline plan shows it)",
            )
        command.set_defaults(handler=handler)
