"""Every object the simulator serves parses cleanly into Microsoft's own model for its ``@odata.type``.

Objects are read through the simulator's Graph service (rendering, ``$expand``, contained collections,
per-version fields: what a client receives), for every type in the registry, in every Graph version it
is served in, from the demo seed and the benchmark seed. Each one is parsed with kiota's
``JsonParseNode`` into the msgraph-sdk model (v1.0) or msgraph-beta-sdk model (beta) and fails when:

- a property lands in ``additional_data`` (a name Microsoft's schema doesn't have there);
- a value is dropped by the parser (wrong JSON type, unknown enum member, a GUID that isn't one);
- the type's required properties are missing, or the ``@odata.type`` isn't the type or a derived one.

Objects with the same structure (same keys, value types and values once GUIDs, digits and
timestamps are masked) parse identically; one of each structure is parsed.
"""

from __future__ import annotations

import enum
import functools
import importlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kiota_abstractions.serialization import Parsable
from kiota_serialization_json.json_parse_node import JsonParseNode

from tenantsync_sim import seed
from tenantsync_sim.graph import models as graph_models
from tenantsync_sim.graph.auth import Principal
from tenantsync_sim.graph.resources import RESOURCES, Navigation, ResourceType
from tenantsync_sim.graph.service import GraphRequest, GraphService
from tenantsync_sim.identity.signing import TokenSigner
from tenantsync_sim.runtime import Simulator
from tenantsync_sim.shapes import ZERO_GUID
from tenantsync_sim.state import JsonObject, SimState, Tenant, stable_id

SDK_PACKAGE = {"v1.0": "msgraph", "beta": "msgraph_beta"}
ALL_PERMISSIONS = frozenset(
    p for r in RESOURCES for alternative in (*r.read, *r.write) for p in alternative.split("+")
)
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def model_class(package: str, odata_type: str) -> type[Parsable]:
    """``#microsoft.graph.windows10GeneralConfiguration`` -> ``...models.windows10_general_configuration``;
    a sub-namespace is a package (``#microsoft.graph.identityGovernance.workflow`` ->
    ``...models.identity_governance.workflow``)."""
    *namespace, name = odata_type.lstrip("#").removeprefix("microsoft.graph.").split(".")
    module_name = ".".join(re.sub(r"(?<!^)(?=[A-Z])", "_", part).lower() for part in (*namespace, name))
    module = importlib.import_module(f"{package}.generated.models.{module_name}")
    model: type[Parsable] = getattr(module, name[0].upper() + name[1:])
    return model


@pytest.fixture(scope="module", autouse=True)
def quick_entity_deserializers() -> Iterator[None]:
    """``Entity.get_field_deserializers`` runs thousands of imports per call (30 ms); the same two
    fields without them keep parsing identical and fast enough to read ten thousand objects."""
    originals: list[tuple[Any, Any]] = []
    for package in SDK_PACKAGE.values():
        entity: Any = model_class(package, "microsoft.graph.entity")
        assert set(entity().get_field_deserializers()) == {"id", "@odata.type"}
        originals.append((entity, entity.get_field_deserializers))

        def fields(self: Any) -> dict[str, Callable[[Any], None]]:
            return {
                "id": lambda n: setattr(self, "id", n.get_str_value()),
                "@odata.type": lambda n: setattr(self, "odata_type", n.get_str_value()),
            }

        entity.get_field_deserializers = fields
    yield
    for entity, original in originals:
        entity.get_field_deserializers = original


class TrustedService(GraphService):
    """The real service, with a caller that holds every permission (tokens are tested elsewhere): a
    signed-in admin, since some types are served to no application (feature rollout policies)."""

    def principal(self, req: GraphRequest) -> Principal:
        tenant = self.sim.state.tenants[seed.DEMO_TENANT_ID]
        tenant.throttling.enabled = False
        admin = stable_id("demo", "user", "admin")
        return Principal(tenant, "conformance-test", ALL_PERMISSIONS, admin)


def _service(state: SimState, keys: Path) -> TrustedService:
    return TrustedService(Simulator(state=state, signer=TokenSigner.load_or_create(keys)))


def _expand_clause(navs: tuple[Navigation, ...], allowed: tuple[str, ...]) -> str:
    parts = []
    for nav in navs:
        if nav.expand not in allowed:
            continue
        nested = _expand_clause(nav.children, ("list", "item", "never"))
        parts.append(f"{nav.name}($expand={nested})" if nested else nav.name)
    return ",".join(parts)


