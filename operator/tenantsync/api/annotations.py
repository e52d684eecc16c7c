"""Annotations people set on our objects: part of the public interface (SPEC §2)."""

import hashlib
import re
from enum import StrEnum

APPROVAL = "tenantsync.io/approval"
"""On a SyncRun in PendingApproval: approve, reject or reject-and-revert."""
APPROVAL_BY = "tenantsync.io/approval-by"
"""Who made the decision, recorded by the chart's admission policy when `recordApprover` is on."""
APPROVAL_DIGEST = "tenantsync.io/approval-digest"
"""Optional, with `approve`: the start (at least 8 characters) of the digest of the plan the person
reviewed; the approval is refused when the run's plan is another one."""
MIN_DIGEST_PREFIX = 8
FURTHER_APPROVAL_PREFIX = "approval.tenantsync.io/"
"""`approval.tenantsync.io/<approver>=<digest start>`: a further approval of the same plan, for Tenants
that require more than one (`spec.requiredApprovals`); one key per approver, so none overwrites another."""
SYNC_REQUESTED_AT = "tenantsync.io/sync-requested-at"
"""On a Tenant: any new value starts a sync now."""


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REJECT_AND_REVERT = "reject-and-revert"


_NOT_IN_A_KEY = re.compile(r"[^a-z0-9._-]+")


def approver_handle(username: str) -> str:
    """The name part of `approval.tenantsync.io/<handle>` for a Kubernetes user name.

    Annotation key names allow letters, digits, `-`, `_` and `.` (63 at most), which e-mail addresses and
    `system:serviceaccount:...` names are not; such names are spelled with `_` and made unique with
    the start of their sha256, so two people never share a handle: `alice@contoso.com` is
    `alice_contoso.com-<8 hex>`.
    """
    lowered = username.lower()
    readable = _NOT_IN_A_KEY.sub("_", lowered).strip("._-")
    if readable == lowered and 0 < len(readable) <= 63:
        return readable
    suffix = hashlib.sha256(username.encode()).hexdigest()[:8]
    return f"{readable[: 63 - len(suffix) - 1].rstrip('._-') or 'user'}-{suffix}"


def names_digest(prefix: str, digest: str) -> bool:
    """A start of at least 8 characters names a plan's digest, as a Git commit abbreviation names a commit."""
    prefix = prefix.strip().lower()
    return len(prefix) >= MIN_DIGEST_PREFIX and digest.lower().startswith(prefix)
