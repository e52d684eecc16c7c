"""A thin kubectl runner for the chart's integration tests."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping


class Kubectl:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)

    def run(
        self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["kubectl", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed (exit {result.returncode}):\n{result.stderr}"
            )
        return result

    def can_i(
        self,
        user: str,
        verb: str,
        resource: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
    ) -> bool:
        """`kubectl auth can-i` as `user` (impersonated); True for yes, False for no, error otherwise.

        Without a namespace the question is cluster-wide: all namespaces, or a cluster-scoped resource.
        """
        args = ["auth", "can-i", verb, resource, f"--as={user}", "--quiet"]
        args.append(f"--namespace={namespace}" if namespace is not None else "--all-namespaces")
        if subresource is not None:
            args.append(f"--subresource={subresource}")
        result = self.run(*args, check=False)
        if result.returncode not in (0, 1) or result.stderr.strip():
            raise AssertionError(f"kubectl {' '.join(args)} gave no answer:\n{result.stderr}")
        return result.returncode == 0


def eventually(condition: Callable[[], bool], *, timeout: float = 20, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
