"""Prometheus metrics of the operator (docs/metrics.md): what each Tenant is doing, how its syncs go, and when
its credentials expire. Every name is documented in docs/metrics.md; the chart's alerts and dashboard
query them.
"""

from tenantsync.metrics.operator_metrics import (
    API_SERVICES,
    APPROVAL_WAIT_BUCKETS,
    CREDENTIAL_KINDS,
    DEPLOY_RESULTS,
    PLAN_ACTIONS,
    QUEUE_WAIT_BUCKETS,
    RUN_DURATION_BUCKETS,
    OperatorMetrics,
)
from tenantsync.metrics.run_steps import observe_step

__all__ = [
    "API_SERVICES",
    "APPROVAL_WAIT_BUCKETS",
    "CREDENTIAL_KINDS",
    "DEPLOY_RESULTS",
    "PLAN_ACTIONS",
    "QUEUE_WAIT_BUCKETS",
    "RUN_DURATION_BUCKETS",
    "OperatorMetrics",
    "observe_step",
]
