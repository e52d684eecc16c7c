"""What one pass over a Baseline decides, as a pure function: a new rollout for a new revision, the
approval, which wave to release, which Tenants' runs to approve, and when to halt or complete.

The kopf handler in `baselines` gathers the facts and carries the decision out. Waves are recomputed
from the adopting Tenants on every pass; releasing wave k releases every Tenant of waves 1..k not yet
released, so a Tenant that adopts the baseline during a rollout is never left behind. The approval
covers the Tenants that adopted the baseline when it was given: a later one's runs wait for a person.

What would widen a rollout or roll out what was not reviewed halts it before anything more is released:
a canary naming a Tenant that does not adopt the baseline, a pause the operator cannot wait, a revision
that is no longer on the branch.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tenantsync.api import (
    APPROVAL,
    APPROVAL_BY,
    APPROVAL_DIGEST,
    MAX_PAUSE_BETWEEN_WAVES,
    ROLLOUT,
    BaselineRelease,
    BaselineSpec,
    BaselineStatus,
    ConditionType,
    Decision,
    RolloutPhase,
    RolloutPolicy,
    RolloutStatus,
    RunPhase,
    names_digest,
    parse_duration,
    set_condition,
)
from tenantsync.controllers.baseline_runs import BaselineRun

RESUME = "resume"
UNVERIFIED = "unverified"
"""The approver's name when the admission policy does not record it (recordApprover off)."""
HALTING_PHASES = frozenset({RunPhase.NEW_ERROR, RunPhase.PARTIALLY_SUCCESSFUL, RunPhase.REJECTED})
UNDER_WAY = frozenset(
    {RolloutPhase.PENDING_APPROVAL, RolloutPhase.PROGRESSING, RolloutPhase.PAUSED, RolloutPhase.HALTED}
)


@dataclass(frozen=True)
class AdoptingTenant:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BaselinePass:
    """The facts a pass starts from."""

    name: str
    spec: BaselineSpec
    status: BaselineStatus
    revision: str | None
    """The newest commit touching the folder, just polled (None: unknown, keep the status's)."""
    digest: str | None
    """The folder's content digest at `revision`."""
    tenants: Sequence[AdoptingTenant]
    runs: Mapping[str, Sequence[BaselineRun]]
    """Each adopting Tenant's SyncRuns."""
    annotations: Mapping[str, str]
    now: datetime
    existing: Collection[str] = ()
    """Every Tenant of the namespace, adopting or not: a canary name among none of them is a typo."""
    missing: str | None = None
    """The rollout's revision when the branch, just polled, no longer holds it (force-pushed away)."""


@dataclass(frozen=True)
class Notice:
    """An event for `kubectl describe baseline`."""

    type: str
    reason: str
    message: str


@dataclass(frozen=True)
class RunApproval:
    tenant: str
    run: str
    digest: str
    by: str


@dataclass
class RolloutDecision:
    status: BaselineStatus
    sync: list[str] = field(default_factory=list)
    """Tenants to sync now: just released, or retried on resume."""
    approve: list[RunApproval] = field(default_factory=list)
    """Runs whose plans hold only this baseline's change at the rollout's revision."""
    clear: list[str] = field(default_factory=list)
    """Annotations on the Baseline this pass acted on (or refused), to be removed."""
    notices: list[Notice] = field(default_factory=list)


def canary_of(policy: RolloutPolicy, tenants: Sequence[AdoptingTenant]) -> list[str] | None:
    """The adopting Tenants the canary names or selects, by name; None when the policy has no canary."""
    canary_rule = policy.canary
    if canary_rule is None or (not canary_rule.tenants and canary_rule.selector is None):
        return None
    named = set(canary_rule.tenants)
    selector = canary_rule.selector.matchLabels if canary_rule.selector is not None else None
    return [
        tenant.name
        for tenant in sorted(tenants, key=lambda t: t.name)
        if tenant.name in named
        or (selector is not None and all(tenant.labels.get(k) == v for k, v in selector.items()))
    ]


