"""`tenantsync demo`: the lifecycle on the embedded default, narrated with the kubectl a person would type.

It needs a running control plane (`hack/local-cluster up` writes the kubeconfig) and starts the
operator as its own process, exactly as `tenantsync run` runs in a cluster. Everything it writes stays in
its working folder, and all but the operator's log and the demo's Git repository is removed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tenantsync.api import ResourceType, RunPhase, TenantPhase, crds_yaml
from tenantsync.catalog import Service, catalog

NAMESPACE = "tenantsync-demo"
TENANT = "contoso"
FINISHED = {phase for phase in RunPhase if phase.finished}
# The simulator's `--seed demo` tenant, as docs/simulator.md publishes it (fixed, not secret).
DEMO_TENANT_ID = "3f2b9c4e-5a6d-4e7f-8a9b-0c1d2e3f4a5b"
DEMO_CLIENT_ID = "5b7c9d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e"
DEMO_CLIENT_SECRET = "Sim8Q~tenantsync-demo-secret-not-for-production"
DEMO_PUBLIC_CLIENT_ID = "8a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d"
DEMO_ADMIN = "admin@contoso.onmicrosoft.com"
DEMO_TRANSPORT_RULE = "External sender disclaimer"
"""A transport rule of the demo seed, changed through the Exchange admin API beside the Graph change."""
DEMO_DISCLAIMER = "<p style='color:#a00'>CAUTION: external sender. Do not open unexpected links.</p>"


def free_port() -> int:
    """A port nothing listens on now, so the demo never collides with a service already on 8080."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Simulator:
    """`tenantsync-sim` as its own process, driven through its HTTP control API (never imported)."""

    def __init__(self, process: subprocess.Popen[str], url: str, ca: str) -> None:
        self.process, self.url, self.ca = process, url, ca
        self.http = httpx.Client(
            base_url=f"{url}/_sim", verify=ssl.create_default_context(cafile=ca), timeout=30
        )

    @classmethod
    def start(cls, state_dir: Path, env: dict[str, str]) -> Simulator:
        shutil.rmtree(state_dir, ignore_errors=True)
        command = [str(Path(sys.executable).parent / "tenantsync-sim"), "--port", "0", "--seed", "demo",
                   "--state-dir", str(state_dir)]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("TENANTSYNC_SIM_READY"):
                fields = dict(part.split("=", 1) for part in line.split()[1:])
                return cls(process, fields["url"], fields["ca"])
        raise SystemExit("tenantsync-sim exited before it was ready")

    def sign_in(self, user_code: str, user: str) -> None:
        self.http.post(
            f"/device-codes/{user_code}/sign-in", json={"userPrincipalName": user}
        ).raise_for_status()

    def object(self, kind: str, object_id: str) -> dict[str, Any]:
        response = self.http.get(f"/tenants/{DEMO_TENANT_ID}/objects/{kind}/{object_id}")
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    def drift(self, kind: str, object_id: str, changes: dict[str, Any]) -> None:
        self.http.patch(
            f"/tenants/{DEMO_TENANT_ID}/objects/{kind}/{object_id}", json=changes
        ).raise_for_status()

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=30)


