"""Drift between syncs (docs/drift.md): the tenant's audit logs read every interval, each change to a kept
object made by anyone but the operator recorded with who made it."""

from tenantsync.drift.attribution import explain_backup
from tenantsync.drift.check import DriftChecker, DriftLook, author_of, commit_message, who
from tenantsync.drift.records import SeenChange, drift_change
from tenantsync.drift.watcher import LOOKBACK, AuditWatch

__all__ = [
    "LOOKBACK",
    "AuditWatch",
    "DriftChecker",
    "DriftLook",
    "SeenChange",
    "author_of",
    "commit_message",
    "drift_change",
    "explain_backup",
    "who",
]