def waves(policy: RolloutPolicy, tenants: Sequence[AdoptingTenant]) -> list[list[str]]:
    """Wave 1 is the canary (named and selected Tenants, or the first `maxParallel` by name), then the
    rest by name in chunks of `maxParallel`."""
    names = sorted(tenant.name for tenant in tenants)
    canary = canary_of(policy, tenants)
    if canary is None:
        canary = names[: policy.maxParallel]
    rest = [name for name in names if name not in set(canary)]
    chunks = [rest[i : i + policy.maxParallel] for i in range(0, len(rest), policy.maxParallel)]
    return [wave for wave in [canary, *chunks] if wave]


def newest_at(runs: Sequence[BaselineRun], baseline: str, revision: str) -> BaselineRun | None:
    """The newest finished run whose plan composed `revision` of the baseline."""
    at = [run for run in runs if run.finished and run.revisions.get(baseline) == revision]
    return max(at, key=lambda run: run.order, default=None)


def decide(facts: BaselinePass) -> RolloutDecision:
    status = facts.status.model_copy(deep=True)
    decision = RolloutDecision(status=status)
    if facts.revision is not None:
        status.revision = facts.revision
    _start_rollout(facts, decision)
    rollout = status.rollout
    planned = waves(facts.spec.rollout, facts.tenants)
    adopting = {tenant.name for tenant in facts.tenants}
    status.releases = [release for release in status.releases if release.tenant in adopting]
    if rollout is not None and rollout.phase in UNDER_WAY:
        rollout.waves = len(planned)
    _decide_on_approval(facts, decision)
    _decide_on_resume(facts, decision)
    if rollout is None:
        return decision
    _notice_missing_revision(facts, decision, rollout)
    if rollout.phase == RolloutPhase.PENDING_APPROVAL:
        _warn_before_approval(facts, decision, rollout)
    if rollout.phase in (RolloutPhase.PROGRESSING, RolloutPhase.PAUSED):
        canary = canary_problem(facts.spec.rollout, facts.tenants, facts.existing)
        pause = pause_between_waves(facts.spec.rollout)
        resume = f"then kubectl tenantsync baseline resume {facts.name}"
        if canary is not None:
            _halt(
                facts,
                decision,
                rollout,
                f"{canary} Nothing further is released: fix spec.rollout.canary, {resume}.",
            )
        elif isinstance(pause, str):
            limit = _hours(MAX_PAUSE_BETWEEN_WAVES)
            _halt(
                facts,
                decision,
                rollout,
                f"{pause} Nothing further is released: set it to at most {limit}, {resume}.",
            )
        else:
            _progress(facts, decision, rollout, planned, pause)
    return decision


def canary_problem(
    policy: RolloutPolicy, tenants: Sequence[AdoptingTenant], existing: Collection[str]
) -> str | None:
    """Why the canary cannot be the first wave: it names a Tenant that does not exist or does not adopt
    the baseline, or selects none. Without this a typo would make the first wave the first `maxParallel`
    Tenants by name, or every Tenant."""
    canary = policy.canary
    if canary is None:
        return None
    adopting = {tenant.name for tenant in tenants}
    absent = [name for name in canary.tenants if name not in existing and name not in adopting]
    elsewhere = [name for name in canary.tenants if name in existing and name not in adopting]
    problems = []
    if absent:
        problems.append(f"names {_tenants(absent, 'does not', 'do not')} exist in the Baseline's namespace")
    if elsewhere:
        problems.append(
            f"names {_tenants(elsewhere, 'does not', 'do not')} adopt the baseline (spec.baselines)"
        )
    if problems:
        return f"spec.rollout.canary.tenants {' and '.join(problems)}."
    if canary_of(policy, tenants) == []:
        return "spec.rollout.canary selects no Tenant that adopts the baseline."
    return None


def pause_between_waves(policy: RolloutPolicy) -> timedelta | str:
    """The pause, or why the operator cannot wait it (a value stored before the CRD's bound existed)."""
    value = policy.pauseBetweenWaves
    try:
        pause = parse_duration(value)
    except ValueError as error:
        return f"spec.rollout.pauseBetweenWaves cannot be used: {error}."
    if pause > MAX_PAUSE_BETWEEN_WAVES:
        return (
            f"spec.rollout.pauseBetweenWaves {value!r} is longer than the"
            f" {_hours(MAX_PAUSE_BETWEEN_WAVES)} the operator waits between waves."
        )
    return pause


