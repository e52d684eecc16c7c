"""One look at a Tenant's audit logs, start to end: permissions, the read, the commits, the status.

The watch needs its own application permissions (one per audit log, docs/drift.md); the admin audit
needs ``Exchange.ManageAsApp`` in the Exchange endpoint's token and an Entra role that reaches
``Search-UnifiedAuditLog``. When the token lacks one, the watch waits in PendingAdminConsent, says which
and where to grant them, and looks again next interval (with a new token at waits doubling from
`FIRST_CONSENT_RECHECK` to `LAST_CONSENT_RECHECK` looks); a sync is never held up or failed by it. Any
other failure (credentials, Graph, Git) leaves the watch Failing with the error's message until a look
succeeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from tenantsync.api import (
    RECENT_CHANGES_KEPT,
    CodedError,
    DriftChange,
    DriftStatus,
    DriftWatch,
    ResourceType,
    SyncRunStatus,
    TenantSpec,
)
from tenantsync.catalog import AUDIT_LOG_ROLE_NEED, AUDIT_LOG_ROLES, EXCHANGE_PERMISSION, ROLE_TEMPLATE_IDS
from tenantsync.drift.needs import WatchNeeds, watch_needs
from tenantsync.drift.watcher import AuditWatch
from tenantsync.graph import GraphError
from tenantsync.repository import GitAuthor
from tenantsync.scheduling import offset_of
from tenantsync.sync import (
    Recorded,
    RunContext,
    SecretReader,
    TenantCache,
    TenantSession,
    TouchedObject,
    commit_touched,
)

TenantKey = tuple[str, str]

FIRST_CONSENT_RECHECK = 3
"""While a watch waits for consent, its first new token comes 3 to 5 looks after the wait began (each
Tenant at its own count, its uid hashed, so a fleet that started waiting together does not sign in
together); the other looks reuse the cached token. A grant shows only in a new token."""
LAST_CONSENT_RECHECK = 30
"""The wait between new tokens doubles from the first up to this many looks: a Tenant left waiting for
days asks once every 30 minutes at the default 1-minute interval, not every 3 (a thousand such Tenants
sign in ~33 times a minute instead of ~333). A grant is therefore seen within 30 looks; sooner when the
operator restarts (its first look signs in afresh) or the Tenant's cached token expires."""


@dataclass(frozen=True)
class DriftLook:
    """What a look found: the status to show and the changes it saw for the first time."""

    status: DriftStatus
    new: list[DriftChange] = field(default_factory=list)


def author_of(change: DriftChange) -> GitAuthor:
    """The person (by UPN) or the app (by name and id) as a commit's author."""
    actor = change.actor
    if actor.userPrincipalName:
        return GitAuthor(name=actor.userPrincipalName, email=actor.userPrincipalName)
    app_id = actor.appId or "unknown"
    name = actor.appDisplayName or "unknown application"
    return GitAuthor(
        name=f"{name} ({app_id})".replace("<", "").replace(">", ""), email=f"{app_id}@applications"
    )


def who(change: DriftChange) -> str:
    actor = change.actor
    if actor.userPrincipalName:
        via = f" via {actor.appDisplayName}" if actor.appDisplayName else ""
        return f"{actor.userPrincipalName}{via}"
    return f"application {actor.appDisplayName or '?'} ({actor.appId or '?'})"


def commit_message(change: DriftChange, record_id: str) -> str:
    name = f" ({change.displayName})" if change.displayName else ""
    fields = ", ".join(change.changedFields) or "not named by the audit record"
    return (
        f"{change.activity}: {change.type}/{change.objectId}{name}\n\n"
        f"Changed by {who(change)} at {change.time:%Y-%m-%dT%H:%M:%SZ}, outside tenantsync.\n"
        f"Changed fields: {fields}\n"
        f"Audit record: {change.source} {record_id}\n"
    )


def _missing(needed: Iterable[str], granted: frozenset[str]) -> list[str]:
    return sorted(p for p in needed if p not in granted and p.replace(".Read.", ".ReadWrite.") not in granted)


async def _admin_audit_missing(session: TenantSession, needs: WatchNeeds, *, fresh: bool) -> list[str]:
    """What reading the admin audit lacks: ``Exchange.ManageAsApp`` in the Exchange endpoint's token, a
    role reaching ``Search-UnifiedAuditLog`` in its ``wids``. Nothing is asked when no type needs it."""
    if not needs.admin_audit:
        return []
    principal = await session.service_principal()
    token = await principal.acquire(fresh=fresh, resource=session.endpoints.exchange_resource)
    missing = [] if EXCHANGE_PERMISSION in token.roles else [EXCHANGE_PERMISSION]
    if not any(ROLE_TEMPLATE_IDS[role] in token.role_ids for role in AUDIT_LOG_ROLES):
        missing.append(AUDIT_LOG_ROLE_NEED)
    return missing


