"""Wiring: one registry with every handler, kopf's settings under our prefix, and the run loop."""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Any

import kopf

from tenantsync.api import RunStep
from tenantsync.controllers import runs_index, syncruns, tenants
from tenantsync.controllers.constants import FINALIZER, KOPF_ANNOTATION_PREFIX
from tenantsync.controllers.status import StatusWriter
from tenantsync.kube import KubeClient
from tenantsync.metrics import OperatorMetrics
from tenantsync.settings import OperatorSettings
from tenantsync.sync import Pipeline
from tenantsync.sync.approval import AwaitApproval
from tenantsync.sync.authenticate import Authenticate
from tenantsync.sync.backup import Backup
from tenantsync.sync.connections import TenantConnections
from tenantsync.sync.deploy import Deploy
from tenantsync.sync.plan import Plan
from tenantsync.sync.preflight import Preflight
from tenantsync.sync.verify import Verify


def build_pipeline(connections: TenantConnections, settings: OperatorSettings) -> Pipeline:
    return Pipeline(
        {
            RunStep.PREFLIGHT: Preflight(connections),
            RunStep.AUTHENTICATE: Authenticate(connections, settings.admin_consent_poll_seconds),
            RunStep.BACKUP: Backup(connections, settings.admin_consent_poll_seconds),
            RunStep.PLAN: Plan(connections, settings.deletion_guard_ratio),
            RunStep.APPROVAL: AwaitApproval(connections),
            RunStep.DEPLOY: Deploy(connections),
            RunStep.VERIFY: Verify(connections),
        }
    )


def build_registry(
    settings: OperatorSettings, kube: KubeClient, metrics: OperatorMetrics
) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()
    writer = StatusWriter(kube)
    connections = TenantConnections(settings.workdir)

    @kopf.on.startup(registry=registry)
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        # Everything kopf keeps on our objects lives under our domain, not kopf.zalando.org/.
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=KOPF_ANNOTATION_PREFIX)
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
            prefix=KOPF_ANNOTATION_PREFIX, key="last-handled-configuration"
        )
        settings.persistence.finalizer = FINALIZER
        settings.posting.level = logging.WARNING
        settings.watching.server_timeout = 300

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)

    runs_index.register(registry)
    tenants.register(registry, settings, tenants.TenantController(settings, kube, writer, metrics))
    executor = syncruns.RunExecutor(
        settings, kube, writer, build_pipeline(connections, settings), connections, metrics
    )
    syncruns.register(registry, executor, kube)
    return registry


def run_operator(settings: OperatorSettings, *, liveness_endpoint: str | None, verbose: bool) -> None:
    kopf.configure(verbose=verbose, log_format=kopf.LogFormat.PLAIN)
    # MSAL's debug log prints token-endpoint responses, device codes included: never below WARNING.
    logging.getLogger("msal").setLevel(logging.WARNING)
    kube = KubeClient.from_environment()
    metrics = OperatorMetrics(version=version("tenantsync"), clock=settings.clock)
    server = metrics.serve(settings.metrics_port)
    registry = build_registry(settings, kube, metrics)
    kopf.run(
        registry=registry,
        standalone=True,
        clusterwide=not settings.namespaces,
        namespaces=settings.namespaces,
        liveness_endpoint=liveness_endpoint,
    )
    server.shutdown()
