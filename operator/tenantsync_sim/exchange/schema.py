"""Which cmdlets exist and which parameters and values they take, from Microsoft365DSC's schemas.

``m365dsc.json`` is the subset of Microsoft365DSC's DSC resources (``MSFT_EXO*``, ``MSFT_SC*``) that
the simulator serves, extracted by ``hack/m365dsc-schema`` (it names the source commit). A resource's
MOF properties are the cmdlet parameters Microsoft365DSC reads and writes; their ValueMaps are the
values the service's enum parameters accept. Where the MOF and the service differ, the service wins and
the difference is written here: rules report ``State`` where their New cmdlet takes ``Enabled``
(Microsoft365DSC's EXOHostedContentFilterRule says so), ``Priority`` is a number on every rule,
a resource keyed by ``Identity`` is created with ``-Name``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

Service = Literal["exchange", "compliance"]
Verb = Literal["Get", "Set", "New", "Remove", "Enable", "Disable"]

STATE_RULES = frozenset(
    {
        "antiPhishRule",
        "atpProtectionPolicyRule",
        "eopProtectionPolicyRule",
        "hostedContentFilterRule",
        "hostedOutboundSpamFilterRule",
        "malwareFilterRule",
        "safeAttachmentRule",
        "safeLinksRule",
        "transportRule",
    }
)
"""Rules whose Get output carries ``State`` (Enabled/Disabled), toggled by Enable-/Disable- cmdlets."""

PRIORITISED = STATE_RULES | {"clientAccessRule"}
"""Rules ordered by a ``Priority`` unique within their type (0 first)."""

OUTPUT_ONLY = (
    "Identity",
    "Name",
    "Guid",
    "Id",
    "DistinguishedName",
    "WhenCreated",
    "WhenChanged",
    "WhenCreatedUTC",
    "WhenChangedUTC",
    "ExchangeVersion",
    "IsValid",
    "ObjectState",
    "OrganizationId",
)
"""Properties every object of the Exchange admin API reports beside its parameters."""

TYPE_OUTPUT_ONLY: dict[str, tuple[str, ...]] = {
    **{key: ("State", "Priority") for key in STATE_RULES},
    "antiPhishPolicy": ("IsDefault",),
    "hostedContentFilterPolicy": ("IsDefault",),
    "hostedConnectionFilterPolicy": ("IsDefault",),
    "hostedOutboundSpamFilterPolicy": ("IsDefault",),
    "malwareFilterPolicy": ("IsDefault",),
    "safeLinksPolicy": ("IsBuiltInProtection",),
    "safeAttachmentPolicy": ("IsBuiltInProtection",),
    "owaMailboxPolicy": ("IsDefault",),
    "mobileDeviceMailboxPolicy": ("IsDefault",),
    "roleAssignmentPolicy": ("IsDefault",),
    "retentionPolicy": ("IsDefault",),
    "emailAddressPolicy": ("IsDefault",),
    "acceptedDomain": ("Default", "InitialDomain", "DomainName"),
    "dkimSigningConfig": ("Domain",),
    "protectionAlert": ("IsSystemRule",),
}
"""Further output properties by type (``IsDefault`` marks the built-in objects that cannot be removed)."""

FLAGS = frozenset({"IsDefault", "IsBuiltInProtection", "IsSystemRule", "Default", "InitialDomain"})
"""Output-only booleans: false on every object but the built-in ones."""

SERVICE_CMDLETS: dict[str, dict[str, str]] = {
    "availabilityAddressSpace": {"New": "Add-AvailabilityAddressSpace"},
    "authenticationPolicy": {"Set": "Set-AuthenticationPolicy"},
}
"""Cmdlets the service has where Microsoft365DSC calls another or none (its psm1 adds address spaces
with Add-, and never changes an authentication policy in place)."""

CREATE_KEYS = {"dkimSigningConfig": "DomainName", "auditConfigurationPolicy": "Workload"}
"""What New- names the object by where it is not ``-Name`` (New-DkimSigningConfig -DomainName)."""

LOCATION_DELTAS = frozenset(
    {"dlpCompliancePolicy", "retentionCompliancePolicy", "autoSensitivityLabelPolicy", "labelPolicy"}
)
"""Compliance policies whose Set- changes a location list (and a label policy its Labels) only by
``Add<list>``/``Remove<list>``, as Set-DlpCompliancePolicy does."""

# Parameters every cmdlet of a verb takes beside the resource's own.
_COMMON: dict[str, frozenset[str]] = {
    "Get": frozenset({"Identity", "ResultSize"}),
    "Set": frozenset({"Identity", "Confirm"}),
    "New": frozenset({"Confirm"}),
    "Remove": frozenset({"Identity", "Confirm"}),
    "Enable": frozenset({"Identity", "Confirm"}),
    "Disable": frozenset({"Identity", "Confirm"}),
}
_RULE_POLICY_PARAMETER = {"dlpComplianceRule", "retentionComplianceRule", "autoSensitivityLabelRule"}


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    qualifier: str
    array: bool = False
    values: tuple[str, ...] | None = None
    embedded: str | None = None


@dataclass(frozen=True)
class ExchangeType:
    """One Microsoft365DSC resource as the service exposes it."""

    key: str
    resource: str
    service: Service
    noun: str
    cmdlets: dict[str, str]
    dsc_key: str
    singleton: bool
    roles: dict[str, list[str]]
    properties: dict[str, Property]
    classes: dict[str, dict[str, Property]] = field(default_factory=dict)

    @property
    def output_only(self) -> frozenset[str]:
        return frozenset(OUTPUT_ONLY) | frozenset(TYPE_OUTPUT_ONLY.get(self.key, ()))

    @property
    def prioritised(self) -> bool:
        return self.key in PRIORITISED

    def parameters(self, verb: str) -> frozenset[str]:
        """The parameter names a cmdlet of this type accepts."""
        own = set(self.properties) - {"Identity"}
        if verb == "Get":
            extra = {"Policy"} if self.key in _RULE_POLICY_PARAMETER else set()
            return _COMMON["Get"] | extra
        if verb in ("Remove", "Enable", "Disable"):
            return _COMMON[verb]
        if self.key in STATE_RULES:
            own -= {"State"}
            if verb == "Set":
                own.discard("Enabled")
        if verb == "Set":
            own |= set(self.delta_parameters)
            return _COMMON["Set"] | (own - {self.dsc_key} if self.dsc_key != "Identity" else own)
        return _COMMON["New"] | own | {"Name", CREATE_KEYS.get(self.key, "Name")}

    def required(self, verb: str) -> list[str]:
        if verb == "New":
            if self.singleton:
                return []
            name = CREATE_KEYS.get(self.key) or ("Name" if self.dsc_key == "Identity" else self.dsc_key)
            return [name, *(n for n, p in self.properties.items() if p.qualifier == "required")]
        if verb in ("Remove", "Enable", "Disable") or (verb == "Set" and not self.singleton):
            return ["Identity"]
        return []

    @property
    def delta_parameters(self) -> dict[str, tuple[str, str]]:
        """``AddLabels``/``RemoveLabels``-style parameters: (list property, "Add" or "Remove")."""
        result: dict[str, tuple[str, str]] = {}
        for name in self.properties:
            for action in ("Add", "Remove"):
                target = name.removeprefix(action)
                if target != name and target in self.properties and self.properties[target].array:
                    result[name] = (target, action)
        if self.key in LOCATION_DELTAS:
            for name, prop in self.properties.items():
                listed = name.endswith(("Location", "LocationException")) or name == "Labels"
                if prop.array and listed and not name.startswith(("Add", "Remove")):
                    result[f"Add{name}"] = (name, "Add")
                    result[f"Remove{name}"] = (name, "Remove")
        return result


def _property(name: str, raw: dict[str, Any]) -> Property:
    values = raw.get("values")
    return Property(
        name=name,
        type=str(raw["type"]),
        qualifier=str(raw["qualifier"]),
        array=bool(raw.get("array", False)),
        values=tuple(values) if values else None,
        embedded=raw.get("class"),
    )


@cache
def source() -> dict[str, Any]:
    """Where the schema subset was extracted from (repository, path, commit)."""
    return dict(_raw()["source"])


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("tenantsync_sim.exchange").joinpath("m365dsc.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def types() -> dict[str, ExchangeType]:
    """Every served type by its catalogue name (``transportRule``)."""
    result: dict[str, ExchangeType] = {}
    for key, raw in _raw()["types"].items():
        result[key] = ExchangeType(
            key=key,
            resource=raw["resource"],
            service=raw["service"],
            noun=raw["noun"],
            cmdlets=dict(raw["cmdlets"]),
            dsc_key=raw["key"],
            singleton=bool(raw["singleton"]),
            roles={k: list(v) for k, v in raw["roles"].items()},
            properties={n: _property(n, p) for n, p in raw["properties"].items()},
            classes={
                c: {n: _property(n, p) for n, p in props.items()} for c, props in raw["classes"].items()
            },
        )
    for key in STATE_RULES:
        rule = result[key]
        rule.cmdlets.setdefault("Enable", f"Enable-{rule.noun}")
        rule.cmdlets.setdefault("Disable", f"Disable-{rule.noun}")
    for key, extra in SERVICE_CMDLETS.items():
        result[key].cmdlets.update(extra)
    return result


@cache
def cmdlet_table(service: Service) -> dict[str, tuple[ExchangeType, str]]:
    """Cmdlet name (lower case, as PowerShell resolves them) -> (type, verb) on one endpoint."""
    table: dict[str, tuple[ExchangeType, str]] = {}
    for exchange_type in types().values():
        if exchange_type.service != service:
            continue
        for verb, name in exchange_type.cmdlets.items():
            table[name.lower()] = (exchange_type, verb)
    return table


_INTEGERS = {"uint16", "uint32", "uint64", "sint16", "sint32", "sint64"}
_POWERSHELL_TYPES = {
    "string": "System.String",
    "boolean": "System.Boolean",
    "datetime": "System.DateTime",
    "uint16": "System.UInt16",
    "uint32": "System.UInt32",
    "uint64": "System.UInt64",
    "sint32": "System.Int32",
}


class BindingError(ValueError):
    """A value the parameter cannot take; the message is PowerShell's argument transformation error."""