def _hours(duration: timedelta) -> str:
    return f"{duration.total_seconds() / 3600:g}h"


def _tenants(names: Sequence[str], singular: str, plural: str) -> str:
    """The names and the verb that follows them: Tenant a, which does not; Tenants a, b, which do not."""
    if len(names) == 1:
        return f"Tenant {names[0]}, which {singular}"
    return f"Tenants {', '.join(names)}, which {plural}"


def _halt(
    facts: BaselinePass,
    decision: RolloutDecision,
    rollout: RolloutStatus,
    message: str,
    tenants: Sequence[str] = (),
) -> None:
    """Nothing further is released until a person resumes; `message` says why and what to do."""
    where = f"wave {rollout.wave} of {rollout.waves}" if rollout.wave else f"before wave 1 of {rollout.waves}"
    if not message.startswith("Halted"):
        message = f"Halted {where}: {message}"
    rollout.phase = RolloutPhase.HALTED
    rollout.haltedTenants = list(tenants)
    rollout.message = message
    decision.notices.append(Notice("Warning", "RolloutHalted", f"Baseline {facts.name}: {message}"))


def _notice_missing_revision(facts: BaselinePass, decision: RolloutDecision, rollout: RolloutStatus) -> None:
    """A revision force-pushed away halts its rollout once, when first found missing: what Git no longer
    holds reaches no further Tenant until a person resumes (or a new revision supersedes it)."""
    if facts.missing != rollout.revision or rollout.revisionMissingSince is not None:
        return
    if rollout.phase not in (RolloutPhase.PROGRESSING, RolloutPhase.PAUSED, RolloutPhase.HALTED):
        return
    rollout.revisionMissingSince = facts.now.replace(microsecond=0)
    branch = facts.spec.repository.branch
    message = (
        f"revision {rollout.revision[:12]} is no longer on"
        f" branch {branch} (force-pushed away?); nothing further is released. Push a new revision (it"
        f" supersedes this rollout), or kubectl tenantsync baseline resume {facts.name} to roll out what was"
        " approved anyway."
    )
    if rollout.phase == RolloutPhase.HALTED and rollout.message:
        message = f"{message} It had halted already: {rollout.message}"
    _halt(facts, decision, rollout, message, rollout.haltedTenants)


def _warn_before_approval(facts: BaselinePass, decision: RolloutDecision, rollout: RolloutStatus) -> None:
    """A canary that cannot start is said while the revision waits for approval, once (an event when the
    message changes), so that it is fixed before anyone approves."""
    problem = canary_problem(facts.spec.rollout, facts.tenants, facts.existing)
    before = facts.status.rollout.message if facts.status.rollout else None
    waiting = (rollout.message or "").partition(" Cannot start: ")[0]
    rollout.message = f"{waiting} Cannot start: {problem}" if problem else waiting
    if problem is not None and rollout.message != before:
        decision.notices.append(
            Notice("Warning", "CanaryInvalid", f"Baseline {facts.name}: {problem} Fix spec.rollout.canary.")
        )


def _start_rollout(facts: BaselinePass, decision: RolloutDecision) -> None:
    """A revision that is neither completed nor being rolled out gets a rollout waiting for approval;
    one under way for an older revision is superseded (its released Tenants keep their release)."""
    status = decision.status
    revision = status.revision
    current = status.rollout
    if revision is not None and revision == status.completedRevision:
        if current is not None and current.revision == revision and current.phase in UNDER_WAY:
            # Completed elsewhere (a restored status, a hand-written completedRevision): nothing to roll out.
            current.phase = RolloutPhase.COMPLETE
            current.message = f"Revision {revision[:12]} is already the completed revision."
        return
    if revision is None:
        return
    if current is not None and current.revision == revision:
        return
    if current is not None and current.phase in UNDER_WAY:
        decision.notices.append(
            Notice(
                "Normal",
                "RolloutSuperseded",
                f"Baseline {facts.name}: the rollout of {current.revision[:12]} was superseded by revision"
                f" {revision[:12]}, which waits for approval.",
            )
        )
    digest = facts.digest or ""
    status.rollout = RolloutStatus(
        revision=revision,
        digest=facts.digest,
        phase=RolloutPhase.PENDING_APPROVAL,
        waves=len(waves(facts.spec.rollout, facts.tenants)),
        message=f"Revision {revision[:12]} waits for approval: kubectl tenantsync baseline plan {facts.name},"
        f" then kubectl tenantsync baseline approve {facts.name} --digest {digest[:12]}.",
    )
    decision.notices.append(
        Notice(
            "Normal",
            "RolloutPendingApproval",
            f"Baseline {facts.name}: revision {revision[:12]} (digest {digest[:12]}) waits for approval.",
        )
    )


