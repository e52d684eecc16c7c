"""docs/install.md's uninstall steps, run as written, finish when the operator is already gone.

The real operator puts its finalizer on one object of every kind the chart's CRDs define (read from
charts/tenantsync/crds/, so a new CRD the docs forget fails here) and is then stopped, as `helm
uninstall` stops it; the chart is installed with helm so that the documented `helm uninstall` has a
release to remove. The steps must delete every CRD (and so every object) within two minutes. The CRDs
are put back afterwards for the rest of the session.
"""

from __future__ import annotations

import os
import re
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cluster import CLUSTER_DIR, CRDS, KUBECONFIG, ROOT, kubectl, kubectl_json, wait_for
from tests.support.operator import OperatorProcess
from tests.support.resources import Resources, syncrun_manifest, tenant_manifest
from tests.unit.chart.chart_support import CHART, build_helm

pytestmark = pytest.mark.integration

FINALIZER = "tenantsync.io/finalizer"
CHART_CRDS = CHART / "crds" / "tenantsync.io_crds.yaml"


def chart_crds() -> dict[str, str]:
    """Kind -> CRD name, for every CRD the chart installs."""
    documents = [d for d in yaml.safe_load_all(CHART_CRDS.read_text()) if d]
    return {d["spec"]["names"]["kind"]: d["metadata"]["name"] for d in documents}


CRD_NAMES = tuple(f"crd/{name}" for name in chart_crds().values())
# One object of each kind the chart's CRDs define (a kind without one here fails the test), and whether
# the operator keeps its finalizer on it at rest: a Tenant and a Baseline hold it while they exist (their
# timers); a SyncRun holds it while it runs, and this one, which cannot sign in, ends at once.
OBJECTS: dict[str, tuple[str, dict[str, Any], bool]] = {
    "Tenant": ("tenants", tenant_manifest("contoso"), True),
    "SyncRun": ("syncruns", syncrun_manifest("contoso-manual", "contoso"), False),
    "Baseline": (
        "baselines",
        {
            "apiVersion": "tenantsync.io/v1alpha1",
            "kind": "Baseline",
            "metadata": {"name": "security"},
            "spec": {"repository": {"url": "/tmp/tenantsync-repo", "path": "baselines/security"}},
        },
        True,
    ),
}


def documented_uninstall() -> str:
    """The first shell block under docs/install.md's "Uninstall" heading."""
    text = (ROOT / "docs" / "install.md").read_text()
    section = text.split("\n## Uninstall\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "docs/install.md's Uninstall section has no sh block"
    return block.group(1)


def _finalizers(namespace: str, kind: str, name: str) -> list[str]:
    found: list[str] = kubectl_json("get", kind, name, "-n", namespace)["metadata"].get("finalizers", [])
    return found


def _phase(namespace: str, kind: str, name: str) -> str | None:
    phase: str | None = kubectl_json("get", kind, name, "-n", namespace).get("status", {}).get("phase")
    return phase


def _holds_finalizer(namespace: str, kind: str, name: str) -> bool:
    return FINALIZER in _finalizers(namespace, kind, name)


def test_every_crd_of_the_chart_is_in_the_uninstall_steps() -> None:
    """The steps name each CRD where they free its objects and where they delete it."""
    steps = documented_uninstall()
    listed = re.search(r"kubectl get (\S+) -A", steps)
    deleted = re.search(r"kubectl delete crd (.+)", steps)
    assert listed and deleted, steps
    assert sorted(listed.group(1).split(",")) == sorted(chart_crds().values())
    assert sorted(deleted.group(1).split()) == sorted(chart_crds().values())


def test_documented_uninstall_finishes_with_the_operator_gone(namespace: str, tmp_path: Path) -> None:
    assert sorted(OBJECTS) == sorted(chart_crds()), "an object for every kind the chart's CRDs define"
    helm = build_helm()
    env = {
        **os.environ,
        "KUBECONFIG": str(KUBECONFIG),
        "PATH": os.pathsep.join([str(CLUSTER_DIR / "bin"), str(helm.parent), os.environ["PATH"]]),
    }
    resources = Resources(namespace)
    operator = OperatorProcess(namespace, tmp_path / "operator.log")
    operator.start()
    try:
        try:
            for plural, manifest, _ in OBJECTS.values():
                resources.create(plural, manifest)
            for kind, (_, manifest, held) in OBJECTS.items():
                if held:
                    name = manifest["metadata"]["name"]
                    wait_for(partial(_holds_finalizer, namespace, kind, name), f"the {kind}'s finalizer")
            wait_for(partial(_phase, namespace, "syncrun", "contoso-manual"), "the SyncRun's end")
        finally:
            operator.stop()
        for kind, (_, manifest, held) in OBJECTS.items():
            if held:
                assert FINALIZER in _finalizers(namespace, kind, manifest["metadata"]["name"]), kind
        subprocess.run(
            [helm, "install", "tenantsync", str(CHART), "--namespace", "tenantsync", "--create-namespace"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        steps = subprocess.run(
            ["bash", "-c", documented_uninstall()], env=env, capture_output=True, text=True, timeout=120
        )
        assert steps.returncode == 0, steps.stderr
        gone = kubectl("get", *CRD_NAMES, check=False)
        assert gone.returncode != 0, gone.stdout
        assert gone.stderr.count("NotFound") == len(CRD_NAMES), gone.stderr
        releases = subprocess.run(
            [helm, "list", "-A", "-q"], env=env, capture_output=True, text=True, check=True
        )
        assert "tenantsync" not in releases.stdout.split()
    finally:
        subprocess.run([helm, "uninstall", "tenantsync", "-n", "tenantsync"], env=env, capture_output=True)
        kubectl("delete", "namespace", "tenantsync", "--wait=false", "--ignore-not-found")
        # Should a step have failed, free what is left so that the namespace and the CRDs can go.
        kinds = ",".join(plural for plural, _, _ in OBJECTS.values())
        for name in kubectl("get", kinds, "-n", namespace, "-o", "name", check=False).stdout.split():
            kubectl("patch", name, "-n", namespace, "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
        kubectl("wait", "--for=delete", *CRD_NAMES, "--timeout=60s", check=False)
        kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRDS))
        kubectl("wait", "--for=condition=Established", *CRD_NAMES)
