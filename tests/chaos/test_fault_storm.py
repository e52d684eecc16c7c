"""A standing fault suite: many runs under a mixed storm, then one clean sync that must find nothing
left to do. Graph answers 429 and 5xx, the identity platform fails, answers to writes are lost after
they were applied, the operator is killed (SIGKILL) and the kube-apiserver is stopped and started
again, at random points. It prints the figures the reliability issue asks for and fails on any wedged
run, doubled write, duplicate object or lost change.

`TENANTSYNC_CHAOS_ROUNDS` sets the number of rounds (default 10; `make chaos CHAOS_ROUNDS=40`).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import urllib3
from kubernetes.client.exceptions import ApiException

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, first_sync, git, sync, wait_phase
from tests.support.cluster import restart_api_server
from tests.support.operator import OperatorProcess
from tests.support.resources import Resources

pytestmark = pytest.mark.integration

ROUNDS = int(os.environ.get("TENANTSYNC_CHAOS_ROUNDS", "10"))
RUN_BOUND_SECONDS = 300.0
CHAOS_LOCATION = "Chaos location"
RENAMED = ("namedLocations", "conditionalAccessPolicies", "deviceConfigurations")


OUTAGE_PATIENCE_SECONDS = 180.0
T = TypeVar("T")


class Disruptor(threading.Thread):
    """Every 8-25 s, until stopped: SIGKILLs the operator and starts it again, or (every other time)
    takes the kube-apiserver down for 2-10 s. One at a time, so the operator always starts against a
    running API server; what breaks the thread is kept for the test to report."""

    def __init__(self, operator: OperatorProcess, rng: random.Random) -> None:
        super().__init__(daemon=True)
        self.operator, self.rng = operator, rng
        self.kills, self.api_restarts = 0, 0
        self.stopping = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.rng.uniform(8, 25)):
                if (self.kills + self.api_restarts) % 2 == 0:
                    restart_api_server(self.rng.uniform(2, 10))
                    self.api_restarts += 1
                else:
                    self.operator.kill()
                    self.kills += 1
                    self.operator.start()
        except BaseException as failure:  # reported by the test, not lost in a thread
            self.failure = failure


def through_outages(call: Callable[[], T]) -> T:
    """The test's own API calls wait out an API server restart, as a person's kubectl would be retried."""
    deadline = time.monotonic() + OUTAGE_PATIENCE_SECONDS
    while True:
        try:
            return call()
        except (urllib3.exceptions.HTTPError, ApiException) as error:
            unavailable = not isinstance(error, ApiException) or error.status in (0, 429, 500, 503, 504)
            if not unavailable or time.monotonic() > deadline:
                raise
            time.sleep(1)


class PatientResources(Resources):
    """Reads and patches that wait out an API server outage."""

    def get(self, plural: str, name: str) -> dict[str, Any]:
        return through_outages(lambda: super(PatientResources, self).get(plural, name))

    def patch(self, plural: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return through_outages(lambda: super(PatientResources, self).patch(plural, name, body))


def storm(ws: Workspace) -> None:
    graph = "/v1.0/"
    ws.sim.add_fault(graph, status=429, rate=0.15, retry_after_seconds=1)
    ws.sim.add_fault(graph, status=503, rate=0.1, method="GET")
    ws.sim.add_fault(f"/{ws.tenant_id}/oauth2/", status=503, rate=0.1)
    for method in ("PATCH", "POST", "DELETE"):
        ws.sim.lose_responses(graph, method, count=None, rate=0.2)


def change_desired(clone: Path, round_: int) -> None:
    """Each round renames every existing object and replaces the previous round's created location."""
    git(clone, "pull", "-q", "--rebase", "origin", "main")  # the operator records created objects' ids
    folder = clone / "tenants" / "contoso"
    for path in sorted(p for kind in RENAMED for p in (folder / kind).glob("*.json")):
        document = json.loads(path.read_text())
        if document.get("displayName", "").startswith(CHAOS_LOCATION):
            path.unlink()
        elif "displayName" in document:
            document["displayName"] = f"{document['displayName'].split(' #')[0]} #{round_}"
            path.write_text(json.dumps(document, indent=2))
    created = folder / "namedLocations" / f"chaos-{round_}.json"
    created.write_text(json.dumps({
        "@odata.type": "#microsoft.graph.ipNamedLocation", "id": f"chaos-{round_}",
        "displayName": f"{CHAOS_LOCATION} {round_}", "isTrusted": False,
        "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": f"198.51.100.{round_}/32"}],
    }, indent=2))  # fmt: skip
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", f"Round {round_}")
    git(clone, "push", "-q", "origin", "main")


