"""docs/install.md's steps, run in order as an administrator runs them, on namespaces that do not exist yet.

The convention: every `sh` or `yaml` block of install.md is preceded by an HTML comment (invisible on
GitHub) that says what this test does with it:

- `<!-- install-test: run -->`: each command of the block runs in order (bash, errexit and pipefail), in a
  folder of its own, with the local control plane's kubectl, the helm of hack/build-helm and this
  checkout's virtualenv (which holds the kubectl plugin) first on PATH;
- `<!-- install-test: file NAME -->`: the block is saved as NAME in that folder, for a later block to apply;
- `<!-- install-test: skip: REASON -->`: the block is not run, and REASON is printed (a skipped test).

The namespaces the docs name are substituted with fresh ones (the control plane is shared with the rest of
the session): `m365` (the Tenants' namespace, anywhere in a block) and the release namespace `tenantsync`
(after `-n` or `--namespace`) become `m365-<id>` and `tenantsync-<id>`. What needs a real Entra ID
tenant, a container registry or nodes is never reached by these steps, or is skipped by
`SKIPPED_COMMANDS` with its reason printed. The CRDs are already on the shared control plane, so
`helm install` finds them there; everything else the steps make is new.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.support.cluster import CLUSTER_DIR, KUBECONFIG, ROOT, kubectl, kubectl_json
from tests.unit.chart.chart_support import build_helm

pytestmark = pytest.mark.integration

INSTALL = ROOT / "docs" / "install.md"
MARKED_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)<!-- install-test: (?P<mark>.+?) -->\n"
    r"(?P=indent)```(?P<lang>\w+)\n(?P<body>.*?)^(?P=indent)```$",
    re.MULTILINE | re.DOTALL,
)
FENCE_OPENING = re.compile(r"^[ \t]*```(sh|yaml)$", re.MULTILINE)

SKIPPED_COMMANDS = {
    "kubectl -n tenantsync rollout status deployment/tenantsync": (
        "the local control plane has no nodes (no kubelet): the Deployment is accepted but no pod starts, "
        "so its rollout never finishes and the image (registry.example.com) is never pulled; the e2e tests run "
        "the operator as a process instead"
    ),
}
NOT_REACHED = (
    "the sync that step 4's annotation requests: it needs the operator running (no nodes here), a real Entra "
    "ID tenant and the Git server the Tenant names; tests/e2e run syncs against the simulator instead"
)


@dataclass(frozen=True)
class Block:
    mark: str
    lang: str
    body: str


def blocks() -> list[Block]:
    text = INSTALL.read_text()
    found = [Block(m["mark"], m["lang"], textwrap.dedent(m["body"])) for m in MARKED_BLOCK.finditer(text)]
    assert len(found) == len(FENCE_OPENING.findall(text)), (
        "every sh and yaml block of docs/install.md needs an install-test comment (run, file or skip)"
    )
    return found


def commands(script: str) -> list[str]:
    """One command per entry: continuation lines joined, whole-line comments dropped."""
    joined = re.sub(r"\\\n\s*", "", script)
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def skips() -> list[tuple[str, str]]:
    found = [(b.body.strip(), b.mark.removeprefix("skip: ")) for b in blocks() if b.mark.startswith("skip: ")]
    found += list(SKIPPED_COMMANDS.items())
    return [*found, ("(no block)", NOT_REACHED)]


@pytest.mark.parametrize(("step", "reason"), skips(), ids=[f"skip{i}" for i in range(len(skips()))])
def test_what_is_not_run_says_why(step: str, reason: str) -> None:
    """Not a check: one skipped test per step left out, so that every run prints what and why."""
    pytest.skip(f"not run: {step.splitlines()[0]} ({reason})")


@pytest.fixture
def fresh() -> Iterator[dict[str, str]]:
    """The docs' namespace names -> fresh ones; removed afterwards with the release the steps install."""
    suffix = uuid.uuid4().hex[:6]
    names = {"m365": f"m365-{suffix}", "tenantsync": f"tenantsync-{suffix}"}
    yield names
    helm = build_helm()
    subprocess.run(
        [str(helm), "uninstall", "tenantsync", "-n", names["tenantsync"], "--wait", "--timeout", "60s"],
        env={**os.environ, "KUBECONFIG": str(KUBECONFIG)},
        capture_output=True,
        check=False,
    )
    for name in names.values():
        kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


def substituted(text: str, names: dict[str, str]) -> str:
    text = re.sub(r"\bm365\b", names["m365"], text)
    return re.sub(r"(-n |--namespace )tenantsync\b", rf"\g<1>{names['tenantsync']}", text)


@pytest.mark.usefixtures("cluster")
def test_the_install_steps_work_in_order_on_new_namespaces(fresh: dict[str, str], tmp_path: Path) -> None:
    helm = build_helm()
    workdir = tmp_path / "admin"
    workdir.mkdir()
    (workdir / "charts").symlink_to(ROOT / "charts")  # "From a checkout of this repository"
    env = {
        **os.environ,
        "KUBECONFIG": str(KUBECONFIG),
        "PATH": os.pathsep.join(
            [str(CLUSTER_DIR / "bin"), str(helm.parent), str(ROOT / ".venv" / "bin"), os.environ["PATH"]]
        ),
    }
    ran: list[str] = []
    for block in blocks():
        if block.mark.startswith("file "):
            (workdir / block.mark.removeprefix("file ")).write_text(substituted(block.body, fresh))
            continue
        if block.mark != "run":
            assert block.mark.startswith("skip: "), f"unknown install-test mark {block.mark!r}"
            continue
        for command in commands(block.body):
            if command.split("#", 1)[0].strip() in SKIPPED_COMMANDS:
                continue
            concrete = substituted(command, fresh)
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", concrete],
                cwd=workdir, env=env, capture_output=True, text=True, timeout=180, check=False,
            )  # fmt: skip
            ran.append(concrete)
            assert result.returncode == 0, (
                f"docs/install.md step failed after {len(ran) - 1} that passed:\n$ {concrete}\n"
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )

    tenants, release = fresh["m365"], fresh["tenantsync"]
    # What the steps were for: the release, the operator's rights in the Tenants' namespace, the Secrets
    # and the Tenant as the page shows it.
    status = subprocess.run(
        [str(helm), "status", "tenantsync", "-n", release, "-o", "json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(status.stdout)["info"]["status"] == "deployed"
    assert kubectl("get", "role", "tenantsync", "-n", tenants, check=False).returncode == 0
    secrets = {
        s["metadata"]["name"]: s["type"] for s in kubectl_json("get", "secrets", "-n", tenants)["items"]
    }
    assert secrets == {"contoso-sp": "Opaque", "git-credentials": "Opaque"}
    tenant = kubectl_json("get", "tenant", "contoso", "-n", tenants)
    documented = yaml.safe_load((workdir / "contoso.yaml").read_text())
    for field, value in documented["spec"].items():  # as written; the API server adds defaults beside
        actual = tenant["spec"][field]
        if isinstance(value, dict):
            actual = {key: actual.get(key) for key in value}
        assert actual == value, field
    assert "tenantsync.io/sync-requested-at" in tenant["metadata"]["annotations"]
    assert ran[0] == f"kubectl create namespace {tenants}", "the Tenants' namespace comes before the chart"
