"""The rollout decision without kopf: waves, canary, the approval digest, supersede, halt, resume, complete."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsync.api import (
    APPROVAL,
    APPROVAL_BY,
    APPROVAL_DIGEST,
    ROLLOUT,
    BaselineRelease,
    BaselineSpec,
    BaselineStatus,
    ConditionType,
    RolloutPhase,
    RolloutPolicy,
    RolloutStatus,
    RunPhase,
    find_condition,
)
from tenantsync.controllers.baseline_runs import BaselineRun
from tenantsync.controllers.conformance import conformance
from tenantsync.controllers.rollout import (
    AdoptingTenant,
    BaselinePass,
    RolloutDecision,
    decide,
    pause_between_waves,
    waves,
    with_conditions,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
REV = "a" * 40
OLD = "b" * 40
DIGEST = "d1e2f3a4b5c6" + "0" * 28
NAME = "security"
TENANTS = [AdoptingTenant(f"t{i}", {"ring": "canary"} if i == 3 else {}) for i in range(1, 6)]


def spec(**rollout: Any) -> BaselineSpec:
    return BaselineSpec.model_validate(
        {"repository": {"url": "/repo", "path": "baselines/security"}, "rollout": rollout}
    )


def run(
    name: str,
    phase: RunPhase,
    *,
    revision: str | None = REV,
    at: datetime = NOW,
    local: int = 0,
    from_baseline: int = 1,
    digest: str = "plan-digest-1234",
    deployed: bool = True,
    decided: bool = False,
) -> BaselineRun:
    changes: dict[str | None, int] = {}
    if from_baseline:
        changes[NAME] = from_baseline
    if local:
        changes[None] = local
    return BaselineRun(
        name=name,
        created=at,
        phase=phase,
        plan_digest=digest,
        changes=changes,
        revisions={NAME: revision},
        deployed=deployed,
        decided=decided,
        error="verify failed" if phase == RunPhase.NEW_ERROR else None,
    )


def facts(
    status: BaselineStatus,
    *,
    runs: Mapping[str, Sequence[BaselineRun]] | None = None,
    annotations: Mapping[str, str] | None = None,
    now: datetime = NOW,
    revision: str | None = REV,
    tenants: Sequence[AdoptingTenant] = TENANTS,
    existing: Sequence[str] = (),
    missing: str | None = None,
    **rollout: Any,
) -> BaselinePass:
    return BaselinePass(
        name=NAME,
        spec=spec(**({"maxParallel": 2} | rollout)),
        status=status,
        revision=revision,
        digest=DIGEST,
        tenants=tenants,
        runs=runs or {},
        annotations=annotations or {},
        now=now,
        existing=existing,
        missing=missing,
    )


def rolling(wave: int, phase: RolloutPhase = RolloutPhase.PROGRESSING, **extra: Any) -> BaselineStatus:
    released = [t.name for t in TENANTS][: {0: 0, 1: 2, 2: 4, 3: 5}[wave]]
    return BaselineStatus(
        revision=REV,
        completedRevision=OLD,
        releases=[BaselineRelease(tenant=name, revision=REV) for name in released],
        rollout=RolloutStatus(
            revision=REV,
            digest=DIGEST,
            phase=phase,
            wave=wave,
            waves=3,
            approvedBy="alice",
            approvedAt=NOW - timedelta(hours=1),
            **({"approvedTenants": [t.name for t in TENANTS]} | extra),
        ),
    )


def succeeded(*names: str) -> dict[str, list[BaselineRun]]:
    return {name: [run(f"{name}-run", RunPhase.SUCCEEDED)] for name in names}


def approved(status: BaselineStatus) -> RolloutDecision:
    return decide(
        facts(status, annotations={APPROVAL: "approve", APPROVAL_DIGEST: DIGEST[:8], APPROVAL_BY: "alice"})
    )


def test_waves_without_canary_are_chunks_of_max_parallel_by_name() -> None:
    tenants = [AdoptingTenant(name) for name in ("e", "a", "d", "c", "b")]

    assert waves(RolloutPolicy(maxParallel=2), tenants) == [["a", "b"], ["c", "d"], ["e"]]


def test_canary_by_name_and_by_selector_comes_first() -> None:
    by_name = RolloutPolicy.model_validate({"canary": {"tenants": ["t4"]}, "maxParallel": 2})
    by_label = RolloutPolicy.model_validate({"canary": {"selector": {"matchLabels": {"ring": "canary"}}}})
    both = RolloutPolicy.model_validate(
        {"canary": {"tenants": ["t5"], "selector": {"matchLabels": {"ring": "canary"}}}, "maxParallel": 3}
    )

    assert waves(by_name, TENANTS) == [["t4"], ["t1", "t2"], ["t3", "t5"]]
    assert waves(by_label, TENANTS) == [["t3"], ["t1", "t2", "t4", "t5"]]
    assert waves(both, TENANTS) == [["t3", "t5"], ["t1", "t2", "t4"]]


def test_an_empty_canary_selection_leaves_no_empty_wave() -> None:
    policy = RolloutPolicy.model_validate({"canary": {"tenants": ["gone"]}, "maxParallel": 5})

    assert waves(policy, TENANTS) == [["t1", "t2", "t3", "t4", "t5"]]


def test_a_new_revision_waits_for_approval_with_its_digest() -> None:
    decision = decide(facts(BaselineStatus(completedRevision=OLD)))

    rollout = decision.status.rollout
    assert rollout is not None
    assert (rollout.phase, rollout.revision, rollout.digest, rollout.waves) == (
        RolloutPhase.PENDING_APPROVAL, REV, DIGEST, 3,
    )  # fmt: skip
    assert decision.sync == [] and decision.status.releases == []
    assert DIGEST[:12] in (rollout.message or "")


def test_the_completed_revision_starts_nothing() -> None:
    decision = decide(facts(BaselineStatus(completedRevision=REV)))

    assert decision.status.rollout is None
    assert decision.notices == []


def test_approval_of_the_digest_releases_the_canary_and_requests_its_syncs() -> None:
    pending = decide(facts(BaselineStatus(completedRevision=OLD))).status

    decision = approved(pending)

    rollout = decision.status.rollout
    assert rollout is not None and rollout.phase == RolloutPhase.PROGRESSING
    assert (rollout.wave, rollout.approvedBy) == (1, "alice")
    assert decision.sync == ["t1", "t2"]
    assert [(r.tenant, r.revision) for r in decision.status.releases] == [("t1", REV), ("t2", REV)]
    assert set(decision.clear) == {APPROVAL, APPROVAL_DIGEST}


def test_approval_needs_the_digest_of_this_revision() -> None:
    pending = decide(facts(BaselineStatus(completedRevision=OLD))).status

    for given in (
        {APPROVAL: "approve"},
        {APPROVAL: "approve", APPROVAL_DIGEST: "ffffffff"},
        {APPROVAL: "approve", APPROVAL_DIGEST: DIGEST[:6]},
    ):
        decision = decide(facts(pending, annotations=given))
        assert decision.status.rollout is not None
        assert decision.status.rollout.phase == RolloutPhase.PENDING_APPROVAL
        assert decision.sync == []
        assert [n.reason for n in decision.notices] == ["ApprovalRefused"]
        assert APPROVAL in decision.clear


def test_reject_stops_the_rollout_until_a_new_revision() -> None:
    pending = decide(facts(BaselineStatus(completedRevision=OLD))).status

    rejected = decide(facts(pending, annotations={APPROVAL: "reject"})).status
    again = decide(facts(rejected))

    assert rejected.rollout is not None and rejected.rollout.phase == RolloutPhase.REJECTED
    assert again.status.rollout is not None and again.status.rollout.phase == RolloutPhase.REJECTED
    assert again.sync == []


def test_a_decision_without_a_pending_rollout_is_refused_and_removed() -> None:
    decision = decide(facts(rolling(1), annotations={APPROVAL: "approve", APPROVAL_DIGEST: DIGEST}))

    assert [n.reason for n in decision.notices] == ["DecisionIgnored"]
    assert APPROVAL in decision.clear


def test_baseline_only_plans_are_approved_for_the_baseline_and_local_changes_are_left_alone() -> None:
    runs = {
        "t1": [run("t1-run", RunPhase.PENDING_APPROVAL, digest="digest-of-t1")],
        "t2": [run("t2-run", RunPhase.PENDING_APPROVAL, local=1)],
    }

    decision = decide(facts(rolling(1), runs=runs))

    assert [(a.tenant, a.run, a.digest, a.by) for a in decision.approve] == [
        ("t1", "t1-run", "digest-of-t1", "baseline/security (alice)")
    ]


def test_runs_at_another_revision_or_already_decided_are_not_approved() -> None:
    runs = {
        "t1": [run("t1-run", RunPhase.PENDING_APPROVAL, revision=OLD)],
        "t2": [run("t2-run", RunPhase.PENDING_APPROVAL, decided=True)],
    }

    assert decide(facts(rolling(1), runs=runs)).approve == []


def test_a_truncated_plan_is_never_approved_for_the_baseline() -> None:
    pending = run("t1-run", RunPhase.PENDING_APPROVAL)
    truncated = BaselineRun(**{**pending.__dict__, "truncated": True})

    assert decide(facts(rolling(1), runs={"t1": [truncated]})).approve == []


def test_the_next_wave_waits_until_every_released_tenant_verified() -> None:
    decision = decide(facts(rolling(1), runs=succeeded("t1")))

    assert decision.sync == []
    assert decision.status.rollout is not None and decision.status.rollout.wave == 1
    assert "1 of 2" in (decision.status.rollout.message or "")


def test_a_verified_wave_releases_the_next_one() -> None:
    decision = decide(facts(rolling(1), runs=succeeded("t1", "t2")))

    rollout = decision.status.rollout
    assert rollout is not None and (rollout.phase, rollout.wave) == (RolloutPhase.PROGRESSING, 2)
    assert decision.sync == ["t3", "t4"]
    assert {r.tenant for r in decision.status.releases} == {"t1", "t2", "t3", "t4"}


def test_a_success_at_an_older_revision_does_not_verify_the_wave() -> None:
    runs = {"t1": [run("t1-run", RunPhase.SUCCEEDED, revision=OLD)], **succeeded("t2")}

    assert decide(facts(rolling(1), runs=runs)).sync == []


def test_the_pause_between_waves_holds_the_next_wave() -> None:
    verified = decide(facts(rolling(1), runs=succeeded("t1", "t2"), pauseBetweenWaves="10m"))
    later = decide(
        facts(
            verified.status,
            runs=succeeded("t1", "t2"),
            pauseBetweenWaves="10m",
            now=NOW + timedelta(minutes=9),
        )
    )
    after = decide(
        facts(
            later.status, runs=succeeded("t1", "t2"), pauseBetweenWaves="10m", now=NOW + timedelta(minutes=10)
        )
    )

    assert verified.status.rollout is not None and verified.status.rollout.phase == RolloutPhase.PAUSED
    assert verified.sync == [] and later.sync == []
    assert after.sync == ["t3", "t4"]
    assert after.status.rollout is not None and after.status.rollout.phase == RolloutPhase.PROGRESSING


def test_a_failing_run_in_the_wave_halts_and_releases_nothing_further() -> None:
    runs = {"t1": [run("t1-run", RunPhase.NEW_ERROR)], **succeeded("t2")}

    decision = decide(facts(rolling(1), runs=runs))

    rollout = decision.status.rollout
    assert rollout is not None and rollout.phase == RolloutPhase.HALTED
    assert rollout.haltedTenants == ["t1"]
    assert decision.sync == []
    assert {r.tenant for r in decision.status.releases} == {"t1", "t2"}
    assert [n.reason for n in decision.notices] == ["RolloutHalted"]
    degraded = find_condition(with_conditions(decision.status, 1, NOW).conditions, ConditionType.DEGRADED)
    assert degraded is not None and degraded.status == "True"


def test_partial_success_rejection_and_a_failure_before_planning_halt_too() -> None:
    before_plan = run("t2-run", RunPhase.NEW_ERROR, revision=None)
    for runs in (
        {"t1": [run("t1-run", RunPhase.PARTIALLY_SUCCESSFUL)]},
        {"t1": [run("t1-run", RunPhase.REJECTED)]},
        {"t2": [before_plan]},
    ):
        rollout = decide(facts(rolling(1), runs=runs)).status.rollout
        assert rollout is not None and rollout.phase == RolloutPhase.HALTED


def test_a_failure_from_before_the_approval_does_not_halt() -> None:
    old_failure = run("t1-run", RunPhase.NEW_ERROR, revision=None, at=NOW - timedelta(hours=2))

    rollout = decide(facts(rolling(1), runs={"t1": [old_failure]})).status.rollout

    assert rollout is not None and rollout.phase == RolloutPhase.PROGRESSING


def test_a_halted_rollout_stays_halted_until_resumed() -> None:
    halted = rolling(1, RolloutPhase.HALTED, haltedTenants=["t1"])
    runs = {"t1": [run("t1-run", RunPhase.NEW_ERROR)], **succeeded("t2")}

    decision = decide(facts(halted, runs=runs))

    assert decision.sync == [] and decision.approve == []
    assert decision.status.rollout is not None and decision.status.rollout.phase == RolloutPhase.HALTED


def test_resume_retries_the_failed_tenants_and_then_continues() -> None:
    halted = rolling(1, RolloutPhase.HALTED, haltedTenants=["t1"])
    failed = {"t1": [run("t1-run", RunPhase.NEW_ERROR, at=NOW - timedelta(minutes=1))], **succeeded("t2")}

    resumed = decide(facts(halted, runs=failed, annotations={ROLLOUT: "resume"}))
    retry = run("t1-retry", RunPhase.SUCCEEDED, at=NOW + timedelta(minutes=1))
    continued = decide(
        facts(
            resumed.status,
            runs={"t1": [*failed["t1"], retry], "t2": failed["t2"]},
            now=NOW + timedelta(minutes=2),
        )
    )

    assert resumed.sync == ["t1"] and resumed.clear == [ROLLOUT]
    assert resumed.status.rollout is not None
    assert (resumed.status.rollout.phase, resumed.status.rollout.haltedTenants) == (
        RolloutPhase.PROGRESSING,
        [],
    )
    assert continued.sync == ["t3", "t4"]


def test_resume_when_nothing_is_halted_is_refused() -> None:
    decision = decide(facts(rolling(1), annotations={ROLLOUT: "resume"}))

    assert [n.reason for n in decision.notices] == ["ResumeIgnored"]
    assert decision.clear == [ROLLOUT]


def test_the_last_verified_wave_completes_the_rollout() -> None:
    decision = decide(facts(rolling(3), runs=succeeded("t1", "t2", "t3", "t4", "t5")))

    assert decision.status.completedRevision == REV
    assert decision.status.releases == []
    assert decision.status.rollout is not None and decision.status.rollout.phase == RolloutPhase.COMPLETE
    ready = find_condition(with_conditions(decision.status, 1, NOW).conditions, ConditionType.READY)
    assert ready is not None and ready.status == "True"


def test_no_changes_count_as_verified() -> None:
    no_changes = {name: [run(f"{name}-run", RunPhase.SUCCEEDED, from_baseline=0)] for name in ("t1", "t2")}

    assert decide(facts(rolling(1), runs=no_changes)).sync == ["t3", "t4"]


def test_a_new_revision_supersedes_the_rollout_under_way_and_keeps_releases() -> None:
    newer = "c" * 40

    decision = decide(facts(rolling(2), revision=newer))

    rollout = decision.status.rollout
    assert rollout is not None and (rollout.revision, rollout.phase) == (newer, RolloutPhase.PENDING_APPROVAL)
    assert [n.reason for n in decision.notices] == ["RolloutSuperseded", "RolloutPendingApproval"]
    assert {(r.tenant, r.revision) for r in decision.status.releases} == {
        (t, REV) for t in ("t1", "t2", "t3", "t4")
    }
    assert decision.sync == []


def test_a_tenant_adopting_into_a_released_wave_is_released_at_once() -> None:
    late = [*TENANTS, AdoptingTenant("t0")]

    decision = decide(facts(rolling(1), runs=succeeded("t1", "t2"), tenants=late))

    assert decision.sync == ["t0"]
    assert "t0" in {r.tenant for r in decision.status.releases}
    assert decision.status.rollout is not None and decision.status.rollout.wave == 1


def test_a_tenant_that_stops_adopting_loses_its_release() -> None:
    decision = decide(facts(rolling(1), tenants=TENANTS[1:]))

    assert "t1" not in {r.tenant for r in decision.status.releases}


def test_no_adopting_tenants_completes_at_once() -> None:
    pending = decide(facts(BaselineStatus(completedRevision=OLD), tenants=[])).status

    decision = decide(facts(pending, tenants=[], annotations={APPROVAL: "approve", APPROVAL_DIGEST: DIGEST}))

    assert decision.status.completedRevision == REV
    assert decision.status.rollout is not None and decision.status.rollout.phase == RolloutPhase.COMPLETE


def test_conditions_follow_the_phase() -> None:
    pending = with_conditions(decide(facts(BaselineStatus(completedRevision=OLD))).status, 3, NOW)
    progressing = find_condition(pending.conditions, ConditionType.PROGRESSING)

    assert progressing is not None and progressing.status == "True"
    assert pending.observedGeneration == 3


def test_a_first_sync_that_only_initialised_the_tenant_is_followed_by_one_more() -> None:
    initialised = BaselineRun(name="t1-init", created=NOW, phase=RunPhase.SUCCEEDED)
    again = BaselineRun(name="t1-again", created=NOW + timedelta(minutes=1), phase=RunPhase.SUCCEEDED)
    older = BaselineRun(name="t1-old", created=NOW - timedelta(hours=2), phase=RunPhase.SUCCEEDED)

    first = decide(facts(rolling(1), runs={"t1": [older, initialised], **succeeded("t2")}))
    second = decide(facts(rolling(1), runs={"t1": [initialised, again], **succeeded("t2")}))
    running = decide(facts(rolling(1), runs={"t1": [initialised, run("t1-now", RunPhase.IN_PROGRESS)]}))

    assert first.sync == ["t1"]
    assert second.sync == [] and running.sync == []


def test_a_rollout_of_the_completed_revision_is_complete() -> None:
    pending = decide(facts(BaselineStatus(completedRevision=OLD))).status
    restored = pending.model_copy(update={"completedRevision": REV})

    rollout = decide(facts(restored)).status.rollout

    assert rollout is not None and rollout.phase == RolloutPhase.COMPLETE


def test_the_approval_covers_the_tenants_adopting_the_baseline_when_it_is_given() -> None:
    pending = decide(facts(BaselineStatus(completedRevision=OLD))).status

    rollout = approved(pending).status.rollout

    assert rollout is not None and rollout.approvedTenants == ["t1", "t2", "t3", "t4", "t5"]


def test_a_late_adopters_baseline_only_run_waits_for_a_person() -> None:
    late = [*TENANTS, AdoptingTenant("t0")]
    released = decide(facts(rolling(1), runs=succeeded("t1", "t2"), tenants=late))
    waiting = run("t0-run", RunPhase.PENDING_APPROVAL, digest="digest-of-t0")
    runs = {**succeeded("t1", "t2"), "t0": [waiting]}

    decision = decide(facts(released.status, runs=runs, tenants=late))
    shown = conformance(NAME, decision.status, [t.name for t in late], runs, NOW)

    assert released.sync == ["t0"]
    assert "wait for a person's approval" in released.notices[-1].message
    assert decision.approve == []
    row = next(t for t in shown.tenants if t.name == "t0")
    assert (row.state, row.syncRun) == ("Pending", "t0-run")
    assert row.message is not None and "adopted it before" in row.message


def test_a_rollout_approved_without_a_record_of_its_tenants_approves_no_run() -> None:
    runs = {"t1": [run("t1-run", RunPhase.PENDING_APPROVAL)]}

    assert decide(facts(rolling(1, approvedTenants=[]), runs=runs)).approve == []


def test_a_canary_naming_a_tenant_that_does_not_exist_halts_before_releasing_anything() -> None:
    pending = decide(facts(BaselineStatus(completedRevision=OLD), canary={"tenants": ["t9"]})).status

    decision = decide(
        facts(
            pending,
            canary={"tenants": ["t9"]},
            existing=[t.name for t in TENANTS],
            annotations={APPROVAL: "approve", APPROVAL_DIGEST: DIGEST, APPROVAL_BY: "alice"},
        )
    )

    rollout = decision.status.rollout
    assert rollout is not None and rollout.phase == RolloutPhase.HALTED
    assert decision.sync == [] and decision.status.releases == []
    assert rollout.message is not None and "Tenant t9, which does not exist" in rollout.message
    assert [n.reason for n in decision.notices] == ["RolloutHalted"]
    assert "t9" in decision.notices[0].message
    degraded = find_condition(with_conditions(decision.status, 1, NOW).conditions, ConditionType.DEGRADED)
    assert degraded is not None and degraded.status == "True" and "t9" in degraded.message


def test_a_canary_naming_a_tenant_that_does_not_adopt_or_selecting_none_halts_too() -> None:
    existing = [*(t.name for t in TENANTS), "other"]
    for canary, said in (
        ({"tenants": ["other"]}, "Tenant other, which does not adopt the baseline"),
        ({"tenants": ["t1", "x", "y"]}, "Tenants x, y, which do not exist"),
        ({"selector": {"matchLabels": {"ring": "canray"}}}, "selects no Tenant"),
    ):
        decision = decide(facts(rolling(0), canary=canary, existing=existing))

        rollout = decision.status.rollout
        assert rollout is not None and rollout.phase == RolloutPhase.HALTED, canary
        assert said in (rollout.message or ""), rollout.message
        assert decision.sync == [], canary


def test_a_canary_tenant_deleted_mid_rollout_halts_instead_of_widening_wave_one() -> None:
    status = rolling(1)

    decision = decide(facts(status, canary={"tenants": ["t1"]}, tenants=TENANTS[1:], existing=[]))

    assert decision.status.rollout is not None and decision.status.rollout.phase == RolloutPhase.HALTED
    assert decision.sync == []


def test_a_canary_that_cannot_start_is_said_while_waiting_for_approval_once() -> None:
    first = decide(facts(BaselineStatus(completedRevision=OLD), canary={"tenants": ["t9"]}))
    again = decide(facts(first.status, canary={"tenants": ["t9"]}))
    fixed = decide(facts(again.status, canary={"tenants": ["t1"]}))

    assert first.status.rollout is not None and first.status.rollout.phase == RolloutPhase.PENDING_APPROVAL
    assert "Cannot start: spec.rollout.canary.tenants names Tenant t9" in (first.status.rollout.message or "")
    assert [n.reason for n in first.notices] == ["RolloutPendingApproval", "CanaryInvalid"]
    assert again.notices == []
    assert fixed.status.rollout is not None and "Cannot start" not in (fixed.status.rollout.message or "")


def test_a_pause_the_operator_cannot_wait_halts_with_the_bound_instead_of_crashing() -> None:
    for pause in ("99999999h", "169h", "9" * 30 + "h"):
        decision = decide(facts(rolling(1), runs=succeeded("t1", "t2"), pauseBetweenWaves=pause))

        rollout = decision.status.rollout
        assert rollout is not None and rollout.phase == RolloutPhase.HALTED, pause
        assert "pauseBetweenWaves" in (rollout.message or "") and "168h" in (rollout.message or "")
        assert decision.sync == []


def test_the_longest_pause_is_waited() -> None:
    verified = decide(facts(rolling(1), runs=succeeded("t1", "t2"), pauseBetweenWaves="168h"))

    assert pause_between_waves(RolloutPolicy(pauseBetweenWaves="168h")) == timedelta(hours=168)
    assert verified.status.rollout is not None and verified.status.rollout.phase == RolloutPhase.PAUSED


def test_a_revision_force_pushed_away_halts_the_rollout_once_until_resumed() -> None:
    paused = decide(facts(rolling(1), runs=succeeded("t1", "t2"), pauseBetweenWaves="10m")).status
    later = NOW + timedelta(minutes=20)

    gone = decide(facts(paused, runs=succeeded("t1", "t2"), pauseBetweenWaves="10m", missing=REV, now=later))
    still = decide(facts(gone.status, runs=succeeded("t1", "t2"), missing=REV, now=later))
    resumed = decide(
        facts(
            still.status, runs=succeeded("t1", "t2"), missing=REV, annotations={ROLLOUT: "resume"}, now=later
        )
    )

    rollout = gone.status.rollout
    assert rollout is not None and rollout.phase == RolloutPhase.HALTED
    assert rollout.revisionMissingSince == later
    assert f"revision {REV[:12]} is no longer on branch main" in (rollout.message or "")
    assert gone.sync == [] and [n.reason for n in gone.notices] == ["RolloutHalted"]
    assert still.status.rollout is not None and still.status.rollout.phase == RolloutPhase.HALTED
    assert still.notices == []
    assert resumed.status.rollout is not None and resumed.status.rollout.phase == RolloutPhase.PROGRESSING
    assert resumed.sync == ["t3", "t4"]


def test_a_revision_that_is_gone_cannot_be_approved() -> None:
    pending = decide(facts(BaselineStatus(completedRevision=OLD))).status

    decision = decide(facts(pending, missing=REV, annotations={APPROVAL: "approve", APPROVAL_DIGEST: DIGEST}))

    assert decision.status.rollout is not None
    assert decision.status.rollout.phase == RolloutPhase.PENDING_APPROVAL
    assert [n.reason for n in decision.notices] == ["ApprovalRefused"]
    assert "no longer on branch main" in decision.notices[0].message


def test_another_missing_revision_does_not_halt() -> None:
    decision = decide(facts(rolling(1), runs=succeeded("t1", "t2"), missing=OLD))

    assert decision.status.rollout is not None and decision.status.rollout.phase == RolloutPhase.PROGRESSING


def test_an_unreadable_repository_is_the_conditions_message_before_any_rollout() -> None:
    problem = "The repository /nowhere named by spec.repository.url does not exist."

    status = with_conditions(BaselineStatus(), 1, NOW, problem)

    ready = find_condition(status.conditions, ConditionType.READY)
    assert ready is not None and (ready.status, ready.reason, ready.message) == (
        "False",
        "RevisionUnknown",
        problem,
    )
    assert status.message == problem
