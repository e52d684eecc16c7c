"""What one pipeline step did, as the metrics count it: each fact once, when the step that made it ends."""

from __future__ import annotations

from datetime import datetime

from tenantsync.api import ConditionType, RunStep, SyncRunStatus, find_condition
from tenantsync.metrics.operator_metrics import DEPLOY_RESULTS, OperatorMetrics


def observe_step(
    metrics: OperatorMetrics,
    namespace: str,
    tenant: str,
    before: SyncRunStatus,
    after: SyncRunStatus,
    *,
    waiting: bool,
    now: datetime,
) -> None:
    """`before` and `after` are the run's status around one step; `waiting`: the step will run again."""
    step = before.step
    if step is None and after.queuedSeconds is not None:
        metrics.observe_queue_wait(after.queuedSeconds)
    if step == RunStep.BACKUP and after.backup is not None:
        backup = after.backup
        metrics.observe_backup(
            namespace, tenant, backup.objectsByType, backup.expiries, backup.unencryptedSecretCount
        )
    if step == RunStep.PLAN and after.plan is not None and after.plan.changes:
        counts: dict[str, int] = {}
        for change in after.plan.changes:
            counts[change.action] = counts.get(change.action, 0) + 1
        metrics.observe_plan(namespace, tenant, counts)
    if step == RunStep.APPROVAL and not waiting and after.approval is not None:
        planned = find_condition(after.conditions, ConditionType.PLANNED)
        if planned is not None:
            metrics.observe_approval_wait((now - planned.lastTransitionTime).total_seconds())
    done = len(before.deploy.results) if before.deploy else 0
    for result in (after.deploy.results if after.deploy else [])[done:]:
        if result.result in DEPLOY_RESULTS:
            metrics.observe_deploy_result(namespace, tenant, result.result)
    if after.phase is not None and after.phase.finished and not (before.phase and before.phase.finished):
        started = after.startTime or now
        metrics.observe_run_finished(
            namespace,
            tenant,
            after.phase,
            after.error.code if after.error else None,
            (now - started).total_seconds(),
        )
