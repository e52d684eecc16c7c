"""docs/argocd.md's shell blocks that install the health checks, run as written by bash with real jq and sed.

kubectl and helm are stubs on PATH that record their arguments (no Argo CD here): the point is what the
pipelines do when what they read is wrong, a missing ConfigMap (the chart value off), a ConfigMap without
the health checks, a script file that cannot be read. Each must exit non-zero and leave argocd-cm alone,
never write an empty patch and exit 0. Needs jq (`apt-get install -y jq`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "argocd.md"
SCRIPTS = ROOT / "charts" / "tenantsync" / "argocd"
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PATCH_FILE = "/tmp/tenantsync-health.json"
KEYS = {
    f"resource.customizations.health.tenantsync.io_{kind}": SCRIPTS / f"{kind.lower()}-health.lua"
    for kind in ("Tenant", "SyncRun", "Baseline")
}

STUB = r"""#!/bin/sh
# Records each call; `get configmap` answers with $STUB_CONFIGMAP or NotFound; `patch` keeps its file.
echo "$(basename "$0") $*" >> "$STUB_LOG"
case "$*" in
  *" get configmap "*)
    if [ -f "$STUB_CONFIGMAP" ]; then cat "$STUB_CONFIGMAP"; exit 0; fi
    echo 'Error from server (NotFound): configmaps "tenantsync-argocd-health" not found' >&2
    exit 1 ;;
  *" patch configmap "*)
    for arg; do last="$arg"; done
    cp "$last" "$STUB_PATCHED" ;;
esac
"""


def block_with(marker: str) -> str:
    found: list[str] = [b for b in SHELL_BLOCK.findall(DOCS.read_text()) if marker in b]
    assert len(found) == 1, f"expected one sh block naming {marker} in docs/argocd.md, found {len(found)}"
    return found[0]


@pytest.fixture
def shell(tmp_path: Path) -> dict[str, str]:
    """The environment of a user's shell whose kubectl and helm are the recording stubs."""
    if shutil.which("jq") is None:
        pytest.fail("jq is not installed: apt-get install -y jq", pytrace=False)
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name in ("kubectl", "helm"):
        (stubs / name).write_text(STUB)
        (stubs / name).chmod(0o755)
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(stubs), os.environ["PATH"]]),
        "STUB_LOG": str(tmp_path / "calls.log"),
        "STUB_CONFIGMAP": str(tmp_path / "configmap.json"),
        "STUB_PATCHED": str(tmp_path / "patched.json"),
    }


def run(block: str, env: dict[str, str], cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """bash without errexit, as a pasted block runs; the patch file moves from /tmp into the test's folder."""
    text = block.replace(PATCH_FILE, str(tmp_path / "tenantsync-health.json"))
    return subprocess.run(
        ["bash", "-c", text], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def calls(env: dict[str, str]) -> list[str]:
    log = Path(env["STUB_LOG"])
    return log.read_text().splitlines() if log.exists() else []


def configmap(data: dict[str, str] | None) -> str:
    body: dict[str, object] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    if data is not None:
        body["data"] = data
    return json.dumps(body)


def test_the_configmap_is_merged_into_argocd_cm(shell: dict[str, str], tmp_path: Path) -> None:
    health = {key: path.read_text() for key, path in KEYS.items()}
    Path(shell["STUB_CONFIGMAP"]).write_text(configmap(health))
    result = run(block_with("tenantsync-argocd-health"), shell, ROOT, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(Path(shell["STUB_PATCHED"]).read_text()) == {"data": health}


@pytest.mark.parametrize(
    "answer",
    [None, configmap(None), configmap({}), configmap({"unrelated": "x"})],
    ids=["chart-value-off", "no-data", "empty-data", "no-health-checks"],
)
def test_a_configmap_without_the_health_checks_fails_and_patches_nothing(
    shell: dict[str, str], tmp_path: Path, answer: str | None
) -> None:
    if answer is not None:
        Path(shell["STUB_CONFIGMAP"]).write_text(answer)
    result = run(block_with("tenantsync-argocd-health"), shell, ROOT, tmp_path)
    assert result.returncode != 0, result.stdout
    assert [call for call in calls(shell) if " patch " in call] == []
    assert not Path(shell["STUB_PATCHED"]).exists()


def test_the_generated_values_hold_the_three_scripts(shell: dict[str, str], tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(SCRIPTS, checkout / "charts" / "tenantsync" / "argocd")
    result = run(block_with("argocd-tenantsync-values.yaml"), shell, checkout, tmp_path)
    assert result.returncode == 0, result.stderr
    values = yaml.safe_load((checkout / "argocd-tenantsync-values.yaml").read_text())
    assert values == {"configs": {"cm": {key: path.read_text() for key, path in KEYS.items()}}}
    assert calls(shell) == [
        "helm upgrade argocd argo/argo-cd -n argocd --reuse-values -f argocd-tenantsync-values.yaml"
    ]


def test_generating_the_values_outside_the_checkout_fails_before_helm(
    shell: dict[str, str], tmp_path: Path
) -> None:
    result = run(block_with("argocd-tenantsync-values.yaml"), shell, tmp_path, tmp_path)
    assert result.returncode != 0
    assert "No such file or directory" in result.stderr
    assert calls(shell) == []
