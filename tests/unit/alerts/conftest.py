"""promtool (Debian's prometheus package) checks and unit-tests what the chart ships for Prometheus."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "charts" / "tenantsync" / "files" / "prometheus" / "tenantsync.rules.yaml"
DASHBOARD = ROOT / "charts" / "tenantsync" / "files" / "grafana" / "tenantsync.json"
RULES_TESTS = (
    Path(__file__).with_name("tenantsync.rules.test.yaml"),
    Path(__file__).with_name("tenantsync.schedules.test.yaml"),
)
"""Every alert's cases, and those of the schedule-relative alert over weeks of series, evaluated coarser."""
ALERTS_DOC = ROOT / "docs" / "alerts.md"


@pytest.fixture(scope="session")
def promtool() -> str:
    """Fail, not skip: rules that promtool never saw are not shipped."""
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(
            "promtool is not installed: run hack/install-system-packages (Debian package prometheus)",
            pytrace=False,
        )
    return found


def run_promtool(promtool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *args], capture_output=True, text=True, timeout=120, check=False)
