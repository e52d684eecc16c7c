"""What a catalogue row is made of, whatever the service behind it (docs/architecture.md: "A new configuration type").

A type names its service (Graph, the portal's admin API, the Exchange admin API's two endpoints), and
everything that differs between types is data: how it is read and written (Graph paths and
sub-resources, or cmdlets), the fields that point at other objects (checked before any write and used
to order the deploy), its read-only fields, its permissions and the Entra roles it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal

from tenantsync.api import ResourceType
from tenantsync.catalog.cmdlets import Cmdlets, Service

ApiVersion = Literal["v1.0", "beta", "api"]


class SubResourceWrite(StrEnum):
    """How a deploy writes a sub-resource, as Graph accepts it for that navigation property."""

    ACTION = "action"
    """POST the whole list to a bound action of the parent (``assign``, ``targetApps``, ``setPriority``),
    under the body key the action names; sub-resources written by one action go in one request."""
    REPLACE_PARENT = "replaceParent"
    """PUT the parent with the list inside it (settings catalog settings)."""
    EACH = "each"
    """Each item is an object of its own: the live items are deleted and the desired ones created
    (contained collections with no action that replaces them, such as terms and conditions' assignments)."""
    EDIT = "edit"
    """POST one bound action that edits the contained collection (administrative templates'
    ``updateDefinitionValues``): the live items' ids under ``deletedIds``, the desired items under
    ``added``, each bound navigation in them named by ``<name>@odata.bind`` (see ``Bind``)."""
    NEVER = "never"
    """Server-computed or set by other means: kept in the backup (references point through it), never sent."""
    CREATE_ONLY = "createOnly"
    """A navigation the service takes inside the object when it is created, as ``{"id": ...}`` (an
    access package's catalog), and never changes after: sent with the create, never written again."""
    MERGE = "merge"
    """Items the service can add and change but never delete (a custom security attribute's allowed
    values): each desired item missing from the tenant is POSTed with its id, each that differs PATCHed;
    an item left out of the desired state stays (deactivate it with ``isActive: false`` instead)."""
    PATCH_EACH = "patchEach"
    """A fixed set of items the service makes with the parent and never adds or deletes (a role
    management policy's rules): each desired item that differs from the live one of its id is PATCHed
    alone; an item the desired state leaves out stays as it is."""
    NEW_VERSION = "newVersion"
    """Parts of the parent the service changes only by making a new version of it (a lifecycle
    workflow's tasks and execution conditions, ``createNewVersion``): sent inside the create, then
    as one POST of the bound action with the parent's writable fields and every such part, whole,
    under the body key the action names (``{"workflow": {...}}``); a PATCH never carries them."""
    REFERENCES = "references"
    """Directory objects the parent links to (a group's owners), kept as their type and id: the missing
    ones added with ``POST <name>/$ref`` naming ``directoryObjects/<id>``, the others removed with
    ``DELETE <name>/<id>/$ref``; the objects themselves are never written."""
    ADD_REMOVE = "addRemove"
    """Items the service creates and deletes but never changes (a service principal's app role
    assignments): matched by the fields ``SubResource.identity`` names, each missing one is POSTed, then
    each other one deleted; an item already in place is never touched, so a grant is never revoked and
    granted again."""


@dataclass(frozen=True)
class Bind:
    """A single-valued navigation inside a sub-resource's items, kept as ``{"id": ...}`` and written as
    ``<name>@odata.bind`` with a URL under Graph's base.

    ``field`` is the navigation's name in an item, or ``<list>[].<name>`` inside an item's list; ``url``
    is formatted with the navigation's ``id`` and the ids of the item's own bound navigations by name
    (``groupPolicyDefinitions('{definition}')/presentations('{id}')``).
    """

    field: str
    url: str


@dataclass(frozen=True)
class SubResource:
    """A navigation property (or a field written apart from its object) kept inside its parent's file.

    ``expand`` is the ``$expand`` clause that returns it with the parent's list; ``None`` means the
    service does not expand it on a list, so it is read per object at ``<object>/<name>`` through
    ``$batch`` (with ``query`` for what that read expands in turn). ``is_field`` marks an ordinary
    property of the object that Graph changes only through an action (an enrollment configuration's
    ``priority``). ``action``, ``parameter`` and ``action_fields`` say how an ``ACTION`` write is sent:
    the action's name, the body key holding the list and fields of the parent sent along with it.
    """

    name: str
    expand: str | None
    write: SubResourceWrite
    read_only_fields: frozenset[str] = frozenset()
    action: str = "assign"
    parameter: str | None = None
    action_fields: tuple[str, ...] = ()
    query: str | None = None
    is_field: bool = False
    binds: tuple[Bind, ...] = ()
    streams: frozenset[str] = frozenset()
    """Stream properties of each item (a branding localization's images), as for the parent's."""
    links_to: str = "directoryObjects"
    """For ``REFERENCES``: the Graph collection a linked object is named in by its ``@odata.id``
    (``policies/claimsMappingPolicies`` for a service principal's claims mapping policy)."""
    identity: tuple[str, ...] = ()
    """For ``ADD_REMOVE``: the fields that say which item it is (an app role and the API defining it)."""
    owner_field: str | None = None
    """For ``ADD_REMOVE``: the item's field naming its parent (an app role assignment's ``principalId``),
    not kept (it is the file's own id) and filled in by the deploy."""

    @property
    def body_key(self) -> str:
        return self.parameter or self.name


class RequestAction(StrEnum):
    """What a schedule request asks of the service (PIM's ``unifiedRoleScheduleRequestActions``)."""

    ASSIGN = "adminAssign"
    UPDATE = "adminUpdate"
    REMOVE = "adminRemove"


@dataclass(frozen=True)
class ScheduleRequests:
    """How a type Graph never writes at its own path is written: through request documents.

    PIM's eligible and active role assignments are read at ``roleEligibilitySchedules`` and
    ``roleAssignmentSchedules`` but Graph creates, changes and ends them only when a request is POSTed to
    ``path`` (``roleEligibilityScheduleRequests``): the schedule's writable fields, a ``justification``
    and an ``action`` (see ``RequestAction``) naming what is asked. The service answers with the request,
    whose ``targetScheduleId`` is the schedule it made or changed. A removal names the schedule by
    ``identity`` (principal, role and scope), as Graph requires, not by its id.
    """

    path: str
    identity: tuple[str, ...] = ("principalId", "roleDefinitionId", "directoryScopeId")
    justification: str = "Deployed by tenantsync from the approved plan."


@dataclass(frozen=True)
class DirectoryKind:
    """Directory objects that configuration points at but tenantsync does not keep (groups)."""

    name: str
    path: str
    """Graph collection: an object exists when ``GET <path>/<id>`` finds it."""
    read_permission: str
    """What the plan needs to check that a referenced object exists (Managed mode only)."""
    api_version: ApiVersion = "v1.0"


@dataclass(frozen=True)
class Reference:
    """A field that holds the id of another object, which must exist before the referring one is written.

    ``field`` is a dotted path; ``[]`` walks every item of a list (``assignments[].target.groupId``).
    ``special`` values are keywords Graph accepts in place of an id (``All``, ``AllTrusted``).
    ``by`` names the target's property the value matches when it is not the target's key: cmdlets name
    other objects by ``Name`` (a rule's ``HostedContentFilterPolicy``).
    """

    field: str
    target: ResourceType | DirectoryKind
    special: frozenset[str] = frozenset()
    by: str | None = None

    def values(self, document: Mapping[str, Any]) -> list[str]:
        """The ids this field holds in ``document``, keywords left out."""
        found = field_values(document, self.field)
        return [str(v) for v in found if isinstance(v, str) and v and v not in self.special]


def field_values(document: Mapping[str, Any], path: str) -> list[Any]:
    """What a dotted path (``[]`` walks a list; ``@odata.type`` is one name) holds, None where absent.

    A path through a list yields one value per item, so a missing field in any item shows as a None.
    """
    parts: list[str] = []
    for token in path.split("."):
        if parts and parts[-1].startswith("@") and "." not in parts[-1]:
            parts[-1] += f".{token}"
        else:
            parts.append(token)
    found: list[Any] = [document]
    for part in parts:
        key, many = part.removesuffix("[]"), part.endswith("[]")
        step = [item.get(key) if isinstance(item, Mapping) else None for item in found]
        found = [v for value in step if isinstance(value, list) for v in value] if many else step
    return found


@dataclass(frozen=True)
class ConfigurationType:
    """One configuration type. Write permissions are what a Managed tenant needs to read and write it.

    ``service`` says what serves it. For Graph, ``api_version`` is the first path segment under its
    base URL (``v1.0`` or ``beta``; ``api`` for the portal's admin API that serves the types which
    ``requires_user``). For the Exchange admin API, ``cmdlets`` says how it is read and written,
    ``path`` is the cmdlet noun, and objects are keyed by their ``Guid``.
    """

    name: ResourceType
    path: str
    noun: str
    """One object of the type, as a sentence names it ("named location")."""
    api_version: ApiVersion = "v1.0"
    singleton: bool = False
    read_permissions: tuple[str, ...] = ()
    write_permissions: tuple[str, ...] = ()
    requires_user: bool = False
    delegated_scopes: tuple[str, ...] = ()
    read_only_fields: frozenset[str] = frozenset({"id", "createdDateTime", "modifiedDateTime"})
    sub_resources: tuple[SubResource, ...] = ()
    references: tuple[Reference, ...] = ()
    required_fields: tuple[str, ...] = ()
    """Fields Graph always returns (the ``@odata.type`` of a polymorphic object): a desired object
    without them would differ from the tenant after every deploy, so the plan refuses it."""
    unordered_lists: frozenset[str] = frozenset()
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    key_field: str = "id"
    """The property Graph keys objects by (cross-tenant partners by ``tenantId``)."""
    client_key: bool = False
    """The client chooses the key: a create sends it (permission grant policies, ``c1``...)."""
    writable: bool = True
    """False for what the service only reports (Apple DEP tokens, the APNs certificate): backed up and
    watched, never planned as a write."""
    update_method: Literal["PATCH", "PUT"] = "PATCH"
    """PUT where Graph replaces the whole object (device registration policy)."""
    list_omits: frozenset[str] = frozenset()
    """Fields a list returns as null (script bodies): each object is read again by id, through ``$batch``."""
    companions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Base64 fields kept as readable files beside the object's JSON (field -> file suffix), so a pull
    request shows a script's diff."""
    expiry_fields: tuple[str, ...] = ()
    """Dates on which something the service depends on expires (the Apple push certificate's
    ``expirationDateTime``, an app's ``passwordCredentials[].endDateTime``), as dotted paths: the backup
    reports the earliest one, and an alert watches it."""
    expiry_watch: str | None = None
    """The watch its expiry belongs to (``apple``, ``appCredentials``): of the types sharing one, the
    backup reports only the earliest expiry, so each watch costs a Tenant one metric series."""
    streams: frozenset[str] = frozenset()
    """Stream properties (branding images, custom CSS): bytes read and written apart at
    ``<object>/<name>`` (``PUT`` with their media type), kept as files beside the object's JSON. Read
    for singletons (a list would cost a request per object and stream; no collection type has them)."""
    service: Service = Service.GRAPH
    cmdlets: Cmdlets | None = None
    read_roles: tuple[str, ...] = ()
    """Entra roles, any one of which lets the service principal read the type (the Exchange admin API
    checks the roles in the token's ``wids``; Graph types need none)."""
    write_roles: tuple[str, ...] = ()
    """Entra roles, any one of which lets it read and write the type (Managed mode)."""
    fixed: bool = False
    """The service makes the objects itself and never lets one go (one role management policy per
    directory role): a deploy changes them, never plans a deletion, and refuses a create by name."""
    requests: ScheduleRequests | None = None
    """Written through request documents rather than at ``path`` (see ``ScheduleRequests``)."""
    snapshot_resource: str | None = None
    """For ``Service.TCM``: the resource type a snapshot job is asked for (``microsoft.teams.meetingpolicy``)."""
    admin_centre: str | None = None
    """Where a person changes the type when Microsoft documents no API that writes it ("Teams admin
    centre > Meetings > Meeting policies"). Such a type is read-only, unlike ``writable`` False: a plan
    reports each difference as a change to make there, and a deploy never sends it."""
    bound: frozenset[str] = frozenset()
    """Single-valued navigations read with ``$expand`` and kept as ``{"id": ...}`` (at any depth); a
    deploy sets a top-level one with ``<name>@odata.bind``, naming the object its reference points at."""

    @property
    def identity_field(self) -> str | None:
        """Collections are matched by their key (never by display name); a singleton is its own identity."""
        return None if self.singleton else self.key_field

    @property
    def reported_fields(self) -> frozenset[str]:
        """Fields kept in the backup that no plan compares and no deploy sends: the service makes them by
        other means (an app's credentials, made by ``addPassword``), so a difference is no change to make."""
        return frozenset(
            s.name for s in self.sub_resources if s.is_field and s.write == SubResourceWrite.NEVER
        )

    @property
    def depends_on(self) -> tuple[ResourceType, ...]:
        """Types whose objects this type's objects point at: they are deployed first. A reference to the
        type itself (an enterprise app granted another's app role) orders nothing."""
        targets = (r.target for r in self.references if isinstance(r.target, ResourceType))
        return tuple(dict.fromkeys(t for t in targets if t != self.name))
