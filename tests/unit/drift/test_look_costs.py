"""What an idle look no longer repeats (issue 23's fleet cost): the catalogue's answer for a list of
types, and a new token at every look while waiting for consent."""

from __future__ import annotations

import datetime as dt

from tenantsync.api import DriftStatus, DriftWatch, ResourceType
from tenantsync.catalog import AUDIT_LOG_ROLE_NEED, EXCHANGE_PERMISSION, audit_sources, drift_permission_needs
from tenantsync.drift.check import CONSENT_RECHECK_LOOKS, ConsentRechecks
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


def test_a_watch_waiting_for_consent_asks_for_a_new_token_every_few_looks_only() -> None:
    rechecks = ConsentRechecks()
    waiting = _status(DriftWatch.PENDING_ADMIN_CONSENT)
    asked = [rechecks.fresh(KEY, waiting) for _ in range(2 * CONSENT_RECHECK_LOOKS)]
    assert CONSENT_RECHECK_LOOKS > 1
    assert asked == ([False] * (CONSENT_RECHECK_LOOKS - 1) + [True]) * 2
    # Another Tenant waits on its own count.
    assert not rechecks.fresh(("team-a", "fabrikam"), waiting)


def test_a_watch_not_waiting_never_asks_and_starts_counting_again_when_it_waits() -> None:
    rechecks = ConsentRechecks()
    waiting = _status(DriftWatch.PENDING_ADMIN_CONSENT)
    assert not rechecks.fresh(KEY, None)
    for _ in range(CONSENT_RECHECK_LOOKS - 1):
        rechecks.fresh(KEY, waiting)
    assert not rechecks.fresh(KEY, _status(DriftWatch.WATCHING))
    assert not rechecks.fresh(KEY, waiting)  # the count started again
    rechecks.forget(KEY)
    assert [rechecks.fresh(KEY, waiting) for _ in range(CONSENT_RECHECK_LOOKS)][-1]
