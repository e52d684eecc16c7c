"""When to start a sync and which finished runs to forget: CronJob's rules, without kopf."""

from tenantsync.scheduling.cron import InvalidScheduleError, Schedule
from tenantsync.scheduling.history import RunRecord, runs_to_prune
from tenantsync.scheduling.spread import offset_of, spread_wait

__all__ = ["InvalidScheduleError", "RunRecord", "Schedule", "offset_of", "runs_to_prune", "spread_wait"]
