"""The catalogue of Graph paths the simulator serves, with their permissions and contracts.

One row per configuration type: where it lives and in which Graph versions, which service answers (and
so how errors and throttling look), the application or delegated permissions to read and to write
(``"A+B"`` means both are needed, as for Conditional Access writes), the server-managed fields, the
contained collections (``assignments``, ``settings``, ``definitionValues`` ...) with whether ``$expand``
returns them, and the actions (``assign``, ``targetApps``, ``setPriority`` ...). The service and the
seeds read this table; nothing else names a type. The ``@odata.type`` names follow Microsoft's models
(msgraph-sdk for v1.0, msgraph-beta-sdk for beta), which a conformance test checks.
"""

from __future__ import annotations

import base64
import binascii
import copy
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

from tenantsync_sim.graph.errors import Service
from tenantsync_sim.state import JsonObject, Tenant, graph_timestamp

Validator = Callable[[JsonObject], str | None]
Expand = Literal["list", "item", "never"]
ChildIds = Literal["uuid", "index", "target", "client"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
NEW_GUID: Any = object()
"""In ``ResourceType.created``: a fresh GUID for each new object."""

_INTUNE_READ = ("DeviceManagementConfiguration.Read.All", "DeviceManagementConfiguration.ReadWrite.All")
_INTUNE_WRITE = ("DeviceManagementConfiguration.ReadWrite.All",)
_SCRIPTS_READ = (
    "DeviceManagementScripts.Read.All",
    "DeviceManagementScripts.ReadWrite.All",
    *_INTUNE_READ,
)
_SCRIPTS_WRITE = ("DeviceManagementScripts.ReadWrite.All", *_INTUNE_WRITE)
_APPS_READ = ("DeviceManagementApps.Read.All", "DeviceManagementApps.ReadWrite.All")
_APPS_WRITE = ("DeviceManagementApps.ReadWrite.All",)
_SERVICE_READ = ("DeviceManagementServiceConfig.Read.All", "DeviceManagementServiceConfig.ReadWrite.All")
_SERVICE_WRITE = ("DeviceManagementServiceConfig.ReadWrite.All",)
_RBAC_READ = ("DeviceManagementRBAC.Read.All", "DeviceManagementRBAC.ReadWrite.All")
_RBAC_WRITE = ("DeviceManagementRBAC.ReadWrite.All",)
_CATEGORIES_READ = (
    "DeviceManagementManagedDevices.Read.All",
    "DeviceManagementManagedDevices.ReadWrite.All",
)
_CATEGORIES_WRITE = ("DeviceManagementManagedDevices.ReadWrite.All",)
_POLICY_READ = ("Policy.Read.All",)
_CA_WRITE = ("Policy.Read.All+Policy.ReadWrite.ConditionalAccess",)
_APP_CONFIG_WRITE = ("Policy.Read.All+Policy.ReadWrite.ApplicationConfiguration",)

_INTUNE_READ_ONLY = frozenset(
    {"id", "createdDateTime", "lastModifiedDateTime", "version", "supportsScopeTags"}
)
_ENTRA_READ_ONLY = frozenset({"id", "createdDateTime", "modifiedDateTime"})
_BETA = frozenset({"beta"})
_BOTH = frozenset({"v1.0", "beta"})
_V1 = frozenset({"v1.0"})
_IMAGES = ("image/png", "image/jpeg")
_BRANDING_STREAMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "backgroundImage": _IMAGES,
        "bannerLogo": _IMAGES,
        "squareLogo": _IMAGES,
        "squareLogoDark": _IMAGES,
        "headerLogo": _IMAGES,
        "favicon": ("image/x-icon", "image/vnd.microsoft.icon", *_IMAGES),
        "customCSS": ("text/css",),
    }
)
"""The branding's images and style sheet, with the content types the sign-in page accepts for each."""


