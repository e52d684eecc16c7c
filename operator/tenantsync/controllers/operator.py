"""Wiring: one registry with every handler, kopf's settings under our prefix, and the run loop."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from importlib.metadata import version
from typing import Any

import kopf

from tenantsync.controllers import (
    baseline_runs,
    baselines,
    baselines_index,
    drift,
    runs_index,
    syncruns,
    tenants,
    tenants_index,
)
from tenantsync.controllers.connections import bounded_session, connection_limit
from tenantsync.controllers.constants import KOPF_ANNOTATION_PREFIX
from tenantsync.controllers.leadership import lease_name, replica_identity, standby_liveness
from tenantsync.controllers.memory import HeapTrimmer
from tenantsync.controllers.sharding import shard_finalizer
from tenantsync.controllers.status import StatusWriter
from tenantsync.drift import explain_backup
from tenantsync.kube import KubeClient, LeaseElection, LeaseTiming, own_namespace
from tenantsync.logs import LogFormat, configure_logging
from tenantsync.metrics import OperatorMetrics
from tenantsync.settings import OperatorSettings
from tenantsync.sync import TenantCache, build_pipeline


def build_registry(
    settings: OperatorSettings, kube: KubeClient, metrics: OperatorMetrics
) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()
    writer = StatusWriter(kube)
    cache = TenantCache(settings.workdir)
    shard = settings.shard

    @kopf.on.startup(registry=registry)
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        # Everything kopf keeps on our objects lives under our domain, not kopf.zalando.org/.
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=KOPF_ANNOTATION_PREFIX)
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
            prefix=KOPF_ANNOTATION_PREFIX, key="last-handled-configuration"
        )
        settings.persistence.finalizer = shard_finalizer(shard)
        settings.posting.level = logging.WARNING
        settings.posting.reporting_component = "tenantsync"
        settings.watching.server_timeout = 300

    @kopf.on.login(registry=registry)
    async def login(**kwargs: Any) -> kopf.ConnectionInfo | kopf.AiohttpSession | None:
        info = kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)
        limit = connection_limit(settings.namespaces)
        return info if info is None or limit is None else bounded_session(info, limit)

    runs_index.register(registry)
    baseline_runs.register(registry)
    baselines_index.register(registry)
    tenants_index.register(registry)
    tenants.register(registry, settings, tenants.TenantController(settings, kube, writer, metrics, cache))
    pipeline = build_pipeline(
        cache,
        consent_poll_seconds=settings.admin_consent_poll_seconds,
        deletion_guard_ratio=settings.deletion_guard_ratio,
        attribute=explain_backup,
    )
    executor = syncruns.RunExecutor(settings, kube, writer, pipeline, cache, metrics)
    syncruns.register(registry, executor, kube, settings.shard)
    baselines.register(registry, settings, baselines.BaselineController(settings, kube, metrics, cache))
    drift.register(registry, settings, drift.DriftController(settings, kube, writer, metrics, cache))

    @kopf.on.cleanup(registry=registry)
    async def close_connections(**_: Any) -> None:
        """The Tenants' shared HTTPS connections to Graph and the Exchange admin API close with kopf."""
        await cache.aclose()

    return registry


def run_operator(
    settings: OperatorSettings, *, liveness_endpoint: str | None, verbose: bool, log_format: LogFormat
) -> None:
    trimmer = HeapTrimmer()
    trimmer.start()  # before any thread: each one started earlier would have a heap of its own
    configure_logging(log_format, verbose=verbose)
    _reap_git_by_pidfd()
    kube = KubeClient.from_environment()
    metrics = OperatorMetrics(
        version=version("tenantsync"), clock=settings.clock, per_type_detail=settings.metrics_per_type
    )
    server = metrics.serve(settings.metrics_port)
    registry = build_registry(settings, kube, metrics)
    election = _election(settings)
    renewing = threading.Event()
    if election is not None:
        with standby_liveness(liveness_endpoint):
            election.acquire(renewing)
        # Losing the Lease ends the process at once, as a crash would: a standby may take over soon after.
        election.keep(lost=lambda: os._exit(1), stop=renewing)
    try:
        kopf.run(
            registry=registry,
            standalone=True,
            clusterwide=not settings.namespaces,
            namespaces=settings.namespaces,
            liveness_endpoint=liveness_endpoint,
        )
    finally:
        trimmer.stop()
        renewing.set()
        if election is not None:
            election.release()
        server.shutdown()


def _reap_git_by_pidfd() -> None:
    """Git runs as a child process, tens a second in a burst of syncs. Python 3.11's asyncio starts a
    thread to wait for each child, and the event loop waits for that thread to start; a pidfd on the
    loop needs no thread (Linux 5.3 or later; Python 3.12 chooses it by itself). Python 3.11's watcher
    serves the main thread's loop, the one kopf runs: a subprocess started from another thread's loop
    would not be reaped, and the operator starts none."""
    if sys.version_info >= (3, 12) or not hasattr(os, "pidfd_open"):
        return
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:  # a kernel before 5.3, or a sandbox that refuses the call
        return
    asyncio.set_child_watcher(asyncio.PidfdChildWatcher())


def _election(settings: OperatorSettings) -> LeaseElection | None:
    if not settings.leader_election:
        return None
    namespace = settings.leader_election_namespace or own_namespace()
    if namespace is None:
        raise SystemExit(
            "--leader-election needs the Lease's namespace: set POD_NAMESPACE or --leader-election-namespace."
        )
    return LeaseElection(
        namespace,
        lease_name(settings.shard),
        replica_identity(),
        LeaseTiming(settings.lease_duration_seconds),
    )
