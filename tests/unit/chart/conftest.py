"""Fixtures for rendering the chart without a cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.chart.chart_support import build_helm


@pytest.fixture(scope="session")
def helm() -> Path:
    return build_helm()
