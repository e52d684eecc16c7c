"""Plan: the desired state (repository) against the tenant (the backup just taken), file by file.

Objects are matched by their file, named after the object's id (or the type, for singletons), never by
display name. A first sync into an empty desired folder initialises it from the backup and plans
nothing; reject-and-revert makes the same move on purpose.
"""

from __future__ import annotations

from typing import ClassVar

from tenantsync.api import (
    PLANS_BRANCH,
    ChangeAction,
    CodedError,
    ConditionReason,
    ConditionType,
    ErrorCode,
    Mode,
    PlanStatus,
    ResourceType,
    RunPhase,
)
from tenantsync.catalog import WITHHELD_KEY
from tenantsync.sync.convergence import (
    members_not_kept,
    never_converging,
    secrets_set_in_git,
    unknown_parameters,
)
from tenantsync.sync.diff import admin_centre_summary, deployable, plan_changes, plan_digest, summary
from tenantsync.sync.kept import KeptStates
from tenantsync.sync.layout import split_files
from tenantsync.sync.pipeline import Advance, Finish, RunContext, Transition
from tenantsync.sync.plan_files import STATUS_CHANGES, plan_files
from tenantsync.sync.references import missing_references
from tenantsync.sync.session import Session
from tenantsync.sync.states import read_states, record_ids


