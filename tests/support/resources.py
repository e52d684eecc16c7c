"""Building and reading our resources on the real API server."""

from __future__ import annotations

import base64
import builtins
import copy
from typing import Any, cast

from kubernetes import client

from tests.support.cluster import api_client

GROUP, VERSION = "tenantsync.io", "v1alpha1"
CLIENT_ID = "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11"
CLOSED_PORT = "https://127.0.0.1:9"


def tenant_manifest(name: str = "contoso", **spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "tenantId": "contoso.onmicrosoft.com",
        "servicePrincipal": {"clientId": CLIENT_ID, "credentialsSecretRef": {"name": f"{name}-sp"}},
        "repository": {"url": "/tmp/tenantsync-repo"},
        # A closed loopback port: runs that get past preflight fail to sign in without leaving the machine.
        "endpoints": {"authority": CLOSED_PORT, "graph": CLOSED_PORT},
    }
    base.update(spec)
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Tenant", "metadata": {"name": name}, "spec": base}


def syncrun_manifest(name: str, tenant: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "SyncRun",
        "metadata": {"name": name},
        "spec": {"tenantRef": {"name": tenant}},
    }


class Resources:
    """Our kinds in one namespace, through the official client."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.api = client.CustomObjectsApi(api_client())
        self.core = client.CoreV1Api(api_client())

    def create(self, plural: str, body: dict[str, Any]) -> dict[str, Any]:
        return cast(
            dict[str, Any],
            self.api.create_namespaced_custom_object(
                GROUP, VERSION, self.namespace, plural, copy.deepcopy(body)
            ),
        )

    def get(self, plural: str, name: str) -> dict[str, Any]:
        return cast(
            dict[str, Any],
            self.api.get_namespaced_custom_object(GROUP, VERSION, self.namespace, plural, name),
        )

    def list(self, plural: str) -> list[dict[str, Any]]:
        listed = cast(
            dict[str, Any], self.api.list_namespaced_custom_object(GROUP, VERSION, self.namespace, plural)
        )
        return cast(list[dict[str, Any]], listed["items"])

    def patch(self, plural: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return cast(
            dict[str, Any],
            self.api.patch_namespaced_custom_object(GROUP, VERSION, self.namespace, plural, name, body),
        )

    def patch_status(self, plural: str, name: str, status: dict[str, Any]) -> None:
        self.api.patch_namespaced_custom_object_status(
            GROUP, VERSION, self.namespace, plural, name, {"status": status}
        )

    def delete(self, plural: str, name: str) -> None:
        self.api.delete_namespaced_custom_object(GROUP, VERSION, self.namespace, plural, name)

    def secret(self, name: str, data: dict[str, bytes]) -> None:
        body = client.V1Secret(
            metadata=client.V1ObjectMeta(name=name), data={k: _b64(v) for k, v in data.items()}
        )
        self.core.create_namespaced_secret(self.namespace, body)

    def delete_secret(self, name: str) -> None:
        self.core.delete_namespaced_secret(name, self.namespace)

    def events(self) -> builtins.list[Any]:
        """CoreV1Event objects (the client's own types are not precise enough for mypy)."""
        return builtins.list(cast(Any, self.core.list_namespaced_event(self.namespace)).items)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any] | None:
    return next((c for c in (obj.get("status") or {}).get("conditions", []) if c["type"] == type_), None)
