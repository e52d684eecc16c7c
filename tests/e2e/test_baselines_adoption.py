"""Two tenants adopt one Baseline: matched by name, created where missing, overridden, excluded, with a
group resolved per tenant; a group missing in one tenant stops only that tenant.

The Baseline's status (the revision every Tenant composes) is written through the API as the rollout
controller would; the rollout itself is not under test here.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Workspace, seed_objects
from tests.e2e.test_sync_lifecycle import FINISHED, first_sync, git, sync, wait_phase
from tests.integration.sim.simtest_support import READ_WRITE_PERMISSIONS
from tests.support.cluster import kubectl
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

BASELINE = "baselines/security"
MFA_KEY = "conditionalAccessPolicies/require-mfa"
BLOCK_KEY = "conditionalAccessPolicies/block-legacy"
REPORT_KEY = "conditionalAccessPolicies/risky-sign-ins"


def second_tenant(ws: Workspace, name: str) -> dict[str, Any]:
    """Another simulated tenant with its own application and Secret, its folder in the same repository."""
    tenant_id, client_id, secret = str(uuid.uuid4()), str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    ws.sim.create_tenant(tenant_id, [f"t{tenant_id[:8]}.onmicrosoft.com"], display_name=name)
    ws.sim.create_app(tenant_id, client_id, application_permissions=READ_WRITE_PERMISSIONS, secret=secret)
    seed_objects(ws.sim, tenant_id)
    kubectl(
        "create",
        "secret",
        "generic",
        f"{name}-sp",
        "-n",
        ws.namespace,
        f"--from-literal=clientSecret={secret}",
    )
    return {
        "tenantId": tenant_id,
        "servicePrincipal": {"clientId": client_id, "credentialsSecretRef": {"name": f"{name}-sp"}},
    }


def policies(ws: Workspace, tenant_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ws.sim.objects(tenant_id, "conditionalAccessPolicies")
    return found


def write_baseline(ws: Workspace, tmp_path: Path) -> str:
    """The baseline's folder, written from a backed-up policy (no id), pushed by a person; its commit."""
    clone = ws.clone(tmp_path / "author")
    backed_up = sorted((clone / "tenants/contoso/conditionalAccessPolicies").iterdir())
    template = next(
        d for d in map(lambda p: json.loads(p.read_text()), backed_up) if d["displayName"] == "Require MFA 0"
    )
    del template["id"]
    mfa = json.loads(json.dumps(template))
    mfa["conditions"]["users"]["includeGroups"] = ["${group:All Staff}"]
    block = {**json.loads(json.dumps(template)), "displayName": "Block legacy auth (${tenant.name})"}
    block["conditions"]["clientAppTypes"] = ["exchangeActiveSync", "other"]
    block["conditions"]["locations"]["excludeLocations"] = ["${namedLocations:Head office}"]
    block["grantControls"]["builtInControls"] = ["block"]
    risky = {**json.loads(json.dumps(template)), "displayName": "Risky sign-ins", "state": "disabled"}
    folder = clone / BASELINE
    for key, document in ((MFA_KEY, mfa), (BLOCK_KEY, block), (REPORT_KEY, risky)):
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / f"{key}.json").write_text(json.dumps(document, indent=2))
    overrides = clone / "tenants/contoso/baselines/security"
    (overrides / "conditionalAccessPolicies").mkdir(parents=True)
    (overrides / f"{MFA_KEY}.json").write_text('{"state": "enabledForReportingButNotEnforced"}\n')
    (overrides / f"{REPORT_KEY}.json").write_text("null\n")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "Security baseline, and contoso's exceptions")
    git(clone, "push", "-q", "origin", "main")
    return git(clone, "rev-parse", "HEAD").strip()


def adopt(ws: Workspace, tenant: str) -> None:
    ws.resources.patch("tenants", tenant, {"spec": {"baselines": [{"name": "security"}]}})


def ids(ws: Workspace, tenant: str) -> dict[str, str]:
    recorded: dict[str, str] = json.loads(
        git(ws.repository, "show", f"main:tenants/{tenant}/baselines/security/ids.json")
    )
    return recorded


