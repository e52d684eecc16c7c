"""The backup history: read the tenant and commit what it holds to the backup branch.

Backup and Verify both record the tenant this way; they differ only in what a refusal means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsync.api import (
    UNENCRYPTED_SECRETS_LISTED,
    BackupStatus,
    CodedError,
    ResourceType,
    UnencryptedSecretFound,
    troubleshooting_page,
)
from tenantsync.catalog import (
    CMDLET_SERVICES,
    ConfigurationType,
    Service,
    as_read,
    catalog,
    field_values,
    keep_within_cap,
    unencrypted_secrets,
    user_graph_scopes,
)
from tenantsync.graph import GraphError
from tenantsync.sync.attribution import Attributor, attributed_message, changed_objects
from tenantsync.sync.off_loop import off_loop
from tenantsync.sync.pipeline import RunContext
from tenantsync.sync.session import Session
from tenantsync.sync.snapshot import take_snapshot
from tenantsync.sync.teams_snapshot import read_teams

ATTRIBUTION_FALLBACK = timedelta(days=1)
"""How far back the audit logs are asked when the last backup's time is not known."""


@dataclass(frozen=True)
class RecordedBackup:
    """A backup as status shows it, a sentence for people (which commit, what was skipped), and the
    folder it wrote (what reading the backup branch back would give)."""

    status: BackupStatus
    message: str
    files: dict[str, bytes]


async def record_backup(
    ctx: RunContext, session: Session, attribute: Attributor | None = None, *, may_snapshot: bool = True
) -> RecordedBackup:
    """Back the tenant up and commit it to the backup branch; with ``attribute``, the commit names who
    made the changes since the last backup (sync/attribution.py).

    The Teams snapshot comes first: while its job runs the step waits (``SnapshotWaiting``) before
    reading anything else, so the rest is read once, when the snapshot is in. ``may_snapshot`` False
    (the verifying backup) keeps the last snapshot instead of starting one."""
    spec = ctx.tenant
    every = [as_read(catalog()[name], spec.groupMembers) for name in (spec.resources or list(ResourceType))]
    teams_types = [entry for entry in every if entry.service == Service.TCM]
    repository = await session.repository()
    # The last backup, read once when the Teams files it keeps or the changes attribution explains need
    # it; the write then compares with this read. Without either, the write's own compare is cheaper
    # than a read: it looks at the folder's tree id alone.
    last = (
        await repository.read_folder_at_head(spec.repository.backupBranch, ctx.repository_path)
        if teams_types or attribute is not None
        else None
    )
    previous = last[1] if last is not None else {}
    teams = (
        await read_teams(ctx, session, teams_types, previous, may_snapshot=may_snapshot)
        if teams_types
        else None
    )
    types = [entry for entry in every if entry.service != Service.TCM]
    user = ctx.status.authentication.user if ctx.status.authentication else None
    signed_in = bool(user and user.state and user.state.signed_in)
    admin_api = await session.admin_api() if signed_in else None
    scopes = user_graph_scopes(entry.name for entry in types)
    user_graph = await session.user_graph(scopes) if signed_in and scopes else None
    services = sorted({entry.service for entry in types} & CMDLET_SERVICES)
    exchange = {service: await session.exchange(service) for service in services}
    snapshot = await take_snapshot(
        await session.graph(), types, admin_api=admin_api, user_graph=user_graph, exchange=exchange
    )
    over_cap = keep_within_cap(snapshot.objects.get(ResourceType.GROUPS, []), spec.groupMembers)
    files = await off_loop(snapshot.files)
    if teams is not None:  # files named by the snapshot's own rule; the objects count with the others
        files |= teams.files
        snapshot.objects.update(teams.objects)
    message = f"Backup of Tenant {ctx.namespace}/{ctx.tenant_name}\n\nSyncRun: {ctx.run_name}"
    if attribute is not None and last is not None:
        message = await _attributed(ctx, session, attribute, files, message, last)
    commit = await repository.write_folder(
        spec.repository.backupBranch,
        ctx.repository_path,
        files,
        message,
        protected_branches={spec.repository.branch},  # a backup never writes the desired state
        read_at=last[0] if last is not None else None,
    )
    by_type = {str(name): len(objects) for name, objects in snapshot.objects.items()}
    expiries, unencrypted = await off_loop(_findings, snapshot.objects)
    status = BackupStatus(
        commit=commit or await repository.head(spec.repository.backupBranch),
        objects=sum(by_type.values()),
        objectsByType=by_type,
        skippedTypes=[str(name) for name in snapshot.skipped],
        unavailableTypes=[str(name) for name in snapshot.unavailable],
        expiries=expiries,
        unencryptedSecretCount=len(unencrypted),
        unencryptedSecrets=unencrypted[:UNENCRYPTED_SECRETS_LISTED],
        teamsSnapshotTime=teams.taken if teams else None,
    )
    changed = f"committed {commit[:12]}" if commit else "unchanged since the last backup"
    message = f"Backed up {status.objects} objects ({changed})."
    if snapshot.skipped:
        message += f" Skipped (need a signed-in user): {', '.join(status.skippedTypes)}."
    if snapshot.unavailable:
        message += f" Not licensed in this tenant: {', '.join(status.unavailableTypes)}."
    if teams is not None:
        message += f" {teams.message}"
    if unencrypted:
        message += f" {unencrypted_secrets_warning(status, ctx.docs_base_url)}"
    if over_cap and spec.groupMembers is not None:
        message += (
            f" Members not kept for {len(over_cap)} group{'s' if len(over_cap) > 1 else ''} over"
            f" spec.groupMembers.maxMembers ({spec.groupMembers.maxMembers}): {'; '.join(over_cap[:5])}"
            f"{' and more' if len(over_cap) > 5 else ''}; raise the cap or manage their membership elsewhere."
        )
    return RecordedBackup(status, message, files)


