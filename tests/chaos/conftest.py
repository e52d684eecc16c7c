"""The fault storm reuses the end-to-end fixtures: the operator process, the simulator and real Git.

It is slow (minutes), so `make test` leaves it out; `make chaos` runs it and prints its figures.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import fast_operator, sim, simulator, workspace

__all__ = ["fast_operator", "sim", "simulator", "workspace"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("TENANTSYNC_CHAOS") != "1":
        skip = pytest.mark.skip(reason="the fault storm runs with `make chaos` (TENANTSYNC_CHAOS=1)")
        for item in items:
            if "tests/chaos/" in str(item.fspath):
                item.add_marker(skip)
