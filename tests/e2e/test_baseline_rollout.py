"""A Baseline rolled out on the real control plane, by the operator, to five simulated tenants.

The baseline changes in Git; the rollout waits for one approval bound to the folder's digest; the canary
wave is released alone; a failing run in the canary (its service principal's secret expired in the
simulator) halts the rollout, and no other tenant receives a single request (the simulator's request
log); resuming syncs the failed tenant again.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tenantsync_sim.client import SimulatorClient
from tests.e2e.conftest import seed_objects
from tests.integration.plugin.plugin_support import plugin
from tests.integration.sim.simtest_support import READ_WRITE_PERMISSIONS, SimEndpoint
from tests.support.cluster import delete_while_the_operator_runs, kubectl, wait_for
from tests.support.git_server import init_bare
from tests.support.operator import OperatorProcess
from tests.support.resources import Resources
from tests.support.resources import tenant_manifest as resource_tenant

pytestmark = pytest.mark.integration

NAMES = ("tenant-a", "tenant-b", "tenant-c", "tenant-d", "tenant-e")
CANARY = "tenant-c"
BASELINE_PATH = "baselines/security"
POLICY = b"""{
  "displayName": "Baseline: require MFA for admins",
  "state": "enabledForReportingButNotEnforced",
  "conditions": {
    "users": {"includeRoles": ["62e90394-69f5-4237-9190-012177145e10"]},
    "applications": {"includeApplications": ["All"]},
    "clientAppTypes": ["all"]
  },
  "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}
}
"""


@dataclass(frozen=True)
class SimTenant:
    name: str
    tenant_id: str
    client_id: str


@pytest.fixture
def fleet(namespace: str, sim: SimulatorClient, simulator: SimEndpoint) -> Iterator[dict[str, SimTenant]]:
    """Five simulated tenants, each with its own application, secret and seeded configuration."""
    kubectl("create", "secret", "generic", "sim-ca", "-n", namespace, f"--from-file=ca.crt={simulator.ca}")
    tenants: dict[str, SimTenant] = {}
    for name in NAMES:
        tenant_id, client_id, secret = str(uuid.uuid4()), str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
        sim.create_tenant(tenant_id, [f"{name}-{tenant_id[:6]}.onmicrosoft.com"], display_name=name)
        sim.create_app(tenant_id, client_id, application_permissions=READ_WRITE_PERMISSIONS, secret=secret)
        seed_objects(sim, tenant_id)
        kubectl(
            "create",
            "secret",
            "generic",
            f"{name}-sp",
            "-n",
            namespace,
            f"--from-literal=clientSecret={secret}",
        )
        tenants[name] = SimTenant(name, tenant_id, client_id)
    yield tenants
    for tenant in tenants.values():
        sim.delete_tenant(tenant.tenant_id)


def tenant_manifest(name: str, tenant: SimTenant, simulator: SimEndpoint, repository: Path) -> dict[str, Any]:
    return {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": name},
        "spec": {
            "tenantId": tenant.tenant_id,
            "endpoints": {
                "authority": simulator.url,
                "graph": simulator.url,
                "caBundleSecretRef": {"name": "sim-ca"},
            },
            "servicePrincipal": {
                "clientId": tenant.client_id,
                "credentialsSecretRef": {"name": f"{name}-sp"},
            },
            "repository": {"url": str(repository), "path": f"tenants/{name}"},
            "resources": ["namedLocations", "conditionalAccessPolicies"],
            "baselines": [{"name": "security"}],
            # The rollout's tests count each Tenant's requests to the simulator: no audit watch.
            "drift": {"enabled": False},
        },
    }


def push_baseline(repository: Path, clone: Path, files: dict[str, bytes], message: str) -> str:
    if not clone.exists():
        subprocess.run(["git", "clone", "-q", str(repository), str(clone)], check=True)
        for key, value in (("user.name", "A Person"), ("user.email", "person@example.com")):
            subprocess.run(["git", "-C", str(clone), "config", key, value], check=True)
    for relative, content in files.items():
        target = clone / BASELINE_PATH / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    subprocess.run(["git", "-C", str(clone), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(clone), "commit", "-qm", message], check=True)
    # The operator pushes backups to the same branch meanwhile: a person pulls before pushing.
    if (
        subprocess.run(
            ["git", "-C", str(clone), "ls-remote", "--exit-code", "origin", "main"], capture_output=True
        ).returncode
        == 0
    ):
        subprocess.run(["git", "-C", str(clone), "pull", "-q", "--rebase", "origin", "main"], check=True)
    subprocess.run(["git", "-C", str(clone), "push", "-q", "origin", "HEAD:main"], check=True)
    head = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    )
    return head.stdout.strip()


def rollout_of(resources: Resources) -> dict[str, Any]:
    rollout: dict[str, Any] = (resources.get("baselines", "security").get("status") or {}).get(
        "rollout"
    ) or {}
    return rollout


def runs_of(resources: Resources, tenant: str) -> list[dict[str, Any]]:
    return [run for run in resources.list("syncruns") if run["spec"]["tenantRef"]["name"] == tenant]


def events_of(namespace: str, reason: str) -> str:
    return kubectl(
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        f"reason={reason}",
        "-o",
        "jsonpath={.items[*].message}",
    ).stdout


def test_canary_failure_halts_the_rollout_and_no_other_tenant_is_touched(
    namespace: str,
    sim: SimulatorClient,
    simulator: SimEndpoint,
    fleet: dict[str, SimTenant],
    tmp_path: Path,
) -> None:
    resources = Resources(namespace)
    repository = init_bare(tmp_path / "tenants.git")
    revision = push_baseline(
        repository,
        tmp_path / "clone",
        {"conditionalAccessPolicies/require-mfa-admins.json": POLICY},
        "Baseline v1",
    )
    operator = OperatorProcess(namespace, tmp_path / "operator.log", extra_args=("--baseline-poll", "1"))
    operator.start()
    try:
        for name, tenant in fleet.items():
            resources.create("tenants", tenant_manifest(name, tenant, simulator, repository))
        resources.create(
            "baselines",
            {
                "apiVersion": "tenantsync.io/v1alpha1",
                "kind": "Baseline",
                "metadata": {"name": "security"},
                "spec": {
                    "repository": {"url": str(repository), "path": BASELINE_PATH},
                    "rollout": {"canary": {"tenants": [CANARY]}, "maxParallel": 2},
                },
            },
        )

        # The new revision waits for one approval, bound to the folder's digest.
        pending = wait_for(
            lambda: (
                rollout_of(resources) if rollout_of(resources).get("phase") == "PendingApproval" else None
            ),
            "the rollout of the first revision waiting for approval",
        )
        assert pending["revision"] == revision
        assert pending["changedFiles"] == ["A conditionalAccessPolicies/require-mfa-admins.json"]
        assert pending["waves"] == 3
        digest = pending["digest"]
        plan = plugin(namespace, "baseline", "plan", "security")
        assert plan.returncode == 0, plan.stderr
        assert digest in plan.stdout and "A conditionalAccessPolicies/require-mfa-admins.json" in plan.stdout

        refused = plugin(namespace, "baseline", "approve", "security", "--digest", "00000000")
        assert refused.returncode == 1 and "not 00000000" in refused.stderr
        kubectl(
            "annotate", "baseline", "security", "-n", namespace,
            "tenantsync.io/approval=approve", "tenantsync.io/approval-digest=ffffffff",
        )  # fmt: skip
        wait_for(lambda: "ffffffff" in events_of(namespace, "ApprovalRefused"), "the wrong digest refused")
        wait_for(
            lambda: (
                "tenantsync.io/approval"
                not in (resources.get("baselines", "security")["metadata"].get("annotations") or {})
            ),
            "the refused approval taken off",
        )
        assert rollout_of(resources)["phase"] == "PendingApproval"
        assert not resources.list("syncruns")

        # The canary's credentials stop working; nobody has touched any tenant yet.
        canary = fleet[CANARY]
        sim.expire_secrets(canary.tenant_id, canary.client_id)
        for tenant in fleet.values():
            sim.clear_requests(tenant.tenant_id)

        approved = plugin(namespace, "baseline", "approve", "security", "--digest", digest[:12])
        assert approved.returncode == 0, approved.stderr

        halted = wait_for(
            lambda: rollout_of(resources) if rollout_of(resources).get("phase") == "Halted" else None,
            "the rollout halted by the canary's failed run",
            timeout=120,
        )
        assert halted["haltedTenants"] == [CANARY]
        assert halted["wave"] == 1
        status = resources.get("baselines", "security")["status"]
        assert [(r["tenant"], r["revision"]) for r in status["releases"]] == [(CANARY, revision)]
        degraded = next(c for c in status["conditions"] if c["type"] == "Degraded")
        assert degraded["status"] == "True"
        states = {t["name"]: t["state"] for t in status["tenants"]}
        assert states == {CANARY: "Failed", **{n: "Pending" for n in NAMES if n != CANARY}}

        # Nothing further was released: no other Tenant synced, no request reached another tenant.
        assert len(runs_of(resources, CANARY)) == 1
        for name in NAMES:
            if name != CANARY:
                assert runs_of(resources, name) == [], name
                assert sim.requests(fleet[name].tenant_id) == [], name
        assert sim.requests(canary.tenant_id), "the canary's run did call the simulator"
        shown = plugin(namespace, "baseline", "status", "security")
        assert shown.returncode == 0, shown.stderr
        assert "Halted" in shown.stdout and f"Halted by: {CANARY}" in shown.stdout

        # Fixed, then resumed: the canary syncs again and the rollout goes on.
        fresh = sim.add_secret(canary.tenant_id, canary.client_id)["secretText"]
        manifest = kubectl(
            "create", "secret", "generic", f"{CANARY}-sp", "-n", namespace, f"--from-literal=clientSecret={fresh}",
            "--dry-run=client", "-o", "yaml",
        ).stdout  # fmt: skip
        kubectl("apply", "-f", "-", stdin=manifest)
        resumed = plugin(namespace, "baseline", "resume", "security")
        assert resumed.returncode == 0, resumed.stderr
        # The canary's new run may only initialise its folder, and one more sync follows it at once: a
        # slow poll can see either count, and the rollout may already have moved past the canary's wave.
        wait_for(lambda: len(runs_of(resources, CANARY)) >= 2, "a new SyncRun of the canary after resume")
        rollout = wait_for(
            lambda: (
                rollout_of(resources)
                if rollout_of(resources).get("phase") in ("Progressing", "Paused", "Complete")
                else None
            ),
            "the resumed rollout progressing",
        )
        assert rollout["haltedTenants"] == []
        wait_for(
            lambda: any(
                (r.get("status") or {}).get("phase") == "Succeeded" for r in runs_of(resources, CANARY)
            ),
            "the canary's new run succeeding",
            timeout=120,
        )
    finally:
        delete_while_the_operator_runs(namespace)
        operator.stop()


BASELINE_POLICY_NAME = "Baseline: require MFA for admins"


def baseline_policies(sim: SimulatorClient, tenant: SimTenant) -> list[dict[str, Any]]:
    listing = sim.objects(tenant.tenant_id, "conditionalAccessPolicies")
    objects: list[dict[str, Any]] = listing["value"] if isinstance(listing, dict) else listing
    return [o for o in objects if o.get("displayName") == BASELINE_POLICY_NAME]


def created(obj: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(obj["metadata"]["creationTimestamp"])


def test_one_approval_rolls_a_baseline_change_out_canary_first_then_the_rest(
    namespace: str,
    sim: SimulatorClient,
    simulator: SimEndpoint,
    fleet: dict[str, SimTenant],
    tmp_path: Path,
) -> None:
    resources = Resources(namespace)
    repository = init_bare(tmp_path / "tenants.git")
    clone = tmp_path / "clone"
    policy_file = "conditionalAccessPolicies/require-mfa-admins.json"
    first = push_baseline(repository, clone, {policy_file: POLICY}, "Baseline v1")
    operator = OperatorProcess(namespace, tmp_path / "operator.log", extra_args=("--baseline-poll", "1"))
    operator.start()
    try:
        for name, tenant in fleet.items():
            resources.create("tenants", tenant_manifest(name, tenant, simulator, repository))
        resources.create(
            "baselines",
            {
                "apiVersion": "tenantsync.io/v1alpha1",
                "kind": "Baseline",
                "metadata": {"name": "security"},
                "spec": {
                    "repository": {"url": str(repository), "path": BASELINE_PATH},
                    "rollout": {"canary": {"tenants": [CANARY]}, "maxParallel": 2},
                },
            },
        )

        def roll_out(revision: str) -> None:
            pending = wait_for(
                lambda: (
                    rollout_of(resources)
                    if rollout_of(resources).get("revision") == revision
                    and rollout_of(resources).get("phase") == "PendingApproval"
                    else None
                ),
                f"the rollout of {revision[:12]} waiting for approval",
            )
            approved = plugin(
                namespace, "baseline", "approve", "security", "--digest", pending["digest"][:12]
            )
            assert approved.returncode == 0, approved.stderr
            wait_for(
                lambda: (
                    rollout_of(resources).get("phase") == "Complete"
                    and rollout_of(resources).get("revision") == revision
                ),
                f"the rollout of {revision[:12]} complete",
                timeout=240,
            )
            status = resources.get("baselines", "security")["status"]
            assert status["completedRevision"] == revision
            assert {t["name"]: t["state"] for t in status["tenants"]} == {n: "Conforming" for n in NAMES}
            assert status["conforming"] == len(NAMES)

            # The canary verified before any other Tenant was asked to compose this revision.
            runs = resources.list("syncruns")
            at_revision = [
                r for r in runs
                if any(b.get("revision") == revision for b in ((r.get("status") or {}).get("plan") or {}).get("baselines") or [])
            ]  # fmt: skip
            canary_done = min(
                datetime.fromisoformat(r["status"]["completionTime"])
                for r in at_revision
                if r["spec"]["tenantRef"]["name"] == CANARY and r["status"]["phase"] == "Succeeded"
            )
            others = [r for r in at_revision if r["spec"]["tenantRef"]["name"] != CANARY]
            # Creation times have whole seconds: none before the second the canary verified in.
            assert others and min(created(r) for r in others) >= canary_done.replace(microsecond=0)
            # One approval covered every Tenant: their runs were approved for the baseline.
            deployed = [r for r in at_revision if (r["status"].get("deploy") or {}).get("results")]
            assert {r["spec"]["tenantRef"]["name"] for r in deployed} == set(NAMES)
            for run in deployed:
                assert run["metadata"]["annotations"]["tenantsync.io/approval-by"].startswith(
                    "baseline/security ("
                )

        roll_out(first)
        enforced = POLICY.replace(b"enabledForReportingButNotEnforced", b"enabled")
        roll_out(push_baseline(repository, clone, {policy_file: enforced}, "Baseline v2: enforce"))

        # Every tenant holds the baseline's policy once, in its newest version.
        for tenant in fleet.values():
            policies = baseline_policies(sim, tenant)
            assert [p["state"] for p in policies] == ["enabled"], tenant.name
    finally:
        delete_while_the_operator_runs(namespace)
        operator.stop()


def git_in(clone: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(clone), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def baseline_branch(repository: Path, clone: Path) -> tuple[str, str]:
    """Branch `baseline` of `repository`: a first commit that does not touch the baseline's folder, then
    one that adds the policy; their commits."""
    subprocess.run(["git", "clone", "-q", str(repository), str(clone)], check=True)
    for key, value in (("user.name", "A Person"), ("user.email", "person@example.com")):
        git_in(clone, "config", key, value)
    git_in(clone, "checkout", "-q", "-b", "baseline")
    (clone / "README.md").write_text("Baselines of the MSP\n")
    git_in(clone, "add", "-A")
    git_in(clone, "commit", "-qm", "Start")
    before = git_in(clone, "rev-parse", "HEAD")
    (clone / BASELINE_PATH / "conditionalAccessPolicies").mkdir(parents=True)
    (clone / BASELINE_PATH / "conditionalAccessPolicies/require-mfa-admins.json").write_bytes(POLICY)
    git_in(clone, "add", "-A")
    git_in(clone, "commit", "-qm", "Baseline v1")
    git_in(clone, "push", "-q", "origin", "baseline")
    return before, git_in(clone, "rev-parse", "HEAD")


def test_a_late_adopter_waits_for_a_person_and_a_revision_force_pushed_away_halts_the_rollout(
    namespace: str,
    simulator: SimEndpoint,
    fleet: dict[str, SimTenant],
    tmp_path: Path,
) -> None:
    """tenant-a is the canary; tenant-c adopts the baseline (joining the canary by its label) after the
    approval, so its run waits for a person; the approved revision is then force-pushed away while the
    wave is unverified: the rollout halts and tenant-b, the next wave, is not released even once the
    wave verifies, until a person resumes."""
    resources = Resources(namespace)
    repository = init_bare(tmp_path / "tenants.git")
    before, revision = baseline_branch(repository, tmp_path / "clone")
    operator = OperatorProcess(namespace, tmp_path / "operator.log", extra_args=("--baseline-poll", "1"))
    operator.start()
    try:
        for name in ("tenant-a", "tenant-b"):
            resources.create("tenants", tenant_manifest(name, fleet[name], simulator, repository))
        late = tenant_manifest("tenant-c", fleet["tenant-c"], simulator, repository)
        late["metadata"]["labels"] = {"ring": "canary"}
        late["spec"]["baselines"] = []
        resources.create("tenants", late)
        resources.create(
            "baselines",
            {
                "apiVersion": "tenantsync.io/v1alpha1",
                "kind": "Baseline",
                "metadata": {"name": "security"},
                "spec": {
                    "repository": {"url": str(repository), "branch": "baseline", "path": BASELINE_PATH},
                    "rollout": {
                        "canary": {"tenants": ["tenant-a"], "selector": {"matchLabels": {"ring": "canary"}}},
                        "maxParallel": 1,
                    },
                },
            },
        )
        pending = wait_for(
            lambda: (
                rollout_of(resources) if rollout_of(resources).get("phase") == "PendingApproval" else None
            ),
            "the rollout waiting for approval",
        )
        assert pending["revision"] == revision
        approved = plugin(namespace, "baseline", "approve", "security", "--digest", pending["digest"][:12])
        assert approved.returncode == 0, approved.stderr
        wait_for(lambda: rollout_of(resources).get("phase") == "Progressing", "the approval taken")
        assert rollout_of(resources)["approvedTenants"] == ["tenant-a", "tenant-b"]

        # tenant-c adopts the baseline now: it joins the canary wave, but the approval did not cover it.
        resources.patch("tenants", "tenant-c", {"spec": {"baselines": [{"name": "security"}]}})

        def waiting_run() -> dict[str, Any] | None:
            for run in runs_of(resources, "tenant-c"):
                status = run.get("status") or {}
                if status.get("phase") == "PendingApproval" and (status.get("plan") or {}).get("changeCount"):
                    return run
            return None

        run = wait_for(waiting_run, "tenant-c's run planning the baseline's policy", timeout=180)
        row = wait_for(
            lambda: next(
                (
                    t
                    for t in resources.get("baselines", "security")["status"].get("tenants") or []
                    if t["name"] == "tenant-c" and t.get("syncRun") == run["metadata"]["name"]
                ),
                None,
            ),
            "the Baseline showing tenant-c's run waiting",
        )
        assert row["state"] == "Pending" and "needs its own approval" in row["message"]
        wait_for(
            lambda: any(
                ((r.get("status") or {}).get("deploy") or {}).get("results")
                for r in runs_of(resources, "tenant-a")
            ),
            "the canary tenant-a deployed with the baseline's approval",
            timeout=180,
        )
        shown = resources.get("syncruns", run["metadata"]["name"])
        assert "tenantsync.io/approval" not in (shown["metadata"].get("annotations") or {})
        assert shown["status"]["phase"] == "PendingApproval"
        assert run["metadata"]["name"] not in events_of(namespace, "RunApproved")
        assert "wait for a person's approval" in events_of(namespace, "TenantsReleased")

        # The approved revision is force-pushed away while the wave waits for tenant-c.
        git_in(tmp_path / "clone", "push", "-q", "--force", "origin", f"{before}:baseline")
        halted = wait_for(
            lambda: rollout_of(resources) if rollout_of(resources).get("phase") == "Halted" else None,
            "the rollout halted by the revision that is gone",
        )
        assert f"revision {revision[:12]} is no longer on branch baseline" in halted["message"]
        assert "no longer on branch baseline" in events_of(namespace, "RolloutHalted")

        # A person approves tenant-c's run: the wave verifies, and still nothing further is released.
        resources.patch(
            "syncruns",
            run["metadata"]["name"],
            {"metadata": {"annotations": {"tenantsync.io/approval": "approve"}}},
        )
        wait_for(
            lambda: next(
                (
                    t["state"] == "Conforming"
                    for t in resources.get("baselines", "security")["status"].get("tenants") or []
                    if t["name"] == "tenant-c"
                ),
                False,
            ),
            "tenant-c conforming after a person's approval",
            timeout=180,
        )
        status = resources.get("baselines", "security")["status"]
        assert status["rollout"]["phase"] == "Halted"
        assert {r["tenant"] for r in status["releases"]} == {"tenant-a", "tenant-c"}
        assert runs_of(resources, "tenant-b") == []

        resumed = plugin(namespace, "baseline", "resume", "security")
        assert resumed.returncode == 0, resumed.stderr
        wait_for(lambda: runs_of(resources, "tenant-b"), "tenant-b released after the resume")
    finally:
        delete_while_the_operator_runs(namespace)
        operator.stop()


def test_a_canary_naming_a_missing_tenant_halts_before_anything_is_released(
    namespace: str, tmp_path: Path
) -> None:
    resources = Resources(namespace)
    repository = init_bare(tmp_path / "tenants.git")
    push_baseline(
        repository, tmp_path / "clone", {"conditionalAccessPolicies/require-mfa-admins.json": POLICY}, "v1"
    )
    operator = OperatorProcess(namespace, tmp_path / "operator.log", extra_args=("--baseline-poll", "1"))
    operator.start()
    try:
        for name in ("contoso", "contoso-lab", "fabrikam"):
            resources.create("tenants", resource_tenant(name, baselines=[{"name": "security"}]))
        resources.create(
            "baselines",
            {
                "apiVersion": "tenantsync.io/v1alpha1",
                "kind": "Baseline",
                "metadata": {"name": "security"},
                "spec": {
                    "repository": {"url": str(repository), "path": BASELINE_PATH},
                    "rollout": {"canary": {"tenants": ["contoso-lba"]}, "maxParallel": 10},
                },
            },
        )
        pending = wait_for(
            lambda: (
                rollout_of(resources)
                if "Cannot start" in (rollout_of(resources).get("message") or "")
                else None
            ),
            "the rollout waiting for approval, saying the canary cannot start",
        )
        assert "Tenant contoso-lba, which does not exist" in pending["message"]
        assert "contoso-lba" in events_of(namespace, "CanaryInvalid")

        approved = plugin(namespace, "baseline", "approve", "security", "--digest", pending["digest"][:12])
        assert approved.returncode == 0, approved.stderr

        halted = wait_for(
            lambda: rollout_of(resources) if rollout_of(resources).get("phase") == "Halted" else None,
            "the rollout halted before wave 1",
        )
        assert halted["message"].startswith(
            "Halted before wave 1 of 1: spec.rollout.canary.tenants names Tenant"
        )
        status = resources.get("baselines", "security")["status"]
        degraded = next(c for c in status["conditions"] if c["type"] == "Degraded")
        assert degraded["status"] == "True" and "contoso-lba" in degraded["message"]
        assert "contoso-lba" in events_of(namespace, "RolloutHalted")
        assert status["releases"] == [] and resources.list("syncruns") == []
    finally:
        delete_while_the_operator_runs(namespace)
        operator.stop()


def test_a_baseline_whose_repository_does_not_exist_says_so(namespace: str, tmp_path: Path) -> None:
    resources = Resources(namespace)
    nowhere = tmp_path / "no-such-repository.git"
    operator = OperatorProcess(namespace, tmp_path / "operator.log", extra_args=("--baseline-poll", "1"))
    operator.start()
    try:
        resources.create(
            "baselines",
            {
                "apiVersion": "tenantsync.io/v1alpha1",
                "kind": "Baseline",
                "metadata": {"name": "security"},
                "spec": {"repository": {"url": str(nowhere), "path": BASELINE_PATH}},
            },
        )

        def ready() -> dict[str, Any] | None:
            conditions = (resources.get("baselines", "security").get("status") or {}).get("conditions") or []
            return next(
                (c for c in conditions if c["type"] == "Ready" and c["reason"] == "RevisionUnknown"), None
            )

        condition = wait_for(ready, "the Baseline saying its repository does not exist")
        said = f"The repository {nowhere} named by spec.repository.url does not exist."
        assert condition["status"] == "False" and said in condition["message"]
        assert resources.get("baselines", "security")["status"]["message"] == condition["message"]
        assert said in events_of(namespace, "RevisionUnknown")
        assert "touches" not in condition["message"]
        assert not nowhere.exists()
    finally:
        delete_while_the_operator_runs(namespace)
        operator.stop()
