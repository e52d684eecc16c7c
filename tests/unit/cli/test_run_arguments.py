"""`tenantsync run` refuses a scheduler interval that is not a positive number of seconds."""

from __future__ import annotations

import pytest

from tenantsync.cli.main import _parser


@pytest.mark.parametrize("interval", ["0", "-5", "ten", "inf", "nan"])
def test_a_scheduler_interval_that_is_not_positive_is_refused(
    interval: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["run", "--scheduler-interval", interval])
    assert f"{interval!r} is not a positive number of seconds" in capsys.readouterr().err


def test_a_positive_scheduler_interval_is_taken() -> None:
    assert _parser().parse_args(["run", "--scheduler-interval", "2.5"]).scheduler_interval == 2.5
