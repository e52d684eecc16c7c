"""The operator's ServiceAccount, with the chart's cluster-wide RBAC and its Secret policies, on the real API
server: it reads the Secrets Tenants name, creates its token caches labelled and owned by their Tenant,
only in namespaces that hold Tenants and only as the cache the owner Tenant names, and cannot overwrite,
relabel or mint any other Secret (in kube-system or next to its Tenants).

The operator's own KubeClient signs in with a kubeconfig that holds only the ServiceAccount's token.
"""

from __future__ import annotations

import asyncio
import base64
import functools
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
NOT_A_TOKEN_CACHE = "the tenantsync operator creates a Secret only as the token cache of"
NO_TENANTS = "no params found for policy binding with `Deny` parameterNotFoundAction"
CACHE = "contoso-user-token"


@dataclass(frozen=True)
class OperatorIdentity:
    tenants_namespace: str
    core: client.CoreV1Api
    kube: KubeClient
    policy: str


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
        f"{release}-tenantsync-operator-secrets",
        f"{release}-tenantsync-operator-secrets-owner",
    ]
    cluster_scoped = [d for d in docs if d["kind"] != "ServiceAccount"]
    kubectl.run("apply", "-f", "-", stdin=yaml.safe_dump_all(docs))
    try:
        kubeconfig = _token_kubeconfig(
            kubectl, f"{release}-tenantsync", operator_namespace, tmp_path / "operator.kubeconfig"
        )
        api = cast(client.ApiClient, config.new_client_from_config(str(kubeconfig)))  # type: ignore[no-untyped-call]
        identity = OperatorIdentity(
            tenants_namespace,
            client.CoreV1Api(api),
            KubeClient(api),
            policy=f"{release}-tenantsync-operator-secrets",
        )
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


def _forbidden(action: Callable[[], object], status: int = 403) -> str:
    with pytest.raises(ApiException) as refused:
        action()
    assert refused.value.status == status, refused.value.body
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


def test_the_operator_cannot_mint_a_service_account_token(
    kubectl: Kubectl, operator_identity: OperatorIdentity
) -> None:
    """Refused for its type alone: labelled, next to a Tenant that names it, owned by that Tenant."""
    namespace, name = operator_identity.tenants_namespace, f"minted-{uuid.uuid4().hex[:6]}"
    token_secret = _secret(name, type="kubernetes.io/service-account-token")
    token_secret["metadata"]["labels"] = {"app.kubernetes.io/managed-by": "tenantsync"}
    token_secret["metadata"]["annotations"] = {"kubernetes.io/service-account.name": "default"}
    token_secret["metadata"]["ownerReferences"] = [_tenant(kubectl, namespace, cache=name)]
    del token_secret["data"]
    core = operator_identity.core
    message = _forbidden(lambda: core.create_namespaced_secret(namespace, token_secret))  # type: ignore[arg-type]
    assert REFUSAL in message
    # In kube-system it is refused as well (a system namespace, and no Tenant there).
    with pytest.raises(ApiException):
        core.create_namespaced_secret("kube-system", token_secret)  # type: ignore[arg-type]


def _tenant(kubectl: Kubectl, namespace: str, name: str = "contoso", cache: str = CACHE) -> dict[str, Any]:
    """A Tenant whose delegated user's token cache is the Secret `cache`; returns its ownerReference, as the
    operator writes it (tests/unit/sync/test_session.py checks the operator's side)."""
    manifest = tenant_manifest(
        name, userAuthentication={"clientId": str(uuid.uuid4()), "tokenSecretRef": {"name": cache}}
    )
    tenant = json.loads(
        kubectl.run("create", "-n", namespace, "-o", "json", "-f", "-", stdin=json.dumps(manifest)).stdout
    )
    return {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "Tenant",
        "name": name,
        "uid": tenant["metadata"]["uid"],
        "controller": True,
    }


def _write(identity: OperatorIdentity, namespace: str, name: str, owner: dict[str, Any] | None) -> None:
    asyncio.run(identity.kube.write_secret(namespace, name, {"cache": b"one"}, owner=owner))


def test_token_caches_are_created_labelled_and_owned_by_their_tenant(
    kubectl: Kubectl, operator_identity: OperatorIdentity
) -> None:
    namespace, kube = operator_identity.tenants_namespace, operator_identity.kube
    owner = _tenant(kubectl, namespace)
    asyncio.run(kube.write_secret(namespace, CACHE, {"cache": b"one", "flow": b"f"}, owner=owner))
    asyncio.run(kube.write_secret(namespace, CACHE, {"cache": b"two", "flow": None}))
    stored = json.loads(kubectl.run("get", "secret", CACHE, "-n", namespace, "-o", "json").stdout)
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
    # An update keeps the owner: the operator can neither drop it nor hand the cache to another owner.
    core = operator_identity.core
    for owners in ([], [{**owner, "name": "fabrikam"}]):
        replace = [{"op": "replace", "path": "/metadata/ownerReferences", "value": owners}]
        message = _forbidden(functools.partial(core.patch_namespaced_secret, CACHE, namespace, replace))
        # Refused by the chart's policy, or first by the OwnerReferencesPermissionEnforcement admission
        # plugin (the local control plane runs it): changing a Secret's owners needs `delete` on Secrets.
        assert (
            f"may not change the ownerReferences of Secret {namespace}/{CACHE}" in message
            or "cannot set an ownerRef on a resource you can't delete" in message
        ), message


