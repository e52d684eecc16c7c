"""The local control plane (hack/local-cluster) as tests use it: started once, reused if running."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from kubernetes import client, config

ROOT = Path(__file__).resolve().parents[2]
LOCAL_CLUSTER = ROOT / "hack" / "local-cluster"
CLUSTER_DIR = ROOT / ".cache" / "local-cluster"
KUBECONFIG = CLUSTER_DIR / "kubeconfig"
KUBECTL = CLUSTER_DIR / "bin" / "kubectl"
CRDS = ROOT / "crds" / "tenantsync.io_crds.yaml"

T = TypeVar("T")


def cluster_running() -> bool:
    return subprocess.run([LOCAL_CLUSTER, "status"], capture_output=True).returncode == 0


def cluster_up() -> None:
    subprocess.run([LOCAL_CLUSTER, "up"], check=True)


def cluster_down() -> None:
    subprocess.run([LOCAL_CLUSTER, "down"], check=True)


def restart_api_server(downtime_seconds: float) -> None:
    """An API server outage: stopped, down for `downtime_seconds`, started again on the same etcd."""
    subprocess.run([LOCAL_CLUSTER, "restart-apiserver", f"{downtime_seconds:.1f}"], check=True)


def kubectl(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": str(KUBECONFIG)}
    result = subprocess.run(
        [str(KUBECTL), *args], input=stdin, capture_output=True, text=True, env=env, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
    return result


def kubectl_json(*args: str) -> Any:
    return json.loads(kubectl(*args, "-o", "json").stdout)


def api_client() -> client.ApiClient:
    return cast(client.ApiClient, config.new_client_from_config(str(KUBECONFIG)))  # type: ignore[no-untyped-call]


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 60.0, interval: float = 0.25) -> T:
    """Poll until `probe` returns something truthy; fail with `what` and the last value otherwise."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last value: {last!r}")


def delete_while_the_operator_runs(namespace: str) -> None:
    """Tenants and Baselines carry the operator's finalizer: delete them while it still runs, so their
    namespace can go. One left behind outlives its namespace and hangs a later CRD deletion (uninstall)."""
    kubectl("delete", "tenants,baselines", "--all", "-n", namespace, "--timeout=60s", check=False)
