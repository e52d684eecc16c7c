"""An Exchange admin API failure during a deploy, through the real operator, ends as a person expects:
a cmdlet the service refuses fails that change alone with the service's words (the run Partially
Successful), throttling is waited out and counted, and a Set- whose answer was lost is read back and
counted Applied without being sent twice. Reuses test_exchange_sync's tenant and pull request."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_exchange_sync import POLICY, RULE, TYPES, edit, exchange_objects, live
from tests.e2e.test_sync_lifecycle import FINISHED, edit_desired, sync, wait_phase
from tests.support.cluster import wait_for
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

THROTTLED = "tenantsync_api_throttled_requests_total"
"""429s by service, the fleet's: the Exchange admin API's are not Graph's (tenantsync_graph_*, per Tenant)."""
GRAPH_THROTTLED = "tenantsync_graph_throttled_requests_total"


@pytest.fixture
def faults(workspace: Workspace) -> Iterator[Workspace]:
    """The workspace, its simulator's fault rules removed however the test ends."""
    yield workspace
    workspace.sim.clear_faults()


def planned(ws: Workspace, tmp_path: Path, change: Any = edit) -> str:
    """A first backup of the two Exchange types, then a pull request waiting for approval."""
    exchange_objects(ws)
    ws.resources.create("tenants", ws.tenant(resources=TYPES))
    first = wait_phase(ws, sync(ws, "first"), FINISHED)
    assert first["status"]["phase"] == "Succeeded", first["status"]
    edit_desired(ws, tmp_path, change)
    run = sync(ws, "after-pr")
    wait_phase(ws, run, {"PendingApproval"})
    return run


def approve(ws: Workspace, run: str) -> dict[str, Any]:
    ws.sim.clear_requests(ws.tenant_id)
    ws.resources.patch("syncruns", run, {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}})
    return wait_phase(ws, run, FINISHED)


def results(done: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["type"]: r for r in done["status"]["deploy"]["results"]}


def cmdlets(ws: Workspace) -> list[tuple[str, int, bool]]:
    """(cmdlet, status, answer lost) of every Exchange admin API request since the approval."""
    return [(r["cmdlet"], r["status"], r["lost"]) for r in ws.sim.requests(ws.tenant_id) if r.get("cmdlet")]


def scraped(operator: OperatorProcess, family: str, *labels: str) -> float:
    """The sum of a family's samples that carry every one of `labels`, as the operator's /metrics serves it."""
    url = f"http://127.0.0.1:{operator.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(family + "{") and all(label in line for label in labels)
    )


def throttled_total(operator: OperatorProcess) -> float:
    """The operator's count of the Exchange admin API's 429 answers (only this test's Tenant meets any)."""
    return scraped(operator, THROTTLED, 'service="exchange"')


def graph_throttled(operator: OperatorProcess, ws: Workspace) -> float:
    return scraped(operator, GRAPH_THROTTLED, f'namespace="{ws.namespace}"', 'tenant="contoso"')


def out_of_scope(folder: Path) -> None:
    """The pull request, with the rule's scope set to a value Set-TransportRule does not take."""
    edit(folder)
    for path in (folder / "transportRule").iterdir():
        document = json.loads(path.read_text())
        document["FromScope"] = "Anywhere"
        path.write_text(json.dumps(document, indent=2))


def test_a_cmdlet_the_service_refuses_fails_that_change_alone_with_its_message(
    fast_operator: OperatorProcess, faults: Workspace, tmp_path: Path
) -> None:
    ws = faults
    run = planned(ws, tmp_path, out_of_scope)
    policies_before = len(ws.sim.objects(ws.tenant_id, "antiPhishPolicy"))

    done = approve(ws, run)

    assert done["status"]["phase"] == "PartiallySuccessful", done["status"]
    by_type = results(done)
    assert set(by_type) == {"transportRule", "antiPhishPolicy"}, by_type
    refused = by_type["transportRule"]
    assert refused["result"] == "Failed", refused
    assert refused["message"].startswith("Exchange admin API answered 400 BadRequest: "), refused
    assert "Cannot process argument transformation on parameter 'FromScope'" in refused["message"]
    assert "enumerator names and try again: InOrganization, NotInOrganization" in refused["message"]
    assert by_type["antiPhishPolicy"]["result"] == "Applied", by_type
    rule = live(ws, "transportRule", RULE["Name"])
    assert (rule["FromScope"], rule["SetHeaderValue"]) == ("NotInOrganization", "yes"), rule
    assert live(ws, "antiPhishPolicy", POLICY["Name"])["EnableMailboxIntelligence"] is True
    assert len(ws.sim.objects(ws.tenant_id, "antiPhishPolicy")) == policies_before
    assert len(ws.sim.objects(ws.tenant_id, "transportRule")) == 1


def test_a_throttled_exchange_admin_api_is_waited_out_visibly_and_the_deploy_succeeds(
    fast_operator: OperatorProcess, faults: Workspace, tmp_path: Path
) -> None:
    ws = faults
    run = planned(ws, tmp_path)
    before, graph_before = throttled_total(fast_operator), graph_throttled(fast_operator, ws)
    ws.sim.add_fault("/adminapi/", status=429, retry_after_seconds=2, count=3, method="POST")

    done = approve(ws, run)

    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert {r["result"] for r in results(done).values()} == {"Applied"}, done["status"]
    sent = cmdlets(ws)
    assert sorted({status for _, status, _ in sent}) == [200, 429], sent
    assert [status for _, status, _ in sent].count(429) == 3, sent
    assert [(name, status) for name, status, _ in sent].count(("Set-TransportRule", 200)) == 1, sent
    assert live(ws, "transportRule", RULE["Name"])["SetHeaderValue"] == "external"
    assert live(ws, "antiPhishPolicy", POLICY["Name"])["EnableMailboxIntelligence"] is True
    wait_for(lambda: throttled_total(fast_operator) >= before + 3, "the operator to count the three 429s")
    assert graph_throttled(fast_operator, ws) == graph_before  # Graph's counter counts Graph's alone


def test_a_set_whose_answer_was_lost_is_read_back_and_applied_once(
    fast_operator: OperatorProcess, faults: Workspace, tmp_path: Path
) -> None:
    ws = faults
    run = planned(ws, tmp_path)
    ws.sim.lose_responses("/adminapi/", "POST", cmdlet="Set-TransportRule")

    done = approve(ws, run)

    assert done["status"]["phase"] == "Succeeded", done["status"]
    by_type = results(done)
    assert by_type["transportRule"]["result"] == "Applied", by_type
    assert by_type["transportRule"]["message"] == "The tenant already had the desired state.", by_type
    assert by_type["antiPhishPolicy"]["result"] == "Applied", by_type
    sets = [(status, lost) for name, status, lost in cmdlets(ws) if name == "Set-TransportRule"]
    assert sets == [(200, True)], cmdlets(ws)
    assert live(ws, "transportRule", RULE["Name"])["SetHeaderValue"] == "external"
