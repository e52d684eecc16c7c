"""`kubectl tenantsync logs`' header: what the run is doing, how long it queued, when it started and ended."""

from __future__ import annotations

from tenantsync.cli.plugin import _log_header


def run(**status: object) -> dict[str, object]:
    return {"metadata": {"name": "contoso-1"}, "spec": {"tenantRef": {"name": "contoso"}}, "status": status}


def test_the_header_shows_the_queue_wait_apart_from_the_start() -> None:
    header = _log_header(run(phase="Succeeded", queuedSeconds=754.3, startTime="2026-12-07T02:12:34Z"))
    assert (
        header.plain
        == "SyncRun contoso-1 (Tenant contoso): Succeeded, queued 12m, started 2026-12-07T02:12:34Z"
    )


def test_a_run_that_never_queued_says_nothing_of_a_queue() -> None:
    assert "queued" not in _log_header(run(phase="InProgress", startTime="2026-12-07T02:00:00Z")).plain
