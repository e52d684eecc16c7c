"""The operator's ServiceAccount, with the chart's cluster-wide RBAC and its Secret policy, on the real API
server: it reads the Secrets Tenants name, creates its token caches labelled and owned by their Tenant,
and cannot overwrite, relabel or mint any other Secret (in kube-system or next to its Tenants).

The operator's own KubeClient signs in with a kubeconfig that holds only the ServiceAccount's token.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from tenantsync.kube import KubeClient
from tests.integration.chart.kube_support import Kubectl, eventually
from tests.support.resources import tenant_manifest
from tests.unit.chart.chart_support import render

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("tenantsync_crds")]

VAP_API = "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy"
REFUSAL = "the tenantsync operator writes only the Secrets it manages"


@dataclass(frozen=True)
class OperatorIdentity:
    tenants_namespace: str
    core: client.CoreV1Api
    kube: KubeClient


def _token_kubeconfig(kubectl: Kubectl, account: str, namespace: str, path: Path) -> Path:
    token = kubectl.run("create", "token", account, "-n", namespace, "--duration=1h").stdout.strip()
    admin = json.loads(kubectl.run("config", "view", "--raw", "--minify", "-o", "json").stdout)
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "local", "cluster": admin["clusters"][0]["cluster"]}],
                "users": [{"name": "operator", "user": {"token": token}}],
                "contexts": [{"name": "operator", "context": {"cluster": "local", "user": "operator"}}],
                "current-context": "operator",
            }
        )
    )
    return path


@pytest.fixture
def operator_identity(
    helm: Path, kubectl: Kubectl, make_namespace: Callable[[str], str], tmp_path: Path
) -> Iterator[OperatorIdentity]:
    operator_namespace, tenants_namespace = make_namespace("ts-op"), make_namespace("ts-m365")
    release = f"ts-sec-{uuid.uuid4().hex[:6]}"
    wanted = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy"}
    docs = [
        d
        for d in render(helm, release=release, namespace=operator_namespace, api_versions=[VAP_API])
        if d["kind"] in wanted | {"ValidatingAdmissionPolicyBinding"}
        and not d["metadata"]["name"].endswith(
            ("-configure", "-view", "-edit", "-approver", "-configurer", "-approval", "-further-approvals")
        )
    ]
    assert sorted(d["metadata"]["name"] for d in docs if d["kind"] == "ValidatingAdmissionPolicy") == [
        f"{release}-tenantsync-operator-secrets"
    ]
    cluster_scoped = [d for d in docs if d["kind"] != "ServiceAccount"]
    kubectl.run("apply", "-f", "-", stdin=yaml.safe_dump_all(docs))
    try:
        kubeconfig = _token_kubeconfig(
            kubectl, f"{release}-tenantsync", operator_namespace, tmp_path / "operator.kubeconfig"
        )
        api = cast(client.ApiClient, config.new_client_from_config(str(kubeconfig)))  # type: ignore[no-untyped-call]
        identity = OperatorIdentity(tenants_namespace, client.CoreV1Api(api), KubeClient(api))
        probe = _secret(f"probe-{uuid.uuid4().hex[:6]}")
        kubectl.run("create", "-n", tenants_namespace, "-f", "-", stdin=json.dumps(probe))
        assert eventually(
            lambda: _refused(identity, tenants_namespace, probe["metadata"]["name"]), timeout=30
        )
        yield identity
    finally:
        kubectl.run(
            "delete", "--ignore-not-found", "-f", "-", stdin=yaml.safe_dump_all(cluster_scoped), check=False
        )


def _secret(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "data": {"clientSecret": base64.b64encode(b"s3cret").decode()},
        **extra,
    }


def _refused(identity: OperatorIdentity, namespace: str, name: str) -> bool:
    """True when a dry-run overwrite of the Secret by the operator is refused by the policy."""
    try:
        identity.core.patch_namespaced_secret(name, namespace, {"data": {"x": "eA=="}}, dry_run="All")
    except ApiException as error:
        return error.status == 403 and REFUSAL in (error.body or "")
    return False


def _forbidden(action: Callable[[], object]) -> str:
    with pytest.raises(ApiException) as refused:
        action()
    assert refused.value.status == 403, refused.value.body
    message: str = json.loads(refused.value.body or "{}")["message"]
    return message


def test_the_operator_cannot_modify_an_unrelated_secret(
    kubectl: Kubectl, operator_identity: OperatorIdentity
) -> None:
    name = f"unrelated-{uuid.uuid4().hex[:6]}"
    kubectl.run("create", "-n", "kube-system", "-f", "-", stdin=json.dumps(_secret(name)))
    try:
        kube, core = operator_identity.kube, operator_identity.core
        message = _forbidden(
            lambda: asyncio.run(kube.write_secret("kube-system", name, {"clientSecret": b"x"}))
        )
        assert (
            f"{REFUSAL} (labelled app.kubernetes.io/managed-by=tenantsync, type Opaque), not kube-system/{name}"
            in (message)
        )
        relabel = {"metadata": {"labels": {"app.kubernetes.io/managed-by": "tenantsync"}}}
        assert REFUSAL in _forbidden(lambda: core.patch_namespaced_secret(name, "kube-system", relabel))
        stored = json.loads(kubectl.run("get", "secret", name, "-n", "kube-system", "-o", "json").stdout)
        assert stored["data"] == _secret(name)["data"] and "labels" not in stored["metadata"]
        # Reads stay cluster-wide: the operator must read the Secrets that Tenants in any namespace name.
        assert asyncio.run(kube.read_secret("kube-system", name)) == {"clientSecret": b"s3cret"}
    finally:
        kubectl.run("delete", "secret", name, "-n", "kube-system", "--ignore-not-found")


def test_the_operator_cannot_mint_a_service_account_token(operator_identity: OperatorIdentity) -> None:
    token_secret = _secret(
        f"minted-{uuid.uuid4().hex[:6]}",
        type="kubernetes.io/service-account-token",
    )
    token_secret["metadata"]["labels"] = {"app.kubernetes.io/managed-by": "tenantsync"}
    token_secret["metadata"]["annotations"] = {"kubernetes.io/service-account.name": "default"}
    del token_secret["data"]
    core = operator_identity.core
    message = _forbidden(lambda: core.create_namespaced_secret("kube-system", token_secret))  # type: ignore[arg-type]
    assert REFUSAL in message


def test_token_caches_are_created_labelled_and_owned_by_their_tenant(
    kubectl: Kubectl, operator_identity: OperatorIdentity
) -> None:
    namespace, kube = operator_identity.tenants_namespace, operator_identity.kube
    tenant = json.loads(
        kubectl.run(
            "create", "-n", namespace, "-o", "json", "-f", "-", stdin=json.dumps(tenant_manifest("contoso"))
        ).stdout
    )
    owner = {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "Tenant",
        "name": "contoso",
        "uid": tenant["metadata"]["uid"],
    }
    asyncio.run(
        kube.write_secret(namespace, "contoso-user-token", {"cache": b"one", "flow": b"f"}, owner=owner)
    )
    asyncio.run(kube.write_secret(namespace, "contoso-user-token", {"cache": b"two", "flow": None}))
    stored = json.loads(
        kubectl.run("get", "secret", "contoso-user-token", "-n", namespace, "-o", "json").stdout
    )
    assert stored["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "tenantsync"}
    assert stored["metadata"]["ownerReferences"] == [owner]
    assert stored["type"] == "Opaque"
    assert stored["data"] == {"cache": base64.b64encode(b"two").decode()}
    # The credentials a person put next to the Tenant are read, never written.
    kubectl.run("create", "-n", namespace, "-f", "-", stdin=json.dumps(_secret("contoso-sp")))
    assert asyncio.run(kube.read_secret(namespace, "contoso-sp")) == {"clientSecret": b"s3cret"}
    assert REFUSAL in _forbidden(
        lambda: asyncio.run(kube.write_secret(namespace, "contoso-sp", {"clientSecret": b"x"}))
    )