class Demo:
    def __init__(self, kubeconfig: Path, kubectl: str, workdir: Path) -> None:
        self.kubeconfig = kubeconfig
        self.kubectl_path = kubectl
        self.workdir = workdir
        self.scratch = workdir / "tmp"
        """TMPDIR of the operator and the simulator (CA bundles, Git scratch), removed at the end."""
        self.scratch.mkdir()
        # The project's executables first, so that kubectl finds the plugin as `kubectl tenantsync`.
        self.env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "TMPDIR": str(self.scratch),
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        }
        self.operator: subprocess.Popen[bytes] | None = None
        self.sim: Simulator | None = None
        self.repository = workdir / "tenants.git"

    def say(self, text: str) -> None:
        """A heading of the narration, wrapped to the terminal at spaces."""
        heading = narration(f"== {text}")
        print(f"\n\033[1m{heading}\033[0m" if sys.stdout.isatty() else f"\n{heading}", flush=True)

    def note(self, text: str) -> None:
        """A sentence of the narration, wrapped to the terminal at spaces."""
        print(narration(text), flush=True)

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

    def plugin(self, *args: str, capture: bool = False) -> str:
        """`kubectl tenantsync ...` in the demo's namespace, as a person types it. Its output goes straight to
        the demo's own, so a terminal gets it wrapped and coloured as at a shell; `capture` returns it."""
        command = ["tenantsync", *args, "-n", NAMESPACE]
        print(f"$ kubectl {' '.join(command)}", flush=True)
        result = subprocess.run(
            [self.kubectl_path, *command],
            stdout=subprocess.PIPE if capture else None,
            text=True,
            env=self.env,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"kubectl {' '.join(command)} failed (exit {result.returncode})")
        if capture:
            print(result.stdout.rstrip(), flush=True)
        return result.stdout or ""

    def get(self, kind: str, name: str) -> dict[str, Any]:
        obj: dict[str, Any] = json.loads(
            self.kubectl("get", kind, name, "-n", NAMESPACE, "-o", "json", show=False)
        )
        return obj

    def wait(self, what: str, probe: Callable[[], bool], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not probe():
            if self.operator is not None and self.operator.poll() is not None:
                log = (self.workdir / "operator.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"the operator exited while waiting for {what}:\n{log}")
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"timed out waiting for {what}; operator log: {self.workdir / 'operator.log'}"
                )
            time.sleep(0.5)

    def start_operator(self) -> None:
        metrics_port = free_port()
        command = [str(Path(sys.executable).parent / "tenantsync"), "run", "--namespace", NAMESPACE,
                   "--scheduler-interval", "2", "--liveness", "http://127.0.0.1:0/healthz",
                   "--metrics-port", str(metrics_port), "--workdir", str(self.workdir / "operator")]  # fmt: skip
        with (self.workdir / "operator.log").open("ab") as log:
            self.operator = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        self.note(
            f"operator started (pid {self.operator.pid}); its log is {self.workdir / 'operator.log'}, its metrics"
            f" are at http://127.0.0.1:{metrics_port}/metrics while the demo runs"
        )

    def stop(self) -> None:
        if self.operator and self.operator.poll() is None:
            self.operator.terminate()
            self.operator.wait(timeout=30)
        if self.sim is not None:
            self.sim.stop()

    def clean_up(self) -> None:
        """Keep what the closing message points at (the operator's log, the Git repository); drop the rest."""
        for scratch in ("tmp", "sim", "person", "operator"):
            shutil.rmtree(self.workdir / scratch, ignore_errors=True)

    def run(self) -> None:
        self.say("Install the CustomResourceDefinitions (generated from the API models)")
        self.kubectl("apply", "--server-side", "-f", "-", stdin=crds_yaml())
        self.kubectl(
            "wait", "--for=condition=Established", "crd/tenants.tenantsync.io", "crd/syncruns.tenantsync.io"
        )

        self.say(f"A namespace for the demo: {NAMESPACE} (recreated from scratch)")
        self.clear_previous_run()
        self.kubectl("create", "namespace", NAMESPACE)

        self.say(
            "Start the tenant simulator (Entra ID, Graph and the Exchange admin API, seeded with the Contoso demo"
            " tenant)"
        )
        self.sim = Simulator.start(self.workdir / "sim", self.env)
        self.note(f"simulator at {self.sim.url}; its CA bundle is {self.sim.ca}")

        self.say("Start the operator")
        self.start_operator()

        self.say("An invalid Tenant is refused by the API server with what to fix")
        bad = tenant_manifest(self.sim.url, self.repository, tenant_id="not a tenant id", schedule="0 6 *")
        result = subprocess.run(
            [self.kubectl_path, "apply", "-f", "-"], input=bad, capture_output=True, text=True, env=self.env
        )
        print(f"$ kubectl apply -f bad-tenant.yaml\n{result.stderr.strip()}")

        self.say("The Tenant: a service principal with a client secret, a delegated user, a Git repository")
        self.kubectl(
            "create",
            "secret",
            "generic",
            f"{TENANT}-sp",
            "-n",
            NAMESPACE,
            f"--from-literal=clientSecret={DEMO_CLIENT_SECRET}",
        )
        self.kubectl(
            "create",
            "secret",
            "generic",
            "simulator-ca",
            "-n",
            NAMESPACE,
            f"--from-file=ca.crt={self.sim.ca}",
        )
        self.kubectl("apply", "-f", "-", stdin=tenant_manifest(self.sim.url, self.repository))
        self.wait_tenant({TenantPhase.NOT_RUN})
        self.kubectl("get", "tenants", "-n", NAMESPACE)

        self.say("Sync now: the run waits for the delegated user to sign in with a device code")
        run = self.sync_now()
        self.wait_run(run, {RunPhase.PENDING_AUTHENTICATION})
        self.kubectl("get", "tenants", "-n", NAMESPACE)
        user = self.get("syncrun", run)["status"]["authentication"]["user"]
        self.note(f"user code {user['userCode']} at {user['verificationUri']}")

        self.say(f"{DEMO_ADMIN} signs in through the simulator's device login")
        self.sim.sign_in(user["userCode"], DEMO_ADMIN)
        self.wait_run(run, FINISHED)
        self.kubectl("get", "syncruns", "-n", NAMESPACE, "-o", "wide")
        self.git("log", "--oneline", "--all")
        self.show_backup()

        self.say("A person changes the desired state (a pull request merged into main)")
        policy, rule = self.edit_desired()
        run = self.sync_now()
        self.wait_run(run, {RunPhase.PENDING_APPROVAL})
        self.kubectl("get", "tenants", "-n", NAMESPACE)
        self.plugin("plan", run)

        self.say("Approve that plan: it is deployed to the tenant and verified")
        digest = str(self.get("syncrun", run)["status"]["plan"]["digest"])
        self.plugin("approve", run, "--digest", digest[:12])
        self.wait_run(run, FINISHED)
        self.plugin("plan", run)
        self.kubectl("get", "tenants", "-n", NAMESPACE)
        self.note(
            f"the tenant now says: {self.sim.object('conditionalAccessPolicies', policy)['displayName']!r},"
            f" and the transport rule: {self.sim.object('transportRule', rule)['ApplyHtmlDisclaimerText']!r}"
        )

        self.say("Someone changes the tenant behind our back (drift), then the next sync plans to undo it")
        self.sim.drift("conditionalAccessPolicies", policy, {"displayName": "Changed in the portal"})
        run = self.sync_now()
        self.wait_run(run, {RunPhase.PENDING_APPROVAL})
        self.plugin("plan", run)

        self.say("Reject and revert: nothing is deployed; the tenant's state becomes the desired state")
        self.plugin("revert", run)
        self.wait_run(run, FINISHED)
        self.git("log", "--oneline", "-3", "main")
        self.kubectl("get", "tenants", "-n", NAMESPACE)

        self.say("Events name the Tenant and the SyncRun (in the order they were posted)")
        self.kubectl("get", "events", "-n", NAMESPACE, "--sort-by=.eventTime")
        self.note(
            'Why "Approved by unverified": only the API server knows who annotated a SyncRun. The chart\'s'
            " admission policy (approvalPolicy.recordApprover) writes that name into"
            " tenantsync.io/approval-by, and the operator records it; this control plane runs the operator"
            " without the chart, so nothing records who approved (docs/approval.md)."
        )

        self.say(f"Make {NAMESPACE} the namespace of the kubeconfig's context, for what you type next")
        self.kubectl("config", "set-context", "--current", f"--namespace={NAMESPACE}")
        self.say(
            'Done. The control plane keeps running: `eval "$(hack/local-cluster env)"` and explore with kubectl'
            f" and `kubectl tenantsync` (in {NAMESPACE}, e.g. `kubectl tenantsync plan {run}`);"
            " `hack/local-cluster down` stops it. The demo's Git repository is"
            f" {self.repository}, the operator's log {self.workdir / 'operator.log'}."
        )

    def show_backup(self) -> None:
        """The backup's folders, one per configuration type: the command that lists them, then the
        folders counted per service with the first few names of each, so the listing reads on one screen
        however many types the catalogue holds."""
        folders = self.git("ls-tree", "-d", "--name-only", "main:tenants/contoso", show=False).split()
        print(f"$ git -C {self.repository} ls-tree -d --name-only main:tenants/contoso")
        self.note(f"({len(folders)} folders, one per configuration type, each with one JSON file per object)")
        for line in folders_by_service(folders, shutil.get_terminal_size().columns):
            print(line)

    def clear_previous_run(self) -> None:
        """Delete the last demo's namespace. Its objects carry the operator's finalizer and no operator
        runs yet, so the finalizers are removed first, as an administrator does for a removed operator."""
        existing = subprocess.run(
            [self.kubectl_path, "get", "namespace", NAMESPACE], capture_output=True, env=self.env
        )
        if existing.returncode != 0:
            return
        for kind in ("syncruns", "tenants"):
            names = self.kubectl("get", kind, "-n", NAMESPACE, "-o", "name", show=False).split()
            for name in names:
                self.kubectl(
                    "patch",
                    name,
                    "-n",
                    NAMESPACE,
                    "--type=merge",
                    "-p",
                    '{"metadata":{"finalizers":null}}',
                    show=False,
                )
        self.kubectl("delete", "namespace", NAMESPACE, "--wait=true", "--timeout=120s", show=False)

    def sync_now(self) -> str:
        """`kubectl tenantsync sync`: it requests the sync and prints the SyncRun the operator starts."""
        return self.plugin("sync", TENANT, "--timeout", "120", capture=True).strip()

    def wait_tenant(self, phases: set[TenantPhase]) -> None:
        self.wait(
            f"the Tenant to be {sorted(phase.value for phase in phases)}",
            lambda: self.get("tenant", TENANT).get("status", {}).get("phase") in phases,
        )

    def wait_run(self, run: str, phases: set[RunPhase]) -> None:
        self.wait(
            f"SyncRun {run} to be {sorted(phase.value for phase in phases)}",
            lambda: self.get("syncrun", run).get("status", {}).get("phase") in phases,
        )

    def git(self, *args: str, show: bool = True) -> str:
        if show:
            print(f"$ git -C {self.repository} {' '.join(args)}", flush=True)
        output = subprocess.run(
            ["git", "-C", str(self.repository), *args], capture_output=True, text=True, check=True
        ).stdout
        if show:
            print(output.rstrip(), flush=True)
        return output

    def edit_desired(self) -> tuple[str, str]:
        """Clone, rename the first Conditional Access policy (Graph) and reword the external sender
        disclaimer of a transport rule (the Exchange admin API), push: what a merged pull request does.
        Both go through the one plan, approval and deploy; the ids returned name them in the simulator."""
        clone = self.workdir / "person"
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(self.repository), str(clone)], check=True)
        folder = clone / "tenants" / TENANT
        path = sorted((folder / "conditionalAccessPolicies").iterdir())[0]
        document = json.loads(path.read_text())
        self.note(
            f"renaming {document['displayName']!r} to 'Require MFA for admins (reviewed)' in {path.name}"
        )
        document["displayName"] = "Require MFA for admins (reviewed)"
        path.write_text(json.dumps(document, indent=2) + "\n")
        rule_path = next(
            candidate
            for candidate in sorted((folder / "transportRule").iterdir())
            if json.loads(candidate.read_text())["Name"] == DEMO_TRANSPORT_RULE
        )
        rule = json.loads(rule_path.read_text())
        self.note(
            f"and rewording the disclaimer of the transport rule {DEMO_TRANSPORT_RULE!r} (an Exchange Online"
            f" object) in transportRule/{rule_path.name}"
        )
        rule["ApplyHtmlDisclaimerText"] = DEMO_DISCLAIMER
        rule_path.write_text(json.dumps(rule, indent=2) + "\n")
        identity = ["-c", "user.name=A Person", "-c", "user.email=person@contoso.com"]
        message = "Rename a Conditional Access policy, reword the external sender disclaimer"
        subprocess.run(["git", "-C", str(clone), *identity, "commit", "-qam", message], check=True)
        subprocess.run(["git", "-C", str(clone), "push", "-q", "origin", "main"], check=True)
        return path.stem, rule_path.stem


