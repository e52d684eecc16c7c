"""The configuration types tenantsync keeps: where each lives in Graph, what it needs, how it is normalised."""

from tenantsync.catalog.configuration_types import (
    ADMIN_API_RESOURCE,
    ADMIN_API_SCOPE,
    ADMIN_API_URL,
    GROUPS,
    ApiVersion,
    ConfigurationType,
    DirectoryKind,
    Reference,
    SubResource,
    SubResourceWrite,
    catalog,
    deploy_order,
    field_values,
    permission_needs,
    required_permissions,
)
from tenantsync.catalog.normalisation import normalise, serialise
from tenantsync.catalog.unencrypted import UnencryptedSecret, unencrypted_secrets
from tenantsync.catalog.withheld import WITHHELD_KEY, is_withheld, secrets_in_clear, without_withheld

__all__ = [
    "ADMIN_API_RESOURCE",
    "ADMIN_API_SCOPE",
    "ADMIN_API_URL",
    "GROUPS",
    "WITHHELD_KEY",
    "ApiVersion",
    "ConfigurationType",
    "DirectoryKind",
    "Reference",
    "SubResource",
    "SubResourceWrite",
    "UnencryptedSecret",
    "catalog",
    "deploy_order",
    "field_values",
    "is_withheld",
    "normalise",
    "permission_needs",
    "required_permissions",
    "secrets_in_clear",
    "serialise",
    "unencrypted_secrets",
    "without_withheld",
]
