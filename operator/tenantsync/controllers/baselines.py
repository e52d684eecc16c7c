"""Baseline handlers: the revision polled from Git, the rollout carried out, conformance in status.

One reconcile function serves creation, resumption, spec or annotation changes and a periodic timer;
a per-Baseline lock (kopf's memo) keeps two of them apart. What to do is decided by `rollout.decide` and
`conformance.conformance`, pure functions; this module only gathers facts and carries decisions out.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import kopf

from tenantsync.api import (
    APPROVAL,
    APPROVAL_BY,
    APPROVAL_DIGEST,
    GROUP,
    MAX_CHANGED_FILES,
    SYNC_REQUESTED_AT,
    VERSION,
    BaselineSpec,
    BaselineStatus,
    RolloutStatus,
)
from tenantsync.controllers.baseline_runs import BaselineRun, baseline_runs_of
from tenantsync.controllers.conformance import conformance
from tenantsync.controllers.rollout import (
    UNDER_WAY,
    AdoptingTenant,
    BaselinePass,
    RolloutDecision,
    decide,
    with_conditions,
)
from tenantsync.controllers.tenants_index import INDEX_ID as TENANTS_INDEX_ID
from tenantsync.controllers.tenants_index import TenantsIndex
from tenantsync.kube import KubeClient, NotFoundError
from tenantsync.metrics import OperatorMetrics
from tenantsync.repository import (
    FolderRevision,
    RepositoryError,
    TenantRepository,
    missing_local_remote,
    repository_credentials,
)
from tenantsync.settings import OperatorSettings
from tenantsync.sync import TenantCache

logger = logging.getLogger(__name__)


def adopting_tenants(
    handler_kwargs: Mapping[str, Any], namespace: str, baseline: str
) -> list[AdoptingTenant]:
    """The Tenants of the namespace whose spec.baselines names the Baseline, from the Tenants' index."""
    index: TenantsIndex = handler_kwargs[TENANTS_INDEX_ID]
    adopting: list[AdoptingTenant] = []
    for (tenant_namespace, name), views in index.items():
        if tenant_namespace != namespace:
            continue
        for view in views:
            references = view["spec"].get("baselines") or []
            if any(reference.get("name") == baseline for reference in references):
                adopting.append(AdoptingTenant(name, dict(view["metadata"].get("labels") or {})))
                break
    return sorted(adopting, key=lambda tenant: tenant.name)


def namespace_tenants(handler_kwargs: Mapping[str, Any], namespace: str) -> frozenset[str]:
    """Every Tenant of the namespace, from the Tenants' index: what a canary may name."""
    index: TenantsIndex = handler_kwargs[TENANTS_INDEX_ID]
    return frozenset(name for (tenant_namespace, name) in index if tenant_namespace == namespace)


@dataclass(frozen=True)
class Polled:
    revision: FolderRevision | None
    problem: str | None = None
    """Why the revision could not be read (the repository is unreachable or does not exist, its Secret
    is missing, the branch or the folder is not there)."""
    missing: str | None = None
    """The revision of the rollout under way, when the branch no longer holds it (force-pushed away)."""