def _scalar(exchange_type: ExchangeType, prop: Property, value: Any) -> Any:
    name, target = prop.name, _POWERSHELL_TYPES.get(prop.type, prop.type)
    if value is None:
        return None
    if name == "Priority" and exchange_type.prioritised:
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise BindingError(
                f"Cannot process argument transformation on parameter 'Priority'. Cannot convert value "
                f'"{value}" to type "System.Int32". Error: "Input string was not in a correct format."'
            )
        return int(value)
    if prop.embedded:
        fields = exchange_type.classes.get(prop.embedded, {})
        if not isinstance(value, dict) or any(k not in fields for k in value):
            raise BindingError(
                f"Cannot process argument transformation on parameter '{name}'. Cannot convert the "
                f'"{value}" value of type "{type(value).__name__}" to type "{prop.embedded}".'
            )
        return value
    if prop.type == "boolean":
        if not isinstance(value, bool):
            raise BindingError(
                f"Cannot process argument transformation on parameter '{name}'. Cannot convert value "
                f'"{value}" to type "System.Boolean". Boolean parameters accept only Boolean values and '
                "numbers, such as $True, $False, 1 or 0."
            )
        return value
    if prop.type in _INTEGERS:
        if isinstance(value, bool) or not isinstance(value, int) or (value < 0 and prop.type[0] == "u"):
            raise BindingError(
                f"Cannot process argument transformation on parameter '{name}'. Cannot convert value "
                f'"{value}" to type "{target}". Error: "Input string was not in a correct format."'
            )
        if prop.values is not None and str(value) not in prop.values:
            raise BindingError(
                f"Cannot validate argument on parameter '{name}'. The argument \"{value}\" does not belong to "
                f'the set "{",".join(prop.values)}" specified by the ValidateSet attribute.'
            )
        return value
    if not isinstance(value, str):
        raise BindingError(
            f"Cannot process argument transformation on parameter '{name}'. Cannot convert value "
            f'"{value}" to type "{target}".'
        )
    if prop.values is not None:
        match = next((v for v in prop.values if v.lower() == value.lower()), None)
        if match is None:
            raise BindingError(
                f"Cannot process argument transformation on parameter '{name}'. Cannot convert value "
                f'"{value}" to type "{name}". Error: "Unable to match the identifier name {value} to a '
                "valid enumerator name. Specify one of the following enumerator names and try again: "
                f'{", ".join(prop.values)}"'
            )
        return match
    return value


def bind(exchange_type: ExchangeType, name: str, value: Any) -> Any:
    """The value a parameter is bound to (an enum's spelling, a scalar wrapped for an array parameter)."""
    prop = exchange_type.properties.get(name)
    if prop is None and name in exchange_type.delta_parameters:
        prop = exchange_type.properties[exchange_type.delta_parameters[name][0]]
    if prop is None:
        if name == "Priority" and exchange_type.prioritised:
            return _scalar(exchange_type, Property("Priority", "uint32", "write"), value)
        return value
    if prop.array:
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [_scalar(exchange_type, prop, item) for item in items]
    if isinstance(value, list):
        raise BindingError(
            f"Cannot convert 'System.Object[]' to the type '{_POWERSHELL_TYPES.get(prop.type, prop.type)}' "
            f"required by parameter '{name}'. Specified method is not supported."
        )
    return _scalar(exchange_type, prop, value)
