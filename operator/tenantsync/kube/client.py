"""A small async facade over the official `kubernetes` client for what kopf does not do for us.

kopf watches and dispatches; writing status from a long-running pipeline, creating and pruning
SyncRuns and reading Secrets go through here. The official client is synchronous, so each call runs in
a worker thread of the client's own pool; every call is one short HTTP request. Secrets are requested by
path through the client's `ApiClient`: the generated `CoreV1Api` module alone adds ~20 MiB to the
operator's RSS (benchmarks/memory_bench.py) for the three calls it would serve.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from tenantsync.api import GROUP, VERSION
from tenantsync.precedence import PriorityGate

Body = dict[str, Any]

# The label of the Secrets the operator creates (token caches); the chart lets it write no others.
MANAGED_SECRET_LABELS = {"app.kubernetes.io/managed-by": "tenantsync"}

REQUESTS_AT_ONCE = 32
"""Threads (and pooled connections) for API calls. asyncio's default pool has cpu_count + 4 threads, six
on two cores, shared with sign-ins: with a hundred runs working, an approved run's status write queued
behind everyone else's for seconds. Calls beyond these wait at the client's gate, where a decided run's
go first (`tenantsync.precedence`), rather than in the pool's first-come queue."""


USER_AGENT = "tenantsync"


class NotFoundError(LookupError):
    """The named object does not exist."""


class ConflictError(RuntimeError):
    """An object with that name exists already."""


def _translate(error: ApiException) -> Exception:
    if error.status == 404:
        return NotFoundError(error.reason)
    if error.status == 409:
        return ConflictError(error.reason)
    return error


class KubeClient:
    def __init__(self, api_client: client.ApiClient) -> None:
        # The API server names the writer of each field (managedFields) and logs each request by this;
        # the generated client's own is "OpenAPI-Generator".
        api_client.user_agent = USER_AGENT
        self._api_client = api_client
        self._custom = client.CustomObjectsApi(api_client)
        self._threads = ThreadPoolExecutor(REQUESTS_AT_ONCE, thread_name_prefix="kube-api")
        self._gate = PriorityGate(REQUESTS_AT_ONCE)

    @classmethod
    def from_environment(cls) -> KubeClient:
        """In-cluster service account when there is one, else the kubeconfig (KUBECONFIG)."""
        try:
            config.load_incluster_config()  # type: ignore[no-untyped-call]
        except config.ConfigException:
            config.load_kube_config()  # type: ignore[no-untyped-call]
        configuration = client.Configuration.get_default_copy()
        configuration.connection_pool_maxsize = REQUESTS_AT_ONCE
        return cls(client.ApiClient(configuration))

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """`fn` in one of the client's threads, with the caller's context (the log context follows)."""
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        try:
            async with self._gate.turn():
                return await asyncio.get_running_loop().run_in_executor(self._threads, call)
        except ApiException as error:
            raise _translate(error) from error

    def _secrets_request(
        self,
        method: str,
        namespace: str,
        name: str | None = None,
        body: Body | None = None,
        content_type: str = "application/json",
    ) -> Body:
        """One request to the Secrets of a namespace (or one Secret), answered as a dict; errors raise
        ApiException as the generated APIs do."""
        path = "/api/v1/namespaces/{namespace}/secrets" + ("/{name}" if name is not None else "")
        request = self._api_client.param_serialize(
            method,
            path,
            path_params={"namespace": namespace, **({"name": name} if name is not None else {})},
            header_params={"Accept": "application/json", "Content-Type": content_type},
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self._api_client.call_api(*request)
        response.read()  # type: ignore[no-untyped-call]
        return cast(Body, self._api_client.response_deserialize(response, {"2XX": "object"}).data)

    async def get(self, plural: str, namespace: str, name: str) -> Body:
        result: Body = await self._call(
            self._custom.get_namespaced_custom_object, GROUP, VERSION, namespace, plural, name
        )
        return result

    async def list(self, plural: str, namespace: str, label_selector: str = "") -> list[Body]:
        result = await self._call(
            self._custom.list_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            plural,
            label_selector=label_selector,
        )
        items: list[Body] = result["items"]
        return items

    async def create(self, plural: str, namespace: str, body: Body) -> Body:
        result: Body = await self._call(
            self._custom.create_namespaced_custom_object, GROUP, VERSION, namespace, plural, body
        )
        return result

    async def delete(self, plural: str, namespace: str, name: str) -> None:
        try:
            await self._call(
                self._custom.delete_namespaced_custom_object,
                GROUP,
                VERSION,
                namespace,
                plural,
                name,
                body={"propagationPolicy": "Background"},
            )
        except NotFoundError:
            return

    async def patch(self, plural: str, namespace: str, name: str, body: Body) -> Body:
        """JSON merge patch of the object itself (e.g. its labels)."""
        result: Body = await self._call(
            self._custom.patch_namespaced_custom_object, GROUP, VERSION, namespace, plural, name, body
        )
        return result

    async def patch_status(
        self, plural: str, namespace: str, name: str, status: Body, *, resource_version: str | None = None
    ) -> Body:
        """JSON merge patch of the status subresource: fields not named are left as they are.

        With `resource_version` the patch applies only to that version of the object (ConflictError
        otherwise), for writes that must not overwrite what another writer has just put there.
        """
        body: Body = {"status": status}
        if resource_version is not None:
            body["metadata"] = {"resourceVersion": resource_version}
        result: Body = await self._call(
            self._custom.patch_namespaced_custom_object_status, GROUP, VERSION, namespace, plural, name, body
        )
        return result

    async def write_secret(
        self, namespace: str, name: str, data: dict[str, bytes | None], *, owner: Body | None = None
    ) -> None:
        """Create the Secret or set the given keys (None removes one; others stay). Never logged.

        A Secret this creates is labelled as managed by tenantsync, the only Secrets the chart's admission
        policy lets the operator write, and `owner` (an ownerReference to the Tenant) has it deleted with
        its Tenant.
        """
        encoded = {
            key: base64.b64encode(value).decode() if value is not None else None
            for key, value in data.items()
        }
        try:
            await self._call(
                self._secrets_request,
                "PATCH",
                namespace,
                name,
                {"data": encoded},
                "application/strategic-merge-patch+json",
            )
        except NotFoundError:
            metadata: Body = {"name": name, "labels": dict(MANAGED_SECRET_LABELS)}
            if owner:
                metadata["ownerReferences"] = [owner]
            present = {key: value for key, value in encoded.items() if value is not None}
            body = {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": metadata,
                "data": present,
                "type": "Opaque",
            }
            await self._call(self._secrets_request, "POST", namespace, None, body)

    async def read_secret(self, namespace: str, name: str) -> dict[str, bytes]:
        """The Secret's data, decoded. Values are credentials: callers must never log them."""
        secret: Body = await self._call(self._secrets_request, "GET", namespace, name)
        return {key: base64.b64decode(value) for key, value in (secret.get("data") or {}).items()}
