"""Annotations people set on our objects: part of the public interface (SPEC §2)."""

from enum import StrEnum

APPROVAL = "tenantsync.io/approval"
"""On a SyncRun in PendingApproval: approve, reject or reject-and-revert."""
APPROVAL_BY = "tenantsync.io/approval-by"
"""Who made the decision, recorded by the chart's admission policy when `recordApprover` is on."""
SYNC_REQUESTED_AT = "tenantsync.io/sync-requested-at"
"""On a Tenant: any new value starts a sync now."""


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REJECT_AND_REVERT = "reject-and-revert"