def narration(text: str) -> str:
    """The demo's own words at the terminal's width, broken at spaces only (paths and URLs stay whole)."""
    return textwrap.fill(
        text, shutil.get_terminal_size().columns, break_long_words=False, break_on_hyphens=False
    )


SERVICE_NAMES = {
    Service.GRAPH: "Entra ID and Microsoft 365 settings (Microsoft Graph)",
    Service.PORTAL: "Entra ID (the Azure portal's admin API)",
    "intune": "Intune (Microsoft Graph)",
    Service.EXCHANGE: "Exchange Online and Defender for Office 365",
    Service.COMPLIANCE: "Purview (Security & Compliance)",
    Service.TCM: "Teams (Tenant Configuration Management)",
}
"""What the demo calls the services the backup's folders come from, in the order it shows them."""

INTUNE_PATHS = ("deviceManagement", "deviceAppManagement")
"""Graph's namespaces for Intune: a Graph type under them is an Intune type."""

NAMES_PER_SERVICE = 2
"""Lines of folder names under each service's count: the first few, then how many more."""


def _service_of(folder: str) -> str:
    try:
        entry = catalog()[ResourceType(folder)]
    except (ValueError, KeyError):
        return "other"
    if entry.service is Service.GRAPH and entry.path.startswith(INTUNE_PATHS):
        return "intune"
    return entry.service


