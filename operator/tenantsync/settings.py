"""Operator settings: one explicit object, built once from flags and the environment, passed down."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


def utc_now() -> datetime:
    return datetime.now(UTC)


class OperatorSettings(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    namespaces: list[str] = Field(default_factory=list)
    """Namespaces to watch; empty means cluster-wide."""
    shard: str | None = None
    """Handle only the Tenants (and their SyncRuns) labelled tenantsync.io/shard=<shard>; "" for those
    without the label; None for every Tenant."""
    leader_election: bool = False
    """Replicas of one shard elect one active replica with a Lease; the others wait as standbys."""
    leader_election_namespace: str | None = None
    """Where the Lease lives (default: the operator's own namespace)."""
    lease_duration_seconds: float = 15.0
    """A standby takes over once the active replica has not renewed the Lease for this long."""
    docs_base_url: str = "https://github.com/tenantsync/tenantsync/blob/main/docs/troubleshooting"
    """Where the troubleshooting pages of error codes are published."""
    scheduler_interval_seconds: float = 10.0
    """How often each Tenant's schedule, sync requests and run history are reconciled."""
    baseline_poll_seconds: float = 60.0
    """How often each Baseline's repository is asked for a new revision (and at once on a spec change)."""
    max_concurrent_syncs: int = 16
    """Steps of at most this many runs at once (0: no limit); runs a person has decided on go first."""
    metrics_port: int = 8080
    metrics_per_type: bool = False
    """Export each Tenant's objects per configuration type, one series per type, beside the totals."""
    workdir: Path = Path(tempfile.gettempdir()) / "tenantsync"
    """Local clones of the tenants' repositories (an emptyDir in the cluster)."""
    admin_consent_poll_seconds: float = 30.0
    """How often a run in PendingAdminConsent asks for a fresh token to see whether consent was granted."""
    deletion_guard_ratio: float = 0.2
    """A plan deleting more than this share of the tenant's objects is refused (NewError)."""
    clock: Callable[[], datetime] = utc_now
    """Injectable so tests can move time without sleeping."""
