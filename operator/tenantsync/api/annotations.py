"""Annotations people set on our objects: part of the public interface (docs/approval.md, docs/kubectl-plugin.md)."""

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
ROLLOUT = "tenantsync.io/rollout"
"""On a Baseline whose rollout halted: `resume` releases the next wave again."""


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REJECT_AND_REVERT = "reject-and-revert"


def approver_handle(username: str) -> str:
    """The name part of `approval.tenantsync.io/<handle>` for a Kubernetes user name.

    Annotation key names allow letters, digits, `-`, `_` and `.`, which e-mail addresses and
    `system:serviceaccount:...` names are not: `@`, `:` and `/` are written as `.`
    (`alice@contoso.com` is `alice.contoso.com`). The chart's admission policy computes the same handle
    from the requesting user in CEL, so each person can add or remove only their own approval.
    """
    return username.replace("@", ".").replace(":", ".").replace("/", ".")


def names_digest(prefix: str, digest: str) -> bool:
    """A start of at least 8 characters names a plan's digest, as a Git commit abbreviation names a commit."""
    prefix = prefix.strip().lower()
    return len(prefix) >= MIN_DIGEST_PREFIX and digest.lower().startswith(prefix)