UNENCRYPTED_SECRETS = "UnencryptedSecrets"
"""The reason of the Warning event, and the name of the troubleshooting page that says what to do."""


def unencrypted_secrets_warning(status: BackupStatus, docs_base_url: str) -> str:
    """The warning for people: how many, where the first few are, what to do; never a value."""
    count = status.unencryptedSecretCount
    named = [
        f"{found.type} {found.name or found.id!r} ({found.id}) {found.field} ({found.setting}: {found.looksLike})"
        for found in status.unencryptedSecrets[:3]
    ]
    more = f" and {count - len(named)} more" if count > len(named) else ""
    return (
        f"{count} setting{'s' if count > 1 else ''} that Graph serves unencrypted hold{'s' if count == 1 else ''}"
        f" what looks like a secret, in the backup as read: {'; '.join(named)}{more}. Move each to an"
        " encrypted setting or a profile that withholds it, and change the secret; see"
        f" {troubleshooting_page(docs_base_url, UNENCRYPTED_SECRETS)}."
    )


def _findings(
    objects: dict[ResourceType, list[dict[str, Any]]],
) -> tuple[dict[str, datetime], list[UnencryptedSecretFound]]:
    return _earliest_per_watch(objects), _unencrypted_secrets(objects)


def _unencrypted_secrets(objects: dict[ResourceType, list[dict[str, Any]]]) -> list[UnencryptedSecretFound]:
    """Every setting Graph served unencrypted that holds a secret, in type and object order."""
    return [
        UnencryptedSecretFound(
            type=name,
            id=str(obj.get(catalog()[name].identity_field or "id", "")),
            name=obj.get("displayName") if isinstance(obj.get("displayName"), str) else None,
            field=found.field,
            setting=found.setting,
            looksLike=found.looks_like,
        )
        for name in sorted(objects)
        for obj in objects[name]
        for found in unencrypted_secrets(obj)
    ]


def _earliest_per_watch(objects: dict[ResourceType, list[dict[str, Any]]]) -> dict[str, datetime]:
    """The earliest expiry of each watch (the Apple tokens, the app credentials), under the type that
    reports it: one entry per watch, so one metric series each, whatever the number of types."""
    earliest: dict[str, tuple[datetime, str]] = {}
    for name in sorted(objects):
        entry = catalog()[name]
        found = [when for obj in objects[name] if (when := _expiry(entry, obj)) is not None]
        if not found:
            continue
        watch = entry.expiry_watch or str(name)
        if watch not in earliest or min(found) < earliest[watch][0]:
            earliest[watch] = (min(found), str(name))
    return {name: when for when, name in earliest.values()}


async def _attributed(
    ctx: RunContext,
    session: Session,
    attribute: Attributor,
    files: dict[str, bytes],
    message: str,
    last: tuple[str, dict[str, bytes]],
) -> str:
    """The message naming who made the changes since the last backup (`last`: its head and files as
    read); unchanged when there is none."""
    repository = await session.repository()
    head, previous = last
    changed = changed_objects(previous, files)
    if not changed:
        return message
    since = await repository.folder_time_at(head, ctx.repository_path) or ctx.now - ATTRIBUTION_FALLBACK
    try:
        explanations = await attribute(ctx, session, sorted({t for t, _ in changed}), since)
    except (CodedError, GraphError):
        explanations = []  # the logs could not be read: the changes are recorded, unattributed
    if explanations is None:
        return message
    return attributed_message(message, changed, explanations, files, previous)


def _expiry(entry: ConfigurationType, obj: dict[str, Any]) -> datetime | None:
    """The earliest expiry a type reports (ISO dates from Graph, at any of its ``expiry_fields``), or
    None when it has none or none is readable."""
    found = []
    for path in entry.expiry_fields:
        for value in field_values(obj, path):
            if not isinstance(value, str):
                continue
            try:
                when = datetime.fromisoformat(value)
            except ValueError:
                continue
            found.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    return min(found, default=None)
