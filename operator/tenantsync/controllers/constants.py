"""Names the operator writes on objects: all under our own `tenantsync.io/` prefix."""

ANNOTATION_PREFIX = "tenantsync.io"
FINALIZER = "tenantsync.io/finalizer"
SYNC_REQUESTED_AT = "tenantsync.io/sync-requested-at"
APPROVAL = "tenantsync.io/approval"
TENANT_LABEL = "tenantsync.io/tenant"
TRIGGER_LABEL = "tenantsync.io/trigger"