@dataclass(frozen=True)
class Navigation:
    """A contained collection (or single object) served under ``{object}/{name}``.

    ``entity`` is the ``@odata.type`` a child gets when the client names none. ``expand`` says where
    ``$expand`` returns it: on lists and single objects, on single objects only, or never (read it by
    its own path, in ``$batch``). ``ids`` says how a new child's id is made: a GUID, its index (settings
    catalog settings), ``{owner}_{groupId}`` (Intune assignments) or the id the client sent.
    """

    name: str
    entity: str
    expand: Expand = "list"
    ids: ChildIds = "uuid"
    children: tuple[Navigation, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    owner_field: str | None = None
    single: bool = False
    writable: bool = True
    bind_required: bool = False
    """A single navigation a new item must name by ``{name}@odata.bind`` (an inline object is refused)."""
    target: str | None = None
    """The collection the navigation's objects live in. For a single one, a create must name its object
    inline as ``{"id": ...}`` (an access package's ``catalog``) and the service puts that object in its
    place; it is no property a read returns without ``$expand``, so it is not among the type's
    ``required``. For one linked ``by_reference``, a link must name an object of that collection."""
    deletable: bool = True
    """False where the service adds and changes items but never deletes one (allowed values)."""
    addable: bool = True
    """False where the service makes the items with their owner and only lets them change (a role
    management policy's rules): a POST is refused (405)."""
    by_reference: bool = False
    """Directory objects linked, not contained (a group's owners): ``POST {name}/$ref`` with the
    object's ``@odata.id`` links one, ``DELETE {name}/{id}/$ref`` unlinks it."""
    updatable: bool = True
    """False where Graph creates and deletes an item but documents no update (app role assignments)."""
    write: tuple[str, ...] = ()
    """The permissions a write to these items needs, where they are not the type's own (an app role
    assignment: ``AppRoleAssignment.ReadWrite.All`` with a read of the service principal)."""
    names: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    """Properties of a new item that name an object of another collection (an app role assignment's
    ``resourceId``): a create naming one that does not exist is refused, as Graph refuses it."""

    def child(self, name: str) -> Navigation | None:
        return next((n for n in self.children if n.name.lower() == name.lower()), None)

    def build(self, owner_id: str, entries: Iterable[JsonObject]) -> list[JsonObject]:
        """Children as the service stores them: typed, with ids and nested collections in place."""
        built: list[JsonObject] = []
        for index, entry in enumerate(entries):
            child: JsonObject = {"@odata.type": entry.get("@odata.type") or self.entity}
            child["id"] = self._child_id(owner_id, index, entry)
            child.update({k: v for k, v in self.defaults.items() if k not in entry})
            if self.owner_field:
                child[self.owner_field] = owner_id
            child.update({k: v for k, v in entry.items() if k not in ("@odata.type", "id")})
            for nested in self.children:
                if nested.single:
                    child.setdefault(nested.name, None)
                else:
                    child[nested.name] = nested.build(child["id"], child.get(nested.name) or [])
            built.append(child)
        return built

    def _child_id(self, owner_id: str, index: int, entry: JsonObject) -> str:
        if self.ids == "index":
            return str(entry.get("id") or index)
        if self.ids == "client" and entry.get("id"):
            return str(entry["id"])
        if self.ids == "target":
            target = entry.get("target") or {}
            return f"{owner_id}_{target.get('groupId') or uuid.uuid4()}"
        return str(entry.get("id") or uuid.uuid4())


@dataclass(frozen=True)
class Action:
    """``POST {object}/{name}``: replaces contained collections and sets fields from its parameters.

    ``replaces`` maps a body parameter to the navigation it replaces; ``sets`` names parameters copied
    onto the object; ``returns`` names the navigation answered as a collection (200), else 204.
    """

    replaces: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    sets: tuple[str, ...] = ()
    returns: str | None = None
    edits: str | None = None
    """The navigation this action edits item by item: ``added`` (new items, bound navigations named by
    ``@odata.bind``), ``updated`` (by id) and ``deletedIds`` (``updateDefinitionValues``)."""
    new_version: str | None = None
    """The body parameter holding the object's next version (a workflow's ``createNewVersion``, under
    ``workflow``): its fields set, its navigations replaced, ``version`` advanced; 201 with the object."""


@dataclass(frozen=True)
class ResourceType:
    """One configuration type as Graph serves it.

        ``key`` names it in the control API and the seeds; ``entity`` is its model's ``@odata.type``
        (abstract ones need a derived type on create). ``read_only`` properties are ignored in writes,
        ``required`` ones refused when missing on create. ``key_field``/``client_key``/``upsert`` describe
        keys the client chooses (partners by ``tenantId``, ``c1``...). ``list_omits`` are returned as null
        in lists (script bodies), ``version_fields`` exist in only one Graph version (``beta_only_entities``
    whole derived types), ``counted`` and
        ``flags_assigned`` are computed from contained collections, ``put_replaces`` and ``singleton_put``
        say where PUT replaces the whole object.
    """

    key: str
    path: str
    service: Service
    entity: str
    read: tuple[str, ...]
    write: tuple[str, ...]
    singleton: bool = False
    versions: frozenset[str] = _BOTH
    read_only: frozenset[str] = _ENTRA_READ_ONLY
    created_field: str | None = "createdDateTime"
    modified_field: str | None = "modifiedDateTime"
    navigation: tuple[Navigation, ...] = ()
    actions: Mapping[str, Action] = field(default_factory=lambda: _EMPTY)
    abstract: bool = False
    patch_returns_entity: bool = False
    versioned: bool = False
    version_is_text: bool = False
    validate: Validator | None = None
    name_field: str = "displayName"
    required: tuple[str, ...] = ()
    list_omits: frozenset[str] = frozenset()
    key_field: str = "id"
    client_key: bool = False
    upsert: bool = False
    writable: bool = True
    put_replaces: bool = False
    singleton_put: bool = False
    counted: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    flags_assigned: bool = False
    version_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    beta_only_entities: frozenset[str] = frozenset()
    """Derived types v1.0 has no model for (Windows Wi-Fi profiles): served in beta only."""
    streams: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY)
    """Stream properties (branding images) by name, with the content types a PUT may give them: read and
    written as bytes at ``{object}/{name}``, never part of the object's JSON."""
    listed_in: frozenset[str] = frozenset()
    """Versions in which Graph serves this singleton as a collection of one (beta
    ``authorizationPolicy``): the path lists it, ``{path}/{id}`` is the object."""
    references: Mapping[str, tuple[str, str]] = field(default_factory=lambda: _EMPTY)
    """Read-only navigations to objects of another type that name this one: ``{object}/{name}`` lists
    the objects of type ``[0]`` whose single navigation ``[1]`` is this object (a role definition's
    ``roleAssignments``)."""
    created: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    """Properties the service sets on a new object: ``NEW_GUID`` for a fresh GUID (an application's
    ``appId``), else a copy of the value (empty credential lists, a review's ``NotStarted``)."""
    immutable: frozenset[str] = frozenset()
    """Properties set by a create that a PATCH may repeat but not change (400): a group's
    ``isAssignableToRole``, a custom security attribute's name and set."""
    key_from: str | None = None
    """How the service names a new object from its properties (``{attributeSet}_{name}``), else a GUID."""
    write_only: frozenset[str] = frozenset()
    """Properties accepted in writes and answered masked (an identity provider's ``clientSecret``)."""
    fixed: bool = False
    """The service makes the objects and never lets one go (a role's management policy): they can be
    changed, never created or deleted (405)."""
    schedules: str | None = None
    """For a PIM request collection: the key of the schedules its requests create, change and end
    (see ``schedule_requests``)."""
    names: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    """Properties of a new object that name an object of another collection (a delegated permission
    grant's ``clientId`` and ``resourceId``): a create naming one that does not exist is refused."""
    versioned_only: frozenset[str] = frozenset()
    """Properties a PATCH may not carry (400): the service changes them only in a new version of the
    object (a lifecycle workflow's ``tasks`` and ``executionConditions``, see ``Action.new_version``)."""
    functions: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    """Bound functions, ``GET {object}/{name}(...)``, by name, with the permission level they need
    (``read`` or ``write``); the service computes their answers."""
    delegated_only: bool = False
    """Microsoft grants the type to no application (feature rollout policies, Teams app settings): an
    app-only token is refused 403 whatever roles it carries; only a signed-in user's ``scp`` reaches it."""

    def serves(self, item: JsonObject, version: str) -> bool:
        return version == "beta" or item.get("@odata.type") not in self.beta_only_entities

    @property
    def nav_names(self) -> frozenset[str]:
        return frozenset(n.name for n in self.navigation)

    def nav(self, name: str) -> Navigation | None:
        return next((n for n in self.navigation if n.name.lower() == name.lower()), None)

    def action(self, name: str) -> tuple[str, Action] | None:
        return next(((k, a) for k, a in self.actions.items() if k.lower() == name.lower()), None)

    def stamp_created(self, item: JsonObject) -> None:
        """Server-managed fields of a new object, as the owning service fills them."""
        now = graph_timestamp()
        if self.created_field:
            item[self.created_field] = now
        if self.modified_field:
            # Entra leaves modifiedDateTime null until the first change; Intune sets it at creation.
            item[self.modified_field] = None if self.service == "identity" else now
        if self.versioned:
            item["version"] = "1" if self.version_is_text else 1
        for name, value in self.created.items():
            item[name] = str(uuid.uuid4()) if value is NEW_GUID else copy.deepcopy(value)
        owner_id = str(item.get(self.key_field, ""))
        for nav in self.navigation:
            if nav.single:
                item.setdefault(nav.name, None)
            else:
                item[nav.name] = nav.build(owner_id, item.get(nav.name) or [])

    def touch(self, item: JsonObject) -> None:
        """Record a change: modified time and, for Intune, the version counter."""
        if self.modified_field:
            item[self.modified_field] = graph_timestamp()
        if self.versioned:
            version = int(item.get("version") or 0) + 1
            item["version"] = str(version) if self.version_is_text else version


def _attribute_name(body: JsonObject) -> str | None:
    """A custom security attribute's name: up to 32 letters and digits, no spaces or special characters."""
    name = str(body.get("name") or "")
    if not name or len(name) > 32 or not name.isalnum():
        return "The name of a custom security attribute must be 1 to 32 letters or digits."
    return None


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


def _base64_scripts(*fields: str) -> Validator:
    """Script bodies are Edm.Binary: Graph refuses text that is not base64."""

    def check(body: JsonObject) -> str | None:
        for name in fields:
            value = body.get(name)
            if value is None:
                continue
            try:
                base64.b64decode(str(value), validate=True)
            except (binascii.Error, ValueError):
                return f"Cannot convert the literal '{str(value)[:20]}' to the expected type 'Edm.Binary'."
        return None

    return check


def _assignments(entity: str, expand: Expand = "list", ids: ChildIds = "target") -> Navigation:
    return Navigation("assignments", f"#microsoft.graph.{entity}", expand=expand, ids=ids)


def _assign(parameter: str = "assignments", returns: str | None = None, **more: str) -> Action:
    return Action(replaces=MappingProxyType({parameter: "assignments", **more}), returns=returns)


_ASSIGN_RETURNING = _assign(returns="assignments")
_ASSIGN = _assign()
_SCRIPT_ASSIGN = _assign(
    "deviceManagementScriptAssignments", deviceManagementScriptGroupAssignments="groupAssignments"
)
_SCRIPT_NAVIGATION = (
    _assignments("deviceManagementScriptAssignment"),
    Navigation("groupAssignments", "#microsoft.graph.deviceManagementScriptGroupAssignment"),
)
_TARGET_APPS = Action(replaces=MappingProxyType({"apps": "apps"}), sets=("appGroupType",))
_TARGET_APPS_ONLY = Action(replaces=MappingProxyType({"apps": "apps"}))
"""Windows app protection's ``targetApps`` takes the apps alone: the type has no ``appGroupType``."""
_MANAGED_APPS = Navigation("apps", "#microsoft.graph.managedMobileApp")
_SETTINGS = Navigation(
    "settings", "#microsoft.graph.deviceManagementConfigurationSetting", expand="item", ids="index"
)
_POLICY_ASSIGNMENTS = Navigation(
    "assignments",
    "#microsoft.graph.deviceManagementConfigurationPolicyAssignment",
    ids="target",
    defaults=MappingProxyType({"source": "direct"}),
    owner_field="sourceId",
)
_CATALOG_READ_ONLY = frozenset(
    {"id", "createdDateTime", "lastModifiedDateTime", "settingCount", "isAssigned", "creationSource"}
)
_SCRIPT_READ_ONLY = _INTUNE_READ_ONLY | {"isGlobalScript", "highestAvailableVersion"}


_FILTER_TARGET = (
    "assignments.target.deviceAndAppManagementAssignmentFilterId",
    "assignments.target.deviceAndAppManagementAssignmentFilterType",
)


def _beta_only(*paths: str) -> Mapping[str, str]:
    """Properties (dotted, through lists) that Graph returns in beta but not in v1.0."""
    return MappingProxyType(dict.fromkeys(paths, "beta"))


