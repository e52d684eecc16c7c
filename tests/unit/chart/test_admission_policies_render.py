"""The chart's admission policies as rendered: only where the API is served; the configure verb only in the
configurer role; the Secret policy aimed at the operator's ServiceAccount alone."""

from __future__ import annotations

from pathlib import Path

from tests.unit.chart.chart_support import kinds, only, render
from tests.unit.chart.test_chart_render import rule_map

VAP_API = "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy"
POLICY_KINDS = ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]


def test_the_policy_is_on_by_default_where_the_cluster_serves_it(helm: Path) -> None:
    served = render(helm, release="r", api_versions=[VAP_API])
    policy = only(served, "ValidatingAdmissionPolicy", "r-tenantsync-configure")
    assert policy["spec"]["failurePolicy"] == "Fail"
    assert policy["spec"]["matchConstraints"]["resourceRules"][0]["resources"] == ["tenants"]
    assert only(served, "ValidatingAdmissionPolicyBinding", "r-tenantsync-configure")["spec"][
        "validationActions"
    ] == ["Deny"]
    assert not set(POLICY_KINDS) & set(kinds(render(helm)))
    off = render(helm, release="r", api_versions=[VAP_API], values={"configurePolicy.enabled": "false"})
    assert "r-tenantsync-configure" not in [d["metadata"]["name"] for d in off]


def test_only_the_configurer_role_holds_configure(helm: Path) -> None:
    docs = render(helm, release="r")
    configurer = only(docs, "ClusterRole", "r-tenantsync-configurer")
    assert "configure" in rule_map(configurer)[("tenantsync.io", "tenants")]
    assert not any(
        k.startswith("rbac.authorization.k8s.io/aggregate") for k in configurer["metadata"]["labels"]
    )
    for role in ("r-tenantsync-view", "r-tenantsync-edit", "r-tenantsync-approver"):
        assert all("configure" not in verbs for verbs in rule_map(only(docs, "ClusterRole", role)).values())


def test_gitops_service_accounts_are_bound_to_the_configurer_role(helm: Path) -> None:
    assert "ClusterRoleBinding" not in [d["metadata"]["name"] for d in render(helm, release="r")]
    docs = render(
        helm,
        release="r",
        values={
            "configurePolicy.gitOpsServiceAccounts[0].name": "argocd-application-controller",
            "configurePolicy.gitOpsServiceAccounts[0].namespace": "argocd",
        },
    )
    binding = only(docs, "ClusterRoleBinding", "r-tenantsync-configurer-gitops")
    assert binding["roleRef"]["name"] == "r-tenantsync-configurer"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "argocd-application-controller", "namespace": "argocd"}
    ]


def test_the_secret_policy_applies_to_the_operator_alone(helm: Path) -> None:
    docs = render(helm, release="r", namespace="ops", api_versions=[VAP_API])
    policy = only(docs, "ValidatingAdmissionPolicy", "r-tenantsync-operator-secrets")
    assert policy["spec"]["matchConditions"] == [
        {
            "name": "the-operator",
            "expression": 'request.userInfo.username == "system:serviceaccount:ops:r-tenantsync"',
        }
    ]
    assert policy["spec"]["matchConstraints"]["resourceRules"][0]["resources"] == ["secrets"]
    assert only(docs, "ValidatingAdmissionPolicyBinding", "r-tenantsync-operator-secrets")
    off = render(helm, release="r", api_versions=[VAP_API], values={"rbac.restrictSecretWrites": "false"})
    assert "r-tenantsync-operator-secrets" not in [d["metadata"]["name"] for d in off]


def test_further_approvals_are_guarded_with_the_approval_policy(helm: Path) -> None:
    on = render(helm, release="r", api_versions=[VAP_API])
    policy = only(on, "ValidatingAdmissionPolicy", "r-tenantsync-further-approvals")
    assert policy["spec"]["matchConstraints"]["resourceRules"][0]["resources"] == ["syncruns"]
    assert len(policy["spec"]["validations"]) == 3
    off = render(helm, release="r", api_versions=[VAP_API], values={"approvalPolicy.enabled": "false"})
    assert "r-tenantsync-further-approvals" not in [d["metadata"]["name"] for d in off]