def test_tenants_adopt_a_baseline_each_with_its_own_ids_exceptions_and_groups(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    ws = workspace
    fabrikam = second_tenant(ws, "fabrikam")
    staff = ws.sim.create_group(ws.tenant_id, "All Staff")["id"]
    assert first_sync(ws, approval="Automatic")["status"]["phase"] == "Succeeded"
    assert first_sync(ws, "fabrikam", approval="Automatic", **fabrikam)["status"]["phase"] == "Succeeded"
    before = {p["displayName"]: p["id"] for p in policies(ws, ws.tenant_id)}

    revision = write_baseline(ws, tmp_path)
    ws.resources.create(
        "baselines",
        {
            "apiVersion": "tenantsync.io/v1alpha1",
            "kind": "Baseline",
            "metadata": {"name": "security"},
            "spec": {"repository": {"url": str(ws.repository), "path": BASELINE}},
        },
    )
    ws.resources.patch_status("baselines", "security", {"revision": revision, "completedRevision": revision})
    adopt(ws, "contoso")
    adopt(ws, "fabrikam")

    run = wait_phase(ws, sync(ws, "adopt"), FINISHED)
    status = run["status"]
    assert status["phase"] == "Succeeded", status
    changes = {(c["action"], c["displayName"]): c for c in status["plan"]["changes"]}
    assert set(changes) == {("update", "Require MFA 0"), ("create", "Block legacy auth (contoso)")}
    assert {c["baseline"] for c in changes.values()} == {"security"}
    assert status["plan"]["baselines"] == [
        {"name": "security", "revision": revision, "overridden": [MFA_KEY], "excluded": [REPORT_KEY]}
    ]
    after = {p["displayName"]: p for p in policies(ws, ws.tenant_id)}
    assert sorted(after) == ["Block legacy auth (contoso)", "Require MFA 0", "Require MFA 1"]  # none twice
    mfa = after["Require MFA 0"]
    assert mfa["id"] == before["Require MFA 0"]  # matched by name, updated in place
    assert mfa["conditions"]["users"]["includeGroups"] == [staff]
    assert mfa["state"] == "enabledForReportingButNotEnforced"  # the override
    block = after["Block legacy auth (contoso)"]
    assert block["conditions"]["locations"]["excludeLocations"] == ["11111111-2222-4333-8444-555555555555"]
    assert ids(ws, "contoso") == {MFA_KEY: mfa["id"], BLOCK_KEY: block["id"]}
    assert "baseline." not in git(ws.repository, "ls-tree", "-r", "--name-only", "main")

    stopped = wait_phase(ws, sync(ws, "adopt", "fabrikam"), FINISHED)["status"]
    assert stopped["phase"] == "NewError", stopped
    assert stopped["error"]["code"] == "ReferencedObjectMissing"
    assert "group 'All Staff'" in stopped["error"]["message"]
    assert sorted(p["displayName"] for p in policies(ws, fabrikam["tenantId"])) == [
        "Require MFA 0",
        "Require MFA 1",
    ]
    assert (
        ws.resources.get("tenants", "contoso")["status"]["phase"] == "Idle"
    )  # the other tenant is unaffected

    ws.sim.create_group(fabrikam["tenantId"], "All Staff")
    resumed = wait_phase(ws, sync(ws, "group created", "fabrikam"), FINISHED)["status"]
    assert resumed["phase"] == "Succeeded", resumed
    assert sorted(p["displayName"] for p in policies(ws, fabrikam["tenantId"])) == [
        "Block legacy auth (fabrikam)", "Require MFA 0", "Require MFA 1", "Risky sign-ins",
    ]  # fmt: skip
    assert resumed["plan"]["baselines"][0]["excluded"] == []
    assert set(ids(ws, "fabrikam")) == {MFA_KEY, BLOCK_KEY, REPORT_KEY}

    again = wait_phase(ws, sync(ws, "again"), FINISHED)["status"]
    assert again["phase"] == "Succeeded", again
    assert again["message"] == "The tenant matches the desired state; nothing to deploy."
    assert again["plan"]["baselines"][0]["revision"] == revision

    changed = change_baseline(ws, tmp_path)
    ws.resources.patch_status("baselines", "security", {"revision": changed, "completedRevision": changed})
    updated = wait_phase(ws, sync(ws, "baseline changed"), FINISHED)["status"]
    assert updated["phase"] == "Succeeded", updated
    [change] = updated["plan"]["changes"]
    assert (change["id"], change["changedFields"], change["baseline"]) == (
        mfa["id"], ["grantControls.builtInControls"], "security",
    )  # fmt: skip
    mfa = {p["id"]: p for p in policies(ws, ws.tenant_id)}[mfa["id"]]
    assert sorted(mfa["grantControls"]["builtInControls"]) == ["compliantDevice", "mfa"]
    assert mfa["state"] == "enabledForReportingButNotEnforced"  # the override survives the baseline's change


def change_baseline(ws: Workspace, tmp_path: Path) -> str:
    """The baseline's author disables the MFA policy and asks for a compliant device too; its commit."""
    clone = ws.clone(tmp_path / "change")
    path = clone / BASELINE / f"{MFA_KEY}.json"
    document = json.loads(path.read_text())
    document["state"] = "disabled"
    document["grantControls"]["builtInControls"] = ["mfa", "compliantDevice"]
    path.write_text(json.dumps(document, indent=2))
    git(clone, "commit", "-q", "-am", "Security baseline: compliant devices")
    git(clone, "push", "-q", "origin", "main")
    return git(clone, "rev-parse", "HEAD").strip()


def test_a_tenant_adopting_a_baseline_that_does_not_exist_ends_new_error(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    run = first_sync(workspace, baselines=[{"name": "nonexistent"}])
    status = run["status"]
    assert status["phase"] == "NewError", status
    assert status["error"]["code"] == "BaselineNotFound"
    assert "Baseline nonexistent" in status["error"]["message"]
    assert status["error"]["troubleshootingUrl"].endswith("BaselineNotFound.md")
