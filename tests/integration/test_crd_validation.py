"""Our CRDs as the real API server serves them: bad manifests refused naming the field, columns that fit,
fields that explain themselves."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from tenantsync.api import all_crds
from tests.support.cluster import kubectl, wait_for
from tests.support.resources import CLIENT_ID, Resources, syncrun_manifest, tenant_manifest

pytestmark = pytest.mark.integration


def _message(error: ApiException) -> str:
    """The API server's message, as kubectl prints it."""
    message: str = json.loads(error.body or "{}")["message"]
    return message


def _without(path: str) -> dict[str, Any]:
    manifest = tenant_manifest("bad")
    *parents, leaf = path.split(".")
    node = manifest["spec"]
    for key in parents:
        node = node[key]
    del node[leaf]
    return manifest


def _user(**overrides: Any) -> dict[str, Any]:
    return {"clientId": CLIENT_ID, "tokenSecretRef": {"name": "user-token"}, **overrides}


BAD_TENANTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("missing tenantId", _without("tenantId"), ["spec.tenantId", "Required value"]),
    ("missing clientId", _without("servicePrincipal.clientId"), ["spec.servicePrincipal.clientId", "Required value"]),
    ("missing credentialsSecretRef", _without("servicePrincipal.credentialsSecretRef"), ["spec.servicePrincipal.credentialsSecretRef", "Required value"]),
    ("missing servicePrincipal", _without("servicePrincipal"), ["spec.servicePrincipal", "Required value"]),
    ("missing repository", _without("repository"), ["spec.repository", "Required value"]),
    ("repository without url", tenant_manifest("bad", repository={"branch": "main"}), ["spec.repository.url", "Required value"]),
    ("tenantId neither GUID nor domain", tenant_manifest("bad", tenantId="not a tenant"), ["spec.tenantId", "GUID or a verified domain"]),
    ("tenantId almost a GUID", tenant_manifest("bad", tenantId="7c3a0000-0000-0000-0000-00000000000g"), ["spec.tenantId", "GUID or a verified domain"]),
    ("tenantId bare word", tenant_manifest("bad", tenantId="contoso"), ["spec.tenantId", "GUID or a verified domain"]),
    ("clientId not a GUID", tenant_manifest("bad", servicePrincipal={"clientId": "my-app", "credentialsSecretRef": {"name": "s"}}), ["spec.servicePrincipal.clientId", "application (client) ID GUID"]),
    ("empty secret name", tenant_manifest("bad", servicePrincipal={"clientId": CLIENT_ID, "credentialsSecretRef": {"name": ""}}), ["spec.servicePrincipal.credentialsSecretRef.name"]),
    ("unknown cloud", tenant_manifest("bad", cloud="Mars"), ["spec.cloud", "Unsupported value", '"Public"']),
    ("unknown mode", tenant_manifest("bad", mode="ReadWrite"), ["spec.mode", "Unsupported value", '"BackupOnly"']),
    ("unknown approval", tenant_manifest("bad", approval="Sometimes"), ["spec.approval", "Unsupported value", '"Automatic"']),
    ("unknown resource type", tenant_manifest("bad", resources=["conditionalAccessPolicies", "printers"]), ["spec.resources[1]", "Unsupported value", '"namedLocations"']),
    ("duplicate resource type", tenant_manifest("bad", resources=["namedLocations", "namedLocations"]), ["spec.resources[1]", "Duplicate value"]),
    ("negative successful history", tenant_manifest("bad", successfulRunsHistoryLimit=-1), ["spec.successfulRunsHistoryLimit", "must not be negative"]),
    ("negative failed history", tenant_manifest("bad", failedRunsHistoryLimit=-5), ["spec.failedRunsHistoryLimit", "must not be negative"]),
    ("timeout too short", tenant_manifest("bad", userAuthentication=_user(timeoutSeconds=10)), ["spec.userAuthentication.timeoutSeconds", "between 30 and 3600"]),
    ("timeout too long", tenant_manifest("bad", userAuthentication=_user(timeoutSeconds=7200)), ["spec.userAuthentication.timeoutSeconds", "between 30 and 3600"]),
    ("user without token secret", tenant_manifest("bad", userAuthentication={"clientId": CLIENT_ID}), ["spec.userAuthentication.tokenSecretRef", "Required value"]),
    ("user clientId not a GUID", tenant_manifest("bad", userAuthentication=_user(clientId="public-app")), ["spec.userAuthentication.clientId", "public client application"]),
    ("schedule with three fields", tenant_manifest("bad", schedule="0 6 *"), ["spec.schedule", "cron expression with 5 fields"]),
    ("schedule of five words", tenant_manifest("bad", schedule="a b c d e"), ["spec.schedule", "cron expression with 5 fields"]),
    ("schedule minute 60", tenant_manifest("bad", schedule="60 * * * *"), ["spec.schedule", "cron expression with 5 fields"]),
    ("schedule step 0", tenant_manifest("bad", schedule="*/0 * * * *"), ["spec.schedule", "cron expression with 5 fields"]),
    ("schedule month 13", tenant_manifest("bad", schedule="0 0 1 13 *"), ["spec.schedule", "cron expression with 5 fields"]),
    ("absolute repository path", tenant_manifest("bad", repository={"url": "/r", "path": "/etc"}), ["spec.repository.path", "relative to the repository root"]),
    ("repository path escaping", tenant_manifest("bad", repository={"url": "/r", "path": "tenants/../../escape"}), ["spec.repository.path", "without '..' segments"]),
    ("branch with a space", tenant_manifest("bad", repository={"url": "/r", "branch": "my branch"}), ["spec.repository.branch", "valid Git branch name"]),
    ("branch ../etc", tenant_manifest("bad", repository={"url": "/r", "branch": "../etc"}), ["spec.repository.branch", "valid Git branch name"]),
    ("backupBranch ending .lock", tenant_manifest("bad", repository={"url": "/r", "backupBranch": "backup.lock"}), ["spec.repository.backupBranch", "valid Git branch name"]),
    ("backupBranch equal to branch", tenant_manifest("bad", repository={"url": "/r", "branch": "main", "backupBranch": "main"}), ["spec.repository.backupBranch", "must differ from branch"]),
    ("backupBranch equal to the default branch", tenant_manifest("bad", repository={"url": "/r", "backupBranch": "main"}), ["spec.repository.backupBranch", "must differ from branch"]),
    ("name of 64 characters", tenant_manifest("a" * 64), ["metadata.name", "at most 63 characters", "tenantsync.io/tenant label"]),
    ("http authority", tenant_manifest("bad", endpoints={"authority": "http://login.example"}), ["spec.endpoints.authority", "https://"]),
    ("suspend not a boolean", tenant_manifest("bad", suspend="yes"), ["spec.suspend", "boolean"]),
    ("history limit not a number", tenant_manifest("bad", successfulRunsHistoryLimit="three"), ["spec.successfulRunsHistoryLimit", "integer"]),
    ("overrides in another tenant's folder", tenant_manifest("bad", baselines=[{"name": "s", "overridesPath": "tenants/fabrikam/baselines/s"}]), ["spec.baselines", "under the Tenant's own folder's baselines/"]),
    ("overrides beside the tenant's objects", tenant_manifest("bad", baselines=[{"name": "s", "overridesPath": "tenants/bad/namedLocations"}]), ["spec.baselines", "under the Tenant's own folder's baselines/"]),
    ("overrides in a folder named like the tenant's", tenant_manifest("bad", baselines=[{"name": "s", "overridesPath": "tenants/bad-lab/baselines/s"}]), ["spec.baselines", "under the Tenant's own folder's baselines/"]),
    ("overrides outside the set folder", tenant_manifest("bad", repository={"url": "/r", "path": "msp/bad"}, baselines=[{"name": "s", "overridesPath": "tenants/bad/baselines/s"}]), ["spec.baselines", "under the Tenant's own folder's baselines/"]),
    ("overrides climbing out", tenant_manifest("bad", baselines=[{"name": "s", "overridesPath": "tenants/bad/baselines/../../fabrikam"}]), ["spec.baselines[0].overridesPath", "without '.', '..' or empty segments"]),
    ("absolute overrides", tenant_manifest("bad", baselines=[{"name": "s", "overridesPath": "/tenants/bad/baselines/s"}]), ["spec.baselines[0].overridesPath", "relative to the repository root"]),
    ("teams snapshots more than hourly", tenant_manifest("bad", teams={"snapshotInterval": "59m"}), ["spec.teams.snapshotInterval", "between 1h and 720h", "monthly Tenant Configuration Management quota"]),
    ("teams snapshots beyond 30 days", tenant_manifest("bad", teams={"snapshotInterval": "721h"}), ["spec.teams.snapshotInterval", "between 1h and 720h"]),
    ("teams snapshots in days", tenant_manifest("bad", teams={"snapshotInterval": "1d"}), ["spec.teams.snapshotInterval", 'a duration such as "24h"']),
    ("group members cap of 0", tenant_manifest("bad", groupMembers={"maxMembers": 0}), ["spec.groupMembers.maxMembers", "between 1 and 1000"]),
    ("group members cap over 1000", tenant_manifest("bad", groupMembers={"maxMembers": 1001}), ["spec.groupMembers.maxMembers", "between 1 and 1000"]),
    ("group members without groups", tenant_manifest("bad", resources=["namedLocations"], groupMembers={}), ["spec.groupMembers", "add groups to resources"]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "manifest", "expected"), BAD_TENANTS, ids=[c[0] for c in BAD_TENANTS])
