"""The public API: resource models, phases, conditions and error codes, and the CRDs made from them."""

from tenantsync.api.conditions import Condition, ConditionType, find_condition, set_condition
from tenantsync.api.crd import GROUP, VERSION, all_crds, crds_yaml
from tenantsync.api.errors import ErrorCode, RunError, troubleshooting_url
from tenantsync.api.phases import RunPhase, RunStep, TenantPhase
from tenantsync.api.resources import ResourceType
from tenantsync.api.syncrun import SyncRunSpec, SyncRunStatus, Trigger
from tenantsync.api.tenant import Approval, Mode, TenantSpec, TenantStatus

__all__ = [
    "GROUP",
    "VERSION",
    "Approval",
    "Condition",
    "ConditionType",
    "ErrorCode",
    "Mode",
    "ResourceType",
    "RunError",
    "RunPhase",
    "RunStep",
    "SyncRunSpec",
    "SyncRunStatus",
    "TenantPhase",
    "TenantSpec",
    "TenantStatus",
    "Trigger",
    "all_crds",
    "crds_yaml",
    "find_condition",
    "set_condition",
    "troubleshooting_url",
]
