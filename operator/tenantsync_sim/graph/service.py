"""Graph request dispatch, independent of HTTP so ``$batch`` can run sub-requests through it.

Order of checks follows Graph: the token (401), the path (400 for an unknown segment), the permission
(403), throttling (429), then the operation itself.
"""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tenantsync_sim.graph import errors
from tenantsync_sim.graph.auth import Principal, authenticate
from tenantsync_sim.graph.errors import GraphError, Service
from tenantsync_sim.graph.odata import compile_filter, paginate, select
from tenantsync_sim.graph.resources import RESOURCES, ResourceType
from tenantsync_sim.identity.scopes import GRAPH_AUDIENCES
from tenantsync_sim.runtime import Simulator
from tenantsync_sim.state import JsonObject, Tenant

_APPLICATION_READ = ("Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All")
_ORGANIZATION_READ = ("Organization.Read.All", "Directory.Read.All", "User.Read")


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

    @property
    def url(self) -> str:
        return f"{self.base}/{self.version}/{self.path}"


@dataclass
class GraphResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _context(req: GraphRequest, fragment: str) -> str:
    return f"{req.base}/{req.version}/$metadata#{fragment}"


def _expand(req: GraphRequest) -> set[str]:
    raw = req.query.get("$expand", "")
    return {part.split("(")[0].strip() for part in raw.split(",") if part.strip()}


def _select(req: GraphRequest) -> list[str] | None:
    raw = req.query.get("$select")
    return [f.strip() for f in raw.split(",") if f.strip()] if raw else None


