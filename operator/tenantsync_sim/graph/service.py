"""Graph request dispatch, independent of HTTP so ``$batch`` can run sub-requests through it.

Order of checks follows Graph: the token (401), the path (400 for an unknown segment), the permission
(403), throttling (429), then the operation itself.
"""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tenantsync_sim.graph import errors, tcm
from tenantsync_sim.graph.audit_logs import REPORTS_THROTTLE, AuditLogPath, match_audit_log
from tenantsync_sim.graph.audit_trail import WriteTrail
from tenantsync_sim.graph.auth import Principal, authenticate
from tenantsync_sim.graph.errors import GraphError, Service
from tenantsync_sim.graph.models import model, whole
from tenantsync_sim.graph.odata import compile_filter, paginate, select
from tenantsync_sim.graph.registrations import credentials, mirror_registrations
from tenantsync_sim.graph.resources import (
    BY_KEY,
    Action,
    CollectionView,
    Navigation,
    ResourceType,
    find_child,
    find_object,
    match_resource,
    match_view,
    resolve_reference,
)
from tenantsync_sim.graph.schedule_requests import carry_out, directory_object
from tenantsync_sim.graph.secrets import OMA_SETTINGS, SecretMissing, conceal, keep_secrets
from tenantsync_sim.identity.scopes import GRAPH_AUDIENCES
from tenantsync_sim.runtime import Simulator
from tenantsync_sim.state import Application, JsonObject, StoredStream, Tenant

_WRITE_ONLY_MASK = "*****"
"""How Entra answers a secret it keeps (an identity provider's client secret)."""
_ORGANIZATION_READ = ("Organization.Read.All", "Directory.Read.All", "User.Read")
_DOMAIN_READ = ("Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")


@dataclass
class GraphRequest:
    method: str
    version: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    base: str
    caller: tuple[str, str] | None = None
    content: bytes = b""
    """The raw request body, which a stream property's PUT carries instead of JSON."""
    trail: WriteTrail | None = None
    """A write's object before it, for the audit record written when it succeeds."""

    @property
    def url(self) -> str:
        return f"{self.base}/{self.version}/{self.path}"


@dataclass
class GraphResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    """Bytes sent as they are (a stream property), with their ``Content-Type`` in the headers."""


def _context(req: GraphRequest, fragment: str) -> str:
    return f"{req.base}/{req.version}/$metadata#{fragment}"


ExpandTree = dict[str, "ExpandTree"]


def parse_expand(raw: str) -> ExpandTree:
    """``a($expand=b($expand=c)),d`` as nested dicts: {"a": {"b": {"c": {}}}, "d": {}}."""
    tree: ExpandTree = {}
    depth, start = 0, 0
    for index, char in enumerate(raw + ","):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            part = raw[start:index].strip()
            start = index + 1
            if not part:
                continue
            name, _, options = part.partition("(")
            nested = ""
            for option in options.removesuffix(")").split(";"):
                key, _, value = option.partition("=")
                if key.strip().lower() == "$expand":
                    nested = value
            tree[name.strip()] = parse_expand(nested)
    return tree


def _expanded(tree: ExpandTree, name: str) -> ExpandTree | None:
    return next((sub for key, sub in tree.items() if key.lower() == name.lower()), None)


def _fragment(req: GraphRequest, resource: ResourceType) -> str:
    """The type's path as ``@odata.context`` names it: ``organization('{id}')/branding``."""
    tenant_id = req.caller[0] if req.caller else ""
    return resource.path.replace("/{tenantId}", f"('{tenant_id}')")


def _select(req: GraphRequest) -> list[str] | None:
    raw = req.query.get("$select")
    return [f.strip() for f in raw.split(",") if f.strip()] if raw else None


def _render_contained(
    navs: tuple[Navigation, ...], item: JsonObject, expand: ExpandTree, version: str
) -> JsonObject:
    """An object with its contained collections left out unless ``$expand`` names them; those it
    names are whole objects of their navigation's type."""
    if not navs:
        return dict(item)
    names = {nav.name for nav in navs}
    out = {k: v for k, v in item.items() if k not in names}
    for nav in navs:
        sub = _expanded(expand, nav.name) if expand else None
        if sub is None or nav.name not in item:
            continue
        value = item[nav.name]
        if nav.single:
            out[nav.name] = _render_child(nav, value, sub, version) if value else None
        else:
            out[nav.name] = [_render_child(nav, child, sub, version) for child in value]
    return out


def _render_child(nav: Navigation, child: JsonObject, expand: ExpandTree, version: str) -> JsonObject:
    """A contained object as Graph shows it: whole, its own contained collections as ``$expand`` says."""
    return whole(_render_contained(nav.children, child, expand, version), nav.entity, version)


_VERSION_PATHS: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}


def _without_other_versions(resource: ResourceType, item: JsonObject, version: str) -> JsonObject:
    """Drop the properties only the other Graph version has (``templateId`` is v1.0-only, ...).
    ``item`` is the fresh copy the response is built from; nested objects are copied, not changed."""
    paths = _VERSION_PATHS.get((resource.key, version))
    if paths is None:
        paths = [
            (head, rest.split(".") if rest else [])
            for dotted, only in resource.version_fields.items()
            if only != version
            for head, _, rest in [dotted.partition(".")]
        ]
        _VERSION_PATHS[(resource.key, version)] = paths
    for head, rest in paths:
        if head not in item:
            continue
        if rest:
            item[head] = _drop(item[head], rest)
        else:
            del item[head]
    return item


def _drop(node: Any, path: list[str]) -> Any:
    """``node`` without the property at ``path``, lists walked element by element; copies only the
    objects on the way, so the stored object keeps it."""
    if isinstance(node, list):
        return [_drop(element, path) for element in node]
    if not isinstance(node, dict) or path[0] not in node:
        return node
    if len(path) == 1:
        return {k: v for k, v in node.items() if k != path[0]}
    return {**node, path[0]: _drop(node[path[0]], path[1:])}


_DEFAULT_LOCALIZATION = "0"
"""The default branding as a localization: Graph accepts ``0`` or ``default`` for it."""


