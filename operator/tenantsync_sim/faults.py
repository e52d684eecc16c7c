"""Fault injection: latency and error responses on chosen paths, by rate or for the next N requests."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from pydantic import Field

from tenantsync_sim.state import SimModel


class FaultRule(SimModel):
    """Matches requests by path prefix (and method); delays them and/or answers ``status`` instead."""

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    path_prefix: str = "/"
    method: str | None = None
    status: int | None = None
    rate: float = 1.0
    count: int | None = None
    latency_ms: int = 0
    retry_after_seconds: int | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path_prefix) and (self.count is None or self.count > 0)


@dataclass(frozen=True)
class FaultDecision:
    latency_ms: int
    status: int | None
    retry_after_seconds: int | None


@dataclass
class FaultInjector:
    rules: list[FaultRule] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def decide(self, method: str, path: str) -> FaultDecision | None:
        """Apply every matching rule's latency; the first matching error rule that fires sets the status."""
        latency, status, retry_after = 0, None, None
        matched = False
        for rule in self.rules:
            if not rule.matches(method, path):
                continue
            matched = True
            latency += rule.latency_ms
            if rule.status is None or status is not None:
                continue
            if self.rng.random() < rule.rate:
                status, retry_after = rule.status, rule.retry_after_seconds
                if rule.count is not None:
                    rule.count -= 1
        return FaultDecision(latency, status, retry_after) if matched else None