async def _get(service: GraphService, version: str, path: str, expand: str = "") -> Any:
    query = {"$expand": expand} if expand else {}
    request = GraphRequest("GET", version, path, query, {}, None, "https://sim.test")
    response = await service.handle(request)
    assert response.status == 200, (path, response.body)
    return response.body


async def _pages(service: GraphService, version: str, path: str, expand: str) -> list[JsonObject]:
    items: list[JsonObject] = []
    body = await _get(service, version, path, expand)
    while True:
        items.extend(body["value"])
        link = body.get("@odata.nextLink")
        if not link:
            return items
        _, _, rest = link.partition(f"/{version}/")
        path_part, _, query = rest.partition("?")
        params = dict(part.split("=", 1) for part in query.split("&"))
        request = GraphRequest("GET", version, path_part, params, {}, None, "https://sim.test")
        body = (await service.handle(request)).body


Served = tuple[str, JsonObject, str, tuple[str, ...]]
"""Where it was read, the object, the type to read it as when it names none, required properties."""


async def served_objects(service: GraphService, resource: ResourceType, version: str) -> list[Served]:
    """Everything a client can read of one type: lists, single objects and contained collections."""
    tenant: Tenant = service.sim.state.tenants[seed.DEMO_TENANT_ID]
    path = resource.path.replace("{tenantId}", tenant.id)
    entity = resource.entity
    found: list[Served] = []
    never = [nav for nav in resource.navigation if nav.expand == "never"]
    if resource.singleton:
        item = await _get(service, version, path, _expand_clause(resource.navigation, ("list", "item")))
        if version in resource.listed_in:
            [item] = item["value"]
        found.append((path, item, entity, resource.required))
        owners = [item]
    else:
        listed = await _pages(service, version, path, _expand_clause(resource.navigation, ("list",)))
        listed_required = (
            *(r for r in resource.required if r not in resource.list_omits),
            resource.key_field,
        )
        found.extend((path, item, entity, listed_required) for item in listed)
        owners = []
        if resource.list_omits or any(nav.expand == "item" for nav in resource.navigation) or never:
            item_expand = _expand_clause(resource.navigation, ("list", "item"))
            for item in listed:
                item_path = f"{path}/{item[resource.key_field]}"
                single = await _get(service, version, item_path, item_expand)
                found.append((item_path, single, entity, resource.required))
                owners.append(single)
    for owner in owners:
        for nav in never:
            owner_path = path if resource.singleton else f"{path}/{owner[resource.key_field]}"
            children = await _pages(
                service,
                version,
                f"{owner_path}/{nav.name}",
                _expand_clause(nav.children, ("list", "item", "never")),
            )
            found.extend((f"{owner_path}/{nav.name}", child, nav.entity, ("id",)) for child in children)
    for _, item, _, _ in found:
        item.pop("@odata.context", None)
    return found