class BaselineController:
    def __init__(
        self, settings: OperatorSettings, kube: KubeClient, metrics: OperatorMetrics, cache: TenantCache
    ) -> None:
        self._settings = settings
        self._kube = kube
        self._metrics = metrics
        self._cache = cache
        self._approved: set[tuple[str, str, str]] = set()
        """(namespace, baseline, run) approved by this operator whose annotation the watch may not show yet."""
        self._written: dict[tuple[str, str], str] = {}
        """(namespace, baseline) -> the resourceVersion this operator's last write of it left."""

    async def reconcile(self, body: kopf.Body, memo: kopf.Memo, handler_kwargs: Mapping[str, Any]) -> None:
        lock: asyncio.Lock = memo.setdefault("baseline_lock", asyncio.Lock())
        async with lock:
            await self._reconcile(body, memo, handler_kwargs)

    async def _reconcile(self, body: kopf.Body, memo: kopf.Memo, handler_kwargs: Mapping[str, Any]) -> None:
        now = self._settings.clock()
        name, namespace = body.metadata.name, body.metadata.namespace
        assert name is not None and namespace is not None
        spec = BaselineSpec.model_validate(dict(body.spec))
        stored, annotations = await self._latest(body, namespace, name)
        before = BaselineStatus.model_validate(stored)
        under_way = before.rollout.revision if before.rollout and before.rollout.phase in UNDER_WAY else None
        polled = await self._poll_when_due(
            memo, namespace, name, spec, body.metadata.get("generation"), now, under_way
        )
        tenants = adopting_tenants(handler_kwargs, namespace, name)
        runs: dict[str, list[BaselineRun]] = {
            tenant.name: baseline_runs_of(dict(handler_kwargs), namespace, tenant.name) for tenant in tenants
        }
        decision = decide(
            BaselinePass(
                name=name,
                spec=spec,
                status=before,
                revision=polled.revision.commit if polled.revision else None,
                digest=polled.revision.tree if polled.revision else None,
                tenants=tenants,
                runs=runs,
                annotations=annotations,
                now=now,
                existing=namespace_tenants(handler_kwargs, namespace),
                missing=polled.missing,
            )
        )
        rollout = decision.status.rollout
        if rollout is not None and (before.rollout is None or before.rollout.revision != rollout.revision):
            await self._describe_changes(namespace, name, spec, before.completedRevision, rollout)
        status = conformance(name, decision.status, [tenant.name for tenant in tenants], runs, now)
        status = with_conditions(status, body.metadata.get("generation"), now, polled.problem)
        if polled.problem is not None and before.message != polled.problem:
            kopf.warn(body, reason="RevisionUnknown", message=f"Baseline {name}: {polled.problem}")
        if status != before:
            # Only the fields this pass changed: the status read above may already be older than the stored
            # one, and a field this pass did not decide on must not be put back to that older value.
            changed = {
                key: value
                for key, value in status.model_dump(mode="json").items()
                if stored.get(key) != value
            }
            self._remember(
                namespace, name, await self._kube.patch_status("baselines", namespace, name, changed)
            )
        await self._carry_out(body, namespace, decision, runs, now)
        self._metrics.observe_baseline(namespace, name, status)

    async def _latest(
        self, body: kopf.Body, namespace: str, name: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The status and annotations this pass starts from: the watch's, once it shows this operator's last
        write of the Baseline; the API server's while it lags behind it. A pass that started from an older
        status would decide again what the last pass decided (release a wave twice, sync its Tenants twice,
        act on an annotation already taken off)."""
        # kopf updates the body as watch events arrive: it is read once, before anything awaits.
        seen = body.metadata.get("resourceVersion")
        stored = copy.deepcopy(dict(body.status or {}))
        annotations = dict(body.metadata.annotations)
        written = self._written.get((namespace, name))
        if written is None or written == seen:
            return stored, annotations
        try:
            fresh = await self._kube.get("baselines", namespace, name)
        except NotFoundError:
            return stored, annotations
        self._remember(namespace, name, fresh)  # once the watch shows this version, passes read the watch
        return dict(fresh.get("status") or {}), dict(fresh["metadata"].get("annotations") or {})

    def _remember(self, namespace: str, name: str, baseline: Mapping[str, Any]) -> None:
        """The version of the Baseline this operator wrote (or read fresh): passes start from it."""
        self._written[(namespace, name)] = baseline["metadata"]["resourceVersion"]

    async def _carry_out(
        self,
        body: kopf.Body,
        namespace: str,
        decision: RolloutDecision,
        runs: Mapping[str, list[BaselineRun]],
        now: datetime,
    ) -> None:
        """After the status holds the releases: sync the released Tenants, approve their baseline-only
        runs, take off the annotations acted on, and tell people."""
        requested = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        baseline = body.metadata.name or ""
        for tenant in decision.sync:
            try:
                await self._kube.patch(
                    "tenants",
                    namespace,
                    tenant,
                    {"metadata": {"annotations": {SYNC_REQUESTED_AT: requested}}},
                )
            except NotFoundError:
                logger.info("Tenant %s/%s was deleted before its sync could be requested", namespace, tenant)
        waiting = {(namespace, baseline, approval.run) for approval in decision.approve}
        # Once the watch shows a run's decision it is no longer proposed, and its entry can go.
        self._approved = {key for key in self._approved if key[:2] != (namespace, baseline) or key in waiting}
        for approval in decision.approve:
            if (namespace, baseline, approval.run) in self._approved:
                continue
            self._approved.add((namespace, baseline, approval.run))
            annotations = {APPROVAL: "approve", APPROVAL_DIGEST: approval.digest, APPROVAL_BY: approval.by}
            try:
                await self._kube.patch(
                    "syncruns", namespace, approval.run, {"metadata": {"annotations": annotations}}
                )
            except NotFoundError:
                continue
            kopf.event(
                body,
                type="Normal",
                reason="RunApproved",
                message=f"Approved SyncRun {approval.run} of Tenant {approval.tenant} (plan {approval.digest[:12]})"
                " for this baseline: its plan holds only the baseline's change.",
            )
        if decision.clear:
            cleared: dict[str, None] = {key: None for key in decision.clear}
            patch = {"metadata": {"annotations": cleared}}
            self._remember(
                namespace, baseline, await self._kube.patch("baselines", namespace, baseline, patch)
            )
        for notice in decision.notices:
            kopf.event(body, type=notice.type, reason=notice.reason, message=notice.message)

    async def _poll_when_due(
        self,
        memo: kopf.Memo,
        namespace: str,
        name: str,
        spec: BaselineSpec,
        generation: int | None,
        now: datetime,
        under_way: str | None,
    ) -> Polled:
        """Git is asked at most every `baseline_poll_seconds`, and at once when the spec changed or another
        rollout got under way; passes in between (a run finished, an annotation changed) reuse the last
        answer."""
        last: tuple[datetime, int | None, str | None, Polled] | None = memo.get("baseline_polled")
        interval = timedelta(seconds=self._settings.baseline_poll_seconds)
        if last is not None and last[1:3] == (generation, under_way) and now < last[0] + interval:
            return last[3]
        polled = await self._poll(namespace, spec, under_way)
        memo["baseline_polled"] = (now, generation, under_way, polled)
        return polled

    async def _poll(self, namespace: str, spec: BaselineSpec, under_way: str | None) -> Polled:
        """The newest revision of the folder, and whether the branch still holds `under_way`, the revision
        of the rollout under way (unknown, None, when the repository cannot be read)."""
        source = spec.repository
        try:
            if missing_local_remote(source.url):
                return Polled(
                    None,
                    f"The repository {source.url} named by spec.repository.url does not exist. Point it at"
                    " the repository that holds the baseline's folder.",
                )
            repository = await self._repository(namespace, spec)
            revision = await repository.folder_revision(source.branch, source.path)
            missing = None
            if under_way is not None and (revision is None or revision.commit != under_way):
                missing = None if await repository.holds(source.branch, under_way) else under_way
            if revision is None:
                return Polled(None, await why_no_revision(repository, spec), missing)
        except RepositoryError as problem:
            return Polled(None, problem.message)
        return Polled(revision, missing=missing)

    async def _describe_changes(
        self, namespace: str, name: str, spec: BaselineSpec, completed: str | None, rollout: RolloutStatus
    ) -> None:
        """The files a new rollout changes, for the person who approves it."""
        try:
            repository = await self._repository(namespace, spec)
            files = await repository.folder_changes(completed, rollout.revision, spec.repository.path)
        except RepositoryError as problem:
            logger.warning(
                "Baseline %s/%s: cannot list the changed files: %s", namespace, name, problem.message
            )
            return
        rollout.changedFiles = files[:MAX_CHANGED_FILES]

    async def _repository(self, namespace: str, spec: BaselineSpec) -> TenantRepository:
        """The clone shared with the Tenants that read this repository through the same Secret; new
        credentials are read on every pass."""
        source = spec.repository
        data = None
        if source.secretRef is not None:
            try:
                data = await self._kube.read_secret(namespace, source.secretRef.name)
            except NotFoundError:
                data = None
        credentials = repository_credentials(
            source.url, source.secretRef, data, named_by="spec.repository.secretRef", namespace=namespace
        )
        secret = (namespace, source.secretRef.name if source.secretRef else None)
        return await self._cache.repository(source.url, secret, credentials, True)

    def forget(self, namespace: str, name: str) -> None:
        """A deleted Baseline's requests and series are dropped."""
        self._written.pop((namespace, name), None)
        self._metrics.forget_baseline(namespace, name)


async def why_no_revision(repository: TenantRepository, spec: BaselineSpec) -> str:
    """Why the branch has no commit touching the folder, in the words that let a person fix it: an empty
    repository (a wrong URL), a missing branch, or a folder nobody pushed to."""
    source = spec.repository
    url = repository.display_url
    branches = await repository.branches()
    if not branches:
        return (
            f"The repository {url} named by spec.repository.url has no branches: it is empty (or not the"
            " repository that holds the baseline's folder). Point spec.repository.url at that repository."
        )
    if source.branch not in branches:
        shown = ", ".join(branches[:10]) + (", ..." if len(branches) > 10 else "")
        return (
            f"The repository {url} has no branch {source.branch} (spec.repository.branch); its branches are"
            f" {shown}."
        )
    return (
        f"No commit on branch {source.branch} of {url} touches {source.path} (spec.repository.path): push"
        " the baseline's files there."
    )


def register(
    registry: kopf.OperatorRegistry, settings: OperatorSettings, controller: BaselineController
) -> None:
    """Every shard's operator would roll the same Baseline out: only the unsharded or the default shard
    (settings.shard None or "") handles Baselines."""
    if settings.shard not in (None, ""):
        return

    @kopf.on.resume(GROUP, VERSION, "baselines", registry=registry, id="rollout")
    @kopf.on.create(GROUP, VERSION, "baselines", registry=registry, id="rollout")
    @kopf.on.update(GROUP, VERSION, "baselines", registry=registry, id="rollout")
    async def baseline_changed(body: kopf.Body, memo: kopf.Memo, **kwargs: Any) -> None:
        await controller.reconcile(body, memo, kwargs)

    @kopf.timer(
        GROUP,
        VERSION,
        "baselines",
        registry=registry,
        id="poll",
        interval=settings.scheduler_interval_seconds,
    )
    async def baseline_tick(body: kopf.Body, memo: kopf.Memo, **kwargs: Any) -> None:
        await controller.reconcile(body, memo, kwargs)

    @kopf.on.delete(GROUP, VERSION, "baselines", registry=registry, id="forget", optional=True)
    def baseline_deleted(name: str, namespace: str | None, **_: Any) -> None:
        controller.forget(namespace or "", name)
