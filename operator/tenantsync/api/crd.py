"""CustomResourceDefinitions generated from the pydantic models, so the API has one source.

`tenantsync crds` prints these; `crds/` and the chart hold the same text (a test keeps them equal).
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel

from tenantsync.api.baseline import BaselineSpec, BaselineStatus
from tenantsync.api.syncrun import SyncRunSpec, SyncRunStatus
from tenantsync.api.tenant import TENANT_RULES, TenantSpec, TenantStatus

GROUP = "tenantsync.io"
VERSION = "v1alpha1"

Schema = dict[str, Any]

_KEPT_KEYS = {
    "type", "format", "description", "default", "enum", "pattern", "minimum", "maximum",
    "minLength", "maxLength", "minItems", "maxItems", "required", "nullable",
}  # fmt: skip


def _structural(schema: Schema, defs: dict[str, Schema]) -> Schema:
    """Turn pydantic's JSON Schema into an OpenAPI v3 structural schema the API server accepts."""
    if "$ref" in schema:
        target = defs[schema["$ref"].rsplit("/", 1)[-1]]
        merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return _structural(merged, defs)
    if "anyOf" in schema:  # `X | None`: optional in Kubernetes terms, the null branch is dropped
        branches = [b for b in schema["anyOf"] if b.get("type") != "null"]
        if len(branches) != 1:
            raise ValueError(f"cannot express union {schema['anyOf']} in a structural schema")
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        if rest.get("default", ...) is None:
            del rest["default"]
        return _structural({**branches[0], **rest}, defs)
    out: Schema = {k: v for k, v in schema.items() if k in _KEPT_KEYS or k.startswith("x-kubernetes-")}
    if "const" in schema:
        out["enum"] = [schema["const"]]
    if "properties" in schema:
        out["type"] = "object"
        out["properties"] = {name: _structural(sub, defs) for name, sub in schema["properties"].items()}
    if isinstance(schema.get("additionalProperties"), dict):
        out["additionalProperties"] = _structural(schema["additionalProperties"], defs)
    if "items" in schema:
        out["items"] = _structural(schema["items"], defs)
    return out


def schema_of(model: type[BaseModel]) -> Schema:
    raw = model.model_json_schema(mode="validation")
    return _structural(raw, raw.get("$defs", {}))


def _column(name: str, path: str, type_: str = "string", priority: int = 0) -> Schema:
    column: Schema = {"name": name, "type": type_, "jsonPath": path}
    if priority:
        column["priority"] = priority
    return column


# Only types: the API server publishes its own descriptions of these (and refuses any for metadata).
_TYPE_META: dict[str, Schema] = {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
}


def _crd(
    kind: str,
    plural: str,
    short_names: list[str],
    description: str,
    spec: type[BaseModel],
    status: type[BaseModel],
    columns: list[Schema],
    root_rules: Schema | None = None,
) -> Schema:
    """`root_rules` are CEL rules on the whole object: the only place one can check `metadata.name`."""
    root: Schema = {
        "type": "object",
        "description": description,
        "required": ["spec"],
        "properties": {**_TYPE_META, "spec": schema_of(spec), "status": schema_of(status)},
        **(root_rules or {}),
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": short_names,
                "categories": ["tenantsync"],
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": columns,
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }


def tenant_crd() -> Schema:
    """Default columns: which tenant is in which state and which run to look at; prose only in `-o wide`."""
    return _crd(
        "Tenant",
        "tenants",
        ["tnt"],
        "A Microsoft 365 tenant whose configuration tenantsync backs up, reviews and deploys from Git.",
        TenantSpec,
        TenantStatus,
        [
            _column("Status", ".status.phase"),
            _column("Last Run", ".status.lastSyncRun"),
            _column("Last Sync", ".status.lastSyncTime", "date"),
            _column("Age", ".metadata.creationTimestamp", "date"),
            _column("Last Success", ".status.lastSuccessfulSyncTime", "date", priority=1),
            _column("Mode", ".spec.mode", priority=1),
            _column("Schedule", ".spec.schedule", priority=1),
            _column("Tenant ID", ".spec.tenantId", priority=1),
            _column("Message", ".status.message", priority=1),
        ],
        root_rules=TENANT_RULES,
    )


def syncrun_crd() -> Schema:
    """Default columns: the run's outcome, its size and how long it took, as `kubectl get jobs` shows them."""
    return _crd(
        "SyncRun",
        "syncruns",
        ["sr"],
        "One sync of a Tenant, start to end, like a Job: the durable record of what happened.",
        SyncRunSpec,
        SyncRunStatus,
        [
            _column("Tenant", ".spec.tenantRef.name"),
            _column("Status", ".status.phase"),
            _column("Changes", ".status.plan.changeCount", "integer"),
            _column("Duration", ".status.duration"),
            _column("Age", ".metadata.creationTimestamp", "date"),
            _column("Completed", ".status.completionTime", "date", priority=1),
            _column("Step", ".status.step", priority=1),
            _column("Trigger", ".spec.trigger", priority=1),
            _column("Started", ".status.startTime", "date", priority=1),
            _column("Queued", ".status.queuedSeconds", "number", priority=1),
            _column("Message", ".status.message", priority=1),
        ],
    )


def baseline_crd() -> Schema:
    """Default columns: where the rollout stands and how many adopting Tenants conform, drift or are excepted."""
    return _crd(
        "Baseline",
        "baselines",
        ["bl"],
        "A reviewed configuration that many Tenants adopt, rolled out to them in waves after one approval.",
        BaselineSpec,
        BaselineStatus,
        [
            _column("Rollout", ".status.rollout.phase"),
            _column("Conforming", ".status.conforming", "integer"),
            _column("Drifted", ".status.drifted", "integer"),
            _column("Excepted", ".status.excepted", "integer"),
            _column("Age", ".metadata.creationTimestamp", "date"),
            _column("Revision", ".status.revision", priority=1),
            _column("Wave", ".status.rollout.wave", "integer", priority=1),
            _column("Message", ".status.message", priority=1),
        ],
    )


def all_crds() -> list[Schema]:
    return [tenant_crd(), syncrun_crd(), baseline_crd()]


class _Dumper(yaml.SafeDumper):
    """Writes repeated sub-schemas out in full: the API server does not resolve YAML anchors for people."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def crds_yaml() -> str:
    return yaml.dump_all(all_crds(), Dumper=_Dumper, sort_keys=False, width=110)
