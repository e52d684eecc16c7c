"""What the controllers of a Tenant stand on: the operator's settings, the Kubernetes client, the status
writer, the metrics and the per-Tenant cache (credentials, clients, clones). The Tenant controller and
the audit watch share one set, wired once by the operator."""

from __future__ import annotations

from tenantsync.controllers.status import StatusWriter
from tenantsync.kube import KubeClient
from tenantsync.metrics import OperatorMetrics
from tenantsync.settings import OperatorSettings
from tenantsync.sync import TenantCache


class TenantServices:
    def __init__(
        self,
        settings: OperatorSettings,
        kube: KubeClient,
        writer: StatusWriter,
        metrics: OperatorMetrics,
        cache: TenantCache,
    ) -> None:
        self._settings = settings
        self._kube = kube
        self._writer = writer
        self._metrics = metrics
        self._cache = cache
