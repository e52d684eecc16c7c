"""What the chart renders, without a cluster: hardening, one replica, probes, least-privilege RBAC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.chart.chart_support import CHART, Manifest, helm_run, kinds, only, render, set_args

SERVICE_MONITOR_API = "monitoring.coreos.com/v1/ServiceMonitor"
PROMETHEUS_RULE_API = "monitoring.coreos.com/v1/PrometheusRule"
MAP_V1_API = "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy"
MAP_V1BETA1_API = "admissionregistration.k8s.io/v1beta1/MutatingAdmissionPolicy"
VAP_API = "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy"
EVERY_FEATURE = {
    "metrics.serviceMonitor.enabled": "true",
    "metrics.prometheusRule.enabled": "true",
    "metrics.grafanaDashboard.enabled": "true",
    "approvalPolicy.enabled": "true",
    "approvalPolicy.recordApprover": "true",
    "argocd.healthChecks.enabled": "true",
}

OPERATOR_NAMESPACED_RULES = {
    ("tenantsync.io", "tenants"): {"get", "list", "watch", "patch"},
    ("tenantsync.io", "tenants/status"): {"get", "patch"},
    ("tenantsync.io", "tenants/finalizers"): {"update"},
    ("tenantsync.io", "syncruns"): {"get", "list", "watch", "create", "delete", "patch", "approve"},
    ("tenantsync.io", "syncruns/status"): {"get", "patch"},
    ("tenantsync.io", "baselines"): {"get", "list", "watch", "patch", "approve"},
    ("tenantsync.io", "baselines/status"): {"get", "patch"},
    ("", "secrets"): {"get", "create", "update", "patch"},
    ("", "events"): {"create", "patch"},
    ("events.k8s.io", "events"): {"create", "patch"},
}
# kopf scans CRDs and observes namespaces in both modes (namespaced too: test_operator_with_chart_rbac.py).
KOPF_CLUSTER_RULES = {
    ("apiextensions.k8s.io", "customresourcedefinitions"): {"list", "watch"},
    ("", "namespaces"): {"list", "watch"},
}


def rule_map(role: Manifest) -> dict[tuple[str, str], set[str]]:
    """{(group, resource): verbs}, failing on wildcards and on resourceNames-free duplicates."""
    rules: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        for field in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule[field], f"wildcard in {role['metadata']['name']}: {rule}"
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                assert (group, resource) not in rules, f"{group}/{resource} granted twice"
                rules[(group, resource)] = set(rule["verbs"])
    return rules


def container(manifests: list[Manifest]) -> dict[str, Any]:
    containers = only(manifests, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    result: dict[str, Any] = containers[0]
    return result


def test_defaults_render_the_operator_and_nothing_optional(helm: Path) -> None:
    docs = render(helm)
    assert kinds(docs) == sorted(
        [
            "ServiceAccount",
            "ClusterRole",
            "ClusterRole",
            "ClusterRole",
            "ClusterRole",
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "Service",
        ]
    )


def test_crds_are_rendered_only_from_the_crds_folder(helm: Path) -> None:
    docs = render(helm, include_crds=True)
    crds = [d["metadata"]["name"] for d in docs if d["kind"] == "CustomResourceDefinition"]
    assert sorted(crds) == ["baselines.tenantsync.io", "syncruns.tenantsync.io", "tenants.tenantsync.io"]


def test_deployment_runs_one_hardened_replica(helm: Path) -> None:
    docs = render(helm)
    deployment = only(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 65532
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["serviceAccountName"] == only(docs, "ServiceAccount")["metadata"]["name"]

    operator = container(docs)
    security = operator["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert operator["resources"]["requests"] and operator["resources"]["limits"]["memory"]
    assert {"name": "tmp", "mountPath": "/tmp"} in operator["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}} in pod["volumes"]


def test_probes_use_kopf_health_endpoint_and_metrics_port_is_exposed(helm: Path) -> None:
    docs = render(helm)
    operator = container(docs)
    ports = {p["name"]: p["containerPort"] for p in operator["ports"]}
    assert ports == {"metrics": 8080, "healthz": 8081}
    for probe in ("livenessProbe", "readinessProbe"):
        assert operator[probe]["httpGet"] == {"path": "/healthz", "port": "healthz"}
    assert operator["args"] == [
        "--metrics-port=8080",
        "--liveness=http://0.0.0.0:8081/healthz",
        "--scheduler-interval=10",
    ]
    assert operator["image"] == "ghcr.io/tenantsync/tenantsync:0.1.0"

    service = only(docs, "Service")
    assert service["spec"]["ports"] == [
        {"name": "metrics", "port": 8080, "targetPort": "metrics", "protocol": "TCP"}
    ]
    pod_labels = only(docs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()


def test_cluster_wide_rbac_is_exactly_what_the_operator_uses(helm: Path) -> None:
    docs = render(helm, release="r")
    role = only(docs, "ClusterRole", "r-tenantsync")
    assert rule_map(role) == {**OPERATOR_NAMESPACED_RULES, **KOPF_CLUSTER_RULES}
    binding = only(docs, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == "r-tenantsync"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "r-tenantsync", "namespace": "tenantsync"}
    ]
    assert "Role" not in kinds(docs)


def test_watched_namespaces_get_roles_and_the_cluster_role_shrinks(helm: Path) -> None:
    docs = render(helm, release="r", values={"watchNamespaces": "{team-a,team-b}"})
    assert rule_map(only(docs, "ClusterRole", "r-tenantsync")) == KOPF_CLUSTER_RULES
    for namespace in ("team-a", "team-b"):
        role = next(d for d in docs if d["kind"] == "Role" and d["metadata"]["namespace"] == namespace)
        assert rule_map(role) == OPERATOR_NAMESPACED_RULES
        binding = next(
            d for d in docs if d["kind"] == "RoleBinding" and d["metadata"]["namespace"] == namespace
        )
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "r-tenantsync",
        }
        assert binding["subjects"][0]["namespace"] == "tenantsync"
    assert container(docs)["args"][:2] == ["--namespace=team-a", "--namespace=team-b"]


def test_user_roles_aggregate_into_view_edit_admin_and_approver_is_separate(helm: Path) -> None:
    docs = render(helm, release="r")
    view = only(docs, "ClusterRole", "r-tenantsync-view")["metadata"]["labels"]
    assert view["rbac.authorization.k8s.io/aggregate-to-view"] == "true"
    edit = only(docs, "ClusterRole", "r-tenantsync-edit")["metadata"]["labels"]
    assert "rbac.authorization.k8s.io/aggregate-to-view" not in edit
    approver = only(docs, "ClusterRole", "r-tenantsync-approver")
    assert not any(
        k.startswith("rbac.authorization.k8s.io/aggregate") for k in approver["metadata"]["labels"]
    )
    assert rule_map(approver)[("tenantsync.io", "syncruns")] >= {"approve", "patch"}
    assert rule_map(approver)[("tenantsync.io", "baselines")] >= {"approve", "patch"}
    assert kinds(render(helm, values={"rbac.aggregateToDefaultRoles": "false"})).count("ClusterRole") == 1


def test_rbac_can_be_left_to_the_cluster_admin(helm: Path) -> None:
    docs = render(
        helm,
        values={"rbac.create": "false", "serviceAccount.create": "false", "serviceAccount.name": "existing"},
    )
    assert kinds(docs) == ["Deployment", "Service"]
    assert only(docs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "existing"


def test_a_service_account_name_is_required_when_none_is_created(helm: Path) -> None:
    result = helm_run(
        helm, "template", "r", str(CHART), *set_args({"serviceAccount.create": "false"}), check=False
    )
    assert result.returncode != 0
    assert "serviceAccount.name is required when serviceAccount.create is false" in result.stderr


def test_image_digest_wins_over_tag(helm: Path) -> None:
    digest = "sha256:" + "0f" * 32
    docs = render(helm, values={"image.tag": "9.9.9", "image.digest": digest})
    assert container(docs)["image"] == f"ghcr.io/tenantsync/tenantsync@{digest}"


def test_service_monitor_is_off_by_default_and_scrapes_the_metrics_port(helm: Path) -> None:
    assert "ServiceMonitor" not in kinds(render(helm))
    docs = render(
        helm,
        values={
            "metrics.serviceMonitor.enabled": "true",
            "metrics.serviceMonitor.labels.release": "kube-prometheus-stack",
        },
        api_versions=[SERVICE_MONITOR_API],
    )
    monitor = only(docs, "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert (
        monitor["spec"]["selector"]["matchLabels"].items()
        <= only(docs, "Service")["metadata"]["labels"].items()
    )


def test_prometheus_rule_is_off_by_default_and_comes_from_the_rules_file(helm: Path) -> None:
    assert "PrometheusRule" not in kinds(render(helm))
    rules_file = CHART / "files" / "prometheus" / "tenantsync.rules.yaml"
    values = {"metrics.prometheusRule.enabled": "true"}
    if rules_file.exists():
        rule = only(render(helm, values=values, api_versions=[PROMETHEUS_RULE_API]), "PrometheusRule")
        assert rule["spec"]["groups"] == yaml.safe_load(rules_file.read_text())["groups"]
        values["metrics.prometheusRule.baselineDriftAlertHours"] = "72"
        rule = only(render(helm, values=values, api_versions=[PROMETHEUS_RULE_API]), "PrometheusRule")
        drift = next(
            r
            for g in rule["spec"]["groups"]
            for r in g["rules"]
            if r.get("alert") == "TenantsyncBaselineDriftPersisting"
        )
        assert drift["expr"] == "time() - tenantsync_baseline_drift_started_timestamp_seconds > 72 * 3600"
    else:
        result = helm_run(helm, "template", "r", str(CHART), *set_args(values), check=False)
        assert result.returncode != 0
        assert "files/prometheus/tenantsync.rules.yaml" in result.stderr


def test_approval_policy_is_on_where_served_and_checks_the_approve_verb(helm: Path) -> None:
    """On by default; left out where the cluster does not serve the API, or when turned off."""
    assert "ValidatingAdmissionPolicy" not in kinds(render(helm))
    turned_off = render(helm, release="r", api_versions=[VAP_API], values={"approvalPolicy.enabled": "false"})
    assert "r-tenantsync-approval" not in [d["metadata"]["name"] for d in turned_off]
    docs = render(
        helm,
        release="r",
        api_versions=[VAP_API],
        values={"approvalPolicy.namespaceSelector.matchLabels.tenants": "yes"},
    )
    policy = only(docs, "ValidatingAdmissionPolicy", "r-tenantsync-approval")
    assert policy["spec"]["matchConstraints"]["resourceRules"][0]["resources"] == ["syncruns", "baselines"]
    may_approve = next(v for v in policy["spec"]["variables"] if v["name"] == "mayApprove")
    assert ".check('approve').allowed()" in may_approve["expression"]
    assert [v["expression"] for v in policy["spec"]["validations"][:2]] == [
        "variables.decision == variables.previousDecision || variables.mayApprove",
        "variables.rollout == variables.previousRollout || variables.mayApprove",
    ]
    binding = only(docs, "ValidatingAdmissionPolicyBinding", "r-tenantsync-approval")
    assert binding["spec"]["policyName"] == "r-tenantsync-approval"
    assert binding["spec"]["validationActions"] == ["Deny"]
    assert binding["spec"]["matchResources"]["namespaceSelector"] == {"matchLabels": {"tenants": "yes"}}


@pytest.mark.parametrize(
    ("key", "api"), [("serviceMonitor", SERVICE_MONITOR_API), ("prometheusRule", PROMETHEUS_RULE_API)]
)
def test_prometheus_operator_resources_are_left_out_when_the_cluster_does_not_serve_them(
    helm: Path, key: str, api: str
) -> None:
    """Without prometheus-operator's CRDs an install would abort after creating our CRDs; it goes on."""
    kind = api.rsplit("/", 1)[1]
    values = {f"metrics.{key}.enabled": "true"}
    assert kind not in kinds(render(helm, values=values))
    assert kind not in kinds(render(helm, values=values, api_versions=[MAP_V1_API]))
    assert kind in kinds(render(helm, values=values, api_versions=[api]))


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        ([MAP_V1_API, MAP_V1BETA1_API], "admissionregistration.k8s.io/v1"),
        ([MAP_V1BETA1_API], "admissionregistration.k8s.io/v1beta1"),
        ([], None),
    ],
)
def test_approver_recording_uses_the_newest_served_mutating_admission_policy_api(
    helm: Path, served: list[str], expected: str | None
) -> None:
    docs = render(helm, release="r", api_versions=[VAP_API, *served])
    mutating = [d for d in docs if d["kind"].startswith("MutatingAdmissionPolicy")]
    assert [d["apiVersion"] for d in mutating] == ([expected] * 2 if expected else [])
    if expected:
        assert only(docs, "MutatingAdmissionPolicyBinding")["spec"]["policyName"] == "r-tenantsync-approver"
    assert only(docs, "ValidatingAdmissionPolicy", "r-tenantsync-approval")["apiVersion"] == (
        "admissionregistration.k8s.io/v1"
    )


