"""The demo's choices that the README relies on: its own kubectl first, free ports, scratch removed."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from tenantsync.api import ResourceType
from tenantsync.catalog import Service, catalog
from tenantsync.cli.demo import Demo, choose_kubectl, free_port


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_the_control_planes_kubectl_wins_over_the_one_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = _executable(tmp_path / "path" / "kubectl")
    built = _executable(tmp_path / "cluster" / "bin" / "kubectl")
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert choose_kubectl(tmp_path / "cluster" / "kubeconfig", None) == str(built)
    assert choose_kubectl(tmp_path / "cluster" / "kubeconfig", "/opt/kubectl") == "/opt/kubectl"
    built.unlink()
    assert choose_kubectl(tmp_path / "cluster" / "kubeconfig", None) == str(on_path)


def test_no_kubectl_anywhere_is_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SystemExit, match=r"no kubectl: neither .*hack/local-cluster build.* pass --kubectl"):
        choose_kubectl(tmp_path / "cluster" / "kubeconfig", None)


def test_free_port_is_bindable_now() -> None:
    port = free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))


def test_scratch_goes_and_what_the_demo_points_at_stays(tmp_path: Path) -> None:
    demo = Demo(tmp_path / "kubeconfig", "kubectl", tmp_path)
    assert demo.env["TMPDIR"] == str(tmp_path / "tmp") and os.path.isdir(demo.env["TMPDIR"])
    for kept in ("operator.log", "tenants.git/HEAD"):
        (tmp_path / kept).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / kept).write_text("kept")
    for scratch in ("tmp/tenantsync-ca-0123.pem", "sim/ca.pem", "person/x.json", "operator/clone/x"):
        (tmp_path / scratch).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / scratch).write_text("scratch")
    demo.clean_up()
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["operator.log", "tenants.git"]


def test_the_backup_is_listed_on_one_80_column_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every folder the catalogue backs up, and one it does not know: counted per service with the
    first names of each, in at most a screen of 24 lines of 80 columns."""
    work = tmp_path / "work"
    folders = [t.value for t in ResourceType] + ["notAType"]
    for folder in folders:
        (work / "tenants" / "contoso" / folder).mkdir(parents=True)
        (work / "tenants" / "contoso" / folder / "object.json").write_text("{}\n")
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "add", "."], check=True)
    subprocess.run(["git", "-C", str(work), *identity, "commit", "-qm", "backup"], check=True)
    (tmp_path / "demo").mkdir()
    demo = Demo(tmp_path / "kubeconfig", "kubectl", tmp_path / "demo")
    demo.repository = work
    monkeypatch.setenv("COLUMNS", "80")
    demo.show_backup()
    first, count, *listed = capsys.readouterr().out.splitlines()
    assert first == f"$ git -C {work} ls-tree -d --name-only main:tenants/contoso"
    assert count.startswith(f"({len(folders)} folders, one per configuration type")
    assert len(listed) <= 22 and all(len(line) <= 80 for line in listed), listed
    counts = {line[6:]: int(line[:4]) for line in listed if not line.startswith(" " * 6)}
    assert sum(counts.values()) == len(folders)
    assert counts["Exchange Online and Defender for Office 365"] == sum(
        entry.service is Service.EXCHANGE for entry in catalog().values()
    )
    assert counts["other folders"] == 1
    # Under each count, its first folders whole (in the catalogue's order), then how many more.
    shown = " ".join(line for line in listed if line.startswith(" " * 6)).replace(",", " ").split()
    assert {"conditionalAccessPolicies", "deviceConfigurations", "transportRule", "notAType"} <= set(shown)
    assert all(name in folders or name in {"…", "and", "more"} or name.isdigit() for name in shown)
    more = [int(n) for n in re.findall(r"… and (\d+) more", "\n".join(listed))]
    assert len([n for n in shown if n in folders]) + sum(more) == len(folders)
