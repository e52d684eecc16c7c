"""Build helm and render the chart: shared by the chart's unit tests and its integration tests.

helm is built from its Go module by hack/build-helm (cached in .cache/tools). When that fails, the
tests fail with the build's own error: a chart that cannot be rendered is not a chart that was tested.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
CHART = ROOT / "charts" / "tenantsync"
BUILD_HELM = ROOT / "hack" / "build-helm"

Manifest = dict[str, Any]


def build_helm() -> Path:
    """Build (or reuse) helm; fail the test session with the build output when it cannot be built."""
    try:
        result = subprocess.run(
            [str(BUILD_HELM)], capture_output=True, text=True, timeout=1800, check=False, cwd=ROOT
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.fail(f"hack/build-helm could not run: {error}", pytrace=False)
    if result.returncode != 0:
        pytest.fail(
            f"hack/build-helm failed (exit {result.returncode}); helm is needed to test the chart:\n"
            f"{result.stderr[-4000:]}",
            pytrace=False,
        )
    helm = Path(result.stdout.strip().splitlines()[-1])
    if not helm.is_file():
        pytest.fail(f"hack/build-helm printed {helm}, which is not a file", pytrace=False)
    return helm


def helm_run(
    helm: Path,
    *args: str,
    check: bool = True,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(helm), *args], capture_output=True, text=True, timeout=120, check=False, env=env, input=input
    )
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed (exit {result.returncode}):\n{result.stderr}")
    return result


def set_args(values: dict[str, str] | None) -> list[str]:
    args: list[str] = []
    for key, value in (values or {}).items():
        args += ["--set", f"{key}={value}"]
    return args


def render_text(
    helm: Path,
    *,
    release: str = "tenantsync",
    namespace: str = "tenantsync",
    values: dict[str, str] | None = None,
    include_crds: bool = False,
    extra: Iterable[str] = (),
) -> str:
    args = ["template", release, str(CHART), "--namespace", namespace, *set_args(values), *extra]
    if include_crds:
        args.append("--include-crds")
    return helm_run(helm, *args).stdout


def render(
    helm: Path,
    *,
    release: str = "tenantsync",
    namespace: str = "tenantsync",
    values: dict[str, str] | None = None,
    include_crds: bool = False,
    api_versions: Iterable[str] = (),
) -> list[Manifest]:
    """``api_versions`` are what a cluster would serve (`helm template` knows none beyond the built-ins)."""
    extra = [arg for version in api_versions for arg in ("--api-versions", version)]
    text = render_text(
        helm, release=release, namespace=namespace, values=values, include_crds=include_crds, extra=extra
    )
    return [doc for doc in yaml.safe_load_all(text) if doc]


def only(manifests: list[Manifest], kind: str, name: str | None = None) -> Manifest:
    found = [m for m in manifests if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)]
    assert len(found) == 1, (
        f"expected one {kind} {name or ''}, found {[m['metadata']['name'] for m in found]}"
    )
    return found[0]


def kinds(manifests: list[Manifest]) -> list[str]:
    return sorted(m["kind"] for m in manifests)
