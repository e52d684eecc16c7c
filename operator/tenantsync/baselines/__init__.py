"""Baselines composed into a Tenant's desired state: merge patches, variables, references by name.

Pure functions over files and names; the sync pipeline reads the folders and asks the tenant.
"""

from tenantsync.baselines.composition import (
    IDS_FILE,
    BaselineFolder,
    ComposedObject,
    Composition,
    Lookups,
    ObjectKey,
    compose,
    lookups,
    placeholder,
)
from tenantsync.baselines.json_merge_patch import merge_patch
from tenantsync.baselines.substitution import TenantFacts

__all__ = [
    "IDS_FILE",
    "BaselineFolder",
    "ComposedObject",
    "Composition",
    "Lookups",
    "ObjectKey",
    "TenantFacts",
    "compose",
    "lookups",
    "merge_patch",
    "placeholder",
]
