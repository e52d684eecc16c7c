"""The krew archive as `make plugin` builds it: the manifest names it by its sha256, and the plugin in it
runs from the unpacked archive alone, the way krew installs it (no virtualenv, no PYTHONPATH)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.unit.chart.chart_support import ROOT

pytestmark = pytest.mark.integration


def test_the_krew_archive_runs_the_plugin_and_matches_its_manifest(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run(
        [str(ROOT / "hack" / "package-plugin")],
        env={**os.environ, "DIST": str(dist), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    manifest = yaml.safe_load((dist / "tenantsync.yaml").read_text())
    (platform,) = manifest["spec"]["platforms"]
    archive = dist / platform["uri"].rsplit("/", 1)[1]
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == platform["sha256"]

    installed = tmp_path / "krew" / "store" / "tenantsync"
    with tarfile.open(archive) as bundle:
        bundle.extractall(installed, filter="data")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path)}
    help_text = subprocess.run(
        [str(installed / platform["bin"]), "--help"], env=env, capture_output=True, text=True, timeout=120
    )
    assert help_text.returncode == 0, help_text.stderr
    assert "usage: kubectl tenantsync" in help_text.stdout