def test_the_operator_creates_no_secret_in_a_system_namespace(
    kubectl: Kubectl, operator_identity: OperatorIdentity
) -> None:
    """Even owned by a Tenant that names it, in kube-system (where only a cluster admin creates Tenants)."""
    name = f"ts-probe-{uuid.uuid4().hex[:6]}"
    owner = _tenant(kubectl, "kube-system", name, cache=name)
    try:
        message = _forbidden(lambda: _write(operator_identity, "kube-system", name, owner))
        assert (
            "the tenantsync operator creates no Secret in namespace kube-system (a system namespace):"
            " its token caches live next to their Tenants"
        ) in message
        absent = kubectl.run("get", "secret", name, "-n", "kube-system", check=False)
        assert absent.returncode != 0 and "NotFound" in absent.stderr
    finally:
        kubectl.run("delete", "tenant", name, "-n", "kube-system", "--ignore-not-found")


def test_a_secret_without_its_tenant_as_owner_is_refused(
    kubectl: Kubectl, operator_identity: OperatorIdentity
) -> None:
    namespace = operator_identity.tenants_namespace
    owner = _tenant(kubectl, namespace)
    message = _forbidden(lambda: _write(operator_identity, namespace, CACHE, None))
    assert (
        f"{NOT_A_TOKEN_CACHE} a Tenant, owned by that Tenant: {namespace}/{CACHE} needs exactly one"
        " ownerReference, to a Tenant of tenantsync.io (name and uid)"
    ) in message
    # Owned by another kind of object, or by the Tenant under another uid: refused too.
    not_a_tenant = {**owner, "apiVersion": "v1", "kind": "ConfigMap"}
    assert "needs exactly one ownerReference" in _forbidden(
        lambda: _write(operator_identity, namespace, CACHE, not_a_tenant)
    )
    impostor = {**owner, "uid": str(uuid.uuid4())}
    assert (
        f"{namespace}/{CACHE} names an owner Tenant contoso whose uid is not that of the Tenant"
        f" {namespace}/contoso"
    ) in _forbidden(lambda: _write(operator_identity, namespace, CACHE, impostor))
    # Owned by its Tenant, but not the Secret that Tenant names as its token cache.
    assert (
        f"{NOT_A_TOKEN_CACHE} the Tenant that owns it: Tenant {namespace}/contoso does not name"
        " another-name in spec.userAuthentication.tokenSecretRef"
    ) in _forbidden(lambda: _write(operator_identity, namespace, "another-name", owner))
    absent = kubectl.run("get", "secret", CACHE, "another-name", "-n", namespace, check=False)
    assert absent.returncode != 0 and "NotFound" in absent.stderr


def test_a_namespace_without_tenants_gets_no_secret_from_the_operator(
    kubectl: Kubectl, operator_identity: OperatorIdentity, make_namespace: Callable[[str], str]
) -> None:
    """Owned by a Tenant reference and named like a cache, but nothing here is a Tenant: refused. People's
    own Secrets in such a namespace are not concerned (only Secrets labelled managed-by=tenantsync are)."""
    empty = make_namespace("ts-empty")
    owner = {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "Tenant",
        "name": "contoso",
        "uid": str(uuid.uuid4()),
        "controller": True,
    }
    # The API server answers 422 (Invalid) when a binding finds no params, whatever the policy says.
    message = _forbidden(lambda: _write(operator_identity, empty, CACHE, owner), status=422)
    assert f"{operator_identity.policy}-owner' denied request" in message and NO_TENANTS in message
    kubectl.run("create", "-n", empty, "-f", "-", stdin=json.dumps(_secret("peoples-own")))


def test_a_cache_owned_by_a_tenant_that_does_not_exist_is_collected(
    kubectl: Kubectl, operator_identity: OperatorIdentity
) -> None:
    """What admission cannot look up: a Tenant of that name. The garbage collector deletes a Secret whose
    only owner does not exist (checked by uid), so such a Secret does not stay."""
    namespace = operator_identity.tenants_namespace
    _tenant(kubectl, namespace)
    ghost = {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "Tenant",
        "name": "ghost",
        "uid": str(uuid.uuid4()),
        "controller": True,
    }
    _write(operator_identity, namespace, "ghost-cache", ghost)

    def collected() -> bool:
        result = kubectl.run("get", "secret", "ghost-cache", "-n", namespace, check=False)
        return result.returncode != 0 and "NotFound" in result.stderr

    assert eventually(collected, timeout=120), "the garbage collector left the Secret of a missing Tenant"
