"""The backup history: read the tenant and commit what it holds to the backup branch.

Backup and Verify both record the tenant this way; they differ only in what a refusal means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tenantsync.api import BackupStatus, ResourceType
from tenantsync.catalog import ConfigurationType, catalog
from tenantsync.sync.pipeline import RunContext
from tenantsync.sync.session import Session
from tenantsync.sync.snapshot import take_snapshot


@dataclass(frozen=True)
class RecordedBackup:
    """A backup as status shows it, a sentence for people (which commit, what was skipped), and the
    folder it wrote (what reading the backup branch back would give)."""

    status: BackupStatus
    message: str
    files: dict[str, bytes]


async def record_backup(ctx: RunContext, session: Session) -> RecordedBackup:
    """Back the tenant up and commit it to the backup branch."""
    spec = ctx.tenant
    types = [catalog()[name] for name in (spec.resources or list(ResourceType))]
    user = ctx.status.authentication.user if ctx.status.authentication else None
    admin_api = await session.admin_api() if user and user.state and user.state.signed_in else None
    snapshot = await take_snapshot(await session.graph(), types, admin_api=admin_api)
    repository = await session.repository()
    files = snapshot.files()
    commit = await repository.write_folder(
        spec.repository.backupBranch,
        ctx.repository_path,
        files,
        f"Backup of Tenant {ctx.namespace}/{ctx.tenant_name}\n\nSyncRun: {ctx.run_name}",
        protected_branches={spec.repository.branch},  # a backup never writes the desired state
    )
    by_type = {str(name): len(objects) for name, objects in snapshot.objects.items()}
    expiries = {
        str(name): min(found)
        for name, objects in snapshot.objects.items()
        if (found := [when for obj in objects if (when := _expiry(catalog()[name], obj)) is not None])
    }
    status = BackupStatus(
        commit=commit or await repository.head(spec.repository.backupBranch),
        objects=sum(by_type.values()),
        objectsByType=by_type,
        skippedTypes=[str(name) for name in snapshot.skipped],
        unavailableTypes=[str(name) for name in snapshot.unavailable],
        expiries=expiries,
    )
    changed = f"committed {commit[:12]}" if commit else "unchanged since the last backup"
    message = f"Backed up {status.objects} objects ({changed})."
    if snapshot.skipped:
        message += f" Skipped (need a signed-in user): {', '.join(status.skippedTypes)}."
    if snapshot.unavailable:
        message += f" Not licensed in this tenant: {', '.join(status.unavailableTypes)}."
    return RecordedBackup(status, message, files)


def _expiry(entry: ConfigurationType, obj: dict[str, Any]) -> datetime | None:
    """The expiry a type reports (an ISO date from Graph), or None when it has none or it is unreadable."""
    value = obj.get(entry.expiry_field) if entry.expiry_field else None
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
