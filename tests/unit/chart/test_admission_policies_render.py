"""The chart's admission policies as rendered: only where the API is served; the configure verb only in the
configurer role, on every field that decides what is deployed; the Secret policies aimed at the operator's
ServiceAccount alone."""

from __future__ import annotations

import re
from pathlib import Path

from tenantsync.api.baseline import BaselineSpec
from tenantsync.api.tenant import TenantSpec
from tests.unit.chart.chart_support import Manifest, kinds, only, render
from tests.unit.chart.test_chart_render import rule_map

VAP_API = "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy"
POLICY_KINDS = ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]


def test_the_policy_is_on_by_default_where_the_cluster_serves_it(helm: Path) -> None:
    served = render(helm, release="r", api_versions=[VAP_API])
    policy = only(served, "ValidatingAdmissionPolicy", "r-tenantsync-configure")
    assert policy["spec"]["failurePolicy"] == "Fail"
    assert policy["spec"]["matchConstraints"]["resourceRules"][0]["resources"] == ["tenants", "baselines"]
    assert only(served, "ValidatingAdmissionPolicyBinding", "r-tenantsync-configure")["spec"][
        "validationActions"
    ] == ["Deny"]
    assert not set(POLICY_KINDS) & set(kinds(render(helm)))
    off = render(helm, release="r", api_versions=[VAP_API], values={"configurePolicy.enabled": "false"})
    assert "r-tenantsync-configure" not in [d["metadata"]["name"] for d in off]


# What stays with `edit`: when a Tenant syncs (and snapshots Teams) and how much history it keeps, never
# what or where it deploys.
UNPROTECTED_TENANT_FIELDS = {
    "schedule",
    "suspend",
    "successfulRunsHistoryLimit",
    "failedRunsHistoryLimit",
    "teams",
}


def _protected(helm: Path) -> tuple[list[str], list[str]]:
    """The protected fields of (Tenants, Baselines), as the rendered policy lists them."""
    policy = only(
        render(helm, release="r", api_versions=[VAP_API]),
        "ValidatingAdmissionPolicy",
        "r-tenantsync-configure",
    )
    expression = next(v for v in policy["spec"]["variables"] if v["name"] == "protected")["expression"]
    tenants, baselines = re.findall(r"\[([^\]]*)\]", expression)
    return re.findall(r"'(\w+)'", tenants), re.findall(r"'(\w+)'", baselines)


def test_every_field_that_decides_what_or_where_is_protected(helm: Path) -> None:
    """Every Tenant field but when-and-how-often is behind `configure` (SPEC §2 lists them, `drift`
    included before the model has it); a Baseline's whole spec is. A new field fails this test until
    someone decides which side it is on."""
    tenants, baselines = _protected(helm)
    assert set(tenants) == {
        "tenantId", "cloud", "approval", "mode", "repository", "endpoints", "servicePrincipal",
        "userAuthentication", "resources", "groupMembers", "baselines", "drift", "requiredApprovals",
    }  # fmt: skip
    assert set(TenantSpec.model_fields) - UNPROTECTED_TENANT_FIELDS <= set(tenants)
    assert set(baselines) == set(BaselineSpec.model_fields) == {"repository", "rollout"}


def test_only_the_configurer_role_holds_configure(helm: Path) -> None:
    docs = render(helm, release="r")
    configurer = only(docs, "ClusterRole", "r-tenantsync-configurer")
    assert "configure" in rule_map(configurer)[("tenantsync.io", "tenants")]
    assert "configure" in rule_map(configurer)[("tenantsync.io", "baselines")]
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


def test_the_secret_policies_apply_to_the_operator_alone(helm: Path) -> None:
    docs = render(helm, release="r", namespace="ops", api_versions=[VAP_API])
    for name in ("r-tenantsync-operator-secrets", "r-tenantsync-operator-secrets-owner"):
        policy = only(docs, "ValidatingAdmissionPolicy", name)
        assert policy["spec"]["matchConditions"] == [
            {
                "name": "the-operator",
                "expression": 'request.userInfo.username == "system:serviceaccount:ops:r-tenantsync"',
            }
        ]
        assert policy["spec"]["matchConstraints"]["resourceRules"][0]["resources"] == ["secrets"]
        assert only(docs, "ValidatingAdmissionPolicyBinding", name)["spec"]["validationActions"] == ["Deny"]
    off = render(helm, release="r", api_versions=[VAP_API], values={"rbac.restrictSecretWrites": "false"})
    assert not [d for d in off if "operator-secrets" in d["metadata"]["name"]]


def test_the_owner_policy_reads_the_tenants_of_the_secrets_namespace(helm: Path) -> None:
    """The API server collects params before it evaluates matchConditions: the binding selects only the
    Secrets the operator labels, so that nobody else's Secrets wait on a Tenant."""
    docs = render(helm, release="r", namespace="ops", api_versions=[VAP_API])
    policy = only(docs, "ValidatingAdmissionPolicy", "r-tenantsync-operator-secrets-owner")
    assert policy["spec"]["paramKind"] == {"apiVersion": "tenantsync.io/v1alpha1", "kind": "Tenant"}
    assert policy["spec"]["matchConstraints"]["resourceRules"][0]["operations"] == ["CREATE"]
    binding = only(docs, "ValidatingAdmissionPolicyBinding", "r-tenantsync-operator-secrets-owner")["spec"]
    assert binding["paramRef"] == {"selector": {}, "parameterNotFoundAction": "Deny"}
    assert "namespace" not in binding["paramRef"], "params come from the namespace of the Secret"
    assert binding["matchResources"] == {
        "objectSelector": {"matchLabels": {"app.kubernetes.io/managed-by": "tenantsync"}}
    }


def test_with_watched_namespaces_the_operator_creates_secrets_only_there(helm: Path) -> None:
    def where(docs: list[Manifest]) -> str:
        policy = only(docs, "ValidatingAdmissionPolicy", "r-tenantsync-operator-secrets")
        return str(
            next(v for v in policy["spec"]["variables"] if v["name"] == "namespaceAllowed")["expression"]
        )

    everywhere = where(render(helm, release="r", api_versions=[VAP_API]))
    assert everywhere == "!(request.namespace in ['kube-system', 'kube-public', 'kube-node-lease'])"
    watched = where(
        render(helm, release="r", api_versions=[VAP_API], values={"watchNamespaces": "{m365,msp}"})
    )
    assert watched == everywhere + ' && request.namespace in ["m365","msp"]'


def test_further_approvals_are_guarded_with_the_approval_policy(helm: Path) -> None:
    on = render(helm, release="r", api_versions=[VAP_API])
    policy = only(on, "ValidatingAdmissionPolicy", "r-tenantsync-further-approvals")
    assert policy["spec"]["matchConstraints"]["resourceRules"][0]["resources"] == ["syncruns"]
    assert len(policy["spec"]["validations"]) == 3
    off = render(helm, release="r", api_versions=[VAP_API], values={"approvalPolicy.enabled": "false"})
    assert "r-tenantsync-further-approvals" not in [d["metadata"]["name"] for d in off]
