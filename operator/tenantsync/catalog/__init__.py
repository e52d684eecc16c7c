"""The configuration types tenantsync keeps: which service holds each and how, what it needs, how it is normalised."""

from tenantsync.catalog.cmdlets import (
    CMDLET_SERVICES,
    EXCHANGE_ONLINE_API,
    EXCHANGE_ONLINE_APP_ID,
    EXCHANGE_PERMISSION,
    Builtin,
    Cmdlets,
    ListEdit,
    Service,
    Toggle,
)
from tenantsync.catalog.configuration_types import (
    ADMIN_API_RESOURCE,
    ADMIN_API_SCOPE,
    ADMIN_API_URL,
    GROUPS,
    catalog,
    deploy_order,
    exchange_needs,
    permission_needs,
    required_permissions,
    role_needs,
)
from tenantsync.catalog.exchange_types import ROLE_TEMPLATE_IDS
from tenantsync.catalog.model import (
    ApiVersion,
    ConfigurationType,
    DirectoryKind,
    Reference,
    SubResource,
    SubResourceWrite,
    field_values,
)
from tenantsync.catalog.normalisation import normalise, serialise
from tenantsync.catalog.unencrypted import UnencryptedSecret, unencrypted_secrets
from tenantsync.catalog.withheld import WITHHELD_KEY, is_withheld, secrets_in_clear, without_withheld

__all__ = [
    "ADMIN_API_RESOURCE",
    "ADMIN_API_SCOPE",
    "ADMIN_API_URL",
    "CMDLET_SERVICES",
    "EXCHANGE_ONLINE_API",
    "EXCHANGE_ONLINE_APP_ID",
    "EXCHANGE_PERMISSION",
    "GROUPS",
    "ROLE_TEMPLATE_IDS",
    "WITHHELD_KEY",
    "ApiVersion",
    "Builtin",
    "Cmdlets",
    "ConfigurationType",
    "DirectoryKind",
    "ListEdit",
    "Reference",
    "Service",
    "SubResource",
    "SubResourceWrite",
    "Toggle",
    "UnencryptedSecret",
    "catalog",
    "deploy_order",
    "exchange_needs",
    "field_values",
    "is_withheld",
    "normalise",
    "permission_needs",
    "required_permissions",
    "role_needs",
    "secrets_in_clear",
    "serialise",
    "unencrypted_secrets",
    "without_withheld",
]
