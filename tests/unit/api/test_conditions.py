from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tenantsync.api import ConditionType, find_condition, set_condition

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def test_transition_time_moves_only_when_status_flips() -> None:
    conditions = set_condition([], ConditionType.READY, "False", "NotRun", "never", generation=1, now=T0)
    same = set_condition(
        conditions, ConditionType.READY, "False", "NewError", "bad", generation=2, now=T0 + timedelta(hours=1)
    )
    flipped = set_condition(
        same, ConditionType.READY, "True", "Succeeded", "ok", generation=2, now=T0 + timedelta(hours=2)
    )

    kept = find_condition(same, ConditionType.READY)
    assert kept is not None
    assert kept.lastTransitionTime == T0
    assert (kept.reason, kept.message, kept.observedGeneration) == ("NewError", "bad", 2)
    moved = find_condition(flipped, ConditionType.READY)
    assert moved is not None
    assert moved.lastTransitionTime == T0 + timedelta(hours=2)


def test_one_condition_per_type() -> None:
    conditions = set_condition([], ConditionType.READY, "False", "A", "", generation=1, now=T0)
    conditions = set_condition(
        conditions, ConditionType.CREDENTIALS_VALID, "True", "Valid", "", generation=1, now=T0
    )
    conditions = set_condition(conditions, ConditionType.READY, "True", "B", "", generation=1, now=T0)
    assert sorted(c.type for c in conditions) == ["CredentialsValid", "Ready"]


def test_an_unchanged_condition_keeps_its_place_and_equals_the_old_list() -> None:
    conditions = set_condition([], ConditionType.READY, "False", "A", "m", generation=1, now=T0)
    conditions = set_condition(
        conditions, ConditionType.CREDENTIALS_VALID, "True", "Valid", "", generation=1, now=T0
    )
    again = set_condition(
        conditions, ConditionType.READY, "False", "A", "m", generation=1, now=T0 + timedelta(minutes=5)
    )
    assert again == conditions, "re-setting an unchanged condition must not reorder or rewrite the list"
    changed = set_condition(conditions, ConditionType.READY, "True", "B", "", generation=1, now=T0)
    assert [c.type for c in changed] == ["Ready", "CredentialsValid"]
