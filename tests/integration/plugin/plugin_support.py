"""Running `kubectl-tenantsync` as a user does, and putting realistic status on our objects."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from tests.support.cluster import KUBECONFIG, ROOT, wait_for
from tests.support.resources import Resources, syncrun_manifest, tenant_manifest

_VENV_PLUGIN = ROOT / ".venv" / "bin" / "kubectl-tenantsync"
PLUGIN = str(_VENV_PLUGIN if _VENV_PLUGIN.exists() else Path(sys.executable).parent / "kubectl-tenantsync")
assert shutil.which(PLUGIN), f"{PLUGIN} is not installed: pip install -e ."


def plugin_command(namespace: str | None, *args: str) -> list[str]:
    command = [PLUGIN, *args, "--kubeconfig", str(KUBECONFIG)]
    return [*command, "-n", namespace] if namespace else command


def plugin(
    namespace: str | None, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """One command, as `kubectl tenantsync ...` runs it: a separate process, output to pipes (no TTY)."""
    return subprocess.run(
        plugin_command(namespace, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


class RunningPlugin:
    """A command that waits (sync --wait, login): its output is read as it comes."""

    def __init__(self, namespace: str, *args: str) -> None:
        self.process = subprocess.Popen(
            plugin_command(namespace, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.stdout), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        def probe() -> bool:
            if self.process.poll() is not None and text not in self.output():
                raise AssertionError(f"the plugin exited with {self.process.returncode}: {self.output()}")
            return text in "".join(self.stdout + self.stderr)

        wait_for(probe, f"{text!r} in the plugin's output", timeout=timeout)

    def output(self) -> str:
        return "".join(self.stdout) + "\n--- stderr ---\n" + "".join(self.stderr)

    def finish(self, timeout: float = 30) -> int:
        code = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def condition(type_: str, status: str, reason: str, message: str, at: str) -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": at,
        "observedGeneration": 1,
    }


def make_tenant(store: Resources, name: str, status: dict[str, Any] | None = None, **spec: Any) -> None:
    store.create("tenants", tenant_manifest(name, **spec))
    if status is not None:
        store.patch_status("tenants", name, status)


def make_run(
    resources: Resources,
    name: str,
    tenant: str,
    status: dict[str, Any] | None = None,
    trigger: str = "Manual",
) -> dict[str, Any]:
    manifest = syncrun_manifest(name, tenant)
    manifest["spec"]["trigger"] = trigger
    resources.create("syncruns", manifest)
    if status is not None:
        resources.patch_status("syncruns", name, status)
    return resources.get("syncruns", name)


def annotations_of(resources: Resources, plural: str, name: str) -> dict[str, str]:
    found: dict[str, str] = resources.get(plural, name)["metadata"].get("annotations") or {}
    return found
