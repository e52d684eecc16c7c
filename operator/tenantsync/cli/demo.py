"""`tenantsync demo`: the lifecycle on the embedded default, narrated with the kubectl a person would type.

It needs a running control plane (`hack/local-cluster up` writes the kubeconfig) and starts the
operator as its own process, exactly as `tenantsync run` runs in a cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenantsync.api import crds_yaml

NAMESPACE = "tenantsync-demo"
TENANT = "contoso"


class Demo:
    def __init__(self, kubeconfig: Path, kubectl: str, workdir: Path) -> None:
        self.kubeconfig = kubeconfig
        self.kubectl_path = kubectl
        self.workdir = workdir
        self.env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
        self.operator: subprocess.Popen[bytes] | None = None

    def say(self, text: str) -> None:
        print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}", flush=True)

    def kubectl(self, *args: str, stdin: str | None = None, show: bool = True) -> str:
        if show:
            print(f"$ kubectl {' '.join(args)}", flush=True)
        result = subprocess.run(
            [self.kubectl_path, *args], input=stdin, capture_output=True, text=True, env=self.env, check=False
        )
        if result.returncode != 0:
            raise SystemExit(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
        if show:
            print(result.stdout.rstrip(), flush=True)
        return result.stdout

    def get(self, kind: str, name: str) -> dict[str, Any]:
        obj: dict[str, Any] = json.loads(
            self.kubectl("get", kind, name, "-n", NAMESPACE, "-o", "json", show=False)
        )
        return obj

    def wait(self, what: str, probe: Callable[[], bool], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not probe():
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"timed out waiting for {what}; operator log: {self.workdir / 'operator.log'}"
                )
            time.sleep(0.5)

    def start_operator(self) -> None:
        log = (self.workdir / "operator.log").open("ab")
        command = [str(Path(sys.executable).parent / "tenantsync"), "run", "--namespace", NAMESPACE,
                   "--scheduler-interval", "2", "--liveness", "http://127.0.0.1:0/healthz"]  # fmt: skip
        self.operator = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        print(f"operator started (pid {self.operator.pid}); its log is {self.workdir / 'operator.log'}")

    def stop_operator(self) -> None:
        if self.operator and self.operator.poll() is None:
            self.operator.terminate()
            self.operator.wait(timeout=30)

    def run(self) -> None:
        self.say("Install the CustomResourceDefinitions (generated from the API models)")
        self.kubectl("apply", "--server-side", "-f", "-", stdin=crds_yaml())
        self.kubectl(
            "wait", "--for=condition=Established", "crd/tenants.tenantsync.io", "crd/syncruns.tenantsync.io"
        )

        self.say(f"A namespace for the demo: {NAMESPACE} (recreated from scratch)")
        self.kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true", show=False)
        self.kubectl("create", "namespace", NAMESPACE)

        self.say("Start the operator")
        self.start_operator()

        self.say("An invalid Tenant is refused by the API server with what to fix")
        bad = tenant_manifest(tenant_id="not a tenant id", schedule="0 6 *")
        result = subprocess.run(
            [self.kubectl_path, "apply", "-f", "-"], input=bad, capture_output=True, text=True, env=self.env
        )
        print(f"$ kubectl apply -f bad-tenant.yaml\n{result.stderr.strip()}")

        self.say("The Tenant, its service principal's Secret, and the first status")
        self.kubectl(
            "create",
            "secret",
            "generic",
            f"{TENANT}-sp",
            "-n",
            NAMESPACE,
            "--from-literal=clientSecret=demo-secret",
        )
        self.kubectl("apply", "-f", "-", stdin=tenant_manifest())
        self.wait(
            "the Tenant's first status",
            lambda: self.get("tenant", TENANT).get("status", {}).get("phase") == "NotRun",
        )
        self.kubectl("get", "tenants", "-n", NAMESPACE)

        self.say("Sync now: annotate the Tenant")
        self.kubectl("annotate", "tenant", TENANT, "-n", NAMESPACE, "--overwrite",
                     f"tenantsync.io/sync-requested-at={datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}")  # fmt: skip
        self.wait(
            "the run to finish",
            lambda: (
                self.get("tenant", TENANT).get("status", {}).get("phase")
                not in (None, "NotRun", "Starting", "InProgress")
            ),
        )
        self.kubectl("get", "syncruns", "-n", NAMESPACE, "-o", "wide")
        self.kubectl("get", "tenants", "-n", NAMESPACE)
        run_name = self.get("tenant", TENANT)["status"]["lastSyncRun"]
        print(json.dumps(self.get("syncrun", run_name)["status"].get("error"), indent=2))

        self.say("Events name the Tenant and the SyncRun")
        self.kubectl("get", "events", "-n", NAMESPACE, "--field-selector", "type=Warning")
        self.stop_operator()
        self.say(
            'Done. The cluster keeps running: `eval "$(hack/local-cluster env)"` and explore with kubectl;'
            " `hack/local-cluster down` stops it."
        )


def tenant_manifest(tenant_id: str = "contoso.onmicrosoft.com", schedule: str = "0 */6 * * *") -> str:
    return json.dumps(
        {
            "apiVersion": "tenantsync.io/v1alpha1",
            "kind": "Tenant",
            "metadata": {"name": TENANT, "namespace": NAMESPACE},
            "spec": {
                "tenantId": tenant_id,
                "servicePrincipal": {
                    "clientId": "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11",
                    "credentialsSecretRef": {"name": f"{TENANT}-sp"},
                },
                "repository": {"url": "/tmp/tenantsync-demo-repo"},
                "schedule": schedule,
            },
        }
    )


def run_demo(kubeconfig: Path, kubectl: str | None, workdir: Path) -> int:
    kubectl = kubectl or shutil.which("kubectl") or str(kubeconfig.parent / "bin" / "kubectl")
    workdir.mkdir(parents=True, exist_ok=True)
    demo = Demo(kubeconfig, kubectl, workdir)
    try:
        demo.run()
    finally:
        demo.stop_operator()
    return 0