def applied_writes(ws: Workspace) -> Counter[tuple[str, str]]:
    """Writes the tenant applied (lost answers included), by method and object path."""
    return Counter(
        (r["method"], r["path"].split("?")[0])
        for r in ws.sim.requests(ws.tenant_id)
        if r["method"] in {"PATCH", "POST", "DELETE"} and r["status"] < 300
    )


def seen(ws: Workspace) -> Counter[str]:
    """What the simulator's request log holds: requests, and the faults among them."""
    entries = ws.sim.requests(ws.tenant_id)
    counts: Counter[str] = Counter(requests=len(entries))
    counts.update(f"answered {r['status']}" for r in entries if r["status"] == 429 or r["status"] >= 500)
    counts.update("answer lost after the write" for r in entries if r.get("lost"))
    return counts


def test_the_fault_storm(fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path) -> None:
    ws = workspace
    ws.resources = PatientResources(ws.namespace)
    ws.sim.clear_faults()
    first_sync(ws, approval="Automatic")
    clone = ws.clone(tmp_path / "person")
    rng = random.Random(20261128)
    phases: Counter[str] = Counter()
    injected: Counter[str] = Counter()
    wedged, doubled, runs, longest = 0, 0, 0, 0.0
    wedges: list[str] = []
    started = time.monotonic()
    storm(ws)
    disruptor = Disruptor(fast_operator, rng)
    disruptor.start()
    try:
        for round_ in range(1, ROUNDS + 1):
            change_desired(clone, round_)
            # A run that ended badly is followed by another sync, as a schedule would.
            for attempt in range(3):
                injected.update(seen(ws))
                ws.sim.clear_requests(ws.tenant_id)
                runs += 1
                requested = time.monotonic()
                try:
                    run = wait_phase(
                        ws, sync(ws, f"r{round_}-{attempt}"), FINISHED, timeout=RUN_BOUND_SECONDS
                    )
                except AssertionError as stuck:
                    wedged += 1
                    wedges.append(f"round {round_}: {str(stuck)[:600]}")
                    break
                longest = max(longest, time.monotonic() - requested)
                phase = run["status"]["phase"]
                phases[phase] += 1
                writes = applied_writes(ws)
                doubled += sum(
                    n - 1 for (method, _), n in writes.items() if n > 1 and method != "POST"
                ) + sum(
                    n - 1
                    for (method, path), n in writes.items()
                    if method == "POST" and n > 1 and path.endswith("/assign")
                )
                if phase == "Succeeded":
                    break
    finally:
        disruptor.stopping.set()
        disruptor.join()
        ws.sim.clear_faults()
        if not fast_operator.running():
            fast_operator.start()
    storm_seconds = time.monotonic() - started
    injected.update(seen(ws))
    faults = dict(sorted(injected.items()))
    final = wait_phase(ws, sync(ws, "after-the-storm"), FINISHED)["status"]
    locations = [
        o
        for o in ws.sim.objects(ws.tenant_id, "namedLocations")
        if o["displayName"].startswith(CHAOS_LOCATION)
    ]
    duplicates = len(locations) - 1
    lost = 0 if final["phase"] == "Succeeded" and "matches the desired state" in final["message"] else 1
    print(
        f"\nfault storm: {ROUNDS} rounds in {storm_seconds:.0f} s, {disruptor.kills} operator kills,"
        f" {disruptor.api_restarts} API server restarts;"
        f" runs started {runs}, finished {sum(phases.values())} ({dict(phases)}), wedged {wedged},"
        f" longest from request to final phase {longest:.0f} s;"
        f" writes applied twice {doubled}, duplicate objects {duplicates}, lost changes {lost};"
        f" final sync: {final['phase']}: {final['message']}; simulator saw {faults}"
    )
    assert disruptor.failure is None, f"the disruptions stopped: {disruptor.failure!r}"
    if storm_seconds > 50:  # long enough for both kinds of disruption to have happened
        assert disruptor.api_restarts > 0 and disruptor.kills > 0, "the storm missed a kind of disruption"
    assert wedged == 0, wedges
    assert doubled == 0
    assert duplicates == 0
    assert final["phase"] == "Succeeded", final
    assert lost == 0, final["message"]