def test_bad_tenant_is_refused_naming_the_field(
    namespace: str, case: str, manifest: dict[str, Any], expected: list[str]
) -> None:
    with pytest.raises(ApiException) as refused:
        Resources(namespace).create("tenants", manifest)
    assert refused.value.status == 422, refused.value.body
    message = _message(refused.value)
    for words in expected:
        assert words in message, f"{case}: {words!r} not in {message}"


BRANCH_NAMES = [
    "main", "tenantsync/backup", "feature/ca-policies", "release-2026.11", "user@host", "@", "é", "a.b",
    "my branch", "../etc", "-x", "a.lock", "a/.b", ".hidden", "HEAD", "a@{1}", "a//b", "a/", "/a", "a.",
    "a..b", "a~1", "a^", "a:b", "a?", "a*", "a[b", "a\\b", "tab\there", "del\x7f", "x/y.lock/z",
]  # fmt: skip


@pytest.mark.parametrize("branch", BRANCH_NAMES)
def test_branch_names_are_refused_exactly_when_git_refuses_them(namespace: str, branch: str) -> None:
    """Both branch fields carry the same rule; git itself is the judge of what a valid branch name is."""
    git_accepts = (
        subprocess.run(["git", "check-ref-format", "--branch", branch], capture_output=True).returncode == 0
    )
    manifest = tenant_manifest(
        "branches", repository={"url": "/r", "branch": branch, "backupBranch": "backup"}
    )
    if git_accepts:
        Resources(namespace).create("tenants", manifest)
        return
    with pytest.raises(ApiException) as refused:
        Resources(namespace).create("tenants", manifest)
    assert refused.value.status == 422, refused.value.body
    assert "spec.repository.branch" in _message(refused.value)
    assert "valid Git branch name" in _message(refused.value)


