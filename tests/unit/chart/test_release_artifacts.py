"""The release artifacts: the chart as `helm package` builds it, and the plugin's krew manifest."""

from __future__ import annotations

import re
import string
import tarfile
import tomllib
from pathlib import Path
from typing import Any

import yaml

from tests.unit.chart.chart_support import CHART, ROOT, helm_run, kinds, only

KREW_MANIFEST = ROOT / "plugins" / "krew" / "tenantsync.yaml"
PACKAGE_PLUGIN = ROOT / "hack" / "package-plugin"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_chart_and_application_versions_follow_the_distribution() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["appVersion"] == PROJECT["version"]


def test_packaged_chart_holds_everything_and_renders(helm: Path, tmp_path: Path) -> None:
    helm_run(helm, "package", str(CHART), "--destination", str(tmp_path))
    package = tmp_path / f"tenantsync-{yaml.safe_load((CHART / 'Chart.yaml').read_text())['version']}.tgz"
    with tarfile.open(package) as archive:
        names = set(archive.getnames())
    for part in (
        "Chart.yaml",
        "values.yaml",
        "values.schema.json",
        "crds/tenantsync.io_crds.yaml",
        "files/prometheus/tenantsync.rules.yaml",
        "files/grafana/tenantsync.json",
        "argocd/tenant-health.lua",
        "argocd/syncrun-health.lua",
        "templates/NOTES.txt",
    ):
        assert f"tenantsync/{part}" in names, part
    rendered = helm_run(
        helm,
        "template",
        "r",
        str(package),
        "--set",
        "metrics.prometheusRule.enabled=true",
        "--api-versions",
        "monitoring.coreos.com/v1/PrometheusRule",
    ).stdout
    docs = [doc for doc in yaml.safe_load_all(rendered) if doc]
    assert "Deployment" in kinds(docs)
    assert only(docs, "PrometheusRule")["spec"]["groups"]


def _krew_manifest() -> dict[str, Any]:
    """The template as hack/package-plugin fills it in, with stand-in values."""
    filled = {
        "VERSION": "0.1.0",
        "URI": "https://example.com/k.tar.gz",
        "SHA256": "ab" * 32,
        "PYTHON_VERSION": "3.11",
    }
    manifest = yaml.safe_load(string.Template(KREW_MANIFEST.read_text()).substitute(filled))
    assert isinstance(manifest, dict)
    return manifest


def test_krew_manifest_has_the_shape_krew_validates() -> None:
    manifest = _krew_manifest()
    assert manifest["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2"
    assert manifest["kind"] == "Plugin"
    metadata, spec = manifest["metadata"], manifest["spec"]
    # `kubectl tenantsync` runs the binary kubectl-tenantsync: the distribution's plugin entry point.
    assert metadata["name"] == "tenantsync"
    assert f"kubectl-{metadata['name']}" in PROJECT["scripts"]
    assert re.fullmatch(r"v\d+\.\d+\.\d+", spec["version"])
    assert spec["shortDescription"] and spec["description"] and spec["homepage"].startswith("https://")
    assert spec["platforms"]
    for platform in spec["platforms"]:
        assert platform["bin"] == f"kubectl-{metadata['name']}"
        assert platform["selector"]["matchLabels"] == {"os": "linux", "arch": "amd64"}
        assert re.fullmatch(r"[0-9a-f]{64}", platform["sha256"])
        assert platform["uri"].startswith("https://")
        assert platform["bin"] in {entry["from"] for entry in platform["files"]}


def test_krew_manifest_placeholders_are_the_ones_the_packaging_script_fills_in() -> None:
    placeholders = {
        match.group("named") or match.group("braced")
        for match in string.Template.pattern.finditer(KREW_MANIFEST.read_text())
        if match.group("named") or match.group("braced")
    }
    assert placeholders == {"VERSION", "URI", "SHA256", "PYTHON_VERSION"}
    script = PACKAGE_PLUGIN.read_text()
    for name in placeholders:
        assert re.search(rf'\b{name}="\$', script), f"hack/package-plugin does not set {name}"
