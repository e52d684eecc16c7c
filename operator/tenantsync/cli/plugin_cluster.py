"""The API server as `kubectl tenantsync` sees it: kubectl's way of finding it, and the few calls it makes.

The plugin is a short-lived synchronous process, so it talks to the official client directly rather
than through the operator's async `tenantsync.kube.KubeClient`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from tenantsync.api import GROUP, VERSION
from tenantsync.cli.plugin_errors import ObjectChanged, ObjectNotFound, PluginError
from tenantsync.cli.plugin_refs import Kind

Body = dict[str, Any]

IN_CLUSTER_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


@dataclass(frozen=True)
class Connection:
    api_client: Any
    namespace: str


def connect(
    kubeconfig: str | None, context: str | None, namespace: str | None, impersonate: str | None = None
) -> Connection:
    """kubectl's order: --kubeconfig, then $KUBECONFIG (or ~/.kube/config), then the in-cluster account.

    The namespace is --namespace, else the context's namespace, else `default`, as kubectl does.
    `impersonate` is kubectl's `--as`: every request is made as that user (RBAC `impersonate` needed).
    """
    default_file = os.environ.get("KUBECONFIG") or str(Path("~/.kube/config").expanduser())
    use_file = kubeconfig is not None or any(Path(p).exists() for p in default_file.split(os.pathsep) if p)
    try:
        if use_file:
            api_client = config.new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=kubeconfig, context=context
            )
            if namespace is None:
                contexts, active = config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
                    config_file=kubeconfig
                )
                chosen = next((c for c in contexts if c["name"] == context), None) if context else active
                namespace = ((chosen or {}).get("context") or {}).get("namespace") or "default"
        else:
            config.load_incluster_config()  # type: ignore[no-untyped-call]
            api_client = client.ApiClient()
            if namespace is None:
                namespace = (
                    IN_CLUSTER_NAMESPACE.read_text().strip() if IN_CLUSTER_NAMESPACE.exists() else "default"
                )
    except (config.ConfigException, OSError) as problem:
        raise PluginError(
            f"cannot load a Kubernetes configuration ({problem}); pass --kubeconfig or set KUBECONFIG"
        ) from problem
    if impersonate:
        api_client.set_default_header("Impersonate-User", impersonate)
    return Connection(api_client, namespace)


def _describe(error: ApiException) -> str:
    try:
        message = json.loads(error.body or "{}").get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message or f"{error.status} {error.reason}")


class Cluster:
    """Tenants, SyncRuns and their Events in the API server, with errors a person can read."""

    def __init__(self, connection: Connection) -> None:
        self.namespace = connection.namespace
        self._custom = client.CustomObjectsApi(connection.api_client)
        self._api_client = connection.api_client

    @cached_property
    def _core(self) -> Any:
        """Only `logs` reads core objects (Events), and CoreV1Api costs over a second of imports."""
        return client.CoreV1Api(self._api_client)

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ApiException as error:
            if error.status == 404:
                raise ObjectNotFound(f"{what} not found in namespace {self.namespace!r}") from error
            if error.status == 409:
                raise ObjectChanged(f"{what} changed while being updated: {_describe(error)}") from error
            raise PluginError(f"{what}: {_describe(error)}") from error
        except Exception as error:
            # urllib3 connection errors: the API server is down or the kubeconfig points elsewhere.
            if type(error).__module__.startswith("urllib3"):
                raise PluginError(f"cannot reach the Kubernetes API server: {error}") from error
            raise

    def get(self, kind: Kind, name: str) -> Body:
        result: Body = self._call(
            f'{kind} "{name}"',
            self._custom.get_namespaced_custom_object,
            GROUP,
            VERSION,
            self.namespace,
            kind.plural,
            name,
        )
        return result

    def list_objects(self, kind: Kind, all_namespaces: bool = False) -> tuple[list[Body], str]:
        """The objects and the list's resourceVersion, from which a watch starts."""
        if all_namespaces:
            result = self._call(
                kind.plural, self._custom.list_cluster_custom_object, GROUP, VERSION, kind.plural
            )
        else:
            result = self._call(
                kind.plural,
                self._custom.list_namespaced_custom_object,
                GROUP,
                VERSION,
                self.namespace,
                kind.plural,
            )
        items: list[Body] = result["items"]
        return items, str(result["metadata"]["resourceVersion"])

    def watch(self, kind: Kind, all_namespaces: bool, resource_version: str) -> Iterator[tuple[str, Body]]:
        """(ADDED|MODIFIED|DELETED, object) after `resource_version`, until interrupted.

        The client reconnects by itself; a resourceVersion too old to resume from raises ObjectChanged
        (410 Gone), after which the caller lists again.
        """
        function: Any = self._custom.list_namespaced_custom_object
        args: tuple[str, ...] = (GROUP, VERSION, self.namespace, kind.plural)
        if all_namespaces:
            function, args = self._custom.list_cluster_custom_object, (GROUP, VERSION, kind.plural)
        events: Iterator[dict[str, Any]] = watch.Watch().stream(  # type: ignore[no-untyped-call]
            function, *args, resource_version=resource_version
        )
        while True:
            try:
                event = self._call(kind.plural, next, events)
            except StopIteration:
                return
            except PluginError as problem:
                if isinstance(problem.__cause__, ApiException) and problem.__cause__.status == 410:
                    raise ObjectChanged(f"the watch of {kind.plural} expired") from problem
                raise
            if event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                yield event["type"], event["object"]

    def annotate(
        self, kind: Kind, name: str, annotations: dict[str, str], resource_version: str | None
    ) -> Body:
        """Merge-patch annotations; with `resource_version`, only if the object is still as it was read."""
        metadata: Body = {"annotations": annotations}
        if resource_version is not None:
            metadata["resourceVersion"] = resource_version
        result: Body = self._call(
            f'{kind} "{name}"',
            self._custom.patch_namespaced_custom_object,
            GROUP,
            VERSION,
            self.namespace,
            kind.plural,
            name,
            {"metadata": metadata},
        )
        return result

    def username(self) -> str:
        """Who the API server says this user is (a SelfSubjectReview, as `kubectl auth whoami`)."""
        review = self._call(
            "SelfSubjectReview",
            client.AuthenticationV1Api(self._api_client).create_self_subject_review,
            {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
            _preload_content=False,
        )
        username: str = json.loads(review.data)["status"]["userInfo"]["username"]
        return username

    def runs_of(self, tenant: str) -> list[Body]:
        """The Tenant's SyncRuns, oldest first (by spec.tenantRef: runs made by hand count too)."""
        runs = [
            run
            for run in self.list_objects(Kind.SYNC_RUN)[0]
            if ((run.get("spec") or {}).get("tenantRef") or {}).get("name") == tenant
        ]
        return sorted(runs, key=lambda r: (r["metadata"].get("creationTimestamp", ""), r["metadata"]["name"]))

    def events_of(self, kind: Kind, name: str, uid: str | None) -> list[Body]:
        """The object's Events as the API server serves them (its JSON, with apiVersion v1 and kind)."""
        response = self._call(
            "events",
            self._core.list_namespaced_event,
            self.namespace,
            field_selector=f"involvedObject.kind={kind},involvedObject.name={name}",
            _preload_content=False,
        )
        events: list[Body] = [
            {"apiVersion": "v1", "kind": "Event", **event} for event in json.loads(response.data)["items"]
        ]
        # An older object of the same name may have left events behind.
        return [e for e in events if uid is None or (e.get("involvedObject") or {}).get("uid") in (None, uid)]