def test_limits_that_still_pass(namespace: str) -> None:
    """The rules refuse only what is wrong: the longest name, relative paths with dots, six-field cron."""
    resources = Resources(namespace)
    accepted = [
        tenant_manifest("a" * 63, schedule="*/10 * * * * *"),
        tenant_manifest("dots", repository={"url": "/r", "path": "tenants/./contoso..old"}, schedule="0 6 * * MON-FRI"),
        tenant_manifest("names", schedule="0 0 ? jan,jul sun#1"),
        tenant_manifest("hourly-teams", teams={"snapshotInterval": "1h"}),
        tenant_manifest("monthly-teams", teams={"snapshotInterval": "720h"}),
        tenant_manifest("members", resources=["groups"], groupMembers={"maxMembers": 1000}),
        tenant_manifest("all-types-and-members", groupMembers={"maxMembers": 1}),
    ]  # fmt: skip
    for manifest in accepted:
        resources.create("tenants", manifest)
    assert resources.get("tenants", "a" * 63)["metadata"]["name"] == "a" * 63
    assert resources.get("tenants", "members")["spec"]["groupMembers"] == {"maxMembers": 1000}


def test_overrides_inside_the_tenants_own_baselines_folder_are_accepted(namespace: str) -> None:
    resources = Resources(namespace)
    accepted = [
        tenant_manifest("default", baselines=[{"name": "s", "overridesPath": "tenants/default/baselines/s-v2"}]),
        tenant_manifest("set", repository={"url": "/r", "path": "msp/set"}, baselines=[{"name": "s", "overridesPath": "msp/set/baselines/s/x"}]),
        tenant_manifest("slash", repository={"url": "/r", "path": "msp/slash/"}, baselines=[{"name": "s", "overridesPath": "msp/slash/baselines/s"}]),
        tenant_manifest("none", baselines=[{"name": "s"}, {"name": "t"}]),
    ]  # fmt: skip
    for manifest in accepted:
        resources.create("tenants", manifest)


