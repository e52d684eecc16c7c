"""Which finished runs to delete, as `successfulJobsHistoryLimit` / `failedJobsHistoryLimit` do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RunRecord:
    name: str
    created: datetime
    finished: bool
    failed: bool
    advanced: bool = False
    """Past preflight: a run that has started working, which a newer run must not overtake."""


def runs_to_prune(runs: list[RunRecord], successful_limit: int, failed_limit: int) -> list[str]:
    """Names of the oldest finished runs beyond each limit; active runs are never pruned."""
    newest_first = sorted((r for r in runs if r.finished), key=lambda r: r.created, reverse=True)
    successful = [r.name for r in newest_first if not r.failed]
    failed = [r.name for r in newest_first if r.failed]
    return successful[successful_limit:] + failed[failed_limit:]