def structure(value: Any) -> Any:
    """What decides how an object parses: keys, JSON types and values with ids, digits masked."""
    if isinstance(value, dict):
        return tuple(sorted((k, structure(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(sorted({repr(structure(v)) for v in value}))
    if isinstance(value, str):
        return ("str", re.sub(r"\d", "9", _GUID.sub("<guid>", value)))
    return (type(value).__name__, None if isinstance(value, (int, float)) else value)


def unknown_properties(model: Any, where: str = "$") -> list[str]:
    found = [
        f"{where}.{key}"
        for key in (getattr(model, "additional_data", None) or {})
        if "@" not in key  # annotations (@odata.type, assignments@odata.context) are not properties
    ]
    for attribute, value in vars(model).items():
        if isinstance(value, Parsable):
            found += unknown_properties(value, f"{where}.{attribute}")
        elif isinstance(value, list):
            for index, element in enumerate(value):
                if isinstance(element, Parsable):
                    found += unknown_properties(element, f"{where}.{attribute}[{index}]")
    return found


class _RecordingNode:
    """Stands in for a parse node: every ``get_*`` returns one marker, to see which attribute it lands in."""

    def __init__(self, marker: object) -> None:
        self.marker = marker

    def __getattr__(self, name: str) -> Callable[..., object]:
        return lambda *args, **kwargs: self.marker


@functools.cache
def attribute_names(model_type: type[Parsable]) -> dict[str, str]:
    """JSON property name -> Python attribute, read from the model's own deserializers."""
    instance = model_type()
    names: dict[str, str] = {}
    for key, deserialize in instance.get_field_deserializers().items():
        marker = object()
        deserialize(_RecordingNode(marker))  # type: ignore[arg-type]
        names[key] = next(attribute for attribute, value in vars(instance).items() if value is marker)
    return names


def _flags(sent: Any, kept: Any, siblings: list[Any]) -> Any:
    """Graph writes a flags enum in a collection as ``"password,sms"``, which kiota leaves as None
    (microsoft/kiota#3237); accept it when every part is a member of the collection's enum."""
    enum_type = next((type(s) for s in siblings if isinstance(s, enum.Enum)), None)
    if kept is not None or not isinstance(sent, str) or enum_type is None:
        return kept
    members = {member.value for member in enum_type}
    return sent if all(part in members for part in sent.split(",")) else None


def lost_values(sent: Any, parsed: Any, where: str = "$") -> list[str]:
    """Values present in the JSON that the model did not keep (wrong type, bad enum, bad GUID...)."""
    if isinstance(sent, dict) and isinstance(parsed, Parsable):
        lost: list[str] = []
        names = attribute_names(type(parsed))
        for key, value in sent.items():
            if key.startswith("@odata.") or value is None or key not in names:
                continue
            kept = getattr(parsed, names[key])
            if kept is None:
                lost.append(f"{where}.{key}={value!r}")
            else:
                lost += lost_values(value, kept, f"{where}.{key}")
        return lost
    if isinstance(sent, list) and isinstance(parsed, list):
        parsed = [_flags(one, kept, parsed) for one, kept in zip(sent, parsed, strict=False)]
        if len(sent) != len(parsed) or any(element is None for element in parsed):
            return [f"{where}: {sent!r} not kept whole ({parsed!r})"]
        return [
            problem
            for index, (one, kept) in enumerate(zip(sent, parsed, strict=True))
            for problem in lost_values(one, kept, f"{where}[{index}]")
        ]
    return []


def table_name(model: type) -> str:
    """The model's name in the simulator's table: a sub-namespace's types (``identityGovernance``) keep
    it, as their kiota package under ``models`` says."""
    package = model.__module__.split(".generated.models.", 1)[1].split(".")[:-1]
    namespace = [re.sub(r"_(\w)", lambda m: m.group(1).upper(), part) for part in package]
    return ".".join([*namespace, model.__name__[0].lower() + model.__name__[1:]])


def _not_in_json(version: str, parsed: Parsable) -> frozenset[str]:
    """Navigations and stream properties of the parsed object's type."""
    found = graph_models.model(version, table_name(type(parsed)))
    return frozenset(found.navigation) | found.streams if found is not None else frozenset()


def missing_properties(version: str, sent: Any, parsed: Any, where: str = "$") -> list[str]:
    """Properties of the model (navigations aside: Graph serves those only when expanded; and streams)
    that the served object leaves out, at every level: Graph answers a GET with whole objects. A singleton
    that Graph serves without an ``id`` (the cross-tenant default) is named by its path alone."""
    if isinstance(sent, dict) and isinstance(parsed, Parsable):
        names = attribute_names(type(parsed))
        navigation = _not_in_json(version, parsed)
        missing = [
            f"{where}.{key}"
            for key in names
            if not key.startswith("@")
            and key not in navigation
            and key not in sent
            and not (key == "id" and where == "$")
        ]
        for key, value in sent.items():
            if key in names and not key.startswith("@"):
                missing += missing_properties(version, value, getattr(parsed, names[key]), f"{where}.{key}")
        return missing
    if isinstance(sent, list) and isinstance(parsed, list):
        return [
            problem
            for index, (one, kept) in enumerate(zip(sent, parsed, strict=False))
            for problem in missing_properties(version, one, kept, f"{where}[{index}]")
        ]
    return []


def conformance_problems(package: str, item: JsonObject, entity: str, required: tuple[str, ...]) -> list[str]:
    declared = model_class(package, entity)
    odata_type = str(item.get("@odata.type") or entity)
    try:
        model_type = model_class(package, odata_type)
    except (ImportError, AttributeError):
        return [f"@odata.type {odata_type} has no model in {package}"]
    problems = [] if issubclass(model_type, declared) else [f"{odata_type} is not a {entity}"]
    try:
        factory: Any = model_type
        parsed = JsonParseNode(item).get_object_value(factory)
    except ValueError as exc:
        return [*problems, f"does not parse: {exc}"]
    problems += [f"unknown property {p}" for p in unknown_properties(parsed)]
    problems += [f"value lost {p}" for p in lost_values(item, parsed)]
    problems += [f"required property {name} missing" for name in required if item.get(name) is None]
    version = next(v for v, p in SDK_PACKAGE.items() if p == package)
    problems += [f"model property {p} not served" for p in missing_properties(version, item, parsed)]
    return problems


SEED_STATES: dict[str, Callable[[], SimState]] = {"demo": seed.demo, "large": seed.large}


@pytest.mark.parametrize("seed_name", sorted(SEED_STATES))
async def test_every_served_object_parses_into_microsofts_model(seed_name: str, tmp_path: Path) -> None:
    service = _service(SEED_STATES[seed_name](), tmp_path)
    problems: list[str] = []
    checked: dict[str, set[Any]] = {}
    counts: dict[str, int] = {}
    for resource in RESOURCES:
        for version in sorted(resource.versions):
            package = SDK_PACKAGE[version]
            seen = checked.setdefault(version, set())
            for where, item, entity, required in await served_objects(service, resource, version):
                counts[resource.key] = counts.get(resource.key, 0) + 1
                key = (entity, required, structure(item))
                if key in seen:
                    continue
                seen.add(key)
                problems += [
                    f"{version} {where}: {problem}"
                    for problem in conformance_problems(package, item, entity, required)
                ]
    distinct = sorted({re.sub(r"\[\d+\]", "[]", p) for p in problems})
    assert not distinct, "\n".join(distinct)
    assert set(counts) == {r.key for r in RESOURCES}, "every type serves at least one object"
    if seed_name == "large":
        assert sum(counts.values()) >= seed.LARGE_OBJECTS


def test_the_check_catches_unknown_names_wrong_types_and_bad_enum_members() -> None:
    """A settings-catalog policy with ``displayName`` (it has ``name``) fails, as the seed did before."""
    policy = next(iter(seed.demo().tenants[seed.DEMO_TENANT_ID].collection("configurationPolicies").values()))
    entity = "microsoft.graph.deviceManagementConfigurationPolicy"
    served = graph_models.whole(
        {k: v for k, v in policy.items() if k not in ("assignments", "settings")}, entity, "beta"
    )
    assert conformance_problems("msgraph_beta", served | {"displayName": "x"}, entity, ("name",)) == [
        "unknown property $.displayName"
    ]
    sparse = {k: v for k, v in served.items() if k not in ("description", "templateReference")}
    assert conformance_problems("msgraph_beta", sparse, entity, ("name",)) == [
        "model property $.description not served",
        "model property $.templateReference not served",
    ]
    action = {
        "@odata.type": "#microsoft.graph.deviceComplianceActionItem",
        "id": "a",
        "actionType": "blockk",
        "gracePeriodHours": "24",
        "notificationTemplateId": ZERO_GUID,
        "notificationMessageCCList": [],
    }
    assert conformance_problems("msgraph_beta", action, "microsoft.graph.deviceComplianceActionItem", ()) == [
        "value lost $.actionType='blockk'",
        "value lost $.gracePeriodHours='24'",
    ]


def test_compliance_actions_name_no_template_with_the_zero_guid() -> None:
    """Microsoft's model types ``notificationTemplateId`` as a string, so only this test sees that the
    service answers the zero GUID, never ``""``, for an action without a notification template."""
    tenant = seed.demo().tenants[seed.DEMO_TENANT_ID]
    actions = [
        action
        for key in ("deviceCompliancePolicies", "compliancePolicies")
        for policy in tenant.collection(key).values()
        for rule in policy["scheduledActionsForRule"]
        for action in rule["scheduledActionConfigurations"]
    ]
    assert actions
    assert {action["notificationTemplateId"] for action in actions} == {ZERO_GUID}


async def test_objects_stay_conformant_after_a_write(tmp_path: Path) -> None:
    """An empty PATCH still stamps the server-managed fields (modified time, version): the first
    object of every writable type, changed once, parses as cleanly as the seeded one."""
    service = _service(seed.demo(), tmp_path)
    tenant = service.sim.state.tenants[seed.DEMO_TENANT_ID]
    problems: list[str] = []
    for resource in RESOURCES:
        if not resource.writable:
            continue
        path = resource.path.replace("{tenantId}", tenant.id)
        if not resource.singleton:
            path += f"/{next(iter(tenant.collection(resource.key)))}"
        for version in sorted(resource.versions):
            request = GraphRequest("PATCH", version, path, {}, {}, {}, "https://sim.test")
            answer = await service.handle(request)
            assert answer.status in (200, 204), (path, answer.body)
            item = await _get(service, version, path)
            if resource.singleton and version in resource.listed_in:
                [item] = item["value"]
            item.pop("@odata.context", None)
            required = () if resource.singleton else resource.required
            problems += [
                f"{version} {path}: {problem}"
                for problem in conformance_problems(SDK_PACKAGE[version], item, resource.entity, required)
            ]
    assert not problems, "\n".join(problems)
