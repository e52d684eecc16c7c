"""The README's quick start, run as a new user runs it: `make demo`, then the commands it gives for
afterwards, literally, in a shell whose PATH has neither the project's virtualenv nor its kubectl.

The control plane of this test is its own (own folder and ports), because the README's last command
stops it; port 8080 is held meanwhile, as another service on a developer's machine would hold it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.support.cluster import CLUSTER_DIR, LOCAL_CLUSTER, ROOT
from tests.support.operator import free_port

pytestmark = pytest.mark.integration

README = ROOT / "README.md"
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def quick_start_blocks() -> list[str]:
    text = README.read_text()
    start = text.index("## Quick start")
    end = text.index("\n## ", start + 1)
    return SHELL_BLOCK.findall(text[start:end])


def commands(block: str) -> list[str]:
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


NOT_AFTER_THE_DEMO = {"sync": "starts a run, and the demo's operator has stopped", "baseline": "no Baseline"}


def follow_ups() -> list[str]:
    """The plugin commands of the README's "you want to | do" table, as a person types them after the demo
    (no `-n`): of `approve|reject|revert` the first."""
    text = README.read_text()
    start = text.index("## Using it")
    table = text[start : text.index("\n## ", start + 1)]
    found = []
    for cell in re.findall(r"`(kubectl tenantsync [^`]+)`", table):
        words = cell.replace("\\|", "|").split()
        words[2] = words[2].split("|")[0]
        if words[2] not in NOT_AFTER_THE_DEMO:
            found.append(" ".join(words))
    return found


@contextmanager
def port_8080_taken() -> Iterator[None]:
    """Listen on 8080 unless something already does: either way the demo must not need it."""
    with socket.socket() as holder:
        with suppress(OSError):
            holder.bind(("0.0.0.0", 8080))
            holder.listen()
        yield


def free_ports(count: int) -> list[int]:
    """Distinct free ports; the first one's neighbour is free too (etcd's peer port is the next one)."""
    while True:
        etcd = free_port()
        with socket.socket() as peer:
            try:
                peer.bind(("127.0.0.1", etcd + 1))
            except OSError:
                continue
        others = {free_port() for _ in range(count - 1)} - {etcd, etcd + 1}
        if len(others) == count - 1:
            return [etcd, *others]


def test_the_quick_start_works_as_written(tmp_path: Path) -> None:
    first, after_demo = quick_start_blocks()
    # `make test` is what runs this test; the demo is run here, exactly as the README says.
    assert commands(first) == ["make demo", "make test"]

    cluster_dir = tmp_path / "local-cluster"
    cluster_dir.mkdir()
    (cluster_dir / "bin").symlink_to((CLUSTER_DIR / "bin").resolve())
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    etcd_port, api_port, kcm_port = free_ports(3)
    venv_bin = str(ROOT / ".venv" / "bin")
    path = os.pathsep.join(
        entry
        for entry in os.environ["PATH"].split(os.pathsep)
        if Path(entry).resolve() != Path(venv_bin).resolve()
    )
    env = {
        **{key: value for key, value in os.environ.items() if key not in {"KUBECONFIG", "VIRTUAL_ENV"}},
        "PATH": path,
        "TMPDIR": str(scratch),
        "LOCAL_CLUSTER_DIR": str(cluster_dir),
        "LOCAL_CLUSTER_ETCD_PORT": str(etcd_port),
        "LOCAL_CLUSTER_API_PORT": str(api_port),
        "LOCAL_CLUSTER_KCM_PORT": str(kcm_port),
        "DEMO_DIR": str(tmp_path / "demo"),
        "COLUMNS": "120",
    }
    try:
        with port_8080_taken():
            demo = subprocess.run(
                ["make", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200, check=False
            )
        assert demo.returncode == 0, f"make demo failed:\n{demo.stdout[-4000:]}\n{demo.stderr[-4000:]}"
        assert "== Done." in demo.stdout
        assert "Traceback" not in demo.stdout + demo.stderr
        # What it shows is what a person types and reads: plans as the plugin prints them, not JSON, and
        # each run's events in the order they were posted.
        assert "$ kubectl tenantsync plan " in demo.stdout and "Approve this plan:" in demo.stdout
        assert '"changes"' not in demo.stdout
        # One plan holds a Graph change and an Exchange admin API change, both deployed.
        assert demo.stdout.count('~ update transportRule "External sender disclaimer"') == 2
        assert "ApplyHtmlDisclaimerText" in demo.stdout and "deploy result: Applied" in demo.stdout
        events = [line.split() for line in demo.stdout[demo.stdout.index("== Events") :].splitlines()]
        reasons: dict[str, list[str]] = {}
        for row in events:
            if len(row) > 3 and row[3].startswith("syncrun/"):
                reasons.setdefault(row[3], []).append(row[2])
        assert len(reasons) == 3, reasons
        for posted in reasons.values():  # the run's ending last, after its PendingApproval
            assert posted[-1] in {"Rejected", "Succeeded"} and posted.count(posted[-1]) == 1, reasons

        *exploring, stopping = commands(after_demo)
        assert stopping == "hack/local-cluster down"
        afterwards = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", "\n".join(exploring)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = afterwards.stdout + afterwards.stderr
        assert afterwards.returncode == 0, f"the README's commands after the demo failed:\n{output}"

        # The table's commands work as written too: the demo left its namespace as the context's.
        typed = follow_ups()
        assert {"plan", "approve", "error", "login", "permissions"} <= {c.split()[2] for c in typed}, typed
        for command in typed:
            line = command.replace(
                "<syncrun>", "$(kubectl get tenant contoso -o jsonpath={.status.lastSyncRun})"
            )
            follow_up = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", f'eval "$(hack/local-cluster env)"\n{line}'],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            said = follow_up.stdout + follow_up.stderr
            assert "not found" not in said, f"{line}:\n{said}"
            if command.split()[2] == "approve":  # the demo's runs have all finished: nothing to approve
                assert follow_up.returncode == 1 and "not Pending approval" in said, f"{line}:\n{said}"
            else:
                assert follow_up.returncode == 0, f"{line}:\n{said}"

        stopped = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", after_demo],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=False,
        )
        assert stopped.returncode == 0, stopped.stderr
    finally:
        subprocess.run([str(LOCAL_CLUSTER), "down"], env=env, capture_output=True, timeout=120, check=False)

    assert re.search(r"^tenant\.tenantsync\.io/contoso\s", afterwards.stdout, re.MULTILINE), output
    assert re.search(r"^syncrun\.tenantsync\.io/contoso-", afterwards.stdout, re.MULTILINE), output
    assert "tenantsync-demo" in afterwards.stdout and "Idle" in afterwards.stdout, output
    # `hack/local-cluster down`, the last command, left nothing running.
    assert subprocess.run([str(LOCAL_CLUSTER), "status"], env=env, capture_output=True).returncode != 0
    # The demo kept what it points at and removed the rest, CA bundles included.
    assert sorted(entry.name for entry in (tmp_path / "demo").iterdir()) == ["operator.log", "tenants.git"]
    assert list(scratch.iterdir()) == []