def _intune(
    key: str,
    path: str,
    entity: str,
    read: tuple[str, ...] = _INTUNE_READ,
    write: tuple[str, ...] = _INTUNE_WRITE,
    **options: Any,
) -> ResourceType:
    """An Intune type: beta, lastModifiedDateTime, PATCH answered 200 with the object, as documented."""
    options.setdefault("versions", _BETA)
    options.setdefault("read_only", _INTUNE_READ_ONLY)
    options.setdefault("modified_field", "lastModifiedDateTime")
    options.setdefault("patch_returns_entity", True)
    return ResourceType(key, f"deviceManagement/{path}", "intune", entity, read, write, **options)


def _app_management(key: str, path: str, entity: str, **options: Any) -> ResourceType:
    options.setdefault("versions", _BETA)
    options.setdefault("read_only", _INTUNE_READ_ONLY)
    options.setdefault("modified_field", "lastModifiedDateTime")
    options.setdefault("patch_returns_entity", True)
    return ResourceType(
        key, f"deviceAppManagement/{path}", "intune", entity, _APPS_READ, _APPS_WRITE, **options
    )


def _app_protection(key: str, entity: str, target_apps: Action = _TARGET_APPS) -> ResourceType:
    return _app_management(
        key,
        key,
        entity,
        navigation=(_MANAGED_APPS, _assignments("targetedManagedAppPolicyAssignment", ids="uuid")),
        actions=MappingProxyType({"assign": _ASSIGN, "targetApps": target_apps}),
        read_only=_INTUNE_READ_ONLY | {"isAssigned", "deployedAppCount"},
        flags_assigned=True,
        versioned=True,
        version_is_text=True,
        required=("displayName",),
    )


def _entra_singleton(
    key: str,
    path: str,
    entity: str,
    write: tuple[str, ...],
    read: tuple[str, ...] = _POLICY_READ,
    **options: Any,
) -> ResourceType:
    options.setdefault("read_only", frozenset({"id"}))
    options.setdefault("created_field", None)
    options.setdefault("modified_field", None)
    return ResourceType(key, path, "identity", entity, read, write, singleton=True, **options)


_APPLICATION_READ = ("Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All")
_PEOPLE_READ = ("PeopleSettings.Read.All", "PeopleSettings.ReadWrite.All")
_PEOPLE_WRITE = ("PeopleSettings.ReadWrite.All",)


def _linked_policies(key: str, entity: str) -> Navigation:
    """Policies of type ``key`` assigned to an app or service principal, linked with ``$ref`` and
    read at ``{object}/{key}`` (not expanded)."""
    return Navigation(key, f"#{entity}", expand="never", ids="client", by_reference=True, target=key)


# -- Consent: application permissions granted to a service principal, and delegated permission grants
_APP_ROLE_ASSIGNMENTS = Navigation(
    "appRoleAssignments",
    "#microsoft.graph.appRoleAssignment",
    expand="never",
    owner_field="principalId",
    defaults=MappingProxyType({"principalType": "ServicePrincipal"}),
    updatable=False,
    names=MappingProxyType({"resourceId": "servicePrincipals"}),
    write=(
        "AppRoleAssignment.ReadWrite.All+Application.Read.All",
        "AppRoleAssignment.ReadWrite.All+Directory.Read.All",
        "AppRoleAssignment.ReadWrite.All+Application.ReadWrite.All",
        "AppRoleAssignment.ReadWrite.All+Directory.ReadWrite.All",
    ),
)
"""``servicePrincipals/{id}/appRoleAssignments``: the app roles granted to it, each created (with its
``principalId``, ``resourceId`` and ``appRoleId``) and deleted, never updated."""
_GRANT_WRITE = ("DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All")


def _app_policy(key: str, entity: str) -> ResourceType:
    """A policy that shapes tokens or sign-in for the apps it is assigned to (``policies/{key}``)."""
    return ResourceType(
        key,
        f"policies/{key}",
        "identity",
        entity,
        _POLICY_READ,
        _APP_CONFIG_WRITE,
        read_only=frozenset({"id", "deletedDateTime"}),
        created_field=None,
        modified_field=None,
        required=("displayName", "definition"),
    )


def _governance(
    key: str,
    path: str,
    entity: str,
    read: tuple[str, ...] = ("EntitlementManagement.Read.All", "EntitlementManagement.ReadWrite.All"),
    write: tuple[str, ...] = ("EntitlementManagement.ReadWrite.All",),
    **options: Any,
) -> ResourceType:
    """An identity governance type (``identityGovernance/{path}``): entitlement management, access reviews."""
    options.setdefault("read_only", _ENTRA_READ_ONLY)
    return ResourceType(key, f"identityGovernance/{path}", "identity", entity, read, write, **options)


_ROLE_MANAGEMENT_READ = (
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
)
_PIM_POLICY_READ = (
    "RoleManagementPolicy.Read.Directory",
    "RoleManagementPolicy.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
)


def _pim_schedules(kind: str) -> ResourceType:
    """Eligible or active role assignments, as PIM lists them: written only through requests."""
    permission = f"Role{kind}Schedule"
    return ResourceType(
        f"role{kind}Schedules",
        f"roleManagement/directory/role{kind}Schedules",
        "directory",
        f"microsoft.graph.unifiedRole{kind}Schedule",
        (f"{permission}.Read.Directory", f"{permission}.ReadWrite.Directory", *_ROLE_MANAGEMENT_READ),
        (f"{permission}.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"),
        read_only=frozenset({"id", "createdDateTime", "modifiedDateTime", "createdUsing", "status"}),
        writable=False,
    )


def _pim_requests(kind: str) -> ResourceType:
    """Where a role assignment is asked for, changed or ended (``schedule_requests``)."""
    permission = f"Role{kind}Schedule"
    return ResourceType(
        f"role{kind}ScheduleRequests",
        f"roleManagement/directory/role{kind}ScheduleRequests",
        "directory",
        f"microsoft.graph.unifiedRole{kind}ScheduleRequest",
        (f"{permission}.Read.Directory", f"{permission}.ReadWrite.Directory", *_ROLE_MANAGEMENT_READ),
        (f"{permission}.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"),
        read_only=frozenset({"id", "status", "targetScheduleId", "completedDateTime", "createdBy"}),
        created_field="createdDateTime",
        modified_field=None,
        required=("action", "principalId", "roleDefinitionId", "directoryScopeId"),
        schedules=f"role{kind}Schedules",
    )


