"""The states a plan that waits for approval compared, kept in memory for its run's deploy.

An approved run's deploy must apply exactly what was approved: it used to read the desired folder and
the backup again from Git (two fetches of what is often a busy shared repository) only to find the same
content and the same plan digest, while the person who approved waited. Now the plan keeps what it
read, with the head of the desired branch seen before that read, and the deploy only asks the remote
for the branch's head: unchanged, nothing can have changed the desired folder since the plan read it,
and the deploy uses the kept states; moved (a person pushed), the deploy reads everything again and a
different plan still stops it (PlanOutdated).

The backup folder is not checked: only the Tenant's own runs write it, one run at a time, and this run
wrote it last (its Backup step). A restarted operator keeps nothing and reads everything again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from tenantsync.api import TenantSpec
from tenantsync.sync.pipeline import AdoptedBaseline, RunContext
from tenantsync.sync.states import States

KEPT_PLANS = 64
"""Plans kept at most (the oldest go first): each holds two folders of one Tenant, and runs waiting for
a decision are as few as the changes people make; a deploy that finds nothing kept reads Git instead."""


@dataclass(frozen=True)
class _Key:
    namespace: str
    run: str
    digest: str


@dataclass(frozen=True)
class _Kept:
    desired_head: str
    """The desired branch's head, seen before the states were read."""
    tenant: TenantSpec
    baselines: tuple[AdoptedBaseline, ...]
    states: States


class PlannedStates:
    """What each waiting plan read, by run and plan digest."""

    def __init__(self, limit: int = KEPT_PLANS) -> None:
        self._limit = limit
        self._kept: OrderedDict[_Key, _Kept] = OrderedDict()

    def keep(self, ctx: RunContext, digest: str, desired_head: str, states: States) -> None:
        key = _Key(ctx.namespace, ctx.run_name, digest)
        self._kept[key] = _Kept(desired_head, ctx.tenant, tuple(ctx.baselines), states)
        self._kept.move_to_end(key)
        while len(self._kept) > self._limit:
            self._kept.popitem(last=False)

    def take(self, ctx: RunContext, digest: str) -> tuple[str, States] | None:
        """The desired head and states kept for this run's plan, once; None when nothing was kept or the
        Tenant's spec or baselines have changed since (what the states were read for)."""
        kept = self._kept.pop(_Key(ctx.namespace, ctx.run_name, digest), None)
        if kept is None or kept.tenant != ctx.tenant or kept.baselines != tuple(ctx.baselines):
            return None
        return kept.desired_head, kept.states