class GraphService:
    """Serves the catalogue in :mod:`tenantsync_sim.graph.resources` over a tenant's state."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def handle(self, req: GraphRequest) -> GraphResponse:
        request_id = str(uuid.uuid4())
        client_request_id = req.headers.get("client-request-id")
        try:
            response = self._dispatch(req)
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
        if not segments:
            raise errors.segment_not_found("")
        if segments[0].startswith("applications"):
            return self._applications(req, principal, segments)
        if segments == ["organization"]:
            return self._organization(req, principal)
        for resource in RESOURCES:
            prefix = resource.path.split("/")
            if segments[: len(prefix)] == prefix:
                if req.version not in resource.versions:
                    raise errors.segment_not_found(prefix[-1])
                return self._resource(req, principal, resource, segments[len(prefix) :])
        raise errors.segment_not_found(segments[-1])

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
        self._authorize(principal, resource.service, resource.write if write else resource.read, req.url)
        self._throttle(principal, resource.service, req.url)

    # -- rendering -----------------------------------------------------------------------------

    def _render(self, resource: ResourceType, item: JsonObject, expand: set[str]) -> JsonObject:
        """The object as Graph shows it. Nested values are shared with the state, not copied: a
        response is serialized before anything can change the state (``$batch`` copies its own)."""
        out = {k: v for k, v in item.items() if k not in resource.navigation or k in expand}
        if resource.key == "configurationPolicies":
            out["settingCount"] = len(item.get("settings") or [])
            out["isAssigned"] = bool(item.get("assignments"))
        return out

    def _list_response(
        self,
        req: GraphRequest,
        tenant: Tenant,
        items: list[JsonObject],
        fragment: str,
        resource: ResourceType | None = None,
    ) -> GraphResponse:
        """Filter, count and cut a page first, then render only the page (copies are costly)."""
        if "$filter" in req.query:
            keep = compile_filter(req.query["$filter"])
            items = [item for item in items if keep(item)]
        page = paginate(items, req.query, tenant.settings.page_size, req.url)
        fields = _select(req)
        body: JsonObject = {"@odata.context": _context(req, fragment)}
        if "$count" in req.query and req.query["$count"].lower() == "true":
            body["@odata.count"] = len(items)
        if page.next_link:
            body["@odata.nextLink"] = page.next_link
        expand = _expand(req)
        rendered = (self._render(resource, item, expand) if resource else item for item in page.items)
        body["value"] = [select(item, fields) for item in rendered]
        return GraphResponse(200, body)

    def _entity_response(
        self, req: GraphRequest, resource: ResourceType, item: JsonObject, status: int = 200
    ) -> GraphResponse:
        body = {"@odata.context": _context(req, f"{resource.path}/$entity")}
        body.update(select(self._render(resource, item, _expand(req)), _select(req)))
        return GraphResponse(status, body)

    # -- the configuration types ---------------------------------------------------------------

    def _resource(
        self, req: GraphRequest, principal: Principal, resource: ResourceType, rest: list[str]
    ) -> GraphResponse:
        tenant = principal.tenant
        method = req.method.upper()
        write = method not in ("GET", "HEAD")
        self._guard(req, principal, resource, write)
        if resource.singleton:
            if rest:
                raise errors.segment_not_found(rest[0])
            return self._singleton(req, tenant, resource, method)
        collection = tenant.collection(resource.key)
        if not rest:
            if method == "GET":
                return self._list_response(req, tenant, list(collection.values()), resource.path, resource)
            if method == "POST":
                return self._create(req, resource, collection)
            raise errors.method_not_allowed()
        object_id = rest[0]
        item = collection.get(object_id)
        if item is None:
            raise errors.not_found(resource.service, object_id, req.url)
        if len(rest) == 1:
            return self._item(req, resource, collection, item, method)
        if rest[1] == "assign" and len(rest) == 2 and resource.assignment_entity and method == "POST":
            return self._assign(req, resource, item)
        if rest[1] in resource.navigation:
            return self._navigation(req, tenant, resource, item, rest[1], rest[2:], method)
        raise errors.segment_not_found(rest[1])

    def _require_body(self, req: GraphRequest, resource: ResourceType) -> JsonObject:
        if not isinstance(req.body, dict):
            raise errors.bad_request("Empty Payload. JSON content expected.", resource.service, req.url)
        return req.body

    def _writable(self, resource: ResourceType, body: JsonObject) -> JsonObject:
        """Graph ignores server-managed properties in a write; so do we."""
        return {k: copy.deepcopy(v) for k, v in body.items() if k not in resource.read_only}

    def _create(
        self, req: GraphRequest, resource: ResourceType, collection: dict[str, JsonObject]
    ) -> GraphResponse:
        body = self._require_body(req, resource)
        if resource.abstract and not body.get("@odata.type"):
            raise errors.bad_request(
                f"Cannot create an abstract class. A derived type of '{resource.entity}' must be named in "
                "'@odata.type'.",
                resource.service,
                req.url,
            )
        if resource.validate and (problem := resource.validate(body)):
            raise errors.bad_request(problem, resource.service, req.url)
        if resource.key == "groups":
            missing = [
                f for f in ("displayName", "mailEnabled", "mailNickname", "securityEnabled") if f not in body
            ]
            if missing:
                raise GraphError(
                    400,
                    "Request_BadRequest",
                    f"A value is required for property '{missing[0]}' of resource 'Group'.",
                )
        item = {"id": str(uuid.uuid4()), **self._writable(resource, body)}
        resource.stamp_created(item)
        collection[item["id"]] = item
        response = self._entity_response(req, resource, item, 201)
        response.headers["Location"] = f"{req.url}/{item['id']}"
        return response

    def _item(
        self,
        req: GraphRequest,
        resource: ResourceType,
        collection: dict[str, JsonObject],
        item: JsonObject,
        method: str,
    ) -> GraphResponse:
        if method == "GET":
            return self._entity_response(req, resource, item)
        if method == "DELETE":
            del collection[item["id"]]
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
            changes = {
                k: v for k, v in self._writable(resource, body).items() if k not in resource.navigation
            }
            item.update(changes)
            resource.touch(item)
            if resource.patch_returns_entity:
                return self._entity_response(req, resource, item)
            return GraphResponse(204)
        if method == "PUT" and resource.key == "configurationPolicies":
            body = self._require_body(req, resource)
            if resource.validate and (problem := resource.validate(body)):
                raise errors.bad_request(problem, resource.service, req.url)
            kept: JsonObject = {k: item[k] for k in ("id", "createdDateTime", "assignments") if k in item}
            item.clear()
            item.update({**self._writable(resource, body), **kept})
            item.setdefault("settings", [])
            for index, setting in enumerate(item["settings"]):
                setting.setdefault("id", str(index))
            resource.touch(item)
            return GraphResponse(204)
        raise errors.method_not_allowed()

    def _assignment(self, resource: ResourceType, item: JsonObject, body: JsonObject) -> JsonObject:
        target = copy.deepcopy(body.get("target") or {})
        suffix = target.get("groupId") or str(uuid.uuid4())
        assignment: JsonObject = {"@odata.type": resource.assignment_entity, "id": f"{item['id']}_{suffix}"}
        if resource.key == "configurationPolicies":
            assignment |= {"source": "direct", "sourceId": item["id"]}
        assignment["target"] = target
        return assignment

    def _assign(self, req: GraphRequest, resource: ResourceType, item: JsonObject) -> GraphResponse:
        body = self._require_body(req, resource)
        entries = body.get("assignments")
        if not isinstance(entries, list):
            raise errors.bad_request("The 'assignments' parameter is required.", resource.service, req.url)
        item["assignments"] = [self._assignment(resource, item, entry) for entry in entries]
        resource.touch(item)
        entity = (resource.assignment_entity or "").lstrip("#")
        return GraphResponse(
            200,
            {
                "@odata.context": _context(req, f"Collection({entity})"),
                "value": copy.deepcopy(item["assignments"]),
            },
        )

    def _navigation(
        self,
        req: GraphRequest,
        tenant: Tenant,
        resource: ResourceType,
        item: JsonObject,
        nav: str,
        rest: list[str],
        method: str,
    ) -> GraphResponse:
        children: list[JsonObject] = item.setdefault(nav, [])
        fragment = f"{resource.path}('{item['id']}')/{nav}"
        if not rest:
            if method == "GET":
                return self._list_response(req, tenant, children, fragment)
            if method == "POST" and nav == "assignments":
                assignment = self._assignment(resource, item, self._require_body(req, resource))
                children.append(assignment)
                resource.touch(item)
                body = {"@odata.context": _context(req, f"{fragment}/$entity"), **copy.deepcopy(assignment)}
                return GraphResponse(201, body, {"Location": f"{req.url}/{assignment['id']}"})
            raise errors.method_not_allowed()
        child = next((c for c in children if str(c.get("id")) == rest[0]), None)
        if child is None or len(rest) > 1:
            raise errors.not_found(resource.service, rest[0], req.url)
        if method == "GET":
            return GraphResponse(
                200, {"@odata.context": _context(req, f"{fragment}/$entity"), **copy.deepcopy(child)}
            )
        if method == "DELETE":
            children.remove(child)
            resource.touch(item)
            return GraphResponse(204)
        raise errors.method_not_allowed()

    def _singleton(
        self, req: GraphRequest, tenant: Tenant, resource: ResourceType, method: str
    ) -> GraphResponse:
        item = tenant.singletons.setdefault(resource.key, {})
        if method == "GET":
            return self._entity_response(req, resource, item)
        if method == "PATCH":
            item.update(self._writable(resource, self._require_body(req, resource)))
            resource.touch(item)
            if resource.patch_returns_entity:
                return self._entity_response(req, resource, item)
            return GraphResponse(204)
        raise errors.method_not_allowed()

    # -- directory objects the operator reads about itself -------------------------------------

    def _applications(self, req: GraphRequest, principal: Principal, segments: list[str]) -> GraphResponse:
        self._authorize(principal, "directory", _APPLICATION_READ, req.url)
        self._throttle(principal, "directory", req.url)
        if req.method.upper() != "GET" or len(segments) > 2:
            raise errors.method_not_allowed()
        tenant, head = principal.tenant, segments[0]
        key = segments[1] if len(segments) == 2 and head == "applications" else None
        if head.startswith("applications(appId="):
            key = head[len("applications(appId=") :].rstrip(")").strip("'")
        app = next((a for a in tenant.apps.values() if key in (a.app_id, a.object_id)), None) if key else None
        if app is None:
            raise errors.not_found("directory", key or head, req.url)
        item: JsonObject = {
            "id": app.object_id,
            "appId": app.app_id,
            "displayName": app.display_name,
            "isFallbackPublicClient": app.public_client,
            "passwordCredentials": [
                {
                    "customKeyIdentifier": None,
                    "displayName": s.display_name,
                    "endDateTime": s.end_date_time.isoformat().replace("+00:00", "Z"),
                    "hint": s.hint,
                    "keyId": s.key_id,
                    "secretText": None,
                    "startDateTime": s.start_date_time.isoformat().replace("+00:00", "Z"),
                }
                for s in app.secrets
            ],
            "keyCredentials": [
                {
                    "customKeyIdentifier": c.sha1_thumbprint.upper(),
                    "displayName": "CN=tenantsync",
                    "endDateTime": c.end_date_time.isoformat().replace("+00:00", "Z"),
                    "keyId": c.key_id,
                    "startDateTime": c.start_date_time.isoformat().replace("+00:00", "Z"),
                    "type": "AsymmetricX509Cert",
                    "usage": "Verify",
                    "key": None,
                }
                for c in app.certificates
            ],
        }
        body = {"@odata.context": _context(req, "applications/$entity")}
        body.update(select(item, _select(req)))
        return GraphResponse(200, body)

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
        return self._list_response(req, tenant, [org], "organization")
