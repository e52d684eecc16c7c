"""The optional approval policy on the real API server, with impersonated users.

alice is bound to the chart's approver ClusterRole (verb `approve` on syncruns); bob may patch SyncRuns
but not approve. The policy's binding is limited to this test's namespace, so other sessions sharing the
control plane are unaffected.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.chart.kube_support import Kubectl, eventually
from tests.unit.chart.chart_support import render

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("tenantsync_crds")]

APPROVAL = "tenantsync.io/approval"


@pytest.fixture
def policy_namespace(
    helm: Path, kubectl: Kubectl, make_namespace: Callable[[str], str]
) -> Iterator[tuple[str, str]]:
    namespace = make_namespace("ts-approval")
    release = f"ts-vap-{uuid.uuid4().hex[:6]}"
    docs = render(
        helm,
        release=release,
        namespace=namespace,
        values={
            "approvalPolicy.enabled": "true",
            "approvalPolicy.recordApprover": "true",
            "approvalPolicy.namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name": namespace,
        },
        # What the local control plane serves (Kubernetes 1.35, --runtime-config of hack/local-cluster).
        api_versions=[
            "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy",
            "admissionregistration.k8s.io/v1beta1/MutatingAdmissionPolicy",
        ],
    )
    wanted = {
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
    }
    cluster_docs = [
        d
        for d in docs
        if (d["kind"] in wanted and d["metadata"]["name"].endswith(("-approval", "-approver")))
        or (d["kind"] == "ClusterRole" and d["metadata"]["name"].endswith("-approver"))
    ]
    assert len(cluster_docs) == 5
    approver_role = f"{release}-tenantsync-approver"
    kubectl.run("apply", "-f", "-", stdin=yaml.safe_dump_all(cluster_docs))
    try:
        kubectl.run(
            "create",
            "rolebinding",
            "approvers",
            f"--clusterrole={approver_role}",
            "--user=alice",
            "-n",
            namespace,
        )
        kubectl.run(
            "create",
            "role",
            "syncrun-editor",
            "--verb=get,list,patch,update",
            "--resource=syncruns",
            "-n",
            namespace,
        )
        kubectl.run(
            "create", "rolebinding", "editors", "--role=syncrun-editor", "--user=bob", "-n", namespace
        )
        yield namespace, release
    finally:
        kubectl.run(
            "delete", "--ignore-not-found", "-f", "-", stdin=yaml.safe_dump_all(cluster_docs), check=False
        )


def _syncrun(kubectl: Kubectl, namespace: str, name: str, annotations: dict[str, str] | None = None) -> None:
    body = {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "SyncRun",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
        "spec": {"tenantRef": {"name": "contoso"}},
    }
    kubectl.run("create", "-f", "-", stdin=json.dumps(body))


def _annotate(
    kubectl: Kubectl, user: str, namespace: str, name: str, value: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    return kubectl.run(
        "annotate",
        "--overwrite",
        f"--as={user}",
        "-n",
        namespace,
        f"syncrun/{name}",
        f"{APPROVAL}={value}",
        *extra,
        check=False,
    )


def _policy_active(kubectl: Kubectl, namespace: str) -> bool:
    """Policies take effect a moment after creation: probe with a server-side dry run as bob."""
    result = _annotate(kubectl, "bob", namespace, "probe", "approve", "--dry-run=server")
    return result.returncode != 0 and "may not decide" in result.stderr


def test_only_approvers_may_decide(kubectl: Kubectl, policy_namespace: tuple[str, str]) -> None:
    namespace, release = policy_namespace
    _syncrun(kubectl, namespace, "probe")
    assert eventually(lambda: _policy_active(kubectl, namespace), timeout=30), "the policy never took effect"

    _syncrun(kubectl, namespace, "run-1")
    refused = _annotate(kubectl, "bob", namespace, "run-1", "approve")
    assert refused.returncode != 0
    assert (
        f"bob may not decide on SyncRun {namespace}/run-1: setting tenantsync.io/approval needs the RBAC "
        f'verb "approve" on syncruns.tenantsync.io (bind the ClusterRole {release}-tenantsync-approver'
    ) in refused.stderr

    approved = _annotate(kubectl, "alice", namespace, "run-1", "approve")
    assert approved.returncode == 0, approved.stderr
    stored = kubectl.run("get", "syncrun", "run-1", "-n", namespace, "-o", "json").stdout
    annotations = json.loads(stored)["metadata"]["annotations"]
    assert annotations[APPROVAL] == "approve"
    # The MutatingAdmissionPolicy recorded who decided, and nobody can rewrite that record alone.
    assert annotations[f"{APPROVAL}-by"] == "alice"
    forged = kubectl.run(
        "annotate", "--overwrite", "--as=alice", "-n", namespace, "syncrun/run-1", f"{APPROVAL}-by=mallory",
        check=False,
    )  # fmt: skip
    assert forged.returncode != 0
    assert "cannot be edited on its own" in forged.stderr

    # bob may not change or remove alice's decision either, but may edit anything else.
    assert _annotate(kubectl, "bob", namespace, "run-1", "reject").returncode != 0
    removed = kubectl.run(
        "annotate", "--as=bob", "-n", namespace, "syncrun/run-1", f"{APPROVAL}-", check=False
    )
    assert removed.returncode != 0 and "may not decide" in removed.stderr
    other = kubectl.run(
        "annotate", "--as=bob", "-n", namespace, "syncrun/run-1", "example.com/note=hi", check=False
    )
    assert other.returncode == 0, other.stderr


def test_a_syncrun_cannot_be_created_pre_approved_by_a_non_approver(
    kubectl: Kubectl, policy_namespace: tuple[str, str]
) -> None:
    namespace, _ = policy_namespace
    _syncrun(kubectl, namespace, "probe")
    assert eventually(lambda: _policy_active(kubectl, namespace), timeout=30), "the policy never took effect"
    kubectl.run("create", "role", "syncrun-creator", "--verb=create", "--resource=syncruns", "-n", namespace)
    kubectl.run("create", "rolebinding", "creators", "--role=syncrun-creator", "--user=bob", "-n", namespace)
    body = {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "SyncRun",
        "metadata": {"name": "sneaky", "namespace": namespace, "annotations": {APPROVAL: "approve"}},
        "spec": {"tenantRef": {"name": "contoso"}},
    }
    refused = kubectl.run("create", "--as=bob", "-f", "-", stdin=json.dumps(body), check=False)
    assert refused.returncode != 0 and "may not decide" in refused.stderr
    plain = {**body, "metadata": {"name": "sneaky", "namespace": namespace}}
    assert kubectl.run("create", "--as=bob", "-f", "-", stdin=json.dumps(plain), check=False).returncode == 0


def _baseline(kubectl: Kubectl, namespace: str, name: str) -> None:
    body = {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "Baseline",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"repository": {"url": "/repo", "path": "baselines/security"}},
    }
    kubectl.run("create", "-f", "-", stdin=json.dumps(body))


def test_a_baselines_approval_and_resume_need_the_approve_verb_on_baselines(
    kubectl: Kubectl, policy_namespace: tuple[str, str]
) -> None:
    namespace, _ = policy_namespace
    _syncrun(kubectl, namespace, "probe")
    assert eventually(lambda: _policy_active(kubectl, namespace), timeout=30), "the policy never took effect"
    _baseline(kubectl, namespace, "security")
    kubectl.run(
        "create", "role", "baseline-editor", "--verb=get,patch", "--resource=baselines", "-n", namespace
    )
    kubectl.run(
        "create", "rolebinding", "baseline-editors", "--role=baseline-editor", "--user=bob", "-n", namespace
    )

    def annotate(user: str, *pairs: str) -> subprocess.CompletedProcess[str]:
        return kubectl.run(
            "annotate",
            "--overwrite",
            f"--as={user}",
            "-n",
            namespace,
            "baseline/security",
            *pairs,
            check=False,
        )

    refused = annotate("bob", f"{APPROVAL}=approve", f"{APPROVAL}-digest=12345678")
    assert refused.returncode != 0
    assert (
        f"bob may not decide on Baseline {namespace}/security: setting tenantsync.io/approval needs the RBAC verb"
        ' "approve" on baselines.tenantsync.io'
    ) in refused.stderr
    resume = annotate("bob", "tenantsync.io/rollout=resume")
    assert resume.returncode != 0 and "may not resume the rollout of Baseline" in resume.stderr
    assert annotate("bob", "example.com/note=hi").returncode == 0

    approved = annotate("alice", f"{APPROVAL}=approve", f"{APPROVAL}-digest=12345678")
    assert approved.returncode == 0, approved.stderr
    assert annotate("alice", "tenantsync.io/rollout=resume").returncode == 0
    stored = json.loads(kubectl.run("get", "baseline", "security", "-n", namespace, "-o", "json").stdout)
    assert stored["metadata"]["annotations"][f"{APPROVAL}-by"] == "alice"


def test_a_run_the_operator_approves_for_a_baseline_keeps_the_baselines_approver(
    kubectl: Kubectl, policy_namespace: tuple[str, str]
) -> None:
    namespace, release = policy_namespace
    operator = f"system:serviceaccount:{namespace}:{release}-tenantsync"
    kubectl.run("create", "rolebinding", "operator-approves", f"--clusterrole={release}-tenantsync-approver",
                f"--user={operator}", "-n", namespace)  # fmt: skip
    _syncrun(kubectl, namespace, "probe")
    assert eventually(lambda: _policy_active(kubectl, namespace), timeout=30), "the policy never took effect"
    _syncrun(kubectl, namespace, "for-baseline")
    _syncrun(kubectl, namespace, "own-plan")

    by_baseline = "baseline/security (alice)"
    for run, user, claimed in (("for-baseline", operator, by_baseline), ("own-plan", "alice", by_baseline)):
        result = kubectl.run(
            "annotate", f"--as={user}", "-n", namespace, f"syncrun/{run}", f"{APPROVAL}=approve",
            f"{APPROVAL}-by={claimed}", check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    def approver(run: str) -> str:
        stored = json.loads(kubectl.run("get", "syncrun", run, "-n", namespace, "-o", "json").stdout)
        return str(stored["metadata"]["annotations"][f"{APPROVAL}-by"])

    # Only the operator's own account may carry a baseline's approver; anyone else is recorded as themselves.
    assert approver("for-baseline") == by_baseline
    assert approver("own-plan") == "alice"
