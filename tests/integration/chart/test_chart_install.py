"""The chart against the real API server: lint, render, server-side dry run, and the NOTES' example."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.integration.chart.kube_support import Kubectl
from tests.unit.chart.chart_support import CHART, helm_run, kinds, render, render_text, set_args

pytestmark = pytest.mark.integration

# Every optional part that renders without third-party CRDs (ServiceMonitor and PrometheusRule need the
# prometheus-operator's CRDs, which this cluster does not have; their rendering is unit-tested).
ALL_NATIVE_TOGGLES = {
    "approvalPolicy.enabled": "true",
    "argocd.healthChecks.enabled": "true",
    "rbac.aggregateToDefaultRoles": "true",
}


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"watchNamespaces": "{team-a,team-b}", **ALL_NATIVE_TOGGLES},
        {"metrics.serviceMonitor.enabled": "true", "image.digest": "sha256:" + "ab" * 32},
    ],
    ids=["defaults", "namespaced-all-toggles", "servicemonitor-digest"],
)
def test_helm_lint_strict(helm: Path, values: dict[str, str]) -> None:
    result = helm_run(helm, "lint", "--strict", str(CHART), *set_args(values))
    assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout, result.stdout
    assert "[WARNING]" not in result.stdout and "[ERROR]" not in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"watchNamespaces": "team-a"}, "at '/watchNamespaces': got string, want array"),
        ({"watchNamespace": "{team-a}"}, "additional properties 'watchNamespace' not allowed"),
        ({"watchNamespaces": "{Team_A}"}, "/watchNamespaces/0"),
        ({"image.pullPolicy": "Sometimes"}, "/image/pullPolicy"),
    ],
    ids=["namespaces-not-a-list", "misspelt-key", "invalid-namespace-name", "bad-pull-policy"],
)
def test_helm_lint_refuses_bad_values(helm: Path, values: dict[str, str], complaint: str) -> None:
    """The lint test can fail: values.schema.json refuses values the templates would misuse."""
    result = helm_run(helm, "lint", "--strict", str(CHART), *set_args(values), check=False)
    assert result.returncode != 0
    assert complaint in result.stdout, result.stdout


def _dry_run_server(kubectl: Kubectl, manifests: str) -> list[tuple[str, str, str]]:
    """Apply with a server-side dry run; return (kind, namespace, name) of every object accepted."""
    result = kubectl.run("apply", "--dry-run=server", "-o", "json", "-f", "-", stdin=manifests, check=False)
    assert result.returncode == 0, f"the API server refused the rendered chart:\n{result.stderr}"
    answer = json.loads(result.stdout)
    items = answer["items"] if answer.get("kind") == "List" else [answer]
    return sorted(
        (item["kind"], item["metadata"].get("namespace", ""), item["metadata"]["name"]) for item in items
    )


def test_rendered_chart_is_accepted_by_the_api_server(
    helm: Path, kubectl: Kubectl, make_namespace: Callable[[str], str]
) -> None:
    namespace = make_namespace("ts-chart")
    text = render_text(helm, release="ts-dry", namespace=namespace, include_crds=True)
    assert _dry_run_server(kubectl, text) == sorted(
        [
            ("CustomResourceDefinition", "", "tenants.tenantsync.io"),
            ("CustomResourceDefinition", "", "syncruns.tenantsync.io"),
            ("CustomResourceDefinition", "", "baselines.tenantsync.io"),
            ("ServiceAccount", namespace, "ts-dry-tenantsync"),
            ("ClusterRole", "", "ts-dry-tenantsync"),
            ("ClusterRole", "", "ts-dry-tenantsync-view"),
            ("ClusterRole", "", "ts-dry-tenantsync-edit"),
            ("ClusterRole", "", "ts-dry-tenantsync-approver"),
            ("ClusterRole", "", "ts-dry-tenantsync-configurer"),
            ("ClusterRoleBinding", "", "ts-dry-tenantsync"),
            ("Service", namespace, "ts-dry-tenantsync-metrics"),
            ("Deployment", namespace, "ts-dry-tenantsync"),
        ]
    )


def test_rendered_chart_with_every_native_toggle_is_accepted(
    helm: Path, kubectl: Kubectl, make_namespace: Callable[[str], str]
) -> None:
    namespace = make_namespace("ts-chart")
    watched = [make_namespace("ts-watched"), make_namespace("ts-watched")]
    values = {"watchNamespaces": "{" + ",".join(watched) + "}", **ALL_NATIVE_TOGGLES}
    text = render_text(
        helm,
        release="ts-all",
        namespace=namespace,
        values=values,
        include_crds=True,
        extra=["--api-versions", "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy"],
    )
    docs = [d for d in yaml.safe_load_all(text) if d]
    assert sorted(set(kinds(docs))) == [
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "CustomResourceDefinition",
        "Deployment",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    ]
    applied = _dry_run_server(kubectl, text)
    for ns in watched:
        assert ("Role", ns, "ts-all-tenantsync") in applied
        assert ("RoleBinding", ns, "ts-all-tenantsync") in applied
    assert ("ValidatingAdmissionPolicy", "", "ts-all-tenantsync-approval") in applied
    assert ("ValidatingAdmissionPolicyBinding", "", "ts-all-tenantsync-approval") in applied
    assert ("ValidatingAdmissionPolicy", "", "ts-all-tenantsync-configure") in applied
    assert ("ClusterRole", "", "ts-all-tenantsync-configurer") in applied
    assert ("ValidatingAdmissionPolicy", "", "ts-all-tenantsync-operator-secrets") in applied
    assert ("ValidatingAdmissionPolicy", "", "ts-all-tenantsync-operator-secrets-owner") in applied
    assert ("ValidatingAdmissionPolicyBinding", "", "ts-all-tenantsync-operator-secrets-owner") in applied
    assert ("ValidatingAdmissionPolicy", "", "ts-all-tenantsync-further-approvals") in applied
    assert ("ConfigMap", namespace, "ts-all-tenantsync-argocd-health") in applied
    assert len(applied) == len(docs) == 27, applied


def test_api_server_refuses_a_broken_deployment(
    helm: Path, kubectl: Kubectl, make_namespace: Callable[[str], str]
) -> None:
    """The dry-run test can fail: a manifest the API server rejects is reported as refused."""
    namespace = make_namespace("ts-chart")
    docs = render(helm, release="ts-bad", namespace=namespace)
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 70000
    result = kubectl.run(
        "apply", "--dry-run=server", "-f", "-", stdin=yaml.safe_dump(deployment), check=False
    )
    assert result.returncode != 0
    assert "containerPort" in result.stderr


def _notes_tenant(notes: str) -> dict[str, object]:
    match = re.search(r"<<'YAML'\n(.*?)\n\s*YAML\n", notes, re.S)
    assert match, f"NOTES.txt has no example Tenant:\n{notes}"
    tenant = yaml.safe_load(textwrap.dedent(match.group(1)))
    assert isinstance(tenant, dict)
    return tenant


@pytest.mark.usefixtures("tenantsync_crds")
def test_notes_tell_the_next_step_with_a_tenant_the_api_server_accepts(
    helm: Path, kubectl: Kubectl, make_namespace: Callable[[str], str]
) -> None:
    tenants_namespace = make_namespace("ts-m365")
    notes = helm_run(
        helm,
        "install",
        "ts-notes",
        str(CHART),
        "--dry-run=client",
        "--namespace",
        "tenantsync",
        "--set",
        f"watchNamespaces={{{tenants_namespace}}}",
        env=kubectl.env,  # even a client-side dry run asks the cluster for its version
    ).stdout
    assert f"kubectl -n {tenants_namespace} get tenants" in notes
    assert f"kubectl -n {tenants_namespace} create secret generic contoso-sp" in notes
    assert "rollout status deployment/ts-notes-tenantsync" in notes

    tenant = _notes_tenant(notes)
    assert tenant["kind"] == "Tenant"
    result = kubectl.run("apply", "--dry-run=server", "-f", "-", stdin=yaml.safe_dump(tenant), check=False)
    assert result.returncode == 0, f"the NOTES' example Tenant is refused:\n{result.stderr}"
    assert "tenant.tenantsync.io/contoso created (server dry run)" in result.stdout


def test_optional_apis_follow_what_the_cluster_serves_and_the_notes_name_what_was_left_out(
    helm: Path, kubectl: Kubectl
) -> None:
    """The local control plane has no prometheus-operator CRDs and serves MutatingAdmissionPolicy only as
    v1beta1 (Kubernetes 1.35 with the feature gate): the install goes through without the monitors, the
    approver is recorded with v1beta1, and the notes say what was not created and why."""
    every_feature = {
        "metrics.serviceMonitor.enabled": "true",
        "metrics.prometheusRule.enabled": "true",
        "approvalPolicy.enabled": "true",
        "approvalPolicy.recordApprover": "true",
    }
    result = helm_run(
        helm,
        "install",
        "ts-caps",
        str(CHART),
        "--dry-run=server",
        "--namespace",
        "default",
        *set_args(every_feature),
        env=kubectl.env,
    )
    manifest, _, notes = result.stdout.partition("NOTES:")
    docs = [d for d in yaml.safe_load_all(manifest.split("MANIFEST:", 1)[1]) if d]
    assert "ServiceMonitor" not in kinds(docs) and "PrometheusRule" not in kinds(docs)
    mutating = [d["apiVersion"] for d in docs if d["kind"].startswith("MutatingAdmissionPolicy")]
    assert mutating == ["admissionregistration.k8s.io/v1beta1"] * 2
    assert "NOTE: metrics.serviceMonitor.enabled is true, but this cluster does not serve" in notes
    assert "NOTE: metrics.prometheusRule.enabled is true, but this cluster does not serve" in notes
    assert "approvalPolicy.recordApprover" not in notes
