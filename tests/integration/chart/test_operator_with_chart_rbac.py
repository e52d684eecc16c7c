"""The real operator process, signed in as the chart's ServiceAccount, does its job with those permissions.

`kubectl auth can-i` (test_operator_rbac.py) checks the rules one by one; this test checks that the rules
are the ones the operator actually needs: it installs the chart's RBAC for one watched namespace and the
Secret policies that narrow the operator's Secret writes, gets a token for the chart's ServiceAccount,
runs `tenantsync run` with a kubeconfig holding only that token, and drives a Tenant from creation to a
SyncRun that fails preflight (missing credentials Secret). That path uses kopf's CRD scan, watches,
annotations and finalizer, Tenant and SyncRun status, SyncRun creation, a Secret read and Events; the
delegated user's sync also creates its token cache. The operator's log must show no Forbidden answer.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from tenantsync_sim.client import SimulatorClient
from tests.integration.chart.kube_support import Kubectl, eventually
from tests.integration.sim.simtest_support import PASSWORD, READ_WRITE_PERMISSIONS, running_simulator
from tests.unit.chart.chart_support import render

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("tenantsync_crds")]

RBAC_KINDS = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
VAP_API = "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def chart_identity(
    helm: Path, kubectl: Kubectl, make_namespace: Callable[[str], str], tmp_path: Path
) -> Iterator[tuple[str, Path]]:
    """(watched namespace, kubeconfig of the chart's ServiceAccount) with the chart's RBAC installed."""
    operator_namespace = make_namespace("ts-op")
    watched = make_namespace("ts-m365")
    release = f"ts-run-{uuid.uuid4().hex[:6]}"
    docs = [
        d
        for d in render(
            helm,
            release=release,
            namespace=operator_namespace,
            values={"watchNamespaces": "{" + watched + "}", "rbac.aggregateToDefaultRoles": "false"},
            api_versions=[VAP_API],
        )
        if d["kind"] in RBAC_KINDS
        or d["metadata"]["name"].startswith(f"{release}-tenantsync-operator-secrets")
    ]
    assert len([d for d in docs if d["kind"] == "ValidatingAdmissionPolicy"]) == 2
    cluster_scoped = [d for d in docs if d["kind"] not in {"ServiceAccount", "Role", "RoleBinding"}]
    kubectl.run("apply", "-f", "-", stdin=yaml.safe_dump_all(docs))
    try:
        account = next(d for d in docs if d["kind"] == "ServiceAccount")["metadata"]["name"]
        token = kubectl.run(
            "create", "token", account, "-n", operator_namespace, "--duration=1h"
        ).stdout.strip()
        admin = json.loads(kubectl.run("config", "view", "--raw", "--minify", "-o", "json").stdout)
        cluster = admin["clusters"][0]["cluster"]
        kubeconfig = tmp_path / "operator.kubeconfig"
        kubeconfig.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "local", "cluster": cluster}],
                    "users": [{"name": "operator", "user": {"token": token}}],
                    "contexts": [
                        {
                            "name": "operator",
                            "context": {"cluster": "local", "user": "operator", "namespace": watched},
                        }
                    ],
                    "current-context": "operator",
                }
            )
        )
        yield watched, kubeconfig
    finally:
        kubectl.run(
            "delete", "--ignore-not-found", "-f", "-", stdin=yaml.safe_dump_all(cluster_scoped), check=False
        )


def _start_operator(
    kubectl: Kubectl, kubeconfig: Path, namespace: str, log_path: Path
) -> subprocess.Popen[bytes]:
    """`tenantsync run` with a kubeconfig that holds only the chart ServiceAccount's token."""
    env = {**kubectl.env, "KUBECONFIG": str(kubeconfig)}
    tenantsync = str(Path(sys.executable).with_name("tenantsync"))
    with log_path.open("w") as log:
        return subprocess.Popen(
            [
                tenantsync,
                "run",
                f"--namespace={namespace}",
                f"--metrics-port={_free_port()}",
                f"--liveness=http://127.0.0.1:{_free_port()}/healthz",
                "--scheduler-interval=1",
                f"--workdir={log_path.parent / 'operator-workdir'}",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _stop_operator(operator: subprocess.Popen[bytes]) -> None:
    operator.terminate()
    try:
        operator.wait(timeout=30)
    except subprocess.TimeoutExpired:
        operator.kill()
        operator.wait()


def _secret_policy_active(kubectl: Kubectl, kubeconfig: Path, namespace: str) -> bool:
    """Policies take effect a moment after creation: probe as the operator with a server-side dry run."""
    probe = kubectl.run(
        "create", "secret", "generic", "probe", "-n", namespace, "--from-literal=x=y", "--dry-run=server",
        f"--kubeconfig={kubeconfig}", check=False,
    )  # fmt: skip
    return probe.returncode != 0 and "writes only the Secrets it manages" in probe.stderr


def _status(kubectl: Kubectl, namespace: str, kind: str, name: str) -> dict[str, object]:
    result = kubectl.run("get", kind, name, "-n", namespace, "-o", "json", check=False)
    if result.returncode != 0:
        return {}
    status: dict[str, object] = json.loads(result.stdout).get("status") or {}
    return status


def test_operator_runs_with_exactly_the_chart_permissions(
    kubectl: Kubectl, chart_identity: tuple[str, Path], tmp_path: Path
) -> None:
    namespace, kubeconfig = chart_identity
    log_path = tmp_path / "operator.log"
    operator = _start_operator(kubectl, kubeconfig, namespace, log_path)
    try:
        tenant = {
            "apiVersion": "tenantsync.io/v1alpha1",
            "kind": "Tenant",
            "metadata": {"name": "contoso", "namespace": namespace},
            "spec": {
                "tenantId": "contoso.onmicrosoft.com",
                "servicePrincipal": {
                    "clientId": str(uuid.uuid4()),
                    "credentialsSecretRef": {"name": "absent"},
                },
                "mode": "BackupOnly",
                "repository": {"url": "https://git.example.com/org/tenants.git"},
            },
        }
        kubectl.run("apply", "-f", "-", stdin=json.dumps(tenant))
        assert eventually(
            lambda: _status(kubectl, namespace, "tenant", "contoso").get("phase") == "NotRun", timeout=60
        ), f"the Tenant never reached NotRun:\n{log_path.read_text()[-3000:]}"

        kubectl.run(
            "annotate",
            "tenant",
            "contoso",
            "-n",
            namespace,
            "--overwrite",
            "tenantsync.io/sync-requested-at=chart-rbac-test",
        )

        def run_failed_preflight() -> bool:
            runs = json.loads(kubectl.run("get", "syncruns", "-n", namespace, "-o", "json").stdout)["items"]
            return any((run.get("status") or {}).get("phase") == "NewError" for run in runs)

        assert eventually(run_failed_preflight, timeout=90), (
            f"no SyncRun reached NewError:\n{log_path.read_text()[-3000:]}"
        )
        runs = json.loads(kubectl.run("get", "syncruns", "-n", namespace, "-o", "json").stdout)["items"]
        errors = [run["status"].get("error", {}).get("code") for run in runs if run.get("status")]
        assert "CredentialsSecretNotFound" in errors
        assert eventually(
            lambda: _status(kubectl, namespace, "tenant", "contoso").get("phase") == "NewError", timeout=30
        )
        assert operator.poll() is None, f"the operator exited:\n{log_path.read_text()[-3000:]}"
    finally:
        _stop_operator(operator)
        # Let the finalizer go: delete the Tenant while nothing else holds the namespace.
        kubectl.run(
            "delete", "tenant", "contoso", "-n", namespace, "--wait=false", "--ignore-not-found", check=False
        )
        kubectl.run(
            "patch",
            "tenant",
            "contoso",
            "-n",
            namespace,
            "--type=merge",
            "-p",
            '{"metadata":{"finalizers":null}}',
            check=False,
        )

    log = log_path.read_text()
    assert "Forbidden" not in log and "403" not in log, log[-3000:]


def test_a_full_sync_with_a_delegated_user_needs_nothing_more(
    kubectl: Kubectl, chart_identity: tuple[str, Path], tmp_path: Path
) -> None:
    """Sign-in (service principal and device code), the token cache Secret, backup to Git, plan, Idle:
    everything a sync touches in Kubernetes, as the chart's ServiceAccount, against the simulator."""
    namespace, kubeconfig = chart_identity
    with (
        running_simulator(tmp_path / "sim", "empty") as endpoint,
        SimulatorClient(endpoint.url, endpoint.ca) as sim,
    ):
        tenant_id, client_id, public_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        secret, admin = f"s8Q~{uuid.uuid4().hex}", f"admin@t{tenant_id[:8]}.onmicrosoft.com"
        sim.create_tenant(tenant_id, [admin.split("@")[1]])
        sim.create_app(tenant_id, client_id, application_permissions=READ_WRITE_PERMISSIONS, secret=secret)
        sim.create_app(tenant_id, public_id, public_client=True, delegated_permissions=["user_impersonation"])
        sim.create_user(tenant_id, admin, PASSWORD, is_global_admin=True)
        sim.update_settings(tenant_id, deviceCodeIntervalSeconds=1)
        kubectl.run(
            "create", "secret", "generic", "sp", "-n", namespace, f"--from-literal=clientSecret={secret}"
        )
        kubectl.run(
            "create", "secret", "generic", "sim-ca", "-n", namespace, f"--from-file=ca.crt={endpoint.ca}"
        )
        tenant = {
            "apiVersion": "tenantsync.io/v1alpha1",
            "kind": "Tenant",
            "metadata": {"name": "fabrikam", "namespace": namespace},
            "spec": {
                "tenantId": tenant_id,
                "endpoints": {
                    "authority": endpoint.url,
                    "graph": endpoint.url,
                    "caBundleSecretRef": {"name": "sim-ca"},
                },
                "servicePrincipal": {"clientId": client_id, "credentialsSecretRef": {"name": "sp"}},
                "userAuthentication": {"clientId": public_id, "tokenSecretRef": {"name": "user-token"}},
                "resources": ["namedLocations", "passwordResetPolicy"],
                "repository": {"url": str(tmp_path / "tenants.git")},
            },
        }
        assert eventually(lambda: _secret_policy_active(kubectl, kubeconfig, namespace), timeout=30)
        log_path = tmp_path / "operator.log"
        operator = _start_operator(kubectl, kubeconfig, namespace, log_path)
        try:
            created = json.loads(
                kubectl.run("create", "-o", "json", "-f", "-", stdin=json.dumps(tenant)).stdout
            )
            kubectl.run(
                "annotate", "tenant", "fabrikam", "-n", namespace, "tenantsync.io/sync-requested-at=full"
            )
            assert eventually(
                lambda: (
                    _status(kubectl, namespace, "tenant", "fabrikam").get("phase") == "PendingAuthentication"
                ),
                timeout=90,
            ), log_path.read_text()[-3000:]
            codes = sim.pending_device_codes(tenant_id)
            sim.sign_in(codes[0]["userCode"], admin)
            assert eventually(
                lambda: _status(kubectl, namespace, "tenant", "fabrikam").get("phase") == "Idle", timeout=90
            ), log_path.read_text()[-3000:]
            cache = json.loads(
                kubectl.run("get", "secret", "user-token", "-n", namespace, "-o", "json").stdout
            )
            assert "msal_token_cache.json" in cache["data"]
            assert cache["metadata"]["ownerReferences"] == [
                {
                    "apiVersion": "tenantsync.io/v1alpha1",
                    "kind": "Tenant",
                    "name": "fabrikam",
                    "uid": created["metadata"]["uid"],
                    "controller": True,
                }
            ]
        finally:
            _stop_operator(operator)
            kubectl.run("delete", "tenant", "fabrikam", "-n", namespace, "--wait=false", check=False)
            kubectl.run("patch", "tenant", "fabrikam", "-n", namespace, "--type=merge", "-p",
                        '{"metadata":{"finalizers":null}}', check=False)  # fmt: skip
    log = log_path.read_text()
    assert "Forbidden" not in log and " 403 " not in log, log[-3000:]
