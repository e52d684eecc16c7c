"""Fault injection: latency and error responses on chosen paths, by rate or for the next N requests.

A rule either answers instead of the service (the request is not applied) or, with
``lose_response``, lets the service apply the request and then loses the answer: the client gets
``status`` (a 5xx) or, without a status, a dropped connection; its latency is waited after applying,
so a client that times out still leaves the write applied. That is "the write landed but the
response was lost", the case a client can only resolve by reading back.
"""

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
    lose_response: bool = False
    cmdlet: str | None = None
    """Exchange admin API only: match requests running this cmdlet (``Set-TransportRule``)."""

    def matches(self, method: str, path: str, cmdlet: str | None = None) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.cmdlet and (cmdlet or "").lower() != self.cmdlet.lower():
            return False
        return path.startswith(self.path_prefix) and (self.count is None or self.count > 0)


@dataclass(frozen=True)
class FaultDecision:
    latency_ms: int
    status: int | None
    retry_after_seconds: int | None
    lose_response: bool = False


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

    def decide(self, method: str, path: str, cmdlet: str | None = None) -> FaultDecision | None:
        """Add up every matching rule's latency; the first matching error or lost-response rule that
        fires decides what the client gets."""
        latency, status, retry_after, lose = 0, None, None, False
        matched, fired = False, False
        for rule in self.rules:
            if not rule.matches(method, path, cmdlet):
                continue
            matched = True
            latency += rule.latency_ms
            if fired or (rule.status is None and not rule.lose_response):
                continue
            if self.rng.random() < rule.rate:
                fired = True
                status, retry_after, lose = rule.status, rule.retry_after_seconds, rule.lose_response
                if rule.count is not None:
                    rule.count -= 1
        return FaultDecision(latency, status, retry_after, lose) if matched else None
