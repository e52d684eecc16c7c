"""The chart as rendered for every supported Kubernetes minor, validated by the local kube-apiserver.

For each line of hack/chart-kube-versions the chart is rendered with that minor's `--kube-version` and
admission API versions (so that every policy is rendered), and the whole of it goes through a server-side
dry run: the API server checks each object's schema and compiles each policy's CEL. There is one server,
the local control plane's (Kubernetes 1.35), so every minor is validated by that server's rules, not its
own. A kind the minor serves under a version this server does not (MutatingAdmissionPolicy v1, from 1.36;
1.35 serves v1beta1, whose schema v1 kept) is sent under the version this server serves, and the test
says which. docs/install.md says the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.integration.chart.kube_support import Kubectl
from tests.unit.chart.chart_support import CHART, Manifest, helm_run
from tests.unit.chart.kube_versions import KubeMinor, supported_minors

pytestmark = pytest.mark.integration

POLICY_KINDS = {
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
}


@pytest.fixture(scope="module")
def served(kubectl: Kubectl) -> dict[str, set[str]]:
    """Kind -> the group/versions this API server serves it under (admissionregistration.k8s.io)."""
    version = json.loads(kubectl.run("version", "-o", "json").stdout)["serverVersion"]
    assert (version["major"], version["minor"].rstrip("+")) == ("1", "35"), version
    kinds: dict[str, set[str]] = {}
    for group_version in kubectl.run("api-versions").stdout.split():
        if group_version.startswith("admissionregistration.k8s.io/"):
            listing = json.loads(kubectl.run("get", "--raw", f"/apis/{group_version}").stdout)
            for resource in listing["resources"]:
                kinds.setdefault(resource["kind"], set()).add(group_version)
    return kinds


def as_served(doc: Manifest, served: dict[str, set[str]]) -> tuple[Manifest, str | None]:
    """The document under a version this server serves; with a note when that is not its own."""
    if doc["kind"] not in POLICY_KINDS or doc["apiVersion"] in served.get(doc["kind"], set()):
        return doc, None
    versions = sorted(served.get(doc["kind"], set()))
    assert versions, f"this API server serves no {doc['kind']}"
    note = f"{doc['kind']} {doc['apiVersion']} validated as {versions[-1]}"
    return {**doc, "apiVersion": versions[-1]}, note


@pytest.mark.parametrize("minor", supported_minors(), ids=lambda m: m.minor)
def test_every_object_and_policy_rendered_for_the_minor_is_accepted(
    helm: Path,
    kubectl: Kubectl,
    make_namespace: Callable[[str], str],
    served: dict[str, set[str]],
    minor: KubeMinor,
) -> None:
    namespace = make_namespace("ts-minor")
    text = helm_run(
        helm, "template", "ts-minor", str(CHART), "--namespace", namespace, *minor.helm_args()
    ).stdout
    docs = [doc for doc in yaml.safe_load_all(text) if doc]
    policies = sorted((d["kind"], d["metadata"]["name"]) for d in docs if d["kind"] in POLICY_KINDS)
    assert ("ValidatingAdmissionPolicy", "ts-minor-tenantsync-configure") in policies
    if minor.serves("MutatingAdmissionPolicy"):
        assert ("MutatingAdmissionPolicy", "ts-minor-tenantsync-approver") in policies

    sent: list[Manifest] = []
    notes: list[str] = []
    for doc in docs:
        converted, note = as_served(doc, served)
        sent.append(converted)
        notes += [note] if note else []
    result = kubectl.run(
        "apply", "--dry-run=server", "-o", "json", "-f", "-", stdin=yaml.safe_dump_all(sent), check=False
    )
    assert result.returncode == 0, f"Kubernetes {minor.minor}: the API server refused:\n{result.stderr}"
    answer = json.loads(result.stdout)
    items = answer["items"] if answer.get("kind") == "List" else [answer]
    accepted = sorted((i["kind"], i["metadata"]["name"]) for i in items if i["kind"] in POLICY_KINDS)
    assert accepted == policies
    assert len(items) == len(docs)
    # Only what this server cannot take under its own version was re-versioned.
    expected_notes = (
        ["MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding"]
        if minor.serves("MutatingAdmissionPolicy") == "admissionregistration.k8s.io/v1"
        else []
    )
    assert [note.split()[0] for note in notes] == expected_notes, notes
    print(
        f"Kubernetes {minor.minor}: {len(policies)} policies and bindings accepted; {'; '.join(notes) or 'as rendered'}"
    )


def test_a_policy_with_broken_cel_is_refused(
    helm: Path, kubectl: Kubectl, served: dict[str, set[str]]
) -> None:
    """The dry run can fail: a validation whose CEL does not compile is refused by name."""
    newest = supported_minors()[-1]
    text = helm_run(helm, "template", "ts-bad", str(CHART), *newest.helm_args()).stdout
    policy = next(
        doc for doc in yaml.safe_load_all(text) if doc and doc["kind"] == "ValidatingAdmissionPolicy"
    )
    policy["spec"]["validations"][0]["expression"] = "object.metadata.name ==="
    result = kubectl.run(
        "apply",
        "--dry-run=server",
        "-f",
        "-",
        stdin=yaml.safe_dump(as_served(policy, served)[0]),
        check=False,
    )
    assert result.returncode != 0
    assert "spec.validations[0].expression" in result.stderr, result.stderr
