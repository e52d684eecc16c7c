from __future__ import annotations

from datetime import UTC, datetime

from tenantsync.sync.authenticate import missing_permissions, secret_end


def test_readwrite_grants_its_read_twin_but_not_other_permissions() -> None:
    granted = frozenset({"DeviceManagementConfiguration.ReadWrite.All", "Policy.ReadWrite.ConditionalAccess"})
    required = [
        "DeviceManagementConfiguration.Read.All",
        "Policy.Read.All",
        "Policy.ReadWrite.ConditionalAccess",
    ]
    assert missing_permissions(required, granted) == ["Policy.Read.All"]


def test_our_secret_is_found_by_its_hint() -> None:
    credentials = [
        {"hint": "abc", "endDateTime": "2027-01-01T00:00:00Z"},
        {"hint": "s8Q", "endDateTime": "2026-12-24T10:00:00Z"},
        {"hint": None, "endDateTime": "2030-01-01T00:00:00Z"},
    ]
    assert secret_end(credentials, "s8Q~rest-of-the-secret") == datetime(2026, 12, 24, 10, tzinfo=UTC)
    assert secret_end(credentials, "zzz") is None
