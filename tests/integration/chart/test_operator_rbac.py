"""The chart's RBAC, installed for real: the operator's ServiceAccount may do exactly what it needs.

The allowed list is the operator's own use of the API (tenants, syncruns, baselines, their status, Secrets for
credentials and the token cache, Events, and what kopf needs to discover resources); `kubectl auth can-i`
with the ServiceAccount impersonated answers for each verb. The denied list guards against the usual
ways RBAC grows: wildcards, reading every Secret, touching workloads, deleting what users own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.chart.kube_support import Kubectl
from tests.unit.chart.chart_support import Manifest, render

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("tenantsync_crds")]

RBAC_KINDS = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}

# (verb, resource, subresource) the operator uses in the namespaces it watches.
NAMESPACED_ALLOWED = [
    *[(verb, "tenants", None) for verb in ("get", "list", "watch", "patch")],
    *[(verb, "tenants", "status") for verb in ("get", "patch")],
    *[(verb, "syncruns", None) for verb in ("get", "list", "watch", "create", "delete", "patch")],
    *[(verb, "syncruns", "status") for verb in ("get", "patch")],
    # A Baseline's rollout approves the runs whose plans hold only the approved baseline change, and
    # takes off a Baseline's decision once acted on (docs/security.md, "A trade-off Baselines bring").
    ("approve", "syncruns", None),
    *[(verb, "baselines", None) for verb in ("get", "list", "watch", "patch", "approve")],
    *[(verb, "baselines", "status") for verb in ("get", "patch")],
    *[(verb, "secrets", None) for verb in ("get", "create", "update", "patch")],
    *[(verb, "events", None) for verb in ("create", "patch")],
    *[(verb, "events.events.k8s.io", None) for verb in ("create", "patch")],
]
NAMESPACED_DENIED = [
    ("list", "secrets", None),  # reading every Secret in a namespace is not needed: names are known
    ("watch", "secrets", None),
    ("delete", "secrets", None),
    ("create", "tenants", None),
    ("update", "tenants", None),
    ("delete", "tenants", None),
    ("update", "syncruns", None),
    ("update", "tenants", "status"),
    ("deletecollection", "syncruns", None),
    ("create", "baselines", None),
    ("delete", "baselines", None),
    ("update", "baselines", "status"),
    ("get", "pods", None),
    ("create", "pods", None),
    ("create", "pods", "exec"),
    ("get", "configmaps", None),
    ("patch", "deployments.apps", None),
    ("create", "serviceaccounts", "token"),
    ("create", "rolebindings.rbac.authorization.k8s.io", None),
    ("delete", "events", None),
]
# Cluster-scoped: kopf lists CRDs to find its resources and observes namespaces (names only), in both
# modes; test_operator_with_chart_rbac.py shows the operator needs no more.
CLUSTER_ALLOWED = [
    ("list", "customresourcedefinitions.apiextensions.k8s.io"),
    ("watch", "customresourcedefinitions.apiextensions.k8s.io"),
    ("list", "namespaces"),
    ("watch", "namespaces"),
]
CLUSTER_DENIED = [
    ("get", "customresourcedefinitions.apiextensions.k8s.io"),
    ("create", "customresourcedefinitions.apiextensions.k8s.io"),
    ("delete", "customresourcedefinitions.apiextensions.k8s.io"),
    ("create", "namespaces"),
    ("delete", "namespaces"),
    ("get", "nodes"),
    ("create", "clusterrolebindings.rbac.authorization.k8s.io"),
    ("escalate", "clusterroles.rbac.authorization.k8s.io"),
    ("impersonate", "users"),
]


@pytest.fixture
def install_rbac(helm: Path, kubectl: Kubectl) -> Iterator[Callable[..., str]]:
    """Render the chart and apply only its ServiceAccount and RBAC; return the ServiceAccount user."""
    applied: list[Manifest] = []

    def install(namespace: str, values: dict[str, str] | None = None) -> str:
        release = f"ts-rbac-{uuid.uuid4().hex[:6]}"
        docs = [
            d
            for d in render(helm, release=release, namespace=namespace, values=values)
            if d["kind"] in RBAC_KINDS
        ]
        # The aggregated user roles are tested elsewhere; keep the cluster free of extra ClusterRoles.
        docs = [d for d in docs if not d["metadata"]["name"].endswith(("-view", "-edit", "-approver"))]
        kubectl.run("apply", "-f", "-", stdin=yaml.safe_dump_all(docs))
        applied.extend(docs)
        account = next(d for d in docs if d["kind"] == "ServiceAccount")["metadata"]["name"]
        return f"system:serviceaccount:{namespace}:{account}"

    yield install
    cluster_scoped = [d for d in applied if d["kind"] in {"ClusterRole", "ClusterRoleBinding"}]
    if cluster_scoped:
        kubectl.run(
            "delete", "--ignore-not-found", "-f", "-", stdin=yaml.safe_dump_all(cluster_scoped), check=False
        )


def _answers(
    kubectl: Kubectl, user: str, checks: list[tuple[str, str, str | None]], namespace: str
) -> dict[str, bool]:
    return {
        f"{verb} {resource}{'/' + sub if sub else ''}": kubectl.can_i(
            user, verb, resource, namespace=namespace, subresource=sub
        )
        for verb, resource, sub in checks
    }


def _cluster_answers(kubectl: Kubectl, user: str, checks: list[tuple[str, str]]) -> dict[str, bool]:
    return {f"{verb} {resource}": kubectl.can_i(user, verb, resource) for verb, resource in checks}


def test_cluster_wide_operator_may_do_exactly_what_it_needs(
    kubectl: Kubectl, install_rbac: Callable[..., str], make_namespace: Callable[[str], str]
) -> None:
    operator_namespace = make_namespace("ts-operator")
    tenants_namespace = make_namespace("ts-tenants")
    user = install_rbac(operator_namespace)

    allowed = _answers(kubectl, user, NAMESPACED_ALLOWED, tenants_namespace)
    assert [check for check, yes in allowed.items() if not yes] == []
    denied = _answers(kubectl, user, NAMESPACED_DENIED, tenants_namespace)
    assert [check for check, yes in denied.items() if yes] == []

    cluster = _cluster_answers(kubectl, user, CLUSTER_ALLOWED)
    assert [check for check, yes in cluster.items() if not yes] == []
    cluster_denied = _cluster_answers(kubectl, user, CLUSTER_DENIED)
    assert [check for check, yes in cluster_denied.items() if yes] == []


def test_namespaced_operator_is_confined_to_its_watched_namespaces(
    kubectl: Kubectl, install_rbac: Callable[..., str], make_namespace: Callable[[str], str]
) -> None:
    operator_namespace = make_namespace("ts-operator")
    watched = [make_namespace("ts-watched"), make_namespace("ts-watched")]
    elsewhere = make_namespace("ts-unwatched")
    user = install_rbac(operator_namespace, {"watchNamespaces": "{" + ",".join(watched) + "}"})

    for namespace in watched:
        allowed = _answers(kubectl, user, NAMESPACED_ALLOWED, namespace)
        assert [check for check, yes in allowed.items() if not yes] == [], namespace
        denied = _answers(kubectl, user, NAMESPACED_DENIED, namespace)
        assert [check for check, yes in denied.items() if yes] == [], namespace

    # Outside the watched namespaces, and cluster-wide, it may do nothing with tenants, runs or Secrets.
    outside = _answers(kubectl, user, NAMESPACED_ALLOWED, elsewhere)
    assert [check for check, yes in outside.items() if yes] == []
    assert not kubectl.can_i(user, "list", "tenants")  # all namespaces
    assert not kubectl.can_i(user, "get", "secrets", namespace=operator_namespace)

    cluster = _cluster_answers(kubectl, user, CLUSTER_ALLOWED)
    assert [check for check, yes in cluster.items() if not yes] == []
    cluster_denied = _cluster_answers(kubectl, user, CLUSTER_DENIED)
    assert [check for check, yes in cluster_denied.items() if yes] == []


def test_the_check_itself_can_fail(
    kubectl: Kubectl, install_rbac: Callable[..., str], make_namespace: Callable[[str], str]
) -> None:
    """A ServiceAccount without the chart's bindings is denied what the operator needs."""
    namespace = make_namespace("ts-operator")
    kubectl.run("create", "serviceaccount", "bare", "-n", namespace)
    user = f"system:serviceaccount:{namespace}:bare"
    answers = _answers(kubectl, user, NAMESPACED_ALLOWED, namespace)
    assert not any(answers.values()), answers