class Plan:
    condition: ClassVar[ConditionType | None] = ConditionType.PLANNED
    activity: ClassVar[str] = "planning the changes"

    def __init__(self, deletion_guard_ratio: float = 0.2, kept: KeptStates | None = None) -> None:
        self._deletion_guard_ratio = deletion_guard_ratio
        self._kept = kept if kept is not None else KeptStates()

    async def __call__(self, ctx: RunContext, session: Session) -> Transition:
        spec = ctx.tenant
        path = ctx.repository_path
        states = await read_states(ctx, session)
        desired, live, where = states.desired, states.live, states.where
        if not states.initialised:
            commit = await (await session.repository()).write_folder(
                spec.repository.branch, path, {**split_files(live), **states.reserved},
                f"Initialise the desired state of Tenant {ctx.namespace}/{ctx.tenant_name} from its backup\n\nSyncRun: {ctx.run_name}",
            )  # fmt: skip
            message = (
                f"Initialised the desired state in {path} on branch {spec.repository.branch} from the backup"
                f" ({len(live)} objects{', commit ' + commit[:12] if commit else ''}); nothing to deploy."
            )
            ctx.status.plan = PlanStatus(digest=plan_digest([], live), changeCount=0)
            ctx.condition(ConditionType.PLANNED, "True", ConditionReason.INITIALISED, message)
            return Finish(RunPhase.SUCCEEDED, message)

        composition = states.composition
        if composition is not None and composition.matched:
            matched = {name: composition.ids[name] for name in composition.matched}
            await record_ids(ctx, session, states, matched, "matched by name at adoption")
        changes = plan_changes(desired, live, where=where, origins=states.origins)
        secrets = secrets_set_in_git(desired, changes, where=where)
        if secrets:
            raise CodedError(
                ErrorCode.INVALID_DESIRED_STATE,
                f"{where}: {'; '.join(secrets)} holds a value where the service withholds a secret. Secrets"
                f' never go through Git: put back {{"{WITHHELD_KEY}": true}} as the backup records it'
                " and set the secret in the tenant itself (rotate it if it was committed). Nothing was applied.",
            )
        ctx.status.plan = PlanStatus(
            digest=plan_digest(changes, desired),
            changeCount=len(changes),
            adminCentreChangeCount=len(changes) - len(deployable(changes)),
            changes=changes[:STATUS_CHANGES],
            truncated=len(changes) > STATUS_CHANGES,
            baselines=states.planned_baselines,
        )
        if not changes:
            message = "The tenant matches the desired state; nothing to deploy."
            ctx.condition(ConditionType.PLANNED, "True", ConditionReason.NO_CHANGES, message)
            return Finish(RunPhase.SUCCEEDED, message)
        planned = summary(changes)
        if composition is not None and composition.superseded:
            planned += (
                f"; {len(composition.superseded)} of the Tenant's own objects are superseded by its baselines"
                f" ({', '.join(f'{t}/{i}' for t, i in composition.superseded[:5])})"
            )
        by_hand = ctx.status.plan.adminCentreChangeCount
        if by_hand:
            planned += f"; {admin_centre_summary(changes)}"
        if by_hand == len(changes) and spec.mode != Mode.BACKUP_ONLY:
            # Approving would deploy nothing: the run ends, the changes stay reported until made by hand.
            message = (
                f"Drift a person must resolve: the tenant differs from the desired state in {planned}. Nothing"
                " is deployed and no approval is asked for; the next sync plans them again until they are made."
            )
            ctx.condition(ConditionType.PLANNED, "True", ConditionReason.ADMIN_CENTRE_CHANGES, message)
            return Finish(RunPhase.SUCCEEDED, message)
        if spec.mode == Mode.BACKUP_ONLY:
            message = f"Drift: the tenant differs from the desired state in {planned}; BackupOnly never writes to the tenant."
            ctx.condition(ConditionType.PLANNED, "True", ConditionReason.DRIFT_DETECTED, message)
            return Finish(RunPhase.SUCCEEDED, message)
        unfit = never_converging(desired, changes, where=where)
        if unfit:
            raise CodedError(
                ErrorCode.INVALID_DESIRED_STATE,
                f"{where}: {'; '.join(unfit)}. Graph always returns these fields, so without them the change"
                " would be applied again at every sync; copy them from the object's backup on branch"
                f" {spec.repository.backupBranch}. Nothing was applied.",
            )
        unkept = members_not_kept(desired, changes, spec.groupMembers, where=where)
        if unkept:
            raise CodedError(
                ErrorCode.INVALID_DESIRED_STATE,
                f"{where}: {', '.join(unkept)} list{'s' if len(unkept) == 1 else ''} members, but the Tenant"
                " keeps no group members; set spec.groupMembers to keep and deploy them, or remove"
                " members from the file. Nothing was applied.",
            )
        unknown = unknown_parameters(desired, changes, where=where)
        if unknown:
            raise CodedError(
                ErrorCode.INVALID_DESIRED_STATE,
                f"{where}: {'; '.join(unknown)}. Correct the field's spelling or remove it, as the backup on"
                f" branch {spec.repository.backupBranch} records the object. Nothing was applied.",
            )
        synced = set(spec.resources or ResourceType)
        missing = await missing_references(
            await session.graph(), desired, changes, synced, where=where, exchange=session.exchange
        )
        if missing:
            raise CodedError(
                ErrorCode.REFERENCED_OBJECT_MISSING,
                f"The desired state refers to objects that do not exist in the tenant: {'; '.join(missing)}."
                f" Fix the references in {path} (or create the objects first); nothing was applied.",
            )
        deletions = sum(1 for c in changes if c.action == ChangeAction.DELETE)
        if live and deletions > 1 and deletions / len(live) > self._deletion_guard_ratio:
            raise CodedError(
                ErrorCode.DELETION_GUARD,
                f"The plan would delete {deletions} of the tenant's {len(live)} objects, more than the"
                f" {self._deletion_guard_ratio:.0%} the deletion guard allows; nothing was applied. If the deletions"
                f" are intended, delete the objects in smaller steps; if not, restore the files in {path}.",
            )
        plan = ctx.status.plan
        folder = f"{path}/{ctx.run_name}"
        plan.commit = await (await session.repository()).write_folder(
            PLANS_BRANCH,
            folder,
            plan_files(changes, plan.digest or "", f"Plan of SyncRun {ctx.namespace}/{ctx.run_name}"),
            f"Plan of Tenant {ctx.namespace}/{ctx.tenant_name}: {planned}\n\nSyncRun: {ctx.run_name}",
            protected_branches={spec.repository.branch},
        )
        plan.file = f"{folder}/plan.md"
        self._kept.keep(ctx, plan.digest or "", states)
        ctx.condition(ConditionType.PLANNED, "True", ConditionReason.CHANGES_PLANNED, f"Planned {planned}.")
        return Advance(RunPhase.IN_PROGRESS, f"Planned {planned}.")
