"""Four eyes that cannot be forged: the further-approvals policy on the real API server, with impersonated
users. alice, bob, carol and dave@contoso.com hold the chart's approver role; mallory may patch SyncRuns
but not approve. The decision's approver is recorded by the chart's MutatingAdmissionPolicy. The bindings
are limited to this test's namespace.
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

APIS = [
    "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy",
    "admissionregistration.k8s.io/v1beta1/MutatingAdmissionPolicy",
]
DIGEST = "0123456789abcdef"
APPROVERS = ("alice", "bob", "carol", "dave@contoso.com")


@pytest.fixture
def namespace(helm: Path, kubectl: Kubectl, make_namespace: Callable[[str], str]) -> Iterator[str]:
    namespace = make_namespace("ts-four-eyes")
    release = f"ts-4e-{uuid.uuid4().hex[:6]}"
    docs = render(
        helm,
        release=release,
        namespace=namespace,
        api_versions=APIS,
        values={
            "approvalPolicy.enabled": "true",
            "approvalPolicy.recordApprover": "true",
            "approvalPolicy.namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name": namespace,
            "configurePolicy.enabled": "false",
            "rbac.restrictSecretWrites": "false",
        },
    )
    cluster_docs = [
        d
        for d in docs
        if "AdmissionPolicy" in d["kind"] or d["metadata"]["name"] == f"{release}-tenantsync-approver"
    ]
    assert sorted(
        d["metadata"]["name"] for d in cluster_docs if d["kind"] == "ValidatingAdmissionPolicy"
    ) == [
        f"{release}-tenantsync-approval",
        f"{release}-tenantsync-further-approvals",
    ]
    kubectl.run("apply", "-f", "-", stdin=yaml.safe_dump_all(cluster_docs))
    try:
        users = [f"--user={user}" for user in APPROVERS]
        kubectl.run(
            "create",
            "rolebinding",
            "approvers",
            f"--clusterrole={release}-tenantsync-approver",
            *users,
            "-n",
            namespace,
        )
        kubectl.run("create", "role", "patcher", "--verb=get,patch", "--resource=syncruns", "-n", namespace)
        kubectl.run("create", "rolebinding", "patchers", "--role=patcher", "--user=mallory", "-n", namespace)
        for run in ("probe", "run-1", "run-2"):
            body = {"apiVersion": "tenantsync.io/v1alpha1", "kind": "SyncRun",
                    "metadata": {"name": run, "namespace": namespace}, "spec": {"tenantRef": {"name": "contoso"}}}  # fmt: skip
            kubectl.run("create", "-f", "-", stdin=json.dumps(body))

        def active() -> bool:
            """Policies take effect a moment after creation, each on its own: probe both with server-side
            dry runs (the validating one refuses mallory, the mutating one records alice's decision)."""
            refused = _annotate(kubectl, "mallory", namespace, "probe", "x", "--dry-run=server")
            recorded = _annotate(
                kubectl,
                "alice",
                namespace,
                "probe",
                "tenantsync.io/approval=approve",
                "--dry-run=server",
                "--output=json",
            )
            return (
                "may not approve" in refused.stderr
                and recorded.returncode == 0
                and json.loads(recorded.stdout)["metadata"]["annotations"].get("tenantsync.io/approval-by")
                == "alice"
            )

        assert eventually(active, timeout=30), "the policy never took effect"
        yield namespace
    finally:
        kubectl.run(
            "delete", "--ignore-not-found", "-f", "-", stdin=yaml.safe_dump_all(cluster_docs), check=False
        )


def _annotate(
    kubectl: Kubectl, user: str, namespace: str, run: str, *pairs: str
) -> subprocess.CompletedProcess[str]:
    annotations = [
        p if "=" in p or p.endswith("-") else f"approval.tenantsync.io/{p}={DIGEST}" for p in pairs
    ]
    return kubectl.run(
        "annotate",
        "--overwrite",
        f"--as={user}",
        "-n",
        namespace,
        f"syncrun/{run}",
        *annotations,
        check=False,
    )


def _annotations(kubectl: Kubectl, namespace: str, run: str) -> dict[str, str]:
    stored = json.loads(kubectl.run("get", "syncrun", run, "-n", namespace, "-o", "json").stdout)
    found: dict[str, str] = stored["metadata"].get("annotations", {})
    return found


def test_only_approvers_add_approvals_and_only_their_own(kubectl: Kubectl, namespace: str) -> None:
    refused = _annotate(kubectl, "mallory", namespace, "run-1", "mallory")
    assert refused.returncode != 0
    assert (
        f'mallory may not approve SyncRun {namespace}/run-1: an approval.tenantsync.io/ annotation needs the RBAC verb "approve"'
        in refused.stderr
    )

    forged = _annotate(kubectl, "bob", namespace, "run-1", "alice")
    assert forged.returncode != 0
    assert (
        "bob may add or withdraw only their own approval, approval.tenantsync.io/bob, not approval.tenantsync.io/alice"
        in forged.stderr
    )

    assert _annotate(kubectl, "bob", namespace, "run-1", "bob").returncode == 0
    email = _annotate(kubectl, "dave@contoso.com", namespace, "run-1", "dave.contoso.com")
    assert email.returncode == 0, email.stderr
    withdrawn_by_other = _annotate(
        kubectl, "dave@contoso.com", namespace, "run-1", "approval.tenantsync.io/bob-"
    )
    assert withdrawn_by_other.returncode != 0 and "only their own approval" in withdrawn_by_other.stderr
    assert _annotate(kubectl, "bob", namespace, "run-1", "approval.tenantsync.io/bob-").returncode == 0
    assert {
        k: v for k, v in _annotations(kubectl, namespace, "run-1").items() if k.startswith("approval.")
    } == {"approval.tenantsync.io/dave.contoso.com": DIGEST}


def test_the_deciding_approver_cannot_count_twice(kubectl: Kubectl, namespace: str) -> None:
    decided = _annotate(
        kubectl,
        "alice",
        namespace,
        "run-1",
        "tenantsync.io/approval=approve",
        f"tenantsync.io/approval-digest={DIGEST}",
    )
    assert decided.returncode == 0, decided.stderr
    assert _annotations(kubectl, namespace, "run-1")["tenantsync.io/approval-by"] == "alice"
    again = _annotate(kubectl, "alice", namespace, "run-1", "alice")
    assert again.returncode != 0
    assert f"alice already approved SyncRun {namespace}/run-1 (tenantsync.io/approval-by)" in again.stderr
    assert _annotate(kubectl, "bob", namespace, "run-1", "bob").returncode == 0

    # The other order: a further approval first, then the decision by the same person.
    assert _annotate(kubectl, "carol", namespace, "run-2", "carol").returncode == 0
    second = _annotate(kubectl, "carol", namespace, "run-2", "tenantsync.io/approval=approve")
    assert second.returncode != 0 and "carol already approved" in second.stderr
    assert _annotate(kubectl, "alice", namespace, "run-2", "tenantsync.io/approval=approve").returncode == 0