RESOURCES: tuple[ResourceType, ...] = (
    # -- Entra ID: Conditional Access and authentication --------------------------------------------
    ResourceType(
        "conditionalAccessPolicies",
        "identity/conditionalAccess/policies",
        "identity",
        "microsoft.graph.conditionalAccessPolicy",
        _POLICY_READ,
        _CA_WRITE,
        required=("displayName", "state", "conditions"),
        version_fields=MappingProxyType({"templateId": "v1.0"}),
    ),
    ResourceType(
        "namedLocations",
        "identity/conditionalAccess/namedLocations",
        "identity",
        "microsoft.graph.namedLocation",
        _POLICY_READ,
        _CA_WRITE,
        abstract=True,
        required=("displayName",),
    ),
    ResourceType(
        "authenticationContextClassReferences",
        "identity/conditionalAccess/authenticationContextClassReferences",
        "identity",
        "microsoft.graph.authenticationContextClassReference",
        _POLICY_READ,
        _CA_WRITE,
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        client_key=True,
        upsert=True,
        required=("displayName",),
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
        required=("displayName", "allowedCombinations"),
    ),
    _entra_singleton(
        "authenticationMethodsPolicy",
        "policies/authenticationMethodsPolicy",
        "microsoft.graph.authenticationMethodsPolicy",
        ("Policy.ReadWrite.AuthenticationMethod",),
        read=("Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"),
        read_only=frozenset({"id", "lastModifiedDateTime", "policyVersion"}),
        modified_field="lastModifiedDateTime",
        version_fields=MappingProxyType(
            {
                "registrationEnforcement.authenticationMethodsRegistrationCampaign."
                "enforceRegistrationAfterAllowedSnoozes": "beta"
            }
        ),
    ),
    _entra_singleton(
        "authorizationPolicy",
        "policies/authorizationPolicy",
        "microsoft.graph.authorizationPolicy",
        ("Policy.ReadWrite.Authorization",),
        version_fields=MappingProxyType(
            {"defaultUserRolePermissions.permissionGrantPoliciesAssigned": "v1.0"}
        ),
        listed_in=_BETA,
    ),
    _entra_singleton(
        "crossTenantAccessPolicyDefault",
        "policies/crossTenantAccessPolicy/default",
        "microsoft.graph.crossTenantAccessPolicyConfigurationDefault",
        ("Policy.ReadWrite.CrossTenantAccess",),
        read_only=frozenset({"isServiceDefault"}),
    ),
    ResourceType(
        "crossTenantAccessPolicyPartners",
        "policies/crossTenantAccessPolicy/partners",
        "identity",
        "microsoft.graph.crossTenantAccessPolicyConfigurationPartner",
        _POLICY_READ,
        ("Policy.ReadWrite.CrossTenantAccess",),
        read_only=frozenset({"isServiceProvider", "isInMultiTenantOrganization"}),
        created_field=None,
        modified_field=None,
        key_field="tenantId",
        client_key=True,
        name_field="tenantId",
        required=("tenantId",),
    ),
    _entra_singleton(
        "securityDefaults",
        "policies/identitySecurityDefaultsEnforcementPolicy",
        "microsoft.graph.identitySecurityDefaultsEnforcementPolicy",
        ("Policy.ReadWrite.SecurityDefaults", "Policy.Read.All+Policy.ReadWrite.ConditionalAccess"),
    ),
    _entra_singleton(
        "authenticationFlowsPolicy",
        "policies/authenticationFlowsPolicy",
        "microsoft.graph.authenticationFlowsPolicy",
        ("Policy.ReadWrite.AuthenticationFlows",),
    ),
    _entra_singleton(
        "deviceRegistrationPolicy",
        "policies/deviceRegistrationPolicy",
        "microsoft.graph.deviceRegistrationPolicy",
        ("Policy.ReadWrite.DeviceConfiguration",),
        singleton_put=True,
    ),
    _entra_singleton(
        "externalIdentitiesPolicy",
        "policies/externalIdentitiesPolicy",
        "microsoft.graph.externalIdentitiesPolicy",
        ("Policy.ReadWrite.ExternalIdentities",),
        versions=_BETA,
    ),
    _entra_singleton(
        "adminConsentRequestPolicy",
        "policies/adminConsentRequestPolicy",
        "microsoft.graph.adminConsentRequestPolicy",
        ("Policy.ReadWrite.ConsentRequest",),
        read=("Policy.Read.All", "Policy.ReadWrite.ConsentRequest"),
        read_only=frozenset({"id", "version"}),
        singleton_put=True,
    ),
    _entra_singleton(
        "defaultAppManagementPolicy",
        "policies/defaultAppManagementPolicy",
        "microsoft.graph.tenantAppManagementPolicy",
        _APP_CONFIG_WRITE,
    ),
    ResourceType(
        "appManagementPolicies",
        "policies/appManagementPolicies",
        "identity",
        "microsoft.graph.appManagementPolicy",
        ("Policy.Read.All", "Application.Read.All"),
        _APP_CONFIG_WRITE,
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        required=("displayName", "restrictions"),
    ),
    ResourceType(
        "tokenLifetimePolicies",
        "policies/tokenLifetimePolicies",
        "identity",
        "microsoft.graph.tokenLifetimePolicy",
        _POLICY_READ,
        _APP_CONFIG_WRITE,
        read_only=frozenset({"id", "deletedDateTime"}),
        created_field=None,
        modified_field=None,
        required=("displayName", "definition"),
    ),
    ResourceType(
        "activityBasedTimeoutPolicies",
        "policies/activityBasedTimeoutPolicies",
        "identity",
        "microsoft.graph.activityBasedTimeoutPolicy",
        _POLICY_READ,
        _APP_CONFIG_WRITE,
        read_only=frozenset({"id", "deletedDateTime"}),
        created_field=None,
        modified_field=None,
        required=("displayName", "definition"),
    ),
    ResourceType(
        "permissionGrantPolicies",
        "policies/permissionGrantPolicies",
        "identity",
        "microsoft.graph.permissionGrantPolicy",
        _POLICY_READ,
        ("Policy.ReadWrite.PermissionGrant",),
        read_only=frozenset({"deletedDateTime"}),
        created_field=None,
        modified_field=None,
        client_key=True,
        navigation=(
            Navigation("includes", "#microsoft.graph.permissionGrantConditionSet"),
            Navigation("excludes", "#microsoft.graph.permissionGrantConditionSet"),
        ),
        required=("id", "displayName"),
    ),
    # -- Entra ID: directory ------------------------------------------------------------------------
    ResourceType(
        "groupSettings",
        "groupSettings",
        "directory",
        "microsoft.graph.groupSetting",
        ("Directory.Read.All", "Directory.ReadWrite.All"),
        ("Directory.ReadWrite.All",),
        versions=frozenset({"v1.0"}),
        read_only=frozenset({"id", "displayName"}),
        created_field=None,
        modified_field=None,
        required=("templateId", "values"),
    ),
    ResourceType(
        "administrativeUnits",
        "directory/administrativeUnits",
        "directory",
        "microsoft.graph.administrativeUnit",
        ("AdministrativeUnit.Read.All", "AdministrativeUnit.ReadWrite.All", "Directory.Read.All"),
        ("AdministrativeUnit.ReadWrite.All",),
        read_only=frozenset({"id", "deletedDateTime", "membershipRuleProcessingState"}),
        created_field=None,
        modified_field=None,
        required=("displayName",),
    ),
    ResourceType(
        "termsOfUseAgreements",
        "identityGovernance/termsOfUse/agreements",
        "identity",
        "microsoft.graph.agreement",
        ("Agreement.Read.All", "Agreement.ReadWrite.All"),
        ("Agreement.ReadWrite.All",),
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        navigation=(Navigation("files", "#microsoft.graph.agreementFileLocalization", expand="item"),),
        required=("displayName", "isViewingBeforeAcceptanceRequired"),
    ),
    ResourceType(
        "organizationalBranding",
        "organization/{tenantId}/branding",
        "directory",
        "microsoft.graph.organizationalBranding",
        ("OrganizationalBranding.Read.All", "OrganizationalBranding.ReadWrite.All", "Organization.Read.All"),
        ("OrganizationalBranding.ReadWrite.All", "Organization.ReadWrite.All"),
        singleton=True,
        read_only=frozenset({"id", "cdnList", "bannerLogoRelativeUrl", "squareLogoRelativeUrl"}),
        created_field=None,
        modified_field=None,
        streams=_BRANDING_STREAMS,
        navigation=(
            Navigation(
                "localizations",
                "#microsoft.graph.organizationalBrandingLocalization",
                expand="item",
                ids="client",
            ),
        ),
    ),
    ResourceType(
        "groups",
        "groups",
        "directory",
        "microsoft.graph.group",
        ("GroupMember.Read.All", "Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All"),
        ("Group.Create", "Group.ReadWrite.All", "Directory.ReadWrite.All"),
        read_only=frozenset(
            {"id", "createdDateTime", "renewedDateTime", "securityIdentifier", "mail", "proxyAddresses"}
        ),
        modified_field=None,
        navigation=(
            Navigation("owners", "#microsoft.graph.directoryObject", ids="client", by_reference=True),
            Navigation("members", "#microsoft.graph.directoryObject", ids="client", by_reference=True),
        ),
        immutable=frozenset({"isAssignableToRole"}),
        required=("displayName", "mailEnabled", "mailNickname", "securityEnabled"),
    ),
    ResourceType(
        "groupLifecyclePolicies",
        "groupLifecyclePolicies",
        "directory",
        "microsoft.graph.groupLifecyclePolicy",
        ("Directory.Read.All", "Directory.ReadWrite.All"),
        ("Directory.ReadWrite.All",),
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        required=("groupLifetimeInDays", "managedGroupTypes"),
    ),
    ResourceType(
        "applications",
        "applications",
        "directory",
        "microsoft.graph.application",
        _APPLICATION_READ,
        ("Application.ReadWrite.All",),
        read_only=frozenset(
            {"id", "appId", "createdDateTime", "deletedDateTime", "publisherDomain"}
            | {"passwordCredentials", "keyCredentials"}
        ),
        modified_field=None,
        created=MappingProxyType(
            {"appId": NEW_GUID, "passwordCredentials": [], "keyCredentials": [], "deletedDateTime": None}
        ),
        navigation=(
            _linked_policies("tokenLifetimePolicies", "microsoft.graph.tokenLifetimePolicy"),
            _linked_policies("tokenIssuancePolicies", "microsoft.graph.tokenIssuancePolicy"),
        ),
        required=("displayName",),
    ),
    ResourceType(
        "servicePrincipals",
        "servicePrincipals",
        "directory",
        "microsoft.graph.servicePrincipal",
        _APPLICATION_READ,
        ("Application.ReadWrite.All",),
        read_only=frozenset(
            {"id", "deletedDateTime", "appOwnerOrganizationId", "servicePrincipalType"}
            | {"passwordCredentials", "keyCredentials"}
        ),
        created_field=None,
        modified_field=None,
        navigation=(
            _linked_policies("claimsMappingPolicies", "microsoft.graph.claimsMappingPolicy"),
            _linked_policies("homeRealmDiscoveryPolicies", "microsoft.graph.homeRealmDiscoveryPolicy"),
            _APP_ROLE_ASSIGNMENTS,
        ),
        created=MappingProxyType(
            {
                "servicePrincipalType": "Application",
                "passwordCredentials": [],
                "keyCredentials": [],
                "deletedDateTime": None,
            }
        ),
        immutable=frozenset({"appId"}),
        required=("appId",),
    ),
    _app_policy("claimsMappingPolicies", "microsoft.graph.claimsMappingPolicy"),
    _app_policy("homeRealmDiscoveryPolicies", "microsoft.graph.homeRealmDiscoveryPolicy"),
    _app_policy("tokenIssuancePolicies", "microsoft.graph.tokenIssuancePolicy"),
    ResourceType(
        "attributeSets",
        "directory/attributeSets",
        "directory",
        "microsoft.graph.attributeSet",
        ("CustomSecAttributeDefinition.Read.All", "CustomSecAttributeDefinition.ReadWrite.All"),
        ("CustomSecAttributeDefinition.ReadWrite.All",),
        read_only=frozenset(),
        created_field=None,
        modified_field=None,
        client_key=True,
        name_field="description",
        required=("id",),
    ),
    ResourceType(
        "customSecurityAttributeDefinitions",
        "directory/customSecurityAttributeDefinitions",
        "directory",
        "microsoft.graph.customSecurityAttributeDefinition",
        ("CustomSecAttributeDefinition.Read.All", "CustomSecAttributeDefinition.ReadWrite.All"),
        ("CustomSecAttributeDefinition.ReadWrite.All",),
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        navigation=(
            Navigation(
                "allowedValues",
                "#microsoft.graph.allowedValue",
                expand="never",
                ids="client",
                deletable=False,
            ),
        ),
        key_from="{attributeSet}_{name}",
        immutable=frozenset({"attributeSet", "name", "type", "isCollection", "isSearchable"}),
        validate=_attribute_name,
        name_field="description",
        required=(
            "attributeSet",
            "name",
            "type",
            "status",
            "isCollection",
            "isSearchable",
            "usePreDefinedValuesOnly",
        ),
    ),
    ResourceType(
        "identityProviders",
        "identity/identityProviders",
        "identity",
        "microsoft.graph.identityProviderBase",
        ("IdentityProvider.Read.All", "IdentityProvider.ReadWrite.All"),
        ("IdentityProvider.ReadWrite.All",),
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        abstract=True,
        write_only=frozenset({"clientSecret"}),
        required=("displayName",),
    ),
    ResourceType(
        "profileCardProperties",
        "admin/people/profileCardProperties",
        "directory",
        "microsoft.graph.profileCardProperty",
        _PEOPLE_READ,
        _PEOPLE_WRITE,
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        key_field="directoryPropertyName",
        client_key=True,
        name_field="directoryPropertyName",
        required=("directoryPropertyName",),
    ),
    _entra_singleton(
        "pronounsSettings",
        "admin/people/pronouns",
        "microsoft.graph.pronounsSettings",
        _PEOPLE_WRITE,
        read=_PEOPLE_READ,
    ),
    _entra_singleton(
        "itemInsights",
        "admin/people/itemInsights",
        "microsoft.graph.insightsSettings",
        _PEOPLE_WRITE,
        read=_PEOPLE_READ,
    ),
    _entra_singleton(
        "microsoft365AppsInstallationOptions",
        "admin/microsoft365Apps/installationOptions",
        "microsoft.graph.m365AppsInstallationOptions",
        ("OrgSettings-Microsoft365Install.ReadWrite.All",),
        read=("OrgSettings-Microsoft365Install.Read.All", "OrgSettings-Microsoft365Install.ReadWrite.All"),
    ),
    _entra_singleton(
        "adminReportSettings",
        "admin/reportSettings",
        "microsoft.graph.adminReportSettings",
        ("ReportSettings.ReadWrite.All",),
        read=("ReportSettings.Read.All", "ReportSettings.ReadWrite.All"),
    ),
    _entra_singleton(
        "sharePointSettings",
        "admin/sharepoint/settings",
        "microsoft.graph.sharepointSettings",
        ("SharePointTenantSettings.ReadWrite.All",),
        read=("SharePointTenantSettings.Read.All", "SharePointTenantSettings.ReadWrite.All"),
    ),
    ResourceType(
        "oauth2PermissionGrants",
        "oauth2PermissionGrants",
        "directory",
        "microsoft.graph.oAuth2PermissionGrant",
        ("Directory.Read.All", *_GRANT_WRITE),
        _GRANT_WRITE,
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        immutable=frozenset({"clientId", "consentType", "principalId", "resourceId"}),
        required=("clientId", "consentType", "resourceId"),
        names=MappingProxyType({"clientId": "servicePrincipals", "resourceId": "servicePrincipals"}),
    ),
    # -- Entra ID: identity governance ---------------------------------------------------------------
    _governance(
        "connectedOrganizations",
        "entitlementManagement/connectedOrganizations",
        "microsoft.graph.connectedOrganization",
        navigation=tuple(
            Navigation(
                name, "#microsoft.graph.directoryObject", expand="never", ids="client", by_reference=True
            )
            for name in ("internalSponsors", "externalSponsors")
        ),
        required=("displayName", "identitySources"),
    ),
    _governance(
        "lifecycleWorkflows",
        "lifecycleWorkflows/workflows",
        "microsoft.graph.identityGovernance.workflow",
        ("LifecycleWorkflows.Read.All", "LifecycleWorkflows.ReadWrite.All"),
        ("LifecycleWorkflows.ReadWrite.All",),
        navigation=(Navigation("tasks", "#microsoft.graph.identityGovernance.task"),),
        modified_field="lastModifiedDateTime",
        created=MappingProxyType({"version": 1}),
        actions=MappingProxyType({"createNewVersion": Action(new_version="workflow")}),
        versioned_only=frozenset({"tasks", "executionConditions"}),
        required=("displayName", "category", "executionConditions"),
    ),
    _governance(
        "accessPackageCatalogs",
        "entitlementManagement/catalogs",
        "microsoft.graph.accessPackageCatalog",
        version_fields=MappingProxyType({"state": "v1.0"}),  # beta's catalogStatus
        required=("displayName",),
    ),
    _governance(
        "accessPackages",
        "entitlementManagement/accessPackages",
        "microsoft.graph.accessPackage",
        navigation=(
            Navigation(
                "catalog",
                "#microsoft.graph.accessPackageCatalog",
                single=True,
                writable=False,
                target="accessPackageCatalogs",
            ),
        ),
        versions=_V1,  # beta's entitlement model is another (accessPackageCatalog, not catalog)
        required=("displayName",),
    ),
    _governance(
        "accessPackageAssignmentPolicies",
        "entitlementManagement/assignmentPolicies",
        "microsoft.graph.accessPackageAssignmentPolicy",
        navigation=(
            Navigation(
                "accessPackage",
                "#microsoft.graph.accessPackage",
                single=True,
                writable=False,
                target="accessPackages",
            ),
        ),
        put_replaces=True,
        versions=_V1,
        required=("displayName",),
    ),
    _governance(
        "accessReviewDefinitions",
        "accessReviews/definitions",
        "microsoft.graph.accessReviewScheduleDefinition",
        read=("AccessReview.Read.All", "AccessReview.ReadWrite.All"),
        write=("AccessReview.ReadWrite.All",),
        read_only=frozenset({"id", "createdDateTime", "lastModifiedDateTime", "createdBy", "status"}),
        modified_field="lastModifiedDateTime",
        created=MappingProxyType({"status": "NotStarted"}),
        put_replaces=True,
        required=("displayName", "scope", "settings"),
    ),
    # -- Entra ID: PIM for directory roles -----------------------------------------------------------
    ResourceType(
        "directoryRoleDefinitions",
        "roleManagement/directory/roleDefinitions",
        "directory",
        "microsoft.graph.unifiedRoleDefinition",
        _ROLE_MANAGEMENT_READ,
        ("RoleManagement.ReadWrite.Directory",),
        versions=_BOTH,
        read_only=frozenset({"id", "isBuiltIn", "templateId"}),
        created_field=None,
        modified_field=None,
        writable=False,
        required=("displayName",),
    ),
    ResourceType(
        "roleManagementPolicies",
        "policies/roleManagementPolicies",
        "identity",
        "microsoft.graph.unifiedRoleManagementPolicy",
        _PIM_POLICY_READ,
        ("RoleManagementPolicy.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"),
        read_only=frozenset({"id", "lastModifiedDateTime", "lastModifiedBy", "scopeId", "scopeType"}),
        created_field=None,
        modified_field="lastModifiedDateTime",
        navigation=(
            Navigation(
                "rules",
                "microsoft.graph.unifiedRoleManagementPolicyRule",
                ids="client",
                deletable=False,
                addable=False,
            ),
            Navigation(
                "effectiveRules",
                "microsoft.graph.unifiedRoleManagementPolicyRule",
                ids="client",
                writable=False,
            ),
        ),
        fixed=True,
    ),
    ResourceType(
        "roleManagementPolicyAssignments",
        "policies/roleManagementPolicyAssignments",
        "identity",
        "microsoft.graph.unifiedRoleManagementPolicyAssignment",
        _PIM_POLICY_READ,
        ("RoleManagementPolicy.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"),
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        writable=False,
    ),
    _pim_schedules("Eligibility"),
    _pim_schedules("Assignment"),
    _pim_requests("Eligibility"),
    _pim_requests("Assignment"),
    # -- Teams through Graph ----------------------------------------------------------------------------
    ResourceType(
        "teamsApps",
        "appCatalogs/teamsApps",
        "directory",
        "microsoft.graph.teamsApp",
        ("AppCatalog.Read.All", "AppCatalog.ReadWrite.All", "Directory.Read.All"),
        ("AppCatalog.ReadWrite.All",),
        read_only=frozenset({"id", "externalId", "distributionMethod"}),
        created_field=None,
        modified_field=None,
        navigation=(Navigation("appDefinitions", "microsoft.graph.teamsAppDefinition", writable=False),),
        writable=False,
    ),
    _entra_singleton(
        "teamsAppSettings",
        "teamwork/teamsAppSettings",
        "microsoft.graph.teamsAppSettings",
        ("TeamworkAppSettings.ReadWrite.All",),
        read=("TeamworkAppSettings.Read.All", "TeamworkAppSettings.ReadWrite.All"),
        delegated_only=True,
    ),
    # -- Entra ID: what only a signed-in user reaches ---------------------------------------------------
    ResourceType(
        "featureRolloutPolicies",
        "policies/featureRolloutPolicies",
        "identity",
        "microsoft.graph.featureRolloutPolicy",
        ("Policy.ReadWrite.HybridAuthentication", "Directory.ReadWrite.All"),
        ("Policy.ReadWrite.HybridAuthentication", "Directory.ReadWrite.All"),
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        navigation=(
            Navigation(
                "appliesTo",
                "#microsoft.graph.directoryObject",
                expand="item",
                ids="client",
                by_reference=True,
            ),
        ),
        required=("displayName", "feature", "isEnabled"),
        delegated_only=True,
    ),
    # -- Intune: device configuration -------------------------------------------------------------
    _intune(
        "deviceConfigurations",
        "deviceConfigurations",
        "microsoft.graph.deviceConfiguration",
        versions=_BOTH,
        navigation=(_assignments("deviceConfigurationAssignment"),),
        actions=MappingProxyType({"assign": _ASSIGN_RETURNING}),
        version_fields=_beta_only(
            "roleScopeTagIds",
            "supportsScopeTags",
            "firewallRules",
            "defenderSecurityCenterDisableAppBrowserUI",
            "omaSettings.isEncrypted",
            "omaSettings.isReadOnly",
            "omaSettings.secretReferenceValueId",
            *_FILTER_TARGET,
        ),
        beta_only_entities=frozenset({"#microsoft.graph.windowsWifiConfiguration"}),
        functions=MappingProxyType({"getOmaSettingPlainTextValue": "write"}),
        abstract=True,
        patch_returns_entity=True,
        versioned=True,
        required=("displayName",),
    ),
    _intune(
        "deviceCompliancePolicies",
        "deviceCompliancePolicies",
        "microsoft.graph.deviceCompliancePolicy",
        versions=_BOTH,
        navigation=(
            _assignments("deviceCompliancePolicyAssignment"),
            Navigation(
                "scheduledActionsForRule",
                "#microsoft.graph.deviceComplianceScheduledActionForRule",
                children=(
                    Navigation(
                        "scheduledActionConfigurations", "#microsoft.graph.deviceComplianceActionItem"
                    ),
                ),
            ),
        ),
        actions=MappingProxyType({"assign": _ASSIGN_RETURNING}),
        version_fields=_beta_only(
            "roleScopeTagIds",
            "antiSpywareRequired",
            "antivirusRequired",
            "defenderEnabled",
            "rtpEnabled",
            *_FILTER_TARGET,
        ),
        abstract=True,
        patch_returns_entity=True,
        versioned=True,
        validate=_compliance_has_block_action,
        required=("displayName",),
    ),
    _intune(
        "configurationPolicies",
        "configurationPolicies",
        "microsoft.graph.deviceManagementConfigurationPolicy",
        read_only=_CATALOG_READ_ONLY,
        navigation=(_POLICY_ASSIGNMENTS, _SETTINGS),
        actions=MappingProxyType({"assign": _ASSIGN_RETURNING}),
        patch_returns_entity=True,
        put_replaces=True,
        validate=_settings_catalog_shape,
        name_field="name",
        required=("name", "platforms", "technologies"),
        counted=MappingProxyType({"settingCount": "settings"}),
        flags_assigned=True,
    ),
    _intune(
        "compliancePolicies",
        "compliancePolicies",
        "microsoft.graph.deviceManagementCompliancePolicy",
        read_only=_CATALOG_READ_ONLY,
        navigation=(
            _POLICY_ASSIGNMENTS,
            Navigation("settings", "#microsoft.graph.deviceManagementConfigurationSetting", ids="index"),
            Navigation(
                "scheduledActionsForRule",
                "#microsoft.graph.deviceManagementComplianceScheduledActionForRule",
                children=(
                    Navigation(
                        "scheduledActionConfigurations",
                        "#microsoft.graph.deviceManagementComplianceActionItem",
                    ),
                ),
            ),
        ),
        actions=MappingProxyType({"assign": _ASSIGN_RETURNING}),
        put_replaces=True,
        validate=_settings_catalog_shape,
        name_field="name",
        required=("name", "platforms", "technologies"),
        counted=MappingProxyType({"settingCount": "settings"}),
        flags_assigned=True,
    ),
    _intune(
        "groupPolicyConfigurations",
        "groupPolicyConfigurations",
        "microsoft.graph.groupPolicyConfiguration",
        navigation=(
            _assignments("groupPolicyConfigurationAssignment"),
            Navigation(
                "definitionValues",
                "#microsoft.graph.groupPolicyDefinitionValue",
                expand="item",
                children=(
                    Navigation(
                        "presentationValues",
                        "#microsoft.graph.groupPolicyPresentationValue",
                        children=(
                            Navigation(
                                "presentation",
                                "#microsoft.graph.groupPolicyPresentation",
                                single=True,
                                writable=False,
                                bind_required=True,
                            ),
                        ),
                    ),
                    Navigation(
                        "definition",
                        "#microsoft.graph.groupPolicyDefinition",
                        single=True,
                        writable=False,
                        bind_required=True,
                    ),
                ),
            ),
        ),
        actions=MappingProxyType(
            {"assign": _ASSIGN_RETURNING, "updateDefinitionValues": Action(edits="definitionValues")}
        ),
        read_only=_INTUNE_READ_ONLY | {"policyConfigurationIngestionType"},
        required=("displayName",),
    ),
    _intune(
        "groupPolicyDefinitions",
        "groupPolicyDefinitions",
        "microsoft.graph.groupPolicyDefinition",
        navigation=(Navigation("presentations", "#microsoft.graph.groupPolicyPresentation", writable=False),),
        created_field=None,
        writable=False,
    ),
    _intune(
        "intents",
        "intents",
        "microsoft.graph.deviceManagementIntent",
        navigation=(
            _assignments("deviceManagementIntentAssignment", expand="never", ids="uuid"),
            Navigation("settings", "#microsoft.graph.deviceManagementSettingInstance", expand="never"),
        ),
        actions=MappingProxyType(
            {"assign": _ASSIGN, "updateSettings": Action(replaces=MappingProxyType({"settings": "settings"}))}
        ),
        created_field=None,
        read_only=_INTUNE_READ_ONLY | {"isAssigned", "isMigratingToConfigurationPolicy"},
        flags_assigned=True,
        required=("displayName", "templateId"),
    ),
    _intune(
        "reusablePolicySettings",
        "reusablePolicySettings",
        "microsoft.graph.deviceManagementReusablePolicySetting",
        read_only=_INTUNE_READ_ONLY | {"referencingConfigurationPolicyCount", "settingDefinitionId"},
        versioned=True,
        required=("displayName", "settingInstance"),
    ),
    # -- Intune: scripts (content is base64; lists leave it out, as Graph does) --------------------
    _intune(
        "deviceManagementScripts",
        "deviceManagementScripts",
        "microsoft.graph.deviceManagementScript",
        _SCRIPTS_READ,
        _SCRIPTS_WRITE,
        navigation=_SCRIPT_NAVIGATION,
        actions=MappingProxyType({"assign": _SCRIPT_ASSIGN}),
        list_omits=frozenset({"scriptContent"}),
        validate=_base64_scripts("scriptContent"),
        required=("displayName", "scriptContent", "runAsAccount", "fileName"),
    ),
    _intune(
        "deviceShellScripts",
        "deviceShellScripts",
        "microsoft.graph.deviceShellScript",
        _SCRIPTS_READ,
        _SCRIPTS_WRITE,
        navigation=_SCRIPT_NAVIGATION,
        actions=MappingProxyType({"assign": _SCRIPT_ASSIGN}),
        list_omits=frozenset({"scriptContent"}),
        validate=_base64_scripts("scriptContent"),
        required=("displayName", "scriptContent", "runAsAccount", "fileName"),
    ),
    _intune(
        "deviceCustomAttributeShellScripts",
        "deviceCustomAttributeShellScripts",
        "microsoft.graph.deviceCustomAttributeShellScript",
        _SCRIPTS_READ,
        _SCRIPTS_WRITE,
        navigation=_SCRIPT_NAVIGATION,
        actions=MappingProxyType({"assign": _SCRIPT_ASSIGN}),
        list_omits=frozenset({"scriptContent"}),
        validate=_base64_scripts("scriptContent"),
        required=("displayName", "scriptContent", "customAttributeName", "customAttributeType", "fileName"),
    ),
    _intune(
        "deviceHealthScripts",
        "deviceHealthScripts",
        "microsoft.graph.deviceHealthScript",
        _SCRIPTS_READ,
        _SCRIPTS_WRITE,
        read_only=_SCRIPT_READ_ONLY,
        navigation=(_assignments("deviceHealthScriptAssignment", ids="uuid"),),
        actions=MappingProxyType({"assign": _assign("deviceHealthScriptAssignments")}),
        list_omits=frozenset({"detectionScriptContent", "remediationScriptContent"}),
        validate=_base64_scripts("detectionScriptContent", "remediationScriptContent"),
        required=("displayName", "publisher", "detectionScriptContent"),
    ),
    _intune(
        "deviceComplianceScripts",
        "deviceComplianceScripts",
        "microsoft.graph.deviceComplianceScript",
        _SCRIPTS_READ,
        _SCRIPTS_WRITE,
        navigation=(_assignments("deviceHealthScriptAssignment", ids="uuid"),),
        actions=MappingProxyType({"assign": _assign("deviceHealthScriptAssignments")}),
        list_omits=frozenset({"detectionScriptContent"}),
        validate=_base64_scripts("detectionScriptContent"),
        required=("displayName", "publisher", "detectionScriptContent"),
    ),
    # -- Intune: apps -------------------------------------------------------------------------------
    _app_protection("iosManagedAppProtections", "microsoft.graph.iosManagedAppProtection"),
    _app_protection("androidManagedAppProtections", "microsoft.graph.androidManagedAppProtection"),
    _app_protection(
        "windowsManagedAppProtections", "microsoft.graph.windowsManagedAppProtection", _TARGET_APPS_ONLY
    ),
    _app_management(
        "mobileAppConfigurations",
        "mobileAppConfigurations",
        "microsoft.graph.managedDeviceMobileAppConfiguration",
        navigation=(_assignments("managedDeviceMobileAppConfigurationAssignment", ids="uuid"),),
        actions=MappingProxyType({"assign": _ASSIGN}),
        abstract=True,
        versioned=True,
        required=("displayName",),
    ),
    _app_management(
        "targetedManagedAppConfigurations",
        "targetedManagedAppConfigurations",
        "microsoft.graph.targetedManagedAppConfiguration",
        navigation=(_MANAGED_APPS, _assignments("targetedManagedAppPolicyAssignment", ids="uuid")),
        actions=MappingProxyType({"assign": _ASSIGN, "targetApps": _TARGET_APPS}),
        read_only=_INTUNE_READ_ONLY | {"isAssigned", "deployedAppCount"},
        flags_assigned=True,
        versioned=True,
        version_is_text=True,
        required=("displayName",),
    ),
    _app_management(
        "mobileApps",
        "mobileApps",
        "microsoft.graph.mobileApp",
        navigation=(_assignments("mobileAppAssignment", ids="uuid"),),
        actions=MappingProxyType({"assign": _assign("mobileAppAssignments")}),
        abstract=True,
        read_only=_INTUNE_READ_ONLY
        | {
            "isAssigned",
            "uploadState",
            "publishingState",
            "dependentAppCount",
            "supersedingAppCount",
            "supersededAppCount",
            "committedContentVersion",
            "size",
        },
        created_field="createdDateTime",
        flags_assigned=True,
        required=("displayName",),
    ),
    # -- Intune: enrollment -------------------------------------------------------------------------
    _intune(
        "deviceEnrollmentConfigurations",
        "deviceEnrollmentConfigurations",
        "microsoft.graph.deviceEnrollmentConfiguration",
        _SERVICE_READ,
        _SERVICE_WRITE,
        navigation=(_assignments("enrollmentConfigurationAssignment", ids="uuid"),),
        actions=MappingProxyType(
            {
                "assign": _assign("enrollmentConfigurationAssignments"),
                "setPriority": Action(sets=("priority",)),
            }
        ),
        abstract=True,
        versioned=True,
        read_only=_INTUNE_READ_ONLY | {"priority"},
        required=("displayName",),
    ),
    _intune(
        "windowsAutopilotDeploymentProfiles",
        "windowsAutopilotDeploymentProfiles",
        "microsoft.graph.windowsAutopilotDeploymentProfile",
        _SERVICE_READ,
        _SERVICE_WRITE,
        navigation=(_assignments("windowsAutopilotDeploymentProfileAssignment"),),
        abstract=True,
        read_only=_INTUNE_READ_ONLY | {"lastModifiedDateTime"},
        required=("displayName",),
    ),
    _intune(
        "depOnboardingSettings",
        "depOnboardingSettings",
        "microsoft.graph.depOnboardingSetting",
        _SERVICE_READ,
        _SERVICE_WRITE,
        navigation=(Navigation("enrollmentProfiles", "#microsoft.graph.enrollmentProfile"),),
        created_field=None,
        name_field="tokenName",
        writable=False,
    ),
    # -- Intune: Windows updates --------------------------------------------------------------------
    _intune(
        "windowsFeatureUpdateProfiles",
        "windowsFeatureUpdateProfiles",
        "microsoft.graph.windowsFeatureUpdateProfile",
        navigation=(_assignments("windowsFeatureUpdateProfileAssignment", ids="uuid"),),
        actions=MappingProxyType({"assign": _ASSIGN}),
        read_only=_INTUNE_READ_ONLY | {"deployableContentDisplayName", "endOfSupportDate"},
        required=("displayName", "featureUpdateVersion"),
    ),
    _intune(
        "windowsQualityUpdateProfiles",
        "windowsQualityUpdateProfiles",
        "microsoft.graph.windowsQualityUpdateProfile",
        navigation=(_assignments("windowsQualityUpdateProfileAssignment", ids="uuid"),),
        actions=MappingProxyType({"assign": _ASSIGN}),
        read_only=_INTUNE_READ_ONLY | {"deployableContentDisplayName", "releaseDateDisplayName"},
        required=("displayName", "expeditedUpdateSettings"),
    ),
    _intune(
        "windowsDriverUpdateProfiles",
        "windowsDriverUpdateProfiles",
        "microsoft.graph.windowsDriverUpdateProfile",
        navigation=(_assignments("windowsDriverUpdateProfileAssignment", ids="uuid"),),
        actions=MappingProxyType({"assign": _ASSIGN}),
        read_only=_INTUNE_READ_ONLY | {"deviceReporting", "newUpdates", "inventorySyncStatus"},
        required=("displayName", "approvalType"),
    ),
    # -- Intune: tenant administration --------------------------------------------------------------
    _intune(
        "assignmentFilters",
        "assignmentFilters",
        "microsoft.graph.deviceAndAppManagementAssignmentFilter",
        read_only=_INTUNE_READ_ONLY | {"payloads", "assignmentFilterManagementType"},
        required=("displayName", "platform", "rule"),
    ),
    _intune(
        "roleScopeTags",
        "roleScopeTags",
        "microsoft.graph.roleScopeTag",
        _RBAC_READ,
        _RBAC_WRITE,
        navigation=(_assignments("roleScopeTagAutoAssignment", ids="uuid"),),
        actions=MappingProxyType({"assign": _ASSIGN_RETURNING}),
        read_only=frozenset({"id", "isBuiltIn"}),
        created_field=None,
        modified_field=None,
        required=("displayName",),
    ),
    _intune(
        "roleDefinitions",
        "roleDefinitions",
        "microsoft.graph.deviceAndAppManagementRoleDefinition",
        _RBAC_READ,
        _RBAC_WRITE,
        read_only=frozenset({"id", "isBuiltIn", "isBuiltInRoleDefinition"}),
        references=MappingProxyType({"roleAssignments": ("roleAssignments", "roleDefinition")}),
        created_field=None,
        modified_field=None,
        required=("displayName", "rolePermissions"),
    ),
    _intune(
        "roleAssignments",
        "roleAssignments",
        "microsoft.graph.deviceAndAppManagementRoleAssignment",
        _RBAC_READ,
        _RBAC_WRITE,
        navigation=(
            Navigation(
                "roleDefinition",
                "#microsoft.graph.deviceAndAppManagementRoleDefinition",
                single=True,
                writable=False,
            ),
        ),
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        required=("displayName", "members"),
    ),
    _intune(
        "deviceManagementTemplates",
        "templates",
        "microsoft.graph.deviceManagementTemplate",
        navigation=(
            Navigation(
                "categories", "#microsoft.graph.deviceManagementTemplateSettingCategory", writable=False
            ),
        ),
        created_field=None,
        modified_field=None,
        writable=False,
    ),
    _app_management(
        "vppTokens",
        "vppTokens",
        "microsoft.graph.vppToken",
        read_only=_INTUNE_READ_ONLY
        | {"lastSyncDateTime", "lastSyncStatus", "state", "tokenActionResults", "expirationDateTime"},
        created_field=None,
        patch_returns_entity=True,
    ),
    _intune(
        "deviceCategories",
        "deviceCategories",
        "microsoft.graph.deviceCategory",
        _CATEGORIES_READ,
        _CATEGORIES_WRITE,
        read_only=frozenset({"id"}),
        created_field=None,
        modified_field=None,
        required=("displayName",),
    ),
    _intune(
        "notificationMessageTemplates",
        "notificationMessageTemplates",
        "microsoft.graph.notificationMessageTemplate",
        _SERVICE_READ,
        _SERVICE_WRITE,
        navigation=(
            Navigation("localizedNotificationMessages", "#microsoft.graph.localizedNotificationMessage"),
        ),
        created_field=None,
        required=("displayName",),
    ),
    _intune(
        "termsAndConditions",
        "termsAndConditions",
        "microsoft.graph.termsAndConditions",
        _SERVICE_READ,
        _SERVICE_WRITE,
        navigation=(_assignments("termsAndConditionsAssignment", ids="uuid"),),
        versioned=True,
        required=("displayName", "title", "bodyText", "acceptanceStatement"),
    ),
    _intune(
        "complianceManagementPartners",
        "complianceManagementPartners",
        "microsoft.graph.complianceManagementPartner",
        _SERVICE_READ,
        _SERVICE_WRITE,
        read_only=frozenset({"id", "lastHeartbeatDateTime", "partnerState"}),
        created_field=None,
        modified_field=None,
        required=("displayName",),
    ),
    _intune(
        "deviceManagementPartners",
        "deviceManagementPartners",
        "microsoft.graph.deviceManagementPartner",
        _SERVICE_READ,
        _SERVICE_WRITE,
        read_only=frozenset({"id", "lastHeartbeatDateTime", "partnerState", "isConfigured"}),
        created_field=None,
        modified_field=None,
        required=("displayName", "partnerAppType"),
    ),
    _intune(
        "remoteAssistancePartners",
        "remoteAssistancePartners",
        "microsoft.graph.remoteAssistancePartner",
        _SERVICE_READ,
        _SERVICE_WRITE,
        read_only=frozenset({"id", "lastConnectionDateTime", "onboardingStatus"}),
        created_field=None,
        modified_field=None,
        required=("displayName",),
    ),
    _intune(
        "deviceManagementSettings",
        "settings",
        "microsoft.graph.deviceManagementSettings",
        _SERVICE_READ,
        _SERVICE_WRITE,
        singleton=True,
        read_only=frozenset(),
        created_field=None,
        modified_field=None,
    ),
    _intune(
        "androidManagedStoreAccountEnterpriseSettings",
        "androidManagedStoreAccountEnterpriseSettings",
        "microsoft.graph.androidManagedStoreAccountEnterpriseSettings",
        _APPS_READ,
        _APPS_WRITE,
        singleton=True,
        read_only=frozenset(
            {"id", "bindStatus", "lastAppSyncDateTime", "lastAppSyncStatus", "ownerUserPrincipalName"}
            | {"ownerOrganizationName", "lastModifiedDateTime"}
        ),
        created_field=None,
    ),
    _intune(
        "applePushNotificationCertificate",
        "applePushNotificationCertificate",
        "microsoft.graph.applePushNotificationCertificate",
        _SERVICE_READ,
        _SERVICE_WRITE,
        singleton=True,
        versions=_BOTH,
        created_field=None,
        writable=False,
    ),
)

