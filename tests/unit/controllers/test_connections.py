"""How many API-server connections kopf may open: watches plus a bounded pool for requests."""

from __future__ import annotations

import pytest

from tenantsync.controllers.connections import REQUEST_CONNECTIONS, WATCHED_RESOURCES, connection_limit


def test_clusterwide_leaves_room_for_one_watch_per_resource() -> None:
    assert connection_limit([]) == REQUEST_CONNECTIONS + WATCHED_RESOURCES


def test_each_named_namespace_adds_its_watches() -> None:
    assert connection_limit(["a", "b", "c"]) == REQUEST_CONNECTIONS + 3 * WATCHED_RESOURCES


@pytest.mark.parametrize("pattern", ["team-*", "tenant-?", "!kube-system", "a,b", "ns-[0-9]"])
def test_a_namespace_pattern_leaves_kopf_unbounded(pattern: str) -> None:
    assert connection_limit(["fixed", pattern]) is None
