"""docs/install.md's uninstall steps, run as written, finish when the operator is already gone.

The real operator puts its finalizer on a Tenant and its SyncRun and is then stopped, as `helm uninstall`
stops it; the chart is installed with helm so that the documented `helm uninstall` has a release to
remove. The steps must delete the CRDs (and so every Tenant and SyncRun) within a minute. The CRDs are
put back afterwards for the rest of the session.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.cluster import CLUSTER_DIR, CRDS, KUBECONFIG, ROOT, kubectl, kubectl_json, wait_for
from tests.support.operator import OperatorProcess
from tests.support.resources import Resources, syncrun_manifest, tenant_manifest
from tests.unit.chart.chart_support import CHART, build_helm

pytestmark = pytest.mark.integration

FINALIZER = "tenantsync.io/finalizer"
CRD_NAMES = ("crd/tenants.tenantsync.io", "crd/syncruns.tenantsync.io")


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


def test_documented_uninstall_finishes_with_the_operator_gone(namespace: str, tmp_path: Path) -> None:
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
        resources.create("tenants", tenant_manifest("contoso"))
        resources.create("syncruns", syncrun_manifest("contoso-manual", "contoso"))
        wait_for(lambda: FINALIZER in _finalizers(namespace, "tenant", "contoso"), "the Tenant's finalizer")
    finally:
        operator.stop()
    assert FINALIZER in _finalizers(namespace, "tenant", "contoso")
    subprocess.run(
        [helm, "install", "tenantsync", str(CHART), "--namespace", "tenantsync", "--create-namespace"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    try:
        steps = subprocess.run(
            ["bash", "-c", documented_uninstall()], env=env, capture_output=True, text=True, timeout=120
        )
        assert steps.returncode == 0, steps.stderr
        gone = kubectl("get", *CRD_NAMES, check=False)
        assert gone.returncode != 0 and "NotFound" in gone.stderr, gone.stdout
        releases = subprocess.run(
            [helm, "list", "-A", "-q"], env=env, capture_output=True, text=True, check=True
        )
        assert "tenantsync" not in releases.stdout.split()
    finally:
        subprocess.run([helm, "uninstall", "tenantsync", "-n", "tenantsync"], env=env, capture_output=True)
        kubectl("delete", "namespace", "tenantsync", "--wait=false", "--ignore-not-found")
        # Should the steps have failed, free what they left so the CRDs can go and come back.
        for name in kubectl(
            "get", "tenants,syncruns", "-n", namespace, "-o", "name", check=False
        ).stdout.split():
            kubectl("patch", name, "-n", namespace, "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
        kubectl("wait", "--for=delete", *CRD_NAMES, "--timeout=60s", check=False)
        kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRDS))
        kubectl("wait", "--for=condition=Established", *CRD_NAMES)
