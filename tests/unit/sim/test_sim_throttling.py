"""Token buckets: capacity, refill, and the wait reported as Retry-After."""

from __future__ import annotations

import pytest

from tenantsync_sim.graph.throttling import Throttler, TokenBucket
from tenantsync_sim.state import ServiceThrottle


def test_bucket_refills_at_its_rate_up_to_capacity() -> None:
    bucket = TokenBucket(capacity=2, refill_per_second=1, tokens=0, updated=0.0)
    assert bucket.wait_time(0.5) == pytest.approx(0.5)
    assert bucket.wait_time(10.0) == 0
    assert bucket.tokens == 2


def test_bucket_without_refill_waits_forever() -> None:
    assert TokenBucket(capacity=1, refill_per_second=0, tokens=0, updated=0).wait_time(100) == float("inf")


def _limits(tenant: float, app: float) -> ServiceThrottle:
    return ServiceThrottle(
        tenant_capacity=tenant, tenant_refill_per_second=1, app_capacity=app, app_refill_per_second=1
    )


def test_app_bucket_limits_one_app_but_not_another() -> None:
    throttler = Throttler()
    limits = _limits(tenant=10, app=2)
    assert [throttler.admit("t", "a", "intune", limits, 0.0) for _ in range(3)] == [0, 0, 1.0]
    assert throttler.admit("t", "b", "intune", limits, 0.0) == 0


def test_tenant_bucket_is_shared_by_apps() -> None:
    throttler = Throttler()
    limits = _limits(tenant=2, app=10)
    throttler.admit("t", "a", "intune", limits, 0.0)
    throttler.admit("t", "b", "intune", limits, 0.0)
    assert throttler.admit("t", "c", "intune", limits, 0.0) == pytest.approx(1.0)
    assert throttler.admit("t2", "a", "intune", limits, 0.0) == 0


def test_refused_request_takes_no_token() -> None:
    throttler = Throttler()
    limits = _limits(tenant=1, app=5)
    throttler.admit("t", "a", "identity", limits, 0.0)
    for _ in range(3):
        assert throttler.admit("t", "a", "identity", limits, 0.0) > 0
    assert throttler.admit("t", "a", "identity", limits, 1.0) == 0


def test_changed_limits_start_a_fresh_bucket_and_reset_clears_a_tenant() -> None:
    throttler = Throttler()
    throttler.admit("t", "a", "intune", _limits(1, 1), 0.0)
    assert throttler.admit("t", "a", "intune", _limits(1, 1), 0.0) > 0
    assert throttler.admit("t", "a", "intune", _limits(3, 3), 0.0) == 0
    throttler.admit("t", "a", "intune", _limits(3, 3), 0.0)
    throttler.admit("t", "a", "intune", _limits(3, 3), 0.0)
    throttler.reset("t")
    assert throttler.admit("t", "a", "intune", _limits(3, 3), 0.0) == 0
