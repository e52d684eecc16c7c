"""Microsoft Graph over HTTP: one async client with paging, batching, throttling and typed errors, over
the operator's shared HTTPS connections."""

from tenantsync.graph.client import (
    BatchRequest,
    BatchResponse,
    GraphClient,
    GraphStats,
    StreamContent,
    TokenProvider,
)
from tenantsync.graph.connections import ConnectionPools, PoolLease
from tenantsync.graph.errors import (
    GraphError,
    GraphNotFound,
    GraphPermissionDenied,
    GraphThrottled,
    GraphTransientError,
    GraphUnauthorized,
    GraphUnavailable,
    GraphValidationError,
)
from tenantsync.graph.snapshots import (
    SnapshotJob,
    SnapshotQuotaExceeded,
    create_snapshot,
    delete_snapshot_job,
    snapshot_job,
    snapshot_name,
    snapshot_resources,
)

__all__ = [
    "BatchRequest",
    "BatchResponse",
    "ConnectionPools",
    "GraphClient",
    "GraphError",
    "GraphNotFound",
    "GraphPermissionDenied",
    "GraphStats",
    "GraphThrottled",
    "GraphTransientError",
    "GraphUnauthorized",
    "GraphUnavailable",
    "GraphValidationError",
    "PoolLease",
    "SnapshotJob",
    "SnapshotQuotaExceeded",
    "StreamContent",
    "TokenProvider",
    "create_snapshot",
    "delete_snapshot_job",
    "snapshot_job",
    "snapshot_name",
    "snapshot_resources",
]
