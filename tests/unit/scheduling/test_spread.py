"""A fleet's periodic looks fall at each object's own offset into the interval, not all in one second."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from tenantsync.scheduling import spread_wait
from tenantsync.scheduling.spread import offset_of

NOW = 1_796_644_800.0  # 2026-12-07T12:00:00Z
OFFSET_OF_CONTOSO = 51.427768


def test_a_thousand_keys_started_together_look_spread_over_the_interval() -> None:
    keys = [f"9b2f{i:04d}-uid" for i in range(1000)]
    seconds = Counter(int(NOW + spread_wait(key, 60.0, NOW)) % 60 for key in keys)
    assert len(seconds) == 60
    assert max(seconds.values()) <= 35  # 16.7 a second on average; all 1,000 in one second before


def test_after_a_late_first_look_the_looks_come_at_the_same_offset_an_interval_apart() -> None:
    key = "0c5d7a51-tenant"
    now, looks = NOW + 7.3, []
    for look_took in (0.2, 4.0, 29.0, 0.0, 0.1):
        now += spread_wait(key, 60.0, now)
        looks.append(now)
        now += look_took
    assert [round((look - offset_of(key, 60.0)) % 60, 6) for look in looks] == [0.0] * 5
    assert all(30.0 <= later - earlier <= 90.0 for earlier, later in pairwise(looks))
    assert round(looks[-1] - looks[1], 6) == 3 * 60.0


def test_a_wait_is_never_shorter_than_half_an_interval() -> None:
    waits = [spread_wait(f"key-{i}", 10.0, NOW + i * 0.37) for i in range(500)]
    assert min(waits) >= 5.0
    assert max(waits) < 15.0


def test_the_offset_is_the_same_in_every_process() -> None:
    """A digest, not hash(): Python salts str hashes per process, which would move every Tenant's looks
    at each restart of the operator."""
    assert round(offset_of("contoso-uid", 60.0), 6) == OFFSET_OF_CONTOSO
    assert offset_of("contoso-uid", 60.0) != offset_of("fabrikam-uid", 60.0)


def test_an_interval_under_a_second_is_taken_as_a_second() -> None:
    assert 0.5 <= spread_wait("contoso-uid", 0.0, NOW) < 1.5
