"""Annotations people set on our objects: part of the public interface (SPEC §2)."""

from enum import StrEnum

APPROVAL = "tenantsync.io/approval"
"""On a SyncRun in PendingApproval: approve, reject or reject-and-revert."""
APPROVAL_BY = "tenantsync.io/approval-by"
"""Who made the decision, recorded by the chart's admission policy when `recordApprover` is on."""
APPROVAL_DIGEST = "tenantsync.io/approval-digest"
"""Optional, with `approve`: the start (at least 8 characters) of the digest of the plan the person
reviewed; the approval is refused when the run's plan is another one."""
FURTHER_APPROVAL_PREFIX = "approval.tenantsync.io/"
"""`approval.tenantsync.io/<approver>=<digest start>`: a further approval of the same plan, for Tenants
that require more than one (`spec.requiredApprovals`); one key per approver, so none overwrites another."""
SYNC_REQUESTED_AT = "tenantsync.io/sync-requested-at"
"""On a Tenant: any new value starts a sync now."""


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REJECT_AND_REVERT = "reject-and-revert"
