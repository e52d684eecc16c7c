"""Token buckets modelled on Graph's documented service limits.

Each service (Intune, identity and access, directory) is guarded by a bucket per tenant and one per
app in that tenant; a request must take a token from both. The wait until the emptier bucket refills is
what Intune reports as Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tenantsync_sim.state import ServiceThrottle


@dataclass
class TokenBucket:
    capacity: float
    refill_per_second: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
        self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self.refill(now)
        if self.tokens >= 1:
            return 0.0
        if self.refill_per_second <= 0:
            return float("inf")
        return (1 - self.tokens) / self.refill_per_second


@dataclass
class Throttler:
    """Buckets keyed by (tenant, service) and (tenant, app, service), created on first use."""

    _buckets: dict[tuple[str, ...], TokenBucket] = field(default_factory=dict)

    def _bucket(self, key: tuple[str, ...], capacity: float, rate: float, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.capacity != capacity or bucket.refill_per_second != rate:
            bucket = TokenBucket(capacity, rate, capacity, now)
            self._buckets[key] = bucket
        return bucket

    def admit(self, tenant: str, app: str, service: str, limits: ServiceThrottle, now: float) -> float:
        """Take a token from both buckets, or return the seconds to wait (nothing is taken then)."""
        buckets = [
            self._bucket((tenant, service), limits.tenant_capacity, limits.tenant_refill_per_second, now),
            self._bucket((tenant, app, service), limits.app_capacity, limits.app_refill_per_second, now),
        ]
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            return wait
        for bucket in buckets:
            bucket.tokens -= 1
        return 0.0

    def reset(self, tenant: str) -> None:
        for key in [k for k in self._buckets if k[0] == tenant]:
            del self._buckets[key]
