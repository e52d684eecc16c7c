"""A SyncRun's watch events without kopf's change tracking: adopting a run made by hand, and a decision
acted on when the approval annotation changes, never again for one acted on before the operator started."""

from __future__ import annotations

from typing import Any, cast

import kopf
import pytest

from tenantsync.controllers.syncruns import RunExecutor, on_run_event
from tenantsync.kube import KubeClient

APPROVAL = "tenantsync.io/approval"
TENANT = {"metadata": {"name": "contoso", "uid": "uid-1", "labels": {}}}


class Kube:
    """Counts reads of the Tenant: the watched one is used when there is one."""

    def __init__(self) -> None:
        self.gets = 0

    async def get(self, plural: str, namespace: str, name: str) -> dict[str, Any]:
        self.gets += 1
        return TENANT


class Executor:
    def __init__(self) -> None:
        self.woken: list[str] = []

    def wake(self, namespace: str, name: str) -> None:
        self.woken.append(name)


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    posted: list[str] = []
    monkeypatch.setattr(kopf, "event", lambda *_, reason, **__: posted.append(reason))
    monkeypatch.setattr(kopf, "warn", lambda *_, reason, **__: posted.append(reason))
    return posted


def run(
    annotation: str | None = None, status: dict[str, Any] | None = None, *, adopted: bool = True
) -> kopf.Body:
    metadata: dict[str, Any] = {
        "name": "contoso-1",
        "namespace": "m365",
        "uid": "run-uid",
        "annotations": {APPROVAL: annotation} if annotation else {},
        "labels": {"tenantsync.io/tenant": "contoso"} if adopted else {},
    }
    if adopted:
        metadata["ownerReferences"] = [{"kind": "Tenant", "name": "contoso", "uid": "uid-1"}]
    return kopf.Body(
        cast(Any, {"metadata": metadata, "spec": {"tenantRef": {"name": "contoso"}}, "status": status or {}})
    )


class Handler:
    """The handler as kopf calls it for one run: one memo and one executor across its events."""

    def __init__(self, watched: dict[str, Any] | None = TENANT) -> None:
        self.memo = kopf.Memo()
        self.kube, self.executor, self.watched = Kube(), Executor(), watched

    async def __call__(self, kind: str | None, body: kopf.Body) -> kopf.Patch:
        patch = kopf.Patch()
        await on_run_event(
            kind,
            body,
            patch,
            self.memo,
            cast(KubeClient, self.kube),
            None,
            cast(RunExecutor, self.executor),
            lambda: self.watched,
        )
        return patch


async def test_a_run_made_by_hand_is_adopted_from_the_watched_tenant() -> None:
    handler = Handler()
    patch = await handler("ADDED", run(adopted=False))
    assert patch["metadata"]["labels"] == {"tenantsync.io/tenant": "contoso"}
    assert patch["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert handler.kube.gets == 0
    assert not await handler("MODIFIED", run(adopted=False)), "adopted once"

    unwatched = Handler(watched=None)
    patch = await unwatched(None, run(adopted=False))
    assert patch["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert unwatched.kube.gets == 1


async def test_a_decision_wakes_a_pending_run_and_is_refused_on_a_working_one(events: list[str]) -> None:
    handler = Handler()
    pending = {"phase": "PendingApproval", "step": "Approval"}
    assert not await handler("ADDED", run(status=pending))
    assert not await handler("MODIFIED", run("approve", pending))
    assert handler.executor.woken == ["contoso-1"]
    assert not await handler("MODIFIED", run("approve", {"phase": "InProgress", "step": "Deploy"}))
    assert events == [], "the decision was acted on; the run moving on is no new decision"

    working = Handler()
    await working("ADDED", run(status={"phase": "InProgress", "step": "Backup"}))
    patch = await working("MODIFIED", run("approve", {"phase": "InProgress", "step": "Backup"}))
    assert events == ["DecisionIgnored"]
    assert patch["metadata"]["annotations"] == {APPROVAL: None}, "taken off before the run could act on it"


async def test_a_decision_acted_on_before_the_operator_started_is_not_refused_again(
    events: list[str],
) -> None:
    deploying = {"phase": "InProgress", "step": "Deploy", "approval": {"decision": "approve"}}
    assert not await Handler()(None, run("approve", deploying))
    assert not await Handler()(None, run("approve", {"phase": "Succeeded", "step": "Done"}))
    assert events == []

    finished = Handler()
    await finished(None, run("approve", {"phase": "Succeeded", "step": "Done"}))
    await finished("MODIFIED", run("reject", {"phase": "Succeeded", "step": "Done"}))
    assert events == ["DecisionIgnored"], "a new decision on a finished run is refused"


async def test_a_decision_made_while_no_operator_watched_is_refused_at_start(events: list[str]) -> None:
    """A run listed at start with a decision it has not reached yet: refused and taken off, as it would
    have been had the operator seen it made."""
    patch = await Handler()(None, run("approve", {"phase": "InProgress", "step": "Backup"}))
    assert events == ["DecisionIgnored"]
    assert patch["metadata"]["annotations"] == {APPROVAL: None}