def _decide_on_approval(facts: BaselinePass, decision: RolloutDecision) -> None:
    value = facts.annotations.get(APPROVAL)
    if value is None:
        return
    decision.clear.extend(key for key in (APPROVAL, APPROVAL_DIGEST) if key in facts.annotations)
    rollout = decision.status.rollout
    if rollout is None or rollout.phase != RolloutPhase.PENDING_APPROVAL:
        decision.notices.append(
            Notice(
                "Warning",
                "DecisionIgnored",
                f"Baseline {facts.name}: the decision {value!r} was ignored because no rollout waits for"
                " approval.",
            )
        )
        return
    by = facts.annotations.get(APPROVAL_BY) or UNVERIFIED
    if value == Decision.REJECT:
        rollout.phase = RolloutPhase.REJECTED
        rollout.message = (
            f"Rejected by {by}: revision {rollout.revision[:12]} is not rolled out; revert it in Git or push"
            " a new revision."
        )
        decision.notices.append(
            Notice("Normal", "RolloutRejected", f"Baseline {facts.name}: {rollout.message}")
        )
        return
    shown = facts.annotations.get(APPROVAL_DIGEST) or ""
    if value != Decision.APPROVE:
        message = f"{APPROVAL}={value!r} is not approve or reject; the rollout keeps waiting."
    elif facts.missing == rollout.revision:
        message = (
            f"the approval by {by} was refused: revision {rollout.revision[:12]} is no longer on branch"
            f" {facts.spec.repository.branch} (force-pushed away?), and what Git no longer holds is not"
            " rolled out. Push the change again; the new revision waits for approval."
        )
    elif not names_digest(shown, rollout.digest or ""):
        message = (
            f"the approval by {by} names digest {shown[:12]!r}, but revision {rollout.revision[:12]} has digest"
            f" {(rollout.digest or '')[:12]}: review kubectl tenantsync baseline plan {facts.name} and approve"
            " that digest."
        )
    else:
        rollout.phase = RolloutPhase.PROGRESSING
        rollout.approvedBy = by
        rollout.approvedAt = facts.now.replace(microsecond=0)
        rollout.approvedTenants = sorted(tenant.name for tenant in facts.tenants)
        rollout.wave = 0
        return
    decision.notices.append(Notice("Warning", "ApprovalRefused", f"Baseline {facts.name}: {message}"))


def _decide_on_resume(facts: BaselinePass, decision: RolloutDecision) -> None:
    value = facts.annotations.get(ROLLOUT)
    if value is None:
        return
    decision.clear.append(ROLLOUT)
    rollout = decision.status.rollout
    if value != RESUME or rollout is None or rollout.phase != RolloutPhase.HALTED:
        decision.notices.append(
            Notice(
                "Warning",
                "ResumeIgnored",
                f"Baseline {facts.name}: {ROLLOUT}={value!r} was ignored; only a Halted rollout can be resumed"
                f" ({ROLLOUT}=resume).",
            )
        )
        return
    decision.sync.extend(rollout.haltedTenants)
    again = f"; syncing {', '.join(rollout.haltedTenants)} again" if rollout.haltedTenants else ""
    decision.notices.append(Notice("Normal", "RolloutResumed", f"Baseline {facts.name}: resumed{again}."))
    rollout.haltedTenants = []
    rollout.resumedAt = facts.now.replace(microsecond=0)
    rollout.phase = RolloutPhase.PROGRESSING


