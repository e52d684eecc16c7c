"""kopf handlers: thin translations of Kubernetes events into pipeline calls and results into status."""

from tenantsync.controllers.operator import build_registry, run_operator

__all__ = ["build_registry", "run_operator"]