@pytest.mark.parametrize("kube_version", ["1.30.0", "1.34.0", "1.37.0"])
def test_helm_lint_strict_passes_with_every_feature_on(helm: Path, kube_version: str) -> None:
    result = helm_run(
        helm,
        "lint",
        "--strict",
        str(CHART),
        "--kube-version",
        kube_version,
        *set_args(EVERY_FEATURE),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[WARNING]" not in result.stdout and "[ERROR]" not in result.stdout


def test_every_feature_renders_when_every_api_is_served(helm: Path) -> None:
    docs = render(
        helm,
        values=EVERY_FEATURE,
        api_versions=[SERVICE_MONITOR_API, PROMETHEUS_RULE_API, MAP_V1_API, VAP_API],
    )
    for kind in ("ServiceMonitor", "PrometheusRule", "MutatingAdmissionPolicy", "ValidatingAdmissionPolicy"):
        assert kind in kinds(docs)


def test_deployment_annotations_topology_spread_and_extra_volumes(helm: Path) -> None:
    spread = {
        "maxSkew": 1,
        "topologyKey": "topology.kubernetes.io/zone",
        "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "tenantsync"}},
    }
    values = yaml.safe_dump(
        {
            "deploymentAnnotations": {"reloader.stakater.com/auto": "true"},
            "topologySpreadConstraints": [spread],
            "extraVolumes": [{"name": "corp-ca", "configMap": {"name": "corp-ca"}}],
            "extraVolumeMounts": [{"name": "corp-ca", "mountPath": "/etc/corp-ca", "readOnly": True}],
        }
    )
    text = helm_run(helm, "template", "r", str(CHART), "-f", "-", check=False, input=values)
    assert text.returncode == 0, text.stderr
    deployment = only([d for d in yaml.safe_load_all(text.stdout) if d], "Deployment")
    assert deployment["metadata"]["annotations"] == {"reloader.stakater.com/auto": "true"}
    assert "annotations" not in deployment["spec"]["template"]["metadata"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["topologySpreadConstraints"] == [spread]
    assert pod["volumes"][1:] == [{"name": "corp-ca", "configMap": {"name": "corp-ca"}}]
    mounts = pod["containers"][0]["volumeMounts"]
    assert mounts == [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "corp-ca", "mountPath": "/etc/corp-ca", "readOnly": True},
    ]


def test_docs_base_url_reaches_the_operator_only_when_set(helm: Path) -> None:
    names = [env["name"] for env in container(render(helm))["env"]]
    assert "TENANTSYNC_DOCS_BASE_URL" not in names
    url = "https://docs.example.com/tenantsync/troubleshooting"
    env = container(render(helm, values={"operator.docsBaseUrl": url}))["env"]
    assert {"name": "TENANTSYNC_DOCS_BASE_URL", "value": url} in env


def test_per_type_metrics_are_off_unless_asked_for(helm: Path) -> None:
    """Objects per configuration type cost a series per type and Tenant (docs/metrics.md): opt-in."""
    assert "--metrics-per-type" not in container(render(helm))["args"]
    assert "--metrics-per-type" in container(render(helm, values={"metrics.perTypeDetail": "true"}))["args"]


def test_a_docs_base_url_that_is_not_a_url_is_refused(helm: Path) -> None:
    result = helm_run(
        helm,
        "template",
        "r",
        str(CHART),
        *set_args({"operator.docsBaseUrl": "docs/troubleshooting"}),
        check=False,
    )
    assert result.returncode != 0
    assert "docsBaseUrl" in result.stderr


def test_argocd_health_config_map_carries_the_lua_files(helm: Path) -> None:
    assert "ConfigMap" not in kinds(render(helm))
    config = only(render(helm, values={"argocd.healthChecks.enabled": "true"}), "ConfigMap")
    assert config["data"] == {
        "resource.customizations.health.tenantsync.io_Tenant": (
            CHART / "argocd" / "tenant-health.lua"
        ).read_text(),
        "resource.customizations.health.tenantsync.io_SyncRun": (
            CHART / "argocd" / "syncrun-health.lua"
        ).read_text(),
        "resource.customizations.health.tenantsync.io_Baseline": (
            CHART / "argocd" / "baseline-health.lua"
        ).read_text(),
    }


@pytest.mark.parametrize("key", ["commonLabels.team", "podLabels.team"])
def test_extra_labels_reach_the_pod(helm: Path, key: str) -> None:
    labels = only(render(helm, values={key: "m365"}), "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert labels["team"] == "m365"


def test_every_values_section_and_toggle_is_documented() -> None:
    """Each top-level key of values.yaml carries a comment, and so does every `enabled` toggle."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    undocumented = []
    for index, line in enumerate(lines):
        key = line.split(":", 1)[0].strip()
        if not line.strip() or line.lstrip().startswith("#") or ":" not in line:
            continue
        is_top_level = not line.startswith(" ")
        if not (is_top_level or key == "enabled"):
            continue
        comment_above = index > 0 and lines[index - 1].lstrip().startswith("#")
        # A top-level block may instead document its first key (e.g. `image:` then `# -- Operator image`).
        comment_inside = is_top_level and index + 1 < len(lines) and lines[index + 1].lstrip().startswith("#")
        if not (comment_above or comment_inside):
            undocumented.append(f"line {index + 1}: {line.strip()}")
    assert undocumented == []


def operator_args(deployment: Manifest) -> list[str]:
    args: list[str] = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    return args


def test_each_shard_gets_a_deployment_and_the_main_one_takes_the_unlabelled_tenants(helm: Path) -> None:
    docs = render(helm, values={"shards": "{blue,green}"})
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert sorted(deployments) == ["tenantsync", "tenantsync-blue", "tenantsync-green"]
    assert "--shard=" in operator_args(deployments["tenantsync"])
    blue = deployments["tenantsync-blue"]
    assert "--shard=blue" in operator_args(blue)
    assert blue["spec"]["selector"]["matchLabels"]["tenantsync.io/shard"] == "blue"
    assert blue["spec"]["template"]["metadata"]["labels"]["tenantsync.io/shard"] == "blue"
    assert "tenantsync.io/shard" not in deployments["tenantsync"]["spec"]["selector"]["matchLabels"]


def test_without_shards_one_deployment_handles_every_tenant(helm: Path) -> None:
    assert not [a for a in operator_args(only(render(helm), "Deployment")) if a.startswith("--shard")]


def test_replicas_elect_an_active_one_with_a_lease_they_may_update(helm: Path) -> None:
    docs = render(helm, values={"replicas": "2", "leaseDuration": "10"})
    deployment = only(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert {"--leader-election", "--lease-duration=10"} <= set(operator_args(deployment))
    env = {e["name"]: e for e in container(docs)["env"]}
    assert env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    role = only(docs, "Role", "tenantsync-leader-election")
    assert role["metadata"]["namespace"] == "tenantsync"
    assert rule_map(role) == {("coordination.k8s.io", "leases"): {"get", "create", "update"}}
    binding = only(docs, "RoleBinding", "tenantsync-leader-election")
    assert binding["subjects"][0]["name"] == only(docs, "ServiceAccount")["metadata"]["name"]


def test_one_replica_needs_no_lease(helm: Path) -> None:
    docs = render(helm)
    assert "--leader-election" not in operator_args(only(docs, "Deployment"))
    assert [d for d in docs if d["kind"] == "Role"] == []