class ConsentRechecks:
    """Which looks of the watches waiting for consent ask for a new token."""

    def __init__(self) -> None:
        self._waits: dict[TenantKey, tuple[int, int]] = {}
        """Per waiting Tenant: looks made since the last that asked for a new token, and the looks
        between the last two that asked (the next wait is twice that, up to `LAST_CONSENT_RECHECK`)."""

    def fresh(self, key: TenantKey, uid: str | None, before: DriftStatus | None) -> bool:
        """Whether this look asks for a new token: after `FIRST_CONSENT_RECHECK` (+0..2, by `uid`) looks
        of waiting, then after twice as many each time, up to `LAST_CONSENT_RECHECK`."""
        if before is None or before.watch != DriftWatch.PENDING_ADMIN_CONSENT:
            self._waits.pop(key, None)
            return False
        first = FIRST_CONSENT_RECHECK + int(offset_of(uid or "/".join(key), 3))
        waited, gap = self._waits.get(key, (0, first))
        waited += 1
        if waited < gap:
            self._waits[key] = (waited, gap)
            return False
        self._waits[key] = (0, min(2 * gap, LAST_CONSENT_RECHECK))
        return True

    def forget(self, key: TenantKey) -> None:
        self._waits.pop(key, None)


class DriftChecker:
    """The watches of every Tenant this operator serves, kept in memory between looks."""

    def __init__(self, cache: TenantCache, docs_base_url: str, clock: Callable[[], datetime]) -> None:
        self._cache = cache
        self._docs_base_url = docs_base_url
        self._clock = clock
        self._watches: dict[TenantKey, AuditWatch] = {}
        self._rechecks = ConsentRechecks()

    def forget(self, namespace: str, name: str) -> None:
        self._watches.pop((namespace, name), None)
        self._rechecks.forget((namespace, name))

    def requests(self, namespace: str, name: str) -> int:
        watch = self._watches.get((namespace, name))
        return watch.requests if watch else 0

    async def look(
        self,
        namespace: str,
        name: str,
        uid: str | None,
        spec: TenantSpec,
        before: DriftStatus | None,
        secrets: SecretReader,
    ) -> DriftLook:
        now = self._clock()
        status = (before or DriftStatus()).model_copy(deep=True)
        status.lastCheckTime = now
        watch = self._watches.get((namespace, name))
        if watch is None:
            # A restarted operator goes on from its last look, so a change made meanwhile is still seen;
            # the time of the check is written at most every ten minutes, the last detection at once.
            last = [t for t in (before.lastCheckTime, before.lastDetectionTime) if t] if before else []
            started = max(last, default=now)
            watch = self._watches[(namespace, name)] = AuditWatch(started)
        ctx = RunContext(
            namespace=namespace,
            run_name=f"{name}-drift",
            tenant_name=name,
            tenant=spec,
            status=SyncRunStatus(),
            generation=None,
            now=now,
            docs_base_url=self._docs_base_url,
            secrets=secrets,
            tenant_uid=uid,
        )
        types = spec.resources or list(ResourceType)
        needs = watch_needs(types)
        try:
            async with self._cache.session(ctx) as session:
                fresh = self._rechecks.fresh((namespace, name), uid, before)
                token = await (await session.service_principal()).acquire(fresh=fresh)
                missing = _missing(needs.graph_permissions, token.roles) + await _admin_audit_missing(
                    session, needs, fresh=fresh
                )
                if missing:
                    url = session.endpoints.admin_consent_url(spec.tenantId, spec.servicePrincipal.clientId)
                    status.watch = DriftWatch.PENDING_ADMIN_CONSENT
                    status.missingPermissions, status.adminConsentUrl = missing, url
                    status.message = (
                        f"Waiting for admin consent: application {spec.servicePrincipal.clientId} lacks"
                        f" {', '.join(missing)}, which reading the audit logs needs. A Global Administrator"
                        f" can grant it at {url} (a role by assigning it to the app's service principal);"
                        " syncs go on meanwhile, and drift is watched once granted."
                    )
                    return DriftLook(status)
                seen = await watch.look(
                    await session.graph(), types, spec.servicePrincipal.clientId, now, session.exchange
                )
                touched = [
                    TouchedObject(
                        s.change.type,
                        s.change.objectId,
                        author_of(s.change),
                        commit_message(s.change, s.record_id),
                    )
                    for s in seen
                ]
                unrecorded: str | None = None
                try:
                    recorded = await commit_touched(ctx, session, touched) if touched else []
                except (CodedError, GraphError) as error:
                    # The changes were read once and are not read again: shown without their commits,
                    # the next sync records the objects.
                    recorded, unrecorded = [Recorded(None, t.object_id) for t in touched], str(error)
        except (CodedError, GraphError) as error:
            status.watch = DriftWatch.FAILING
            status.message = f"Reading the audit logs failed: {error}"
            return DriftLook(status)
        new = [
            s.change.model_copy(update={"commit": r.commit, "objectId": r.object_id})
            for s, r in zip(seen, recorded, strict=True)
        ]
        status.watch = DriftWatch.WATCHING
        status.missingPermissions, status.adminConsentUrl = [], None
        status.message = f"Watching the audit logs every {spec.drift.interval}." if not new else _summary(new)
        if unrecorded is not None:
            status.message += f" Recording the changed objects on the backup branch failed: {unrecorded}"
        if new:
            status.detected += len(new)
            status.lastDetectionTime = now
            status.changes = (list(reversed(new)) + status.changes)[:RECENT_CHANGES_KEPT]
        return DriftLook(status, new)


def _summary(new: list[DriftChange]) -> str:
    last = new[-1]
    more = f" and {len(new) - 1} more" if len(new) > 1 else ""
    return (
        f"Drift: {last.activity} ({last.type}/{last.objectId}) by {who(last)} at"
        f" {last.time:%Y-%m-%dT%H:%M:%SZ}{more}."
    )