def folders_by_service(folders: list[str], width: int) -> list[str]:
    """The backup's folders counted per service (in the catalogue's order), each count followed by as
    many of its folder names as fill NAMES_PER_SERVICE lines of `width` and how many more there are."""
    groups: dict[str, list[str]] = {}
    for folder in folders:
        groups.setdefault(_service_of(folder), []).append(folder)
    order = {type_.value: n for n, type_ in enumerate(ResourceType)}
    lines: list[str] = []
    for service in [*SERVICE_NAMES, "other"]:
        names = sorted(groups.get(service, []), key=lambda f: (order.get(f, len(order)), f))
        if not names:
            continue
        lines.append(f"{len(names):>4}  {SERVICE_NAMES.get(service, 'other folders')}")
        lines.extend(_first_names(names, width))
    return lines


def _first_names(names: list[str], width: int) -> list[str]:
    """NAMES_PER_SERVICE lines of names, six spaces in, the last ending with how many more were left out."""
    indent = " " * 6
    lines: list[str] = []
    line = indent
    for n, name in enumerate(names):
        left = len(names) - n - 1
        more = f", … and {left} more" if left else ""
        last = len(lines) == NAMES_PER_SERVICE - 1
        piece = name if line == indent else f", {name}"
        if len(line + piece + (more if last else ",")) > width and line != indent:
            if last:
                lines.append(f"{line}, … and {len(names) - n} more")
                return lines
            lines.append(line + ",")
            line = indent + name
        else:
            line += piece
    lines.append(line)
    return lines


