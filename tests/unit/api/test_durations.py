"""Durations as the CRDs accept them, and the ones no clock can wait."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tenantsync.api import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0s", timedelta()),
        ("90s", timedelta(seconds=90)),
        ("1h30m", timedelta(minutes=90)),
        ("1.5h", timedelta(minutes=90)),
    ],
)
def test_durations_are_read_as_written(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "said"),
    [("9" * 30 + "h", "longer than any duration"), ("", "not a duration"), ("1d", "not a duration")],
)
def test_a_duration_that_cannot_be_read_is_a_value_error_saying_why(text: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        parse_duration(text)
