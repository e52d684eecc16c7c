"""Names the operator writes on objects: all under our own `tenantsync.io/` prefix."""

# kopf's own bookkeeping (handler progress, the last handled spec) lives under a sub-domain of ours:
# kopf leaves every annotation under its storage prefix out of the changes it reacts to, and the
# annotations people set (tenantsync.io/approval, tenantsync.io/sync-requested-at) must stay visible.
KOPF_ANNOTATION_PREFIX = "kopf.tenantsync.io"
FINALIZER = "tenantsync.io/finalizer"
TENANT_LABEL = "tenantsync.io/tenant"
TRIGGER_LABEL = "tenantsync.io/trigger"
SHARD_LABEL = "tenantsync.io/shard"