def _stream_target(
    resource: ResourceType, owner: JsonObject, rest: list[str], url: str
) -> tuple[str, str] | None:
    """The localization and stream property a path names (``bannerLogo``,
    ``localizations/fr-FR/bannerLogo``), or None when it names no stream; an unknown locale is a 404."""
    names = {name.lower(): name for name in resource.streams}
    if not names or not rest or rest[-1].lower() not in names:
        return None
    name = names[rest[-1].lower()]
    if len(rest) == 1:
        return _DEFAULT_LOCALIZATION, name
    if len(rest) != 3 or rest[0].lower() != "localizations":
        return None
    locale = rest[1]
    if locale.lower() in (_DEFAULT_LOCALIZATION, "default"):
        return _DEFAULT_LOCALIZATION, name
    child = find_child(owner.get("localizations", []), locale)
    if child is None:
        raise errors.not_found(resource.service, locale, url)
    return str(child["id"]), name


_APPLICATION = "microsoft.graph.application"


def _linkable_type(tenant: Tenant, nav: Navigation, object_id: str) -> str | None:
    """The ``@odata.type`` of the object a link names: in the navigation's own collection (an app's token
    lifetime policies), else the user, group or service principal with this id; None when none has it."""
    if nav.target:
        found = find_object(tenant.collection(nav.target), object_id)
        return f"#{BY_KEY[nav.target].entity}" if found is not None else None
    if any(user.id.lower() == object_id.lower() for user in tenant.users.values()):
        return "#microsoft.graph.user"
    for kind, odata_type in (("groups", "group"), ("servicePrincipals", "servicePrincipal")):
        if find_object(tenant.collection(kind), object_id) is not None:
            return f"#microsoft.graph.{odata_type}"
    return None


def _check_names(
    req: GraphRequest, tenant: Tenant, service: Service, names: Mapping[str, str], body: JsonObject
) -> None:
    """A new object's properties that name another object (``names``: property -> collection) must name
    one that exists: Graph answers 404 for a grant to a service principal it does not have."""
    for prop, kind in names.items():
        value = body.get(prop)
        if isinstance(value, str) and find_object(tenant.collection(kind), value) is None:
            raise errors.not_found(service, value, req.url)


def _application(app: Application) -> JsonObject:
    """An app registration as ``applications(appId=...)`` serves it: credentials without their secrets."""
    return {
        "id": app.object_id,
        "appId": app.app_id,
        "displayName": app.display_name,
        "isFallbackPublicClient": app.public_client,
        **credentials(app),
    }


