"""The catalogue of Graph paths the simulator serves, with their permissions and contracts.

Each entry says where the type lives, which service answers (and so how errors and throttling look),
the application or delegated permissions to read and to write (``"A+B"`` means both are needed, as for
Conditional Access writes), the server-managed fields, the navigation properties that only appear with
``$expand`` or their own path, and whether creating one needs ``@odata.type``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenantsync_sim.graph.errors import Service
from tenantsync_sim.state import JsonObject, graph_timestamp

Validator = Callable[[JsonObject], str | None]

_INTUNE_READ = ("DeviceManagementConfiguration.Read.All", "DeviceManagementConfiguration.ReadWrite.All")
_INTUNE_WRITE = ("DeviceManagementConfiguration.ReadWrite.All",)
_POLICY_READ = ("Policy.Read.All",)
_CA_WRITE = ("Policy.Read.All+Policy.ReadWrite.ConditionalAccess",)


@dataclass(frozen=True)
class ResourceType:
    key: str
    path: str
    service: Service
    entity: str
    read: tuple[str, ...]
    write: tuple[str, ...]
    singleton: bool = False
    versions: frozenset[str] = frozenset({"v1.0", "beta"})
    read_only: frozenset[str] = frozenset({"id", "createdDateTime", "modifiedDateTime"})
    created_field: str | None = "createdDateTime"
    modified_field: str | None = "modifiedDateTime"
    navigation: tuple[str, ...] = ()
    abstract: bool = False
    patch_returns_entity: bool = False
    versioned: bool = False
    assignment_entity: str | None = None
    validate: Validator | None = None

    def stamp_created(self, item: JsonObject) -> None:
        """Server-managed fields of a new object, as the owning service fills them."""
        now = graph_timestamp()
        if self.created_field:
            item[self.created_field] = now
        if self.modified_field:
            # Entra leaves modifiedDateTime null until the first change; Intune sets it at creation.
            item[self.modified_field] = None if self.service == "identity" else now
        if self.versioned:
            item["version"] = 1
        for nav in self.navigation:
            item.setdefault(nav, [])
        if self.key == "configurationPolicies":
            for index, setting in enumerate(item["settings"]):
                setting.setdefault("id", str(index))

    def touch(self, item: JsonObject) -> None:
        """Record a change: modified time and, for Intune, the version counter."""
        if self.modified_field:
            item[self.modified_field] = graph_timestamp()
        if self.versioned:
            item["version"] = int(item.get("version", 0)) + 1


def _compliance_has_block_action(body: JsonObject) -> str | None:
    """Intune refuses a compliance policy without a scheduled 'block' action."""
    for rule in body.get("scheduledActionsForRule") or []:
        for action in rule.get("scheduledActionConfigurations") or []:
            if action.get("actionType") == "block":
                return None
    return (
        "Compliance policy must contain a scheduledActionsForRule entry with a scheduledActionConfiguration "
        "of actionType 'block'."
    )


def _settings_catalog_shape(body: JsonObject) -> str | None:
    for setting in body.get("settings") or []:
        if "settingInstance" not in setting:
            return "Each setting must contain a settingInstance."
    return None


_INTUNE_READ_ONLY = frozenset({"id", "createdDateTime", "lastModifiedDateTime", "version"})

RESOURCES: tuple[ResourceType, ...] = (
    ResourceType(
        "conditionalAccessPolicies",
        "identity/conditionalAccess/policies",
        "identity",
        "microsoft.graph.conditionalAccessPolicy",
        _POLICY_READ,
        _CA_WRITE,
    ),
    ResourceType(
        "namedLocations",
        "identity/conditionalAccess/namedLocations",
        "identity",
        "microsoft.graph.namedLocation",
        _POLICY_READ,
        _CA_WRITE,
        abstract=True,
    ),
    ResourceType(
        "authenticationStrengthPolicies",
        "policies/authenticationStrengthPolicies",
        "identity",
        "microsoft.graph.authenticationStrengthPolicy",
        _POLICY_READ,
        ("Policy.ReadWrite.ConditionalAccess", "Policy.ReadWrite.AuthenticationMethod"),
        read_only=frozenset(
            {"id", "createdDateTime", "modifiedDateTime", "policyType", "requirementsSatisfied"}
        ),
        patch_returns_entity=True,
    ),
    ResourceType(
        "authenticationMethodsPolicy",
        "policies/authenticationMethodsPolicy",
        "identity",
        "microsoft.graph.authenticationMethodsPolicy",
        ("Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"),
        ("Policy.ReadWrite.AuthenticationMethod",),
        singleton=True,
        read_only=frozenset({"id", "lastModifiedDateTime", "policyVersion"}),
        created_field=None,
        modified_field="lastModifiedDateTime",
    ),
    ResourceType(
        "authorizationPolicy",
        "policies/authorizationPolicy",
        "identity",
        "microsoft.graph.authorizationPolicy",
        ("Policy.Read.All", "Policy.ReadWrite.Authorization"),
        ("Policy.ReadWrite.Authorization",),
        singleton=True,
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
    ),
    ResourceType(
        "crossTenantAccessPolicyDefault",
        "policies/crossTenantAccessPolicy/default",
        "identity",
        "microsoft.graph.crossTenantAccessPolicyConfigurationDefault",
        ("Policy.Read.All", "Policy.ReadWrite.CrossTenantAccess"),
        ("Policy.ReadWrite.CrossTenantAccess",),
        singleton=True,
        read_only=frozenset({"isServiceDefault"}),
        created_field=None,
        modified_field=None,
    ),
    ResourceType(
        "securityDefaults",
        "policies/identitySecurityDefaultsEnforcementPolicy",
        "identity",
        "microsoft.graph.identitySecurityDefaultsEnforcementPolicy",
        ("Policy.Read.All", "Policy.ReadWrite.SecurityDefaults"),
        ("Policy.ReadWrite.SecurityDefaults", "Policy.Read.All+Policy.ReadWrite.ConditionalAccess"),
        singleton=True,
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
    ),
    ResourceType(
        "deviceConfigurations",
        "deviceManagement/deviceConfigurations",
        "intune",
        "microsoft.graph.deviceConfiguration",
        _INTUNE_READ,
        _INTUNE_WRITE,
        read_only=_INTUNE_READ_ONLY,
        modified_field="lastModifiedDateTime",
        navigation=("assignments",),
        abstract=True,
        patch_returns_entity=True,
        versioned=True,
        assignment_entity="#microsoft.graph.deviceConfigurationAssignment",
    ),
    ResourceType(
        "deviceCompliancePolicies",
        "deviceManagement/deviceCompliancePolicies",
        "intune",
        "microsoft.graph.deviceCompliancePolicy",
        _INTUNE_READ,
        _INTUNE_WRITE,
        read_only=_INTUNE_READ_ONLY,
        modified_field="lastModifiedDateTime",
        navigation=("assignments", "scheduledActionsForRule"),
        abstract=True,
        patch_returns_entity=True,
        versioned=True,
        assignment_entity="#microsoft.graph.deviceCompliancePolicyAssignment",
        validate=_compliance_has_block_action,
    ),
    ResourceType(
        "configurationPolicies",
        "deviceManagement/configurationPolicies",
        "intune",
        "microsoft.graph.deviceManagementConfigurationPolicy",
        _INTUNE_READ,
        _INTUNE_WRITE,
        versions=frozenset({"beta"}),
        read_only=frozenset(
            {"id", "createdDateTime", "lastModifiedDateTime", "settingCount", "isAssigned", "creationSource"}
        ),
        modified_field="lastModifiedDateTime",
        navigation=("assignments", "settings"),
        patch_returns_entity=True,
        assignment_entity="#microsoft.graph.deviceManagementConfigurationPolicyAssignment",
        validate=_settings_catalog_shape,
    ),
    ResourceType(
        "groups",
        "groups",
        "directory",
        "microsoft.graph.group",
        ("GroupMember.Read.All", "Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All"),
        ("Group.Create", "Group.ReadWrite.All", "Directory.ReadWrite.All"),
        read_only=frozenset({"id", "createdDateTime", "renewedDateTime", "securityIdentifier"}),
        modified_field=None,
    ),
)

BY_KEY = {r.key: r for r in RESOURCES}
