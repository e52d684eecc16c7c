"""What an idle look no longer repeats (issue 23's fleet cost): the catalogue's answer for a list of
types, and a new token at every look while waiting for consent (now ever rarer, and not all at once)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

from tenantsync.api import DriftStatus, DriftWatch, ResourceType
from tenantsync.catalog import AUDIT_LOG_ROLE_NEED, EXCHANGE_PERMISSION, audit_sources, drift_permission_needs
from tenantsync.drift.check import FIRST_CONSENT_RECHECK, LAST_CONSENT_RECHECK, ConsentRechecks
from tenantsync.drift.needs import watch_needs

TYPES = [
    ResourceType.CONDITIONAL_ACCESS_POLICIES,
    ResourceType.DEVICE_CONFIGURATIONS,
    ResourceType.TRANSPORT_RULE,
]
KEY = ("team-a", "contoso")
AT = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def test_a_lists_needs_are_the_catalogues_and_kept_for_the_same_list() -> None:
    needs = watch_needs(TYPES)
    assert needs.sources == tuple(audit_sources(TYPES))
    assert set(needs.graph_permissions) == set(drift_permission_needs(TYPES)) - {
        EXCHANGE_PERMISSION,
        AUDIT_LOG_ROLE_NEED,
    }
    assert needs.graph_permissions
    assert needs.admin_audit
    assert watch_needs(list(TYPES)) is needs  # another Tenant's equal list: no walk over the catalogue


def test_a_list_without_exchange_types_does_not_search_the_admin_audit() -> None:
    needs = watch_needs([ResourceType.NAMED_LOCATIONS])
    assert not needs.admin_audit
    assert EXCHANGE_PERMISSION not in needs.graph_permissions


def _status(watch: DriftWatch) -> DriftStatus:
    return DriftStatus(watch=watch, lastCheckTime=AT)


def _asking_looks(rechecks: ConsentRechecks, uid: str, looks: int) -> list[int]:
    waiting = _status(DriftWatch.PENDING_ADMIN_CONSENT)
    return [look for look in range(1, looks + 1) if rechecks.fresh(KEY, uid, waiting)]


def test_a_watch_waiting_for_consent_asks_for_a_new_token_ever_less_often() -> None:
    asking = _asking_looks(ConsentRechecks(), "uid-1", 200)
    waits = [b - a for a, b in zip([0, *asking], asking, strict=False)]
    assert FIRST_CONSENT_RECHECK <= waits[0] < FIRST_CONSENT_RECHECK + 3
    assert waits[1] == 2 * waits[0]
    assert waits[-1] == LAST_CONSENT_RECHECK
    assert all(b == min(2 * a, LAST_CONSENT_RECHECK) for a, b in itertools.pairwise(waits))
    # Two hundred looks (over three hours at the default interval) ask a few times, not every third look.
    assert len(asking) < 200 // FIRST_CONSENT_RECHECK // 4


def test_a_fleet_waiting_together_does_not_ask_together() -> None:
    firsts = Counter(_asking_looks(ConsentRechecks(), f"uid-{n}", 6)[0] for n in range(300))
    assert set(firsts) == {FIRST_CONSENT_RECHECK, FIRST_CONSENT_RECHECK + 1, FIRST_CONSENT_RECHECK + 2}
    assert max(firsts.values()) < 150


def test_each_tenant_waits_on_its_own_count() -> None:
    alone = {uid: _asking_looks(ConsentRechecks(), uid, 60) for uid in ("uid-1", "uid-4")}
    assert alone["uid-1"] != alone["uid-4"]  # their first waits differ (5 and 3 looks)
    rechecks, waiting = ConsentRechecks(), _status(DriftWatch.PENDING_ADMIN_CONSENT)
    together: dict[str, list[int]] = {"uid-1": [], "uid-4": []}
    for look in range(1, 61):
        for uid, key in (("uid-1", KEY), ("uid-4", ("team-a", "fabrikam"))):
            if rechecks.fresh(key, uid, waiting):
                together[uid].append(look)
    assert together == alone


def test_a_watch_not_waiting_never_asks_and_starts_again_from_the_first_wait() -> None:
    rechecks, waiting = ConsentRechecks(), _status(DriftWatch.PENDING_ADMIN_CONSENT)
    assert not rechecks.fresh(KEY, "uid-1", None)
    first = _asking_looks(ConsentRechecks(), "uid-1", 10)[0]
    asked = 0
    while asked < 4:  # by the fourth new token the wait is the longest: the next would be 30 looks on
        asked += rechecks.fresh(KEY, "uid-1", waiting)
    assert not rechecks.fresh(KEY, "uid-1", _status(DriftWatch.WATCHING))
    assert _asking_looks(rechecks, "uid-1", LAST_CONSENT_RECHECK)[0] == first  # from the first wait again
    rechecks.forget(KEY)
    assert _asking_looks(rechecks, "uid-1", LAST_CONSENT_RECHECK)[0] == first
