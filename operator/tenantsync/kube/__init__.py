"""The Kubernetes API as the operator uses it, below kopf: resources, status writes, Secrets."""

from tenantsync.kube.client import ConflictError, KubeClient, NotFoundError

__all__ = ["ConflictError", "KubeClient", "NotFoundError"]