BY_KEY = {r.key: r for r in RESOURCES}


@dataclass(frozen=True)
class CollectionView:
    """A read-only collection of a base type whose objects are stored by derived-type collections,
    as ``deviceAppManagement/managedAppPolicies`` lists every app protection and app configuration."""

    path: str
    entity: str
    members: tuple[str, ...]

    @property
    def resources(self) -> tuple[ResourceType, ...]:
        return tuple(BY_KEY[key] for key in self.members)


VIEWS = (
    CollectionView(
        "deviceAppManagement/managedAppPolicies",
        "microsoft.graph.managedAppPolicy",
        (
            "iosManagedAppProtections",
            "androidManagedAppProtections",
            "windowsManagedAppProtections",
            "targetedManagedAppConfigurations",
        ),
    ),
)


def match_view(segments: list[str]) -> tuple[CollectionView, list[str]] | None:
    lowered = [s.lower() for s in segments]
    for view in VIEWS:
        prefix = view.path.lower().split("/")
        if lowered[: len(prefix)] == prefix:
            return view, segments[len(prefix) :]
    return None


def find_object(collection: dict[str, JsonObject], key: str) -> JsonObject | None:
    """Graph keys match case-insensitively (GUIDs in any case, ``c1`` or ``C1``)."""
    found = collection.get(key)
    if found is not None:
        return found
    lowered = key.lower()
    return next((item for name, item in collection.items() if name.lower() == lowered), None)


