"""The Kubernetes API as the operator uses it, below kopf: resources, status writes, Secrets, Leases."""

from tenantsync.kube.client import ConflictError, KubeClient, NotFoundError
from tenantsync.kube.lease import LeaseElection, LeaseTiming, own_namespace

__all__ = ["ConflictError", "KubeClient", "LeaseElection", "LeaseTiming", "NotFoundError", "own_namespace"]
