"""Every run ends: whatever lands in the desired state, a Secret or the spec, the run reaches a final
phase with a code and a message that names what to fix, and the next sync of the Tenant is not blocked."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import FINISHED, edit_desired, first_sync, git, sync, wait_phase
from tests.support.cluster import kubectl
from tests.support.crd_rules import PATH_RULES, REPOSITORY_RULES, create_with_rule_lifted
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

Change = Callable[[Path], None]


def write(relative: str, content: bytes) -> Change:
    def change(folder: Path) -> None:
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)

    return change


def symlink_outside(folder: Path) -> None:
    os.symlink("/etc/hostname", folder / "namedLocations" / "linked.json")


BAD_FILES: dict[str, tuple[Change, str]] = {
    "malformed JSON": (
        write("namedLocations/broken.json", b'{"id": "broken",\n  "displayName": }'),
        "line 2",
    ),
    "not UTF-8": (
        write("namedLocations/latin1.json", '{"displayName": "Zürich"}'.encode("latin-1")),
        "UTF-8",
    ),
    "a JSON list": (write("namedLocations/list.json", b"[1, 2, 3]"), "not an object"),
    "an unknown folder": (write("notAType/thing.json", b"{}"), "folder 'notAType'"),
    "a nested folder": (write("namedLocations/deeper/x.json", b"{}"), "namedLocations/deeper/x.json"),
    "an id that is not an id": (write("namedLocations/..json", b"{}"), "namedLocations/..json"),
    "a huge file": (
        write("namedLocations/huge.json", b'{"x": "' + b"y" * 3_000_000 + b'"}'),
        "lacks @odata.type",
    ),
    "a symlink": (symlink_outside, "namedLocations/linked.json"),
    "an assignment without its type": (
        write(
            "deviceConfigurations/untyped-assignment.json",
            b'{"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": "Untyped",'
            b' "assignments": [{"target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}]}',
        ),
        "deviceConfigurations/untyped-assignment.json lacks assignments[].@odata.type",
    ),
}


def test_each_bad_desired_state_file_ends_its_run_naming_the_file_and_the_next_sync_is_not_blocked(
    fast_operator: OperatorProcess, workspace: Workspace, tmp_path: Path
) -> None:
    """One Tenant, one bad file after another: each run ends NewError InvalidDesiredState naming the
    file, writes nothing to the tenant, and once the file is reverted the next sync succeeds."""
    first_sync(workspace)
    for index, (case, (change, expected)) in enumerate(BAD_FILES.items()):
        work = tmp_path / f"case-{index}"
        edit_desired(workspace, work, change, message=f"Add {case}")
        workspace.sim.clear_requests(workspace.tenant_id)
        ended = wait_phase(workspace, sync(workspace, f"bad {case}"), FINISHED, timeout=120)["status"]
        assert ended["phase"] == "NewError", (case, ended)
        assert ended["error"]["code"] == "InvalidDesiredState", (case, ended["error"])
        assert expected in ended["message"], (case, ended["message"])
        graph_writes = [
            r
            for r in workspace.sim.requests(workspace.tenant_id)
            if r["method"] in {"POST", "PATCH", "PUT", "DELETE"}
            and r["path"].startswith(("/v1.0/", "/beta/"))
            and "$batch" not in r["path"]
        ]
        assert graph_writes == [], case
        git(work / "person", "revert", "--no-edit", "HEAD")
        git(work / "person", "push", "-q", "origin", "main")
        later = wait_phase(workspace, sync(workspace, f"fixed {case}"), FINISHED)["status"]
        assert later["phase"] == "Succeeded", (case, later)


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ({"path": "../escape"}, "'..' segments"),
        ({"path": "/etc"}, "an absolute path"),
        ({"url": "ssh://git@127.0.0.1:9/tenants.git"}, "identity"),
        ({"url": "git://example.com/tenants.git"}, "git://"),
    ],
    ids=["parent path", "absolute path", "ssh without a key", "unsupported scheme"],
)
def test_a_repository_the_operator_must_not_use_ends_the_run(
    repository: dict[str, str], expected: str, fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    spec = {"url": str(workspace.repository), "path": "tenants/contoso", **repository}
    # The API server refuses the paths now; a Tenant stored by an older release may still hold one.
    create_with_rule_lifted(
        PATH_RULES, lambda: workspace.resources.create("tenants", workspace.tenant(repository=spec))
    )
    ended = wait_phase(workspace, sync(workspace, "first"), FINISHED)["status"]
    assert ended["phase"] == "NewError", ended
    assert ended["error"]["code"] == "RepositoryUnreachable"
    assert expected in ended["message"], ended["message"]


def test_a_git_secret_with_an_empty_username_ends_the_run_naming_the_key(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    kubectl(
        "create", "secret", "generic", "git", "-n", workspace.namespace,
        "--from-literal=username=", "--from-literal=password=token",
    )  # fmt: skip
    spec = {"url": str(workspace.repository), "path": "tenants/contoso", "secretRef": {"name": "git"}}
    workspace.resources.create("tenants", workspace.tenant(repository=spec))
    ended = wait_phase(workspace, sync(workspace, "first"), FINISHED)["status"]
    assert ended["phase"] == "NewError", ended
    assert "empty username" in ended["message"]


def test_a_backup_never_writes_the_desired_state_whatever_the_spec_says(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    spec = {"url": str(workspace.repository), "path": "tenants/contoso", "backupBranch": "main"}
    # The API server refuses this spec now; a Tenant stored by an older release may still hold it.
    create_with_rule_lifted(
        REPOSITORY_RULES, lambda: workspace.resources.create("tenants", workspace.tenant(repository=spec))
    )
    ended = wait_phase(workspace, sync(workspace, "first"), FINISHED)["status"]
    assert ended["phase"] == "NewError", ended
    assert "holds the desired state" in ended["message"]