def _failed(run: BaselineRun, facts: BaselinePass, rollout: RolloutStatus) -> bool:
    """A run that halts the rollout: it composed the rollout's revision, or failed before planning after
    the approval, and it is newer than the last resume."""
    if run.phase not in HALTING_PHASES:
        return False
    if rollout.resumedAt is not None and run.created < rollout.resumedAt:
        return False
    revision = run.revisions.get(facts.name)
    if revision is not None:
        return revision == rollout.revision
    return rollout.approvedAt is not None and run.created >= rollout.approvedAt


def _progress(
    facts: BaselinePass,
    decision: RolloutDecision,
    rollout: RolloutStatus,
    planned: list[list[str]],
    pause: timedelta,
) -> None:
    status = decision.status
    if rollout.wave == 0:
        _release(facts, decision, rollout, planned, 1)
        return
    released = [name for wave in planned[: rollout.wave] for name in wave]
    _release_latecomers(facts, decision, rollout, released)
    failing: list[str] = []
    verified = 0
    for tenant in released:
        runs = facts.runs.get(tenant, ())
        finished = [run for run in runs if run.finished]
        newest = max(finished, key=lambda run: run.order, default=None)
        if newest is not None and _failed(newest, facts, rollout):
            failing.append(tenant)
            continue
        at = newest_at(runs, facts.name, rollout.revision)
        if at is not None and at.phase == RunPhase.SUCCEEDED:
            verified += 1
            continue
        if _composed_nothing(runs, facts.name, rollout):
            decision.sync.append(tenant)
        _approve_baseline_only(facts, decision, rollout, tenant, runs)
    if failing:
        message = (
            f"Halted in wave {rollout.wave} of {rollout.waves}: the run of {', '.join(failing)} failed; nothing"
            f" further is deployed. Fix and kubectl tenantsync baseline resume {facts.name}, or revert the"
            " baseline in Git."
        )
        _halt(facts, decision, rollout, message, failing)
        return
    if verified < len(released):
        rollout.message = (
            f"Wave {rollout.wave} of {rollout.waves}: {verified} of {len(released)} Tenants released so far"
            f" have verified revision {rollout.revision[:12]}."
        )
        return
    if rollout.wave >= len(planned):
        _complete(facts, decision, rollout, status)
        return
    if rollout.waveVerifiedAt is None:
        rollout.waveVerifiedAt = facts.now
    if facts.now < rollout.waveVerifiedAt + pause:
        rollout.phase = RolloutPhase.PAUSED
        rollout.message = (
            f"Wave {rollout.wave} of {rollout.waves} verified; wave {rollout.wave + 1} is released at"
            f" {rollout.waveVerifiedAt + pause:%Y-%m-%d %H:%M:%S} UTC."
        )
        return
    _release(facts, decision, rollout, planned, rollout.wave + 1)


def _composed_nothing(runs: Sequence[BaselineRun], baseline: str, rollout: RolloutStatus) -> bool:
    """The Tenant's only run since the approval (or the resume) succeeded without composing the baseline
    at all: a Tenant's first sync initialises its desired state from the backup and plans nothing. It is
    synced once more, so that it does plan the released revision (never more than once: an operator that
    does not compose baselines cannot make it loop)."""
    since = max((when for when in (rollout.approvedAt, rollout.resumedAt) if when is not None), default=None)
    if since is None:
        return False
    recent = [run for run in runs if run.created >= since]
    return len(recent) == 1 and recent[0].phase == RunPhase.SUCCEEDED and baseline not in recent[0].revisions


def _approve_baseline_only(
    facts: BaselinePass,
    decision: RolloutDecision,
    rollout: RolloutStatus,
    tenant: str,
    runs: Sequence[BaselineRun],
) -> None:
    """One approval of the baseline covers a Tenant's run whose plan holds only the baseline's change at
    the rollout's revision, for the Tenants that adopted the baseline when it was approved; any other
    change, and any run of a Tenant that adopted it later, needs the Tenant's own approval."""
    if tenant not in rollout.approvedTenants:
        return
    for run in runs:
        if (
            run.phase == RunPhase.PENDING_APPROVAL
            and not run.decided
            and run.plan_digest
            and run.revisions.get(facts.name) == rollout.revision
            and not run.has_other_changes(facts.name)
        ):
            decision.approve.append(
                RunApproval(
                    tenant=tenant,
                    run=run.name,
                    digest=run.plan_digest,
                    by=f"baseline/{facts.name} ({rollout.approvedBy or UNVERIFIED})",
                )
            )


