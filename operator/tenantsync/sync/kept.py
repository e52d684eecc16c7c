"""The states a run read, kept in memory for its next steps: composed once, used by plan, deploy and verify.

An approved run's deploy must apply exactly what was approved: it used to read the desired folder and
the backup again from Git (two fetches of what is often a busy shared repository) and compose the
Tenant's baselines again (looking up `${group:…}` names in Graph) only to find the same content and the
same plan digest, while the person who approved waited; the verify did it all a third time. Now the plan
keeps what it read, with the desired branch's commit it read at (`States.desired_head`), and the deploy
and the verify only ask the remote for the branch's head: unchanged, nothing can have changed the
desired folder since it was read, and the kept states (their composition) still hold; moved (a person
pushed, or the deploy recorded created ids), the step reads everything again, and a different plan
still stops a deploy (PlanOutdated).

The backup folder is not checked: only the Tenant's own runs write it, one run at a time, and this run
wrote it last (its Backup step; the Verify step compares with the backup it has just taken). A
restarted operator keeps nothing and reads everything again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from tenantsync.api import SyncRunStatus, TenantSpec
from tenantsync.sync.pipeline import AdoptedBaseline, RunContext
from tenantsync.sync.session import Session
from tenantsync.sync.states import States, read_states

KEPT_STATES = 64
"""States kept at most (the oldest go first): each holds two folders of one Tenant, and runs waiting for
a decision are as few as the changes people make; a step that finds nothing kept reads Git instead."""


def approved_digest(status: SyncRunStatus) -> str:
    """The digest of the plan the run deploys: the one approved, or the plan's own under Automatic."""
    if status.approval is not None and status.approval.digest:
        return status.approval.digest
    return (status.plan.digest or "") if status.plan is not None else ""


@dataclass(frozen=True)
class _Key:
    namespace: str
    run: str
    digest: str
    """The digest of the plan the states were read for: a deploy applies what was approved."""


@dataclass(frozen=True)
class _Kept:
    tenant: TenantSpec
    baselines: tuple[AdoptedBaseline, ...]
    states: States


class KeptStates:
    """What each run last read, by run and plan digest: the plan keeps its states, the deploy takes them
    and keeps them again (as it deployed them), the verify takes them."""

    def __init__(self, limit: int = KEPT_STATES) -> None:
        self._limit = limit
        self._kept: OrderedDict[_Key, _Kept] = OrderedDict()

    def keep(self, ctx: RunContext, digest: str, states: States) -> None:
        """Keep `states` for the run's next step (states not read at a known commit are not kept)."""
        if states.desired_head is None:
            return
        key = _Key(ctx.namespace, ctx.run_name, digest)
        self._kept[key] = _Kept(ctx.tenant, tuple(ctx.baselines), states)
        self._kept.move_to_end(key)
        while len(self._kept) > self._limit:
            self._kept.popitem(last=False)

    def take(self, ctx: RunContext, digest: str) -> States | None:
        """The states kept for this run and plan, once; None when nothing was kept or the Tenant's spec or
        baselines have changed since (what the states were read for)."""
        kept = self._kept.pop(_Key(ctx.namespace, ctx.run_name, digest), None)
        if kept is None or kept.tenant != ctx.tenant or kept.baselines != tuple(ctx.baselines):
            return None
        return kept.states

    async def current(self, ctx: RunContext, session: Session, digest: str) -> States:
        """The states kept for this run and plan while the desired branch has not moved since they were
        read; else the states read anew."""
        kept = self.take(ctx, digest)
        if kept is not None:
            head = await (await session.repository()).head(ctx.tenant.repository.branch)
            if head == kept.desired_head:
                return kept
        return await read_states(ctx, session)