def baseline_manifest(name: str, **rollout: Any) -> dict[str, Any]:
    return {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "Baseline",
        "metadata": {"name": name},
        "spec": {"repository": {"url": "/r", "path": "baselines/security"}, "rollout": rollout},
    }


BAD_BASELINES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("canary not a tenant name", baseline_manifest("bad", canary={"tenants": ["Contoso Lab"]}), ["spec.rollout.canary.tenants[0]", "must name Tenants"]),
    ("canary name too long", baseline_manifest("bad", canary={"tenants": ["a" * 64]}), ["spec.rollout.canary.tenants[0]", "63"]),
    ("pause of 99999999h", baseline_manifest("bad", pauseBetweenWaves="99999999h"), ["spec.rollout.pauseBetweenWaves", "at most 168h (7 days)"]),
    ("pause of a week and a second", baseline_manifest("bad", pauseBetweenWaves="168h0m1s"), ["spec.rollout.pauseBetweenWaves", "at most 168h (7 days)"]),
    ("pause of a million seconds", baseline_manifest("bad", pauseBetweenWaves="1000000s"), ["spec.rollout.pauseBetweenWaves", "at most 168h (7 days)"]),
    ("pause of thirty digits", baseline_manifest("bad", pauseBetweenWaves="9" * 30 + "h"), ["spec.rollout.pauseBetweenWaves", "at most 168h (7 days)"]),
    ("pause in days", baseline_manifest("bad", pauseBetweenWaves="1d"), ["spec.rollout.pauseBetweenWaves", 'a duration such as "30s"']),
    ("empty pause", baseline_manifest("bad", pauseBetweenWaves=""), ["spec.rollout.pauseBetweenWaves", 'a duration such as "30s"']),
]  # fmt: skip


@pytest.mark.parametrize(("case", "manifest", "expected"), BAD_BASELINES, ids=[c[0] for c in BAD_BASELINES])
def test_bad_baseline_is_refused_naming_the_field(
    namespace: str, case: str, manifest: dict[str, Any], expected: list[str]
) -> None:
    with pytest.raises(ApiException) as refused:
        Resources(namespace).create("baselines", manifest)
    assert refused.value.status == 422, refused.value.body
    message = _message(refused.value)
    for words in expected:
        assert words in message, f"{case}: {words!r} not in {message}"


def test_baseline_limits_that_still_pass(namespace: str) -> None:
    resources = Resources(namespace)
    rollouts: list[tuple[str, dict[str, Any]]] = [
        ("week", {"pauseBetweenWaves": "168h", "canary": {"tenants": ["contoso-lab", "a" * 63, "x.y"]}}),
        ("parts", {"pauseBetweenWaves": "167h59m60s"}),
        ("fraction", {"pauseBetweenWaves": "1.5h"}),
        ("zeros", {"pauseBetweenWaves": "0000000000000000001s"}),
        ("default", {}),
    ]
    for name, rollout in rollouts:
        resources.create("baselines", baseline_manifest(name, **rollout))
    assert resources.get("baselines", "default")["spec"]["rollout"]["pauseBetweenWaves"] == "0s"


def test_good_tenant_is_accepted_with_defaults(namespace: str) -> None:
    created = Resources(namespace).create(
        "tenants", tenant_manifest("good", tenantId="7c3a9f2e-1b4d-4e8a-9c6f-0d2e5b7a1c3f")
    )
    spec = created["spec"]
    assert (spec["cloud"], spec["mode"], spec["approval"], spec["suspend"]) == (
        "Public",
        "Managed",
        "Manual",
        False,
    )
    assert (
        spec["teams"]["snapshotInterval"] == "24h"
    )  # a snapshot a day stays well inside TCM's monthly quota
    assert spec["repository"]["backupBranch"] == "tenantsync/backup"
    assert (spec["successfulRunsHistoryLimit"], spec["failedRunsHistoryLimit"]) == (3, 3)


def test_syncrun_without_tenant_ref_is_refused(namespace: str) -> None:
    manifest = syncrun_manifest("r1", "contoso")
    manifest["spec"] = {}
    with pytest.raises(ApiException) as refused:
        Resources(namespace).create("syncruns", manifest)
    assert refused.value.status == 422
    assert "spec.tenantRef: Required value" in _message(refused.value)