class GraphService:
    """Serves the catalogue in :mod:`tenantsync_sim.graph.resources` over a tenant's state."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def handle(self, req: GraphRequest) -> GraphResponse:
        request_id = str(uuid.uuid4())
        client_request_id = req.headers.get("client-request-id")
        try:
            response = self._dispatch(req)
            if req.trail is not None:
                req.trail.finish(self.sim, response.status, response.body)
        except GraphError as exc:
            response = GraphResponse(exc.status, exc.body(request_id, client_request_id), dict(exc.headers))
        response.headers.update(
            {"request-id": request_id, "client-request-id": client_request_id or request_id}
        )
        return response

    def principal(self, req: GraphRequest) -> Principal:
        principal = authenticate(
            req.headers.get("authorization"),
            self.sim.signer,
            self.sim.state,
            GRAPH_AUDIENCES,
            self.sim.clock(),
        )
        req.caller = (principal.tenant.id, principal.app_id)
        return principal

    def _dispatch(self, req: GraphRequest) -> GraphResponse:
        principal = self.principal(req)
        segments = [s for s in req.path.split("/") if s]
        if segments and segments[0].lower() == "myorganization":
            segments = segments[1:]
        if not segments:
            raise errors.segment_not_found("")
        req.trail = WriteTrail.start(req.method, segments, principal)
        if [s.lower() for s in segments[:2]] == ["admin", "configurationmanagement"]:
            return GraphResponse(*tcm.handle(req, principal, segments, self.sim.clock()))
        audit_log = match_audit_log(segments)
        if audit_log is not None:
            return self._audit_log(req, principal, *audit_log)
        head = segments[0].lower()
        if head.startswith("applications("):
            return self._applications(req, principal, segments)
        if head in ("applications", "serviceprincipals"):
            mirror_registrations(principal.tenant)
        if len(segments) == 2 and head == "directoryobjects":
            return self._directory_object(req, principal, segments[1])
        if [s.lower() for s in segments] == ["organization"]:
            return self._organization(req, principal)
        if [s.lower() for s in segments] == ["domains"]:
            return self._domains(req, principal)
        view = match_view(segments)
        if view is not None:
            return self._view(req, principal, *view)
        match = match_resource(segments, principal.tenant.id)
        if match is None:
            raise errors.segment_not_found(segments[-1])
        resource, rest = match
        if req.version not in resource.versions:
            raise errors.segment_not_found(resource.path.split("/")[-1])
        return self._resource(req, principal, resource, rest)

    def _authorize(
        self, principal: Principal, service: Service, alternatives: tuple[str, ...], url: str
    ) -> None:
        if not principal.satisfies(alternatives):
            raise errors.forbidden(service, list(alternatives), url)

    def _throttle(self, principal: Principal, service: Service, url: str) -> None:
        tenant = principal.tenant
        if not tenant.throttling.enabled:
            return
        limits = tenant.throttling.services.get(service)
        if limits is None:
            return
        wait = self.sim.throttler.admit(tenant.id, principal.app_id, service, limits, self.sim.clock())
        if wait > 0:
            raise errors.throttled(service, max(1, math.ceil(wait)), url)

    def _guard(self, req: GraphRequest, principal: Principal, resource: ResourceType, write: bool) -> None:
        if resource.delegated_only and principal.app_only:  # Graph's answer: the scopes a user's token needs
            raise errors.forbidden(
                resource.service, list(resource.write if write else resource.read), req.url
            )
        self._authorize(principal, resource.service, resource.write if write else resource.read, req.url)
        self._throttle(principal, resource.service, req.url)

    # -- rendering -----------------------------------------------------------------------------

    def _expand(self, req: GraphRequest, resource: ResourceType, listing: bool) -> ExpandTree:
        """The ``$expand`` tree, refused (400) for a property the type lacks or Graph won't expand here."""
        tree = parse_expand(req.query.get("$expand", ""))
        for name in tree:
            nav = resource.nav(name)
            if nav is None:
                raise errors.bad_request(
                    f"Parsing OData Select and Expand failed: Could not find a property named '{name}' on "
                    f"type '{resource.entity}'.",
                    resource.service,
                    req.url,
                )
            if nav.expand == "never" or (listing and nav.expand == "item"):
                where = "a list" if listing and nav.expand == "item" else "this type"
                raise errors.bad_request(
                    f"Expanding '{nav.name}' is not supported on {where}; read {resource.path}/{{id}}/"
                    f"{nav.name} instead.",
                    resource.service,
                    req.url,
                )
        return tree

    def _render(
        self, req: GraphRequest, resource: ResourceType, item: JsonObject, expand: ExpandTree, listing: bool
    ) -> JsonObject:
        """The object as Graph shows it. Nested values are shared with the state, not copied: a
        response is serialized before anything can change the state (``$batch`` copies its own)."""
        out = _render_contained(resource.navigation, item, expand, req.version)
        if expand:
            owner = f"{_fragment(req, resource)}('{item.get(resource.key_field, '')}')"
            for nav in resource.navigation:
                if not nav.single and nav.name in out and _expanded(expand, nav.name) is not None:
                    # Graph names an expanded collection's context just before it.
                    value = out.pop(nav.name)
                    out[f"{nav.name}@odata.context"] = _context(req, f"{owner}/{nav.name}")
                    out[nav.name] = value
        out = whole(
            _without_other_versions(resource, conceal(out), req.version), resource.entity, req.version
        )
        for counter, nav_name in resource.counted.items():
            out[counter] = len(item.get(nav_name) or [])
        if resource.flags_assigned:
            out["isAssigned"] = bool(item.get("assignments"))
        for name in resource.write_only & out.keys():
            out[name] = _WRITE_ONLY_MASK
        if listing and resource.list_omits:
            out.update(dict.fromkeys(resource.list_omits & out.keys()))
        return out

    def _list_response(
        self,
        req: GraphRequest,
        tenant: Tenant,
        items: list[JsonObject],
        fragment: str,
        render: Callable[[JsonObject], JsonObject] | None = None,
    ) -> GraphResponse:
        """Filter, count and cut a page first, then render only the page (copies are costly). A
        ``$filter`` sees the objects as rendered, with computed properties such as ``isAssigned``."""
        if "$filter" in req.query:
            keep = compile_filter(req.query["$filter"])
            if render is not None:
                items = [rendered for rendered in map(render, items) if keep(rendered)]
                render = None
            else:
                items = [item for item in items if keep(item)]
        page = paginate(items, req.query, tenant.settings.page_size, req.url)
        fields = _select(req)
        body: JsonObject = {"@odata.context": _context(req, fragment)}
        if "$count" in req.query and req.query["$count"].lower() == "true":
            body["@odata.count"] = len(items)
        if page.next_link:
            body["@odata.nextLink"] = page.next_link
        rendered = (render(item) if render else item for item in page.items)
        body["value"] = [select(item, fields) for item in rendered]
        return GraphResponse(200, body)

    def _entity_response(
        self, req: GraphRequest, resource: ResourceType, item: JsonObject, status: int = 200
    ) -> GraphResponse:
        body = {"@odata.context": _context(req, f"{_fragment(req, resource)}/$entity")}
        rendered = self._render(req, resource, item, self._expand(req, resource, listing=False), False)
        body.update(select(rendered, _select(req)))
        return GraphResponse(status, body)

    # -- the configuration types ---------------------------------------------------------------

    def _resource(
        self, req: GraphRequest, principal: Principal, resource: ResourceType, rest: list[str]
    ) -> GraphResponse:
        tenant = principal.tenant
        method = req.method.upper()
        write = method not in ("GET", "HEAD")
        own = resource.nav(rest[1]) if write and len(rest) > 1 else None
        if own is not None and own.write:  # a navigation with permissions of its own (app role assignments)
            self._authorize(principal, resource.service, own.write, req.url)
        else:
            self._guard(req, principal, resource, write)
        if write and not resource.writable:
            raise errors.method_not_allowed()
        if resource.fixed and ((not rest and method == "POST") or (len(rest) == 1 and method == "DELETE")):
            raise errors.method_not_allowed()
        if resource.singleton:
            item = tenant.singletons.setdefault(resource.key, {})
            stream = _stream_target(resource, item, rest, req.url)
            if stream is not None:
                return self._stream(req, tenant, resource, *stream)
            if req.version in resource.listed_in:
                if not rest and method == "GET":
                    expand = self._expand(req, resource, listing=True)
                    render = lambda one: self._render(req, resource, one, expand, True)  # noqa: E731
                    return self._list_response(req, tenant, [item], _fragment(req, resource), render)
                if rest and rest[0].lower() == str(item.get(resource.key_field, "")).lower():
                    rest = rest[1:]
            if rest:
                return self._contained(req, tenant, resource, item, item, resource.navigation, rest, method)
            return self._singleton(req, tenant, resource, item, method)
        collection = tenant.collection(resource.key)
        if not rest:
            if method == "GET":
                expand = self._expand(req, resource, listing=True)
                return self._list_response(
                    req,
                    tenant,
                    [item for item in collection.values() if resource.serves(item, req.version)],
                    _fragment(req, resource),
                    lambda item: self._render(req, resource, item, expand, True),
                )
            if method == "POST":
                return self._create(req, tenant, resource, collection)
            raise errors.method_not_allowed()
        found = find_object(collection, rest[0])
        if found is not None and not resource.serves(found, req.version):
            raise errors.not_found(resource.service, rest[0], req.url)
        if found is None:
            if len(rest) == 1 and method == "PATCH" and resource.upsert:
                return self._upsert(req, tenant, resource, collection, rest[0])
            raise errors.not_found(resource.service, rest[0], req.url)
        item = found
        if len(rest) == 1:
            return self._item(req, tenant, resource, collection, item, method)
        if len(rest) == 2 and method == "GET":
            answered = self._computed(req, principal, resource, item, rest[1])
            if answered is not None:
                return answered
        if resource.key == "intents" and rest[1].lower() == "categories" and method == "GET":
            return self._intent_categories(req, tenant, resource, item, rest[2:])
        linked = resource.nav(rest[1])
        if rest[-1] == "$ref" and linked is not None and linked.by_reference:
            return self._link(req, tenant, resource, item, linked, rest[2:-1], method)
        action = resource.action(rest[1]) if len(rest) == 2 else None
        if action is not None:
            if method != "POST":
                raise errors.method_not_allowed()
            return self._action(req, tenant, resource, item, *action)
        return self._contained(req, tenant, resource, item, item, resource.navigation, rest[1:], method)

    def _link(
        self,
        req: GraphRequest,
        tenant: Tenant,
        resource: ResourceType,
        item: JsonObject,
        nav: Navigation,
        key: list[str],
        method: str,
    ) -> GraphResponse:
        """``POST {nav}/$ref`` links the directory object its ``@odata.id`` names; ``DELETE
        {nav}/{id}/$ref`` unlinks one. Both answer 204, as Graph does."""
        linked: list[JsonObject] = item.setdefault(nav.name, [])
        if method == "DELETE" and len(key) == 1:
            found = find_child(linked, key[0])
            if found is None:
                raise errors.not_found(resource.service, key[0], req.url)
            linked.remove(found)
            resource.touch(item)
            return GraphResponse(204)
        if method != "POST" or key:
            raise errors.method_not_allowed()
        reference = str(self._require_body(req, resource).get("@odata.id") or "")
        object_id = reference.rstrip("/").rsplit("/", 1)[-1].removeprefix("directoryObjects(")
        object_id = object_id.strip("')")
        odata_type = _linkable_type(tenant, nav, object_id)
        if odata_type is None:
            raise errors.not_found(resource.service, object_id or reference, req.url)
        if find_child(linked, object_id) is not None:
            raise errors.bad_request(
                "One or more added object references already exist for the following modified "
                f"properties: '{nav.name}'.",
                resource.service,
                req.url,
            )
        linked.append({"@odata.type": odata_type, "id": object_id})
        resource.touch(item)
        return GraphResponse(204)

    def _view(
        self, req: GraphRequest, principal: Principal, view: CollectionView, rest: list[str]
    ) -> GraphResponse:
        """A base-type collection over its derived types' collections: read-only, each object rendered
        as its own type renders it."""
        if req.method.upper() != "GET":
            raise errors.method_not_allowed()
        members = view.resources
        if req.version not in members[0].versions:
            raise errors.segment_not_found(view.path.split("/")[-1])
        self._guard(req, principal, members[0], write=False)
        tenant = principal.tenant
        if len(rest) == 1:
            for resource in members:
                found = find_object(tenant.collection(resource.key), rest[0])
                if found is not None:
                    return self._entity_response(req, resource, found)
            raise errors.not_found(members[0].service, rest[0], req.url)
        if rest:
            raise errors.segment_not_found(rest[-1])
        owners: dict[int, ResourceType] = {}
        items: list[JsonObject] = []
        for resource in members:
            for item in tenant.collection(resource.key).values():
                owners[id(item)] = resource
                items.append(item)
        return self._list_response(
            req,
            tenant,
            items,
            view.path,
            lambda item: self._render(req, owners[id(item)], item, {}, True),
        )

    def _computed(
        self, req: GraphRequest, principal: Principal, resource: ResourceType, item: JsonObject, segment: str
    ) -> GraphResponse | None:
        """A bound function's answer or a reverse navigation's objects; None when ``segment`` is neither."""
        name, _, arguments = segment.partition("(")
        function = next((f for f in resource.functions if f.lower() == name.lower()), None)
        if function is not None:
            if resource.functions[function] == "write":
                self._authorize(principal, resource.service, resource.write, req.url)
            return self._function(req, resource, item, function, arguments.removesuffix(")"))
        reference = next((r for r in resource.references if r.lower() == segment.lower()), None)
        if reference is None:
            return None
        other_key, field_name = resource.references[reference]
        other = BY_KEY[other_key]
        key = str(item.get(resource.key_field, "")).lower()
        named = [
            candidate
            for candidate in principal.tenant.collection(other_key).values()
            if str((candidate.get(field_name) or {}).get("id", "")).lower() == key
        ]
        owner = f"{_fragment(req, resource)}('{item.get(resource.key_field, '')}')"
        return self._list_response(
            req,
            principal.tenant,
            named,
            f"{owner}/{reference}",
            lambda found: self._render(req, other, found, {}, True),
        )

    def _function(
        self, req: GraphRequest, resource: ResourceType, item: JsonObject, name: str, arguments: str
    ) -> GraphResponse:
        """``getOmaSettingPlainTextValue(secretReferenceValueId='…')``: an encrypted setting's value."""
        parameters = {}
        for argument in filter(None, (a.strip() for a in arguments.split(","))):
            key, _, value = argument.partition("=")
            parameters[key.strip().lower()] = value.strip().strip("'")
        reference = parameters.get("secretreferencevalueid")
        if not reference:
            raise errors.bad_request(
                f"The parameter 'secretReferenceValueId' of function '{name}' is required.",
                resource.service,
                req.url,
            )
        setting = next(
            (
                s
                for s in item.get(OMA_SETTINGS) or []
                if isinstance(s, dict)
                and str(s.get("secretReferenceValueId", "")).lower() == reference.lower()
            ),
            None,
        )
        if setting is None:
            raise errors.not_found(resource.service, reference, req.url)
        return GraphResponse(
            200, {"@odata.context": _context(req, "Edm.String"), "value": setting.get("value")}
        )

    def _intent_categories(
        self, req: GraphRequest, tenant: Tenant, resource: ResourceType, intent: JsonObject, rest: list[str]
    ) -> GraphResponse:
        """An intent's settings by its template's categories: ``categories`` lists them,
        ``categories/{id}/settings`` the intent's settings in one (the demo's templates have one
        category, which holds every setting)."""
        template = find_object(
            tenant.collection("deviceManagementTemplates"), str(intent.get("templateId", ""))
        )
        categories: list[JsonObject] = list((template or {}).get("categories") or [])
        owner = f"{_fragment(req, resource)}('{intent.get('id', '')}')/categories"
        if not rest:
            shown = [
                {**category, "@odata.type": "#microsoft.graph.deviceManagementIntentSettingCategory"}
                for category in categories
            ]
            return self._list_response(req, tenant, shown, owner)
        category = find_child(categories, rest[0])
        if category is None:
            raise errors.not_found(resource.service, rest[0], req.url)
        if len(rest) == 1:
            body = {"@odata.context": _context(req, f"{owner}('{category['id']}')/$entity")}
            return GraphResponse(
                200,
                body | category | {"@odata.type": "#microsoft.graph.deviceManagementIntentSettingCategory"},
            )
        if len(rest) == 2 and rest[1].lower() == "settings":
            return self._list_response(
                req, tenant, list(intent.get("settings") or []), f"{owner}('{category['id']}')/settings"
            )
        raise errors.segment_not_found(rest[-1])

    def _stream(
        self, req: GraphRequest, tenant: Tenant, resource: ResourceType, localization: str, name: str
    ) -> GraphResponse:
        """A stream property as Graph serves it: GET gives the bytes with their type, or an empty 200
        when none is set; PUT stores the body under the content type it names."""
        key = f"{resource.key}/{localization}/{name}"
        method = req.method.upper()
        if method == "GET":
            stored = tenant.streams.get(key)
            if stored is None:
                return GraphResponse(200, content=b"")
            return GraphResponse(200, headers={"Content-Type": stored.content_type}, content=stored.content)
        if method == "PUT":
            content_type = req.headers.get("content-type", "").partition(";")[0].strip().lower()
            allowed = resource.streams[name]
            if content_type not in allowed:
                raise errors.bad_request(
                    f"Content-Type '{content_type}' is not supported for {name}; use one of {', '.join(allowed)}.",
                    resource.service,
                    req.url,
                )
            if not req.content:
                raise errors.bad_request(f"Empty payload: {name} needs content.", resource.service, req.url)
            tenant.streams[key] = StoredStream.of(content_type, req.content)
            return GraphResponse(204)
        raise errors.method_not_allowed()

    def _require_body(self, req: GraphRequest, resource: ResourceType) -> JsonObject:
        if not isinstance(req.body, dict):
            raise errors.bad_request("Empty Payload. JSON content expected.", resource.service, req.url)
        return req.body

    def _writable(self, resource: ResourceType, body: JsonObject, version: str) -> JsonObject:
        """Graph ignores server-managed properties in a write (the catalogue's, and those the model
        marks computed); so do we."""
        found = model(version, str(body.get("@odata.type") or resource.entity))
        computed = found.computed if found is not None else frozenset()
        return {
            k: copy.deepcopy(v) for k, v in body.items() if k not in resource.read_only and k not in computed
        }

    def _with_secrets(
        self, req: GraphRequest, resource: ResourceType, stored: list[Any], body: JsonObject
    ) -> JsonObject:
        """Encrypted settings sent without a value keep the stored one, as Intune keeps them."""
        try:
            return keep_secrets(stored, body)
        except SecretMissing as missing:
            raise errors.bad_request(str(missing), resource.service, req.url) from None

    def _check_create(self, req: GraphRequest, resource: ResourceType, body: JsonObject) -> None:
        if resource.abstract and str(body.get("@odata.type") or "").lstrip("#") in ("", resource.entity):
            raise errors.bad_request(
                f"Cannot create an abstract class. A derived type of '{resource.entity}' must be named in "
                "'@odata.type'.",
                resource.service,
                req.url,
            )
        missing = [name for name in resource.required if body.get(name) is None]
        missing += [
            nav.name
            for nav in resource.navigation
            if nav.single and nav.target and not (body.get(nav.name) or body.get(f"{nav.name}@odata.bind"))
        ]
        if resource.client_key and not body.get(resource.key_field):
            missing.append(resource.key_field)
        if missing:
            entity = resource.entity.rsplit(".", 1)[-1]
            entity = entity[0].upper() + entity[1:]
            code = "Request_BadRequest" if resource.service == "directory" else "BadRequest"
            message = f"A value is required for property '{missing[0]}' of resource '{entity}'."
            if resource.service == "intune":
                raise errors.bad_request(message, "intune", req.url)
            raise GraphError(400, code, message)
        if resource.validate and (problem := resource.validate(body)):
            raise errors.bad_request(problem, resource.service, req.url)

    def _create(
        self, req: GraphRequest, tenant: Tenant, resource: ResourceType, collection: dict[str, JsonObject]
    ) -> GraphResponse:
        body = self._require_body(req, resource)
        self._check_create(req, resource, body)
        _check_names(req, tenant, resource.service, resource.names, body)
        item = self._with_secrets(req, resource, [], self._writable(resource, body, req.version))
        if resource.client_key:
            key = str(body.get(resource.key_field, ""))
            if find_object(collection, key) is not None:
                raise GraphError(409, "Conflict", f"An object with key '{key}' already exists.")
            item[resource.key_field] = key
        else:
            key = resource.key_from.format_map(item) if resource.key_from else str(uuid.uuid4())
            if find_object(collection, key) is not None:
                raise GraphError(409, "Conflict", f"An object with key '{key}' already exists.")
            item = {resource.key_field: key, **item}
        self._bind(req, tenant, resource.service, resource.navigation, item)
        resource.stamp_created(item)
        if resource.schedules is not None:
            carry_out(tenant, resource, item)
        collection[str(item[resource.key_field])] = item
        response = self._entity_response(req, resource, item, 201)
        response.headers["Location"] = f"{req.url}/{item[resource.key_field]}"
        return response

    def _upsert(
        self,
        req: GraphRequest,
        tenant: Tenant,
        resource: ResourceType,
        collection: dict[str, JsonObject],
        key: str,
    ) -> GraphResponse:
        """PATCH to a missing key creates it, as for authentication context class references."""
        body = {**self._require_body(req, resource), resource.key_field: key}
        self._check_create(req, resource, body)
        item = {**self._writable(resource, body, req.version), resource.key_field: key}
        resource.stamp_created(item)
        collection[key] = item
        return GraphResponse(204)

    def _item(
        self,
        req: GraphRequest,
        tenant: Tenant,
        resource: ResourceType,
        collection: dict[str, JsonObject],
        item: JsonObject,
        method: str,
    ) -> GraphResponse:
        if method == "GET":
            return self._entity_response(req, resource, item)
        if method == "DELETE":
            del collection[str(item[resource.key_field])]
            return GraphResponse(204)
        if method == "PATCH":
            body = self._require_body(req, resource)
            sent_type = body.get("@odata.type")
            if resource.abstract and sent_type and sent_type != item.get("@odata.type"):
                raise errors.bad_request(
                    f"The @odata.type '{sent_type}' does not match the type of the existing object.",
                    resource.service,
                    req.url,
                )
            versioned = sorted(resource.versioned_only & body.keys())
            if versioned:
                raise errors.bad_request(
                    f"Property '{versioned[0]}' can only be changed by creating a new version.",
                    resource.service,
                    req.url,
                )
            fixed = sorted(k for k in resource.immutable & body.keys() if body[k] != item.get(k))
            if fixed:
                raise errors.bad_request(
                    f"Property '{fixed[0]}' cannot be changed once the object exists.",
                    resource.service,
                    req.url,
                )
            if resource.validate and (problem := resource.validate({**item, **body})):
                raise errors.bad_request(problem, resource.service, req.url)
            changes = {
                k: v
                for k, v in self._writable(resource, body, req.version).items()
                if k not in resource.nav_names and k != resource.key_field
            }
            item.update(self._with_secrets(req, resource, item.get(OMA_SETTINGS) or [], changes))
            resource.touch(item)
            if resource.patch_returns_entity:
                return self._entity_response(req, resource, item)
            return GraphResponse(204)
        if method == "PUT" and resource.put_replaces:
            body = self._require_body(req, resource)
            if resource.validate and (problem := resource.validate(body)):
                raise errors.bad_request(problem, resource.service, req.url)
            kept = {resource.key_field, resource.created_field} | (resource.nav_names - body.keys())
            preserved: JsonObject = {k: item[k] for k in kept if k and k in item}
            replacement = {**self._writable(resource, body, req.version), **preserved}
            item.clear()
            item.update(replacement)
            owner_id = str(item[resource.key_field])
            for nav in resource.navigation:
                if nav.name in body and not nav.single:
                    item[nav.name] = nav.build(owner_id, item[nav.name] or [])
            resource.touch(item)
            return GraphResponse(204)
        raise errors.method_not_allowed()

    def _action(
        self,
        req: GraphRequest,
        tenant: Tenant,
        resource: ResourceType,
        item: JsonObject,
        name: str,
        action: Action,
    ) -> GraphResponse:
        """``assign``, ``targetApps``, ``setPriority``, ``updateSettings``: replace and set, then answer."""
        body = self._require_body(req, resource)
        owner_id = str(item[resource.key_field])
        if action.edits is not None:
            return self._edit(req, tenant, resource, item, action.edits, body)
        if action.new_version is not None:
            return self._new_version(req, resource, item, body.get(action.new_version), action.new_version)
        for index, (parameter, nav_name) in enumerate(action.replaces.items()):
            entries = body.get(parameter)
            if entries is None and index > 0:
                continue
            if not isinstance(entries, list):
                raise errors.bad_request(
                    f"The '{parameter}' parameter is required.", resource.service, req.url
                )
            nav = resource.nav(nav_name)
            assert nav is not None, f"{resource.key}.{name} replaces unknown navigation {nav_name}"
            item[nav.name] = nav.build(owner_id, copy.deepcopy(entries))
        for parameter in action.sets:
            if parameter not in body:
                raise errors.bad_request(
                    f"The '{parameter}' parameter is required.", resource.service, req.url
                )
            item[parameter] = copy.deepcopy(body[parameter])
        resource.touch(item)
        if action.returns is None:
            return GraphResponse(204)
        nav = resource.nav(action.returns)
        assert nav is not None
        entity = nav.entity.lstrip("#")
        return GraphResponse(
            200,
            {
                "@odata.context": _context(req, f"Collection({entity})"),
                "value": copy.deepcopy(item[nav.name]),
            },
        )

    def _new_version(
        self, req: GraphRequest, resource: ResourceType, item: JsonObject, sent: Any, parameter: str
    ) -> GraphResponse:
        """``createNewVersion``: the object as sent (fields and navigations, whole), one version on."""
        if not isinstance(sent, dict):
            raise errors.bad_request(f"The '{parameter}' parameter is required.", resource.service, req.url)
        missing = [name for name in resource.required if name not in sent]
        if missing:
            raise errors.bad_request(
                f"The '{parameter}' parameter lacks '{missing[0]}'.", resource.service, req.url
            )
        owner_id = str(item[resource.key_field])
        writable = self._writable(resource, sent, req.version)
        item.update(
            {k: v for k, v in writable.items() if k not in resource.nav_names and k != resource.key_field}
        )
        for nav in resource.navigation:
            if nav.name in sent and not nav.single:
                item[nav.name] = nav.build(owner_id, copy.deepcopy(sent[nav.name]))
        item["version"] = int(item.get("version") or 0) + 1
        resource.touch(item)
        return self._entity_response(req, resource, item, status=201)

    def _edit(
        self,
        req: GraphRequest,
        tenant: Tenant,
        resource: ResourceType,
        item: JsonObject,
        nav_name: str,
        body: JsonObject,
    ) -> GraphResponse:
        """``updateDefinitionValues``: delete by id, update by id, add with bound navigations; 204."""
        nav = resource.nav(nav_name)
        assert nav is not None, f"{resource.key} edits unknown navigation {nav_name}"
        children: list[JsonObject] = list(item.get(nav.name) or [])
        for parameter in ("added", "updated", "deletedIds"):
            if not isinstance(body.get(parameter, []), list):
                raise errors.bad_request(
                    f"The '{parameter}' parameter must be a list.", resource.service, req.url
                )
        deleted = {str(key).lower() for key in body.get("deletedIds") or []}
        unknown = deleted - {str(child["id"]).lower() for child in children}
        if unknown:
            raise errors.not_found(resource.service, sorted(unknown)[0], req.url)
        children = [child for child in children if str(child["id"]).lower() not in deleted]
        for change in body.get("updated") or []:
            existing = find_child(children, str(change.get("id", "")))
            if existing is None:
                raise errors.not_found(resource.service, str(change.get("id")), req.url)
            entry = copy.deepcopy(change)
            self._bind(req, tenant, resource.service, nav.children, entry)
            existing.update(
                {k: v for k, v in entry.items() if k not in ("id", "@odata.type") and k != "definition"}
            )
        for added in body.get("added") or []:
            entry = copy.deepcopy(added)
            self._bind(req, tenant, resource.service, nav.children, entry, creating=True)
            children.append(nav.build(str(item.get("id", "")), [entry])[0])
        item[nav.name] = children
        resource.touch(item)
        return GraphResponse(204)

    def _bind(
        self,
        req: GraphRequest,
        tenant: Tenant,
        service: Service,
        navs: tuple[Navigation, ...],
        entry: JsonObject,
        *,
        creating: bool = False,
    ) -> None:
        """Resolve ``{nav}@odata.bind`` references into the single-valued navigation they name. A
        navigation the service only binds refuses an inline object, and a new item must bind it."""
        for nav in navs:
            reference = entry.pop(f"{nav.name}@odata.bind", None)
            if nav.bind_required and (entry.get(nav.name) is not None or (creating and reference is None)):
                raise errors.bad_request(
                    f"'{nav.name}' must be set with '{nav.name}@odata.bind', the URL of the object it names.",
                    service,
                    req.url,
                )
            named = entry.get(nav.name)
            if nav.single and nav.target and reference is None and isinstance(named, dict):
                found = find_object(tenant.collection(nav.target), str(named.get("id") or ""))
                if found is None:
                    raise errors.bad_request(
                        f"The {nav.name} '{named.get('id')}' does not exist.", service, req.url
                    )
                inner = BY_KEY[nav.target].nav_names
                entry[nav.name] = {k: copy.deepcopy(v) for k, v in found.items() if k not in inner}
            if nav.single and reference is not None:
                target = resolve_reference(tenant, str(reference))
                if target is None:
                    raise errors.bad_request(
                        f"Invalid '{nav.name}@odata.bind' reference: '{reference}'.", service, req.url
                    )
                entry[nav.name] = target
            if not nav.single:
                for child in entry.get(nav.name) or []:
                    if isinstance(child, dict):
                        self._bind(req, tenant, service, nav.children, child, creating=creating)

    def _contained(
        self,
        req: GraphRequest,
        tenant: Tenant,
        resource: ResourceType,
        root: JsonObject,
        owner: JsonObject,
        navs: tuple[Navigation, ...],
        rest: list[str],
        method: str,
    ) -> GraphResponse:
        """``{object}/{nav}[/{id}[/{nav}/...]]``: list, create, read, change and delete contained objects."""
        nav = next((n for n in navs if n.name.lower() == rest[0].lower()), None)
        if nav is None:
            raise errors.segment_not_found(rest[0])
        owner_key = owner.get(resource.key_field, owner.get("id"))
        fragment = f"{_fragment(req, resource)}{'' if resource.singleton else f'({owner_key!r})'}/{nav.name}"
        expand = parse_expand(req.query.get("$expand", ""))
        if nav.single:
            value = owner.get(nav.name)
            if len(rest) > 1 or method != "GET":
                raise errors.method_not_allowed()
            if not value:
                raise errors.not_found(resource.service, nav.name, req.url)
            body = {"@odata.context": _context(req, f"{fragment}/$entity")}
            return GraphResponse(200, body | _render_child(nav, value, expand, req.version))
        children: list[JsonObject] = owner.setdefault(nav.name, [])
        if len(rest) == 1:
            if method == "GET":
                return self._list_response(
                    req,
                    tenant,
                    children,
                    fragment,
                    lambda child: _render_child(nav, child, expand, req.version),
                )
            if method == "POST" and nav.writable and nav.addable:
                entry = copy.deepcopy(self._require_body(req, resource))
                _check_names(req, tenant, resource.service, nav.names, entry)
                self._bind(req, tenant, resource.service, nav.children, entry, creating=True)
                child = nav.build(str(owner.get("id", "")), [entry])[0]
                if nav.ids == "index":
                    child["id"] = str(len(children))
                if find_child(children, child["id"]) is not None:
                    raise GraphError(409, "Conflict", f"An object with id '{child['id']}' already exists.")
                children.append(child)
                resource.touch(root)
                rendered = _render_child(nav, child, {}, req.version)
                body = {"@odata.context": _context(req, f"{fragment}/$entity"), **copy.deepcopy(rendered)}
                return GraphResponse(201, body, {"Location": f"{req.url}/{child['id']}"})
            raise errors.method_not_allowed()
        existing = find_child(children, rest[1])
        if existing is None:
            raise errors.not_found(resource.service, rest[1], req.url)
        child = existing
        if len(rest) > 2:
            return self._contained(req, tenant, resource, root, child, nav.children, rest[2:], method)
        if method == "GET":
            body = {"@odata.context": _context(req, f"{fragment}/$entity")}
            return GraphResponse(200, body | copy.deepcopy(_render_child(nav, child, expand, req.version)))
        if not nav.writable:
            raise errors.method_not_allowed()
        if method == "DELETE" and nav.deletable:
            children.remove(child)
            resource.touch(root)
            return GraphResponse(204)
        if method == "PATCH" and nav.updatable:
            changes = self._require_body(req, resource)
            child.update(
                {
                    k: copy.deepcopy(v)
                    for k, v in changes.items()
                    if k not in ("id", "@odata.type") and nav.child(k) is None
                }
            )
            resource.touch(root)
            return GraphResponse(204)
        raise errors.method_not_allowed()

    def _singleton(
        self, req: GraphRequest, tenant: Tenant, resource: ResourceType, item: JsonObject, method: str
    ) -> GraphResponse:
        if method == "GET":
            return self._entity_response(req, resource, item)
        if method == "PATCH" or (method == "PUT" and resource.singleton_put):
            changes = self._writable(resource, self._require_body(req, resource), req.version)
            changes = {k: v for k, v in changes.items() if k not in resource.nav_names}
            if method == "PUT":
                kept = {k: v for k, v in item.items() if k in resource.read_only or k in resource.nav_names}
                item.clear()
                item.update(kept)
            item.update(changes)
            resource.touch(item)
            if resource.patch_returns_entity:
                return self._entity_response(req, resource, item)
            return GraphResponse(204)
        raise errors.method_not_allowed()

    def _audit_log(
        self, req: GraphRequest, principal: Principal, log: AuditLogPath, rest: list[str]
    ) -> GraphResponse:
        """A list of audit records, newest first, or one by id."""
        if req.method.upper() != "GET":
            raise errors.method_not_allowed()
        self._authorize(principal, log.service, log.read, req.url)
        tenant = principal.tenant
        if tenant.throttling.enabled:
            limits = tenant.throttling.services.get(log.throttle, REPORTS_THROTTLE)
            wait = self.sim.throttler.admit(
                tenant.id, principal.app_id, log.throttle, limits, self.sim.clock()
            )
            if wait > 0:
                raise errors.throttled(log.service, max(1, math.ceil(wait)), req.url)
        records = [
            whole(record, f"microsoft.graph.{log.entity}", req.version)
            for record in self.sim.audits.visible(tenant.id, log.source, self.sim.clock())
        ]
        fragment = log.name
        if len(rest) == 1:
            found = next((r for r in records if str(r["id"]).lower() == rest[0].lower()), None)
            if found is None:
                raise errors.not_found(log.service, rest[0], req.url)
            return GraphResponse(200, {"@odata.context": _context(req, f"{fragment}/$entity"), **found})
        if rest:
            raise errors.segment_not_found(rest[-1])
        return self._list_response(req, tenant, records, fragment)

    # -- directory objects the operator reads about itself -------------------------------------

    def _applications(self, req: GraphRequest, principal: Principal, segments: list[str]) -> GraphResponse:
        """``applications(appId='...')``: a registration by its client id (the operator reads its own)."""
        self._authorize(principal, "directory", BY_KEY["applications"].read, req.url)
        self._throttle(principal, "directory", req.url)
        if req.method.upper() != "GET" or len(segments) > 1:
            raise errors.method_not_allowed()
        tenant, head = principal.tenant, segments[0]
        key = head[len("applications(") :].removeprefix("appId=").rstrip(")").strip("'")
        app = next((a for a in tenant.apps.values() if key == a.app_id), None)
        if app is not None:
            body = {"@odata.context": _context(req, "applications/$entity")}
            body.update(select(whole(_application(app), _APPLICATION, req.version), _select(req)))
            return GraphResponse(200, body)
        resource = BY_KEY["applications"]
        found = next((o for o in tenant.collection(resource.key).values() if o.get("appId") == key), None)
        if found is None:
            raise errors.not_found("directory", key or head, req.url)
        return self._entity_response(req, resource, found)

    def _directory_object(self, req: GraphRequest, principal: Principal, object_id: str) -> GraphResponse:
        """``directoryObjects/{id}``: a user, group or service principal by id (a role's principal)."""
        self._authorize(principal, "directory", ("Directory.Read.All", "Directory.ReadWrite.All"), req.url)
        self._throttle(principal, "directory", req.url)
        if req.method.upper() != "GET":
            raise errors.method_not_allowed()
        found = directory_object(principal.tenant, object_id)
        if found is None:
            raise errors.not_found("directory", object_id, req.url)
        body = {"@odata.context": _context(req, "directoryObjects/$entity")}
        return GraphResponse(200, body | select(found, _select(req)))

    def _domains(self, req: GraphRequest, principal: Principal) -> GraphResponse:
        """The tenant's verified domains: the first is the default, ``.onmicrosoft.com`` the initial one."""
        self._authorize(principal, "directory", _DOMAIN_READ, req.url)
        self._throttle(principal, "directory", req.url)
        if req.method.upper() != "GET":
            raise errors.method_not_allowed()
        tenant = principal.tenant
        domains: list[JsonObject] = [
            {
                "id": name,
                "authenticationType": "Managed",
                "availabilityStatus": None,
                "isAdminManaged": True,
                "isDefault": index == 0,
                "isInitial": name.endswith(".onmicrosoft.com"),
                "isRoot": True,
                "isVerified": True,
                "passwordNotificationWindowInDays": 14,
                "passwordValidityPeriodInDays": 2147483647,
                "supportedServices": ["Email", "OfficeCommunicationsOnline"],
                "state": None,
            }
            for index, name in enumerate(tenant.domains)
        ]
        listed = [whole(domain, "microsoft.graph.domain", req.version) for domain in domains]
        return self._list_response(req, tenant, listed, "domains")

    def _organization(self, req: GraphRequest, principal: Principal) -> GraphResponse:
        self._authorize(principal, "directory", _ORGANIZATION_READ, req.url)
        self._throttle(principal, "directory", req.url)
        tenant = principal.tenant
        org = {
            "id": tenant.id,
            "displayName": tenant.display_name,
            "verifiedDomains": [
                {
                    "capabilities": "Email, OfficeCommunicationsOnline",
                    "isDefault": i == 0,
                    "isInitial": d.endswith(".onmicrosoft.com"),
                    "name": d,
                    "type": "Managed",
                }
                for i, d in enumerate(tenant.domains)
            ],
        }
        return self._list_response(
            req, tenant, [whole(org, "microsoft.graph.organization", req.version)], "organization"
        )
