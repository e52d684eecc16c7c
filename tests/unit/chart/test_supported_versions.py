"""The chart for every Kubernetes minor it supports: linted for that version, and rendered with the
admission APIs that version serves, so that every admission policy is rendered (helm's default
capabilities name no kinds, so there none is). The API server's verdict on what is rendered is
tests/integration/chart/test_supported_versions.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.unit.chart.chart_support import CHART, ROOT, helm_run, render
from tests.unit.chart.kube_versions import KubeMinor, supported_minors

LINT_CHART = ROOT / "hack" / "lint-chart"
POLICY_KINDS = (
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
)


def declared(kind: str) -> int:
    """How many objects of `kind` the templates declare (each policy template declares its kind once)."""
    return sum(
        len(re.findall(rf"^kind: {kind}$", path.read_text(), re.MULTILINE))
        for path in (CHART / "templates").glob("*.yaml")
    )


def test_the_minors_run_from_the_declared_oldest_to_the_newest_helm_knows() -> None:
    kube_version = yaml.safe_load((CHART / "Chart.yaml").read_text())["kubeVersion"]
    oldest = re.fullmatch(r">=(\d+\.\d+)\.0-0", kube_version)
    assert oldest, f"Chart.yaml's kubeVersion {kube_version!r} is not the expected lower bound"
    client_go = re.search(r"k8s\.io/client-go v0\.(\d+)\.", (ROOT / "hack" / "helm" / "go.mod").read_text())
    assert client_go, "hack/helm/go.mod pins no k8s.io/client-go"
    minors = [m.minor for m in supported_minors()]
    first, last = int(oldest.group(1).split(".")[1]), int(client_go.group(1))
    assert minors == [f"1.{n}" for n in range(first, last + 1)]
    assert all(
        m.serves("ValidatingAdmissionPolicy") == "admissionregistration.k8s.io/v1" for m in supported_minors()
    )


def test_helm_refuses_a_minor_older_than_the_declared_one(helm: Path) -> None:
    result = helm_run(helm, "template", "r", str(CHART), "--kube-version", "1.29.0", check=False)
    assert result.returncode != 0
    assert (
        "chart requires kubeVersion: >=1.30.0-0 which is incompatible with Kubernetes v1.29.0"
        in result.stderr
    )


def test_helm_default_capabilities_render_no_policy(helm: Path) -> None:
    """Why the versions are passed: without them (helm lint's case) not one policy is rendered."""
    assert declared("ValidatingAdmissionPolicy") >= 4
    assert not set(POLICY_KINDS) & {doc["kind"] for doc in render(helm)}


@pytest.mark.parametrize("minor", supported_minors(), ids=lambda m: m.minor)
def test_lint_is_clean_and_every_policy_renders(helm: Path, minor: KubeMinor) -> None:
    lint = helm_run(helm, "lint", "--strict", "--kube-version", minor.kube_version, str(CHART))
    assert "0 chart(s) failed" in lint.stdout and "[WARNING]" not in lint.stdout, lint.stdout
    docs = [
        doc
        for doc in yaml.safe_load_all(helm_run(helm, "template", "r", str(CHART), *minor.helm_args()).stdout)
        if doc
    ]
    for kind in POLICY_KINDS:
        rendered = [doc for doc in docs if doc["kind"] == kind]
        served = minor.serves(kind)
        assert len(rendered) == (declared(kind) if served else 0), (minor.minor, kind)
        assert {doc["apiVersion"] for doc in rendered} <= {served}, (minor.minor, kind)


def run_lint_chart(helm: Path, chart: Path = CHART) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_CHART)],
        env={**os.environ, "HELM": str(helm), "CHART": str(chart)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_make_chart_lints_and_renders_every_minor(helm: Path) -> None:
    result = run_lint_chart(helm)
    assert result.returncode == 0, result.stderr
    for minor in supported_minors():
        policies = declared("ValidatingAdmissionPolicy")
        assert f"Kubernetes {minor.minor}: lint clean; rendered {policies} ValidatingAdmissionPolicy" in (
            result.stderr
        )


def test_make_chart_fails_when_a_policy_is_left_out(helm: Path, tmp_path: Path) -> None:
    """The check can fail: a policy template whose condition never holds is reported by kind and minor."""
    chart = tmp_path / "tenantsync"
    shutil.copytree(CHART, chart)
    template = chart / "templates" / "further-approvals-policy.yaml"
    text = template.read_text()
    assert "{{- if and .Values.approvalPolicy.enabled" in text
    template.write_text(text.replace("{{- if and .Values.approvalPolicy.enabled", "{{- if and false", 1))
    result = run_lint_chart(helm, chart)
    assert result.returncode != 0
    wanted = declared("ValidatingAdmissionPolicy")
    assert (
        f"Kubernetes 1.30: {wanted - 1} ValidatingAdmissionPolicy rendered, the templates declare {wanted}"
        in result.stderr
    ), result.stderr
