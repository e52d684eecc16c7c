"""`tenantsync`: run the operator, print the CRDs, or run the demo."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from tenantsync.api import crds_yaml
from tenantsync.logs import LogFormat
from tenantsync.settings import OperatorSettings


def _seconds(text: str) -> float:
    """A positive number of seconds: an interval of 0 would look at every Tenant without pause."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tenantsync", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("crds", help="print the CustomResourceDefinitions as YAML")

    run = commands.add_parser("run", help="run the operator against the current kubeconfig or in-cluster")
    run.add_argument(
        "--namespace",
        action="append",
        default=[],
        help="watch only this namespace (repeatable; default: every namespace)",
    )
    run.add_argument(
        "--shard",
        default=os.environ.get("TENANTSYNC_SHARD"),
        help="handle only the Tenants labelled tenantsync.io/shard=SHARD; an empty SHARD handles those"
        " without the label (default: every Tenant)",
    )
    run.add_argument(
        "--leader-election",
        action="store_true",
        default=os.environ.get("TENANTSYNC_LEADER_ELECTION", "") == "true",
        help="run as one of several replicas: only the holder of a Lease works, the others stand by",
    )
    run.add_argument(
        "--leader-election-namespace",
        default=None,
        help="the namespace of the Lease (default: the operator's own, from POD_NAMESPACE or its service account)",
    )
    run.add_argument(
        "--lease-duration",
        type=float,
        default=15.0,
        help="seconds without renewal after which a standby takes over (default: 15)",
    )
    run.add_argument(
        "--metrics-port", type=int, default=int(os.environ.get("TENANTSYNC_METRICS_PORT", "8080"))
    )
    run.add_argument(
        "--metrics-per-type",
        action="store_true",
        default=os.environ.get("TENANTSYNC_METRICS_PER_TYPE", "") == "true",
        help="also export each Tenant's backed-up objects per configuration type: one series per type and"
        " Tenant (default: each Tenant's total only; see docs/metrics.md)",
    )
    run.add_argument(
        "--scheduler-interval",
        type=_seconds,
        default=os.environ.get("TENANTSYNC_SCHEDULER_INTERVAL", "10"),
        help="seconds between reconciliations of each Tenant's schedule and history",
    )
    run.add_argument(
        "--max-concurrent-syncs",
        type=int,
        default=int(os.environ.get("TENANTSYNC_MAX_CONCURRENT_SYNCS", "16")),
        help="scheduled runs working at once (0: no limit); the others wait, approved runs never (default: 16)",
    )
    run.add_argument(
        "--admin-consent-poll",
        type=float,
        default=float(os.environ.get("TENANTSYNC_ADMIN_CONSENT_POLL_SECONDS", "30")),
        help="seconds between checks for admin consent while a run is PendingAdminConsent",
    )
    run.add_argument(
        "--baseline-poll",
        type=float,
        default=float(os.environ.get("TENANTSYNC_BASELINE_POLL_SECONDS", "60")),
        help="seconds between reads of each Baseline's newest revision from Git",
    )
    run.add_argument(
        "--docs-base-url",
        default=os.environ.get(
            "TENANTSYNC_DOCS_BASE_URL", OperatorSettings.model_fields["docs_base_url"].default
        ),
        help="where the troubleshooting pages are published; status links to <url>/<ErrorCode>.md",
    )
    run.add_argument(
        "--workdir",
        type=Path,
        default=Path(os.environ.get("TENANTSYNC_WORKDIR", OperatorSettings.model_fields["workdir"].default)),
        help="where the operator keeps its clones of the tenants' repositories",
    )
    run.add_argument("--liveness", default="http://0.0.0.0:8081/healthz", help="kopf liveness endpoint")
    run.add_argument("--verbose", action="store_true", help="log at DEBUG (Graph requests included)")
    run.add_argument(
        "--log-format",
        type=LogFormat,
        choices=list(LogFormat),
        default=os.environ.get("TENANTSYNC_LOG_FORMAT", LogFormat.FULL.value),
        help="full: time, level, logger, objects, message (default); plain: the same without the time;"
        " json: one JSON object per line, for log pipelines",
    )

    demo = commands.add_parser("demo", help="narrated lifecycle on the local control plane and the simulator")
    demo.add_argument(
        "--kubeconfig",
        type=Path,
        default=Path(os.environ.get("KUBECONFIG", ".cache/local-cluster/kubeconfig")),
    )
    demo.add_argument(
        "--kubectl", default=None, help="kubectl to use (default: the local cluster's, then PATH's)"
    )
    demo.add_argument(
        "--workdir", type=Path, default=Path(".cache/demo"), help="logs and the demo's Git repository"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "crds":
        sys.stdout.write(crds_yaml())
        return 0
    if args.command == "run":
        from tenantsync.controllers import run_operator

        settings = OperatorSettings(
            namespaces=args.namespace,
            shard=args.shard,
            leader_election=args.leader_election,
            leader_election_namespace=args.leader_election_namespace,
            lease_duration_seconds=args.lease_duration,
            metrics_port=args.metrics_port,
            metrics_per_type=args.metrics_per_type,
            scheduler_interval_seconds=args.scheduler_interval,
            max_concurrent_syncs=args.max_concurrent_syncs,
            admin_consent_poll_seconds=args.admin_consent_poll,
            baseline_poll_seconds=args.baseline_poll,
            docs_base_url=args.docs_base_url,
            workdir=args.workdir,
        )
        run_operator(
            settings, liveness_endpoint=args.liveness, verbose=args.verbose, log_format=args.log_format
        )
        return 0
    if args.command == "demo":
        from tenantsync.cli.demo import run_demo

        return run_demo(args.kubeconfig, args.kubectl, args.workdir)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