def tenant_manifest(
    sim_url: str, repository: Path, tenant_id: str = DEMO_TENANT_ID, schedule: str = "0 */6 * * *"
) -> str:
    return json.dumps(
        {
            "apiVersion": "tenantsync.io/v1alpha1",
            "kind": "Tenant",
            "metadata": {"name": TENANT, "namespace": NAMESPACE},
            "spec": {
                "tenantId": tenant_id,
                "endpoints": {
                    "authority": sim_url,
                    "graph": sim_url,
                    "caBundleSecretRef": {"name": "simulator-ca"},
                },
                "servicePrincipal": {
                    "clientId": DEMO_CLIENT_ID,
                    "credentialsSecretRef": {"name": f"{TENANT}-sp"},
                },
                "userAuthentication": {
                    "clientId": DEMO_PUBLIC_CLIENT_ID,
                    "tokenSecretRef": {"name": f"{TENANT}-user-token"},
                    "timeoutSeconds": 300,
                },
                "repository": {"url": str(repository), "path": f"tenants/{TENANT}"},
                "schedule": schedule,
            },
        }
    )


def choose_kubectl(kubeconfig: Path, kubectl: str | None) -> str:
    """The kubectl built with the local control plane (same version as its API server), else PATH's."""
    if kubectl:
        return kubectl
    built = kubeconfig.parent / "bin" / "kubectl"
    if built.is_file():
        return str(built)
    found = shutil.which("kubectl")
    if found is None:
        raise SystemExit(
            f"no kubectl: neither {built} (`hack/local-cluster build` makes it) nor one on PATH;"
            " pass --kubectl PATH"
        )
    return found


def run_demo(kubeconfig: Path, kubectl: str | None, workdir: Path) -> int:
    kubectl = choose_kubectl(kubeconfig, kubectl)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    demo = Demo(kubeconfig, kubectl, workdir.absolute())
    try:
        demo.run()
    finally:
        demo.stop()
    demo.clean_up()
    return 0