def test_syncrun_without_spec_is_refused(namespace: str) -> None:
    manifest = syncrun_manifest("r1", "contoso")
    del manifest["spec"]
    with pytest.raises(ApiException) as refused:
        Resources(namespace).create("syncruns", manifest)
    assert refused.value.status == 422
    assert "spec: Required value" in _message(refused.value)


def test_syncrun_spec_is_immutable(namespace: str) -> None:
    resources = Resources(namespace)
    resources.create("syncruns", syncrun_manifest("r1", "contoso"))
    with pytest.raises(ApiException) as refused:
        resources.patch("syncruns", "r1", {"spec": {"tenantRef": {"name": "fabrikam"}}})
    assert refused.value.status == 422
    assert "spec is immutable" in _message(refused.value)
    assert resources.get("syncruns", "r1")["spec"]["tenantRef"]["name"] == "contoso"


TIMEOUT_MESSAGE = (
    "User authentication failed - Authentication timed out waiting for delegated authentication to complete."
    " Sync again and complete the steps for authentication. Configurations requiring user account"
    " authentication will not be backed up until the Sync authenticates successfully."
)


def _demo_like_objects(namespace: str) -> str:
    """A Tenant and runs as the operator names and fills them, with the widest phase and a long message."""
    resources = Resources(namespace)
    now = datetime.now(UTC).replace(microsecond=0)

    def stamp(minutes_ago: int) -> str:
        return (now - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")

    waiting, finished = (f"contoso-{now - timedelta(minutes=m):%Y%m%d-%H%M%S}-1" for m in (0, 30))
    resources.create("tenants", tenant_manifest("contoso"))
    resources.patch_status("tenants", "contoso", {
        "phase": "PendingAuthentication", "message": TIMEOUT_MESSAGE, "lastSyncRun": waiting,
        "lastSyncTime": stamp(0), "lastSuccessfulSyncTime": stamp(30),
    })  # fmt: skip
    runs: list[tuple[str, dict[str, Any]]] = [
        (waiting, {"phase": "PendingAuthentication", "step": "Authenticate", "startTime": stamp(0)}),
        (finished, {
            "phase": "PartiallySuccessful", "step": "Done",
            "startTime": stamp(30), "completionTime": stamp(27),
            "plan": {"changeCount": 128}, "message": TIMEOUT_MESSAGE,
        }),
    ]  # fmt: skip
    for name, status in runs:
        resources.create("syncruns", syncrun_manifest(name, "contoso"))
        resources.patch_status("syncruns", name, status)
    return finished


def test_default_columns_fit_120_columns_and_wide_shows_the_message(namespace: str) -> None:
    finished = _demo_like_objects(namespace)
    default = kubectl("get", "tenants,syncruns", "-n", namespace).stdout
    lines = default.splitlines()
    assert max(map(len, lines)) <= 120, default
    assert [line.split()[1:4] for line in lines if line.startswith("syncrun") and finished in line] == [
        ["contoso", "PartiallySuccessful", "128"]
    ], default
    assert "timed out" not in default
    wide = kubectl("get", "tenants,syncruns", "-n", namespace, "-o", "wide").stdout
    assert wide.count(TIMEOUT_MESSAGE) == 2, wide


def _object_paths(schema: dict[str, Any], path: str) -> list[str]:
    """Every field `kubectl explain` can be asked about that has fields of its own."""
    node = schema.get("items", schema)
    if "properties" not in node:
        return []
    paths = [path]
    for name, sub in node["properties"].items():
        paths += _object_paths(sub, f"{path}.{name}")
    return paths


def _explain(path: str) -> str:
    """What `kubectl explain` prints; empty until the API server has published the CRD's OpenAPI."""
    return kubectl("explain", path, check=False).stdout


@pytest.mark.parametrize("crd", all_crds(), ids=lambda crd: crd["spec"]["names"]["plural"])
def test_kubectl_explain_shows_no_empty_description(cluster: None, crd: dict[str, Any]) -> None:
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for path in _object_paths(schema, crd["spec"]["names"]["plural"]):
        explained = wait_for(partial(_explain, path), f"kubectl explain {path}")
        assert "<empty>" not in explained, explained
        assert "FIELDS:" in explained, explained