def find_child(children: list[JsonObject], key: str) -> JsonObject | None:
    lowered = key.lower()
    return next((c for c in children if str(c.get("id", "")).lower() == lowered), None)


_PREFIXES = tuple((resource, tuple(resource.path.lower().split("/"))) for resource in RESOURCES)


def match_resource(segments: list[str], tenant_id: str) -> tuple[ResourceType, list[str]] | None:
    """The catalogue entry a path names, matched case-insensitively as Graph does, and the rest."""
    lowered = [s.lower() for s in segments]
    for resource, prefix in _PREFIXES:
        if len(lowered) < len(prefix) or lowered[0] != prefix[0]:
            continue
        if all(
            p == s or (p == "{tenantid}" and s == tenant_id) for p, s in zip(prefix, lowered, strict=False)
        ):
            return resource, segments[len(prefix) :]
    return None


def resolve_reference(tenant: Tenant, reference: str) -> JsonObject | None:
    """The object an ``@odata.bind`` URL names (``.../groupPolicyDefinitions('id')/presentations('p')``),
    as a copy without its own contained collections."""
    path = urlsplit(reference).path
    segments: list[str] = []
    for segment in path.split("/"):
        name, _, key = segment.partition("(")
        segments.append(name)
        if key:
            segments.append(key.rstrip(")").strip("'"))
    segments = [s for s in segments if s and s.lower() not in ("v1.0", "beta")]
    match = match_resource(segments, tenant.id)
    if match is None or not match[1]:
        return None
    resource, rest = match
    current = find_object(tenant.collection(resource.key), rest[0])
    navs = resource.navigation
    rest = rest[1:]
    while current is not None and len(rest) >= 2:
        nav = next((n for n in navs if n.name.lower() == rest[0].lower()), None)
        if nav is None:
            return None
        current = find_child(current.get(nav.name) or [], rest[1])
        navs, rest = nav.children, rest[2:]
    if current is None or rest:
        return None
    names = {n.name for n in navs}
    return {k: copy.deepcopy(v) for k, v in current.items() if k not in names}
