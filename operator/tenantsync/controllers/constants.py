"""Names the operator writes on objects: all under our own `tenantsync.io/` prefix."""

ANNOTATION_PREFIX = "tenantsync.io"
FINALIZER = "tenantsync.io/finalizer"
TENANT_LABEL = "tenantsync.io/tenant"
TRIGGER_LABEL = "tenantsync.io/trigger"