def _release_latecomers(
    facts: BaselinePass, decision: RolloutDecision, rollout: RolloutStatus, released: list[str]
) -> None:
    """Tenants that adopted the baseline after their wave was released join it now."""
    status = decision.status
    have = {release.tenant for release in status.releases if release.revision == rollout.revision}
    late = [name for name in released if name not in have]
    if not late:
        return
    kept = [release for release in status.releases if release.tenant not in set(late)]
    added = [BaselineRelease(tenant=name, revision=rollout.revision) for name in late]
    status.releases = sorted([*kept, *added], key=lambda release: release.tenant)
    decision.sync.extend(late)
    uncovered = [name for name in late if name not in rollout.approvedTenants]
    own = (
        f" The approval covered the Tenants adopting the baseline when it was given: the runs of"
        f" {', '.join(uncovered)} wait for a person's approval."
        if uncovered
        else ""
    )
    decision.notices.append(
        Notice(
            "Normal",
            "TenantsReleased",
            f"Baseline {facts.name}: released revision {rollout.revision[:12]} to {', '.join(late)}, which"
            f" adopted the baseline after wave {rollout.wave} was released.{own}",
        )
    )


def _release(
    facts: BaselinePass,
    decision: RolloutDecision,
    rollout: RolloutStatus,
    planned: list[list[str]],
    wave: int,
) -> None:
    status = decision.status
    if wave > len(planned):
        _complete(facts, decision, rollout, status)
        return
    releases = {release.tenant: release.revision for release in status.releases}
    newly = [name for group in planned[:wave] for name in group if releases.get(name) != rollout.revision]
    for name in newly:
        releases[name] = rollout.revision
    status.releases = [BaselineRelease(tenant=name, revision=rev) for name, rev in sorted(releases.items())]
    decision.sync.extend(newly)
    rollout.wave = wave
    rollout.waveVerifiedAt = None
    rollout.phase = RolloutPhase.PROGRESSING
    rollout.message = f"Wave {wave} of {rollout.waves} released: {', '.join(planned[wave - 1])}."
    decision.notices.append(Notice("Normal", "WaveReleased", f"Baseline {facts.name}: {rollout.message}"))


def _complete(
    facts: BaselinePass, decision: RolloutDecision, rollout: RolloutStatus, status: BaselineStatus
) -> None:
    status.completedRevision = rollout.revision
    status.releases = [release for release in status.releases if release.revision != rollout.revision]
    rollout.phase = RolloutPhase.COMPLETE
    rollout.waveVerifiedAt = None
    rollout.message = f"Revision {rollout.revision[:12]} is rolled out to every adopting Tenant."
    decision.notices.append(Notice("Normal", "RolloutComplete", f"Baseline {facts.name}: {rollout.message}"))


def with_conditions(
    status: BaselineStatus, generation: int | None, now: datetime, problem: str | None = None
) -> BaselineStatus:
    """Ready, Progressing and Degraded from the rollout's phase, as Argo CD's health check reads them.

    `problem` says why Git could not be read this pass: before any rollout it is the conditions' message
    (reason RevisionUnknown); with one it is the status's message, the rollout's phase unchanged."""
    rollout = status.rollout
    phase = rollout.phase if rollout is not None else None
    message = (rollout.message if rollout else None) or problem or "No revision of the baseline is known yet."
    progressing = phase in (RolloutPhase.PENDING_APPROVAL, RolloutPhase.PROGRESSING, RolloutPhase.PAUSED)
    halted = phase == RolloutPhase.HALTED
    reason = phase.value if phase is not None else "RevisionUnknown" if problem else "NoRevision"
    updated = status.model_copy(deep=True)
    for type_, value in (
        (ConditionType.PROGRESSING, progressing),
        (ConditionType.DEGRADED, halted),
        (ConditionType.READY, not progressing and not halted and phase is not None),
    ):
        updated.conditions = set_condition(
            updated.conditions,
            type_,
            "True" if value else "False",
            reason,
            message,
            generation=generation,
            now=now,
        )
    updated.message = problem or message
    updated.observedGeneration = generation
    return updated
