"""The Argo CD health checks, run by a real Lua 5.1 interpreter on objects of every phase.

Needs the Debian packages lua5.1 and lua-cjson (`apt-get install -y lua5.1 lua-cjson`). Without them the
tests fail: Argo CD runs these scripts in Lua 5.1, and untested Lua is not shipped.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import yaml

from tenantsync.api import RolloutPhase, RunPhase, TenantPhase

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = ROOT / "charts" / "tenantsync" / "argocd"
TENANT = SCRIPTS / "tenant-health.lua"
SYNCRUN = SCRIPTS / "syncrun-health.lua"
BASELINE = SCRIPTS / "baseline-health.lua"
HARNESS = Path(__file__).with_name("harness.lua")
DOCS = ROOT / "docs" / "argocd.md"

TENANT_PHASES = {
    "NotRun": "Healthy",
    "Idle": "Healthy",
    "Starting": "Progressing",
    "InProgress": "Progressing",
    "PendingAuthentication": "Suspended",
    "PendingApproval": "Suspended",
    "PendingAdminConsent": "Suspended",
    "PartiallySuccessful": "Degraded",
    "NewError": "Degraded",
}
SYNCRUN_PHASES = {
    "Starting": "Progressing",
    "InProgress": "Progressing",
    "PendingAuthentication": "Suspended",
    "PendingApproval": "Suspended",
    "PendingAdminConsent": "Suspended",
    "Succeeded": "Healthy",
    "Rejected": "Healthy",
    "PartiallySuccessful": "Degraded",
    "NewError": "Degraded",
}


@pytest.fixture(scope="session")
def lua() -> str:
    interpreter = shutil.which("lua5.1")
    if interpreter is None:
        pytest.fail("lua5.1 is not installed: apt-get install -y lua5.1 lua-cjson", pytrace=False)
    probe = subprocess.run(
        [interpreter, "-e", "require('cjson')"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pytest.fail(
            f"lua-cjson is not installed for Lua 5.1: apt-get install -y lua-cjson\n{probe.stderr}",
            pytrace=False,
        )
    return interpreter


def health(lua: str, script: Path, obj: dict[str, Any], tmp_path: Path) -> dict[str, str]:
    sample = tmp_path / "object.json"
    sample.write_text(json.dumps(obj))
    result = subprocess.run(
        [lua, str(HARNESS), str(script), str(sample)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, f"{script.name} failed in Lua 5.1:\n{result.stderr}"
    answer: dict[str, str] = json.loads(result.stdout)
    return answer


def tenant(phase: str | None = None, **status: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "contoso", "namespace": "m365", "generation": 2},
        "spec": {"tenantId": "contoso.onmicrosoft.com", "suspend": False},
    }
    if phase is not None:
        obj["status"] = {"phase": phase, "observedGeneration": 2, **status}
    return obj


def syncrun(phase: str | None = None, **status: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "SyncRun",
        "metadata": {"name": "contoso-20261123-0600", "namespace": "m365", "generation": 1},
        "spec": {"tenantRef": {"name": "contoso"}},
    }
    if phase is not None:
        obj["status"] = {"phase": phase, **status}
    return obj


def test_every_phase_of_the_crds_is_covered() -> None:
    crds = {
        d["spec"]["names"]["kind"]: d
        for d in yaml.safe_load_all((ROOT / "crds" / "tenantsync.io_crds.yaml").read_text())
    }

    def phases(kind: str) -> set[str]:
        schema = crds[kind]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        return set(schema["properties"]["status"]["properties"]["phase"]["enum"])

    assert phases("Tenant") == set(TENANT_PHASES)
    assert phases("SyncRun") == set(SYNCRUN_PHASES)


def named_phases(script: Path) -> set[str]:
    """The phases a script tells apart (`phase == "..."`)."""
    return set(re.findall(r'phase == "(\w+)"', script.read_text()))


@pytest.mark.parametrize(
    ("script", "table", "phases"),
    [
        (TENANT, TENANT_PHASES, TenantPhase),
        (SYNCRUN, SYNCRUN_PHASES, RunPhase),
        (BASELINE, None, RolloutPhase),
    ],
    ids=["Tenant", "SyncRun", "Baseline"],
)
def test_each_script_names_exactly_the_phases_of_its_enum(
    script: Path, table: dict[str, str] | None, phases: type[StrEnum]
) -> None:
    assert named_phases(script) == {phase.value for phase in phases}
    if table is not None:
        assert set(table) == {phase.value for phase in phases}


@pytest.mark.parametrize(("phase", "expected"), TENANT_PHASES.items())
def test_tenant_phase(lua: str, tmp_path: Path, phase: str, expected: str) -> None:
    result = health(lua, TENANT, tenant(phase, message=f"message for {phase}"), tmp_path)
    assert result == {"status": expected, "message": f"message for {phase}"}


@pytest.mark.parametrize(("phase", "expected"), SYNCRUN_PHASES.items())
def test_syncrun_phase(lua: str, tmp_path: Path, phase: str, expected: str) -> None:
    result = health(lua, SYNCRUN, syncrun(phase, message=f"message for {phase}"), tmp_path)
    assert result == {"status": expected, "message": f"message for {phase}"}


@pytest.mark.parametrize("phase", TENANT_PHASES)
def test_tenant_without_message_gets_a_fallback(lua: str, tmp_path: Path, phase: str) -> None:
    result = health(lua, TENANT, tenant(phase), tmp_path)
    assert result["status"] == TENANT_PHASES[phase]
    assert result["message"]


@pytest.mark.parametrize("phase", SYNCRUN_PHASES)
def test_syncrun_without_message_gets_a_fallback(lua: str, tmp_path: Path, phase: str) -> None:
    result = health(lua, SYNCRUN, syncrun(phase), tmp_path)
    assert result["status"] == SYNCRUN_PHASES[phase]
    assert result["message"]


@pytest.mark.parametrize("phase", [*TENANT_PHASES, None])
def test_suspended_tenant_is_suspended_whatever_its_phase(
    lua: str, tmp_path: Path, phase: str | None
) -> None:
    obj = tenant(phase)
    obj["spec"]["suspend"] = True
    result = health(lua, TENANT, obj, tmp_path)
    assert result["status"] == "Suspended"
    assert result["message"].startswith("Scheduled syncs are suspended (spec.suspend)")
    if phase is not None:
        assert result["message"].endswith(f"last status: {phase}")


def test_tenant_without_status_is_progressing(lua: str, tmp_path: Path) -> None:
    result = health(lua, TENANT, tenant(), tmp_path)
    assert result == {
        "status": "Progressing",
        "message": "Waiting for the tenantsync operator to report the Tenant's status",
    }


def test_tenant_whose_status_is_older_than_its_spec_is_progressing(lua: str, tmp_path: Path) -> None:
    obj = tenant("Idle", message="Last sync succeeded.")
    obj["metadata"]["generation"] = 3
    result = health(lua, TENANT, obj, tmp_path)
    assert result == {
        "status": "Progressing",
        "message": "Waiting for the tenantsync operator to observe generation 3",
    }


def test_syncrun_without_status_is_progressing(lua: str, tmp_path: Path) -> None:
    result = health(lua, SYNCRUN, syncrun(), tmp_path)
    assert result == {
        "status": "Progressing",
        "message": "Waiting for the tenantsync operator to start the run",
    }


@pytest.mark.parametrize(("script", "make"), [(TENANT, tenant), (SYNCRUN, syncrun)])
def test_an_unknown_phase_is_unknown_not_guessed(lua: str, tmp_path: Path, script: Path, make: Any) -> None:
    result = health(lua, script, make("Exploded"), tmp_path)
    assert result["status"] == "Unknown"
    assert "Exploded" in result["message"]


@pytest.mark.parametrize(("script", "make"), [(TENANT, tenant), (SYNCRUN, syncrun)])
def test_errors_show_their_code_and_troubleshooting_link(
    lua: str, tmp_path: Path, script: Path, make: Any
) -> None:
    url = "https://github.com/tenantsync/tenantsync/blob/main/docs/troubleshooting/ClientSecretExpired.md"
    obj = make(
        "NewError",
        message="The client secret expired on 2026-11-01.",
        error={
            "code": "ClientSecretExpired",
            "message": "The client secret expired on 2026-11-01.",
            "troubleshootingUrl": url,
        },
    )
    result = health(lua, script, obj, tmp_path)
    assert result == {
        "status": "Degraded",
        "message": f"ClientSecretExpired: The client secret expired on 2026-11-01. (see {url})",
    }


def test_the_harness_fails_on_a_broken_script(lua: str, tmp_path: Path) -> None:
    """The harness is honest: a script error or a use of `os` (absent in Argo CD) fails the run."""
    broken = tmp_path / "broken.lua"
    broken.write_text("local hs = {}\nhs.status = os.getenv('HOME')\nreturn hs\n")
    sample = tmp_path / "object.json"
    sample.write_text(json.dumps(tenant("Idle")))
    result = subprocess.run(
        [lua, str(HARNESS), str(broken), str(sample)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "os" in result.stderr


def test_docs_table_matches_the_scripts() -> None:
    """docs/argocd.md documents each phase's health; it must say what the scripts do."""
    text = DOCS.read_text()
    for kind, mapping in (("Tenant", TENANT_PHASES), ("SyncRun", SYNCRUN_PHASES)):
        for phase, status in mapping.items():
            assert f"| {kind} | `{phase}` | {status} |" in text, f"{kind} {phase} -> {status} missing in docs"


BASELINE = SCRIPTS / "baseline-health.lua"
BASELINE_PHASES = {
    "PendingApproval": "Suspended",
    "Progressing": "Progressing",
    "Paused": "Progressing",
    "Halted": "Degraded",
    "Complete": "Healthy",
    "Rejected": "Healthy",
}


def baseline(phase: str | None = None, **rollout: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "tenantsync.io/v1alpha1",
        "kind": "Baseline",
        "metadata": {"name": "security", "namespace": "msp", "generation": 1},
        "spec": {"repository": {"url": "/repo", "path": "baselines/security"}},
        "status": {"observedGeneration": 1, "message": "status message"},
    }
    if phase is not None:
        obj["status"]["rollout"] = {"revision": "a" * 40, "phase": phase, **rollout}
    return obj


def test_every_rollout_phase_is_covered() -> None:
    crds = {
        d["spec"]["names"]["kind"]: d
        for d in yaml.safe_load_all((ROOT / "crds" / "tenantsync.io_crds.yaml").read_text())
    }
    schema = crds["Baseline"]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    rollout = schema["properties"]["status"]["properties"]["rollout"]["properties"]

    assert set(rollout["phase"]["enum"]) == set(BASELINE_PHASES)


@pytest.mark.parametrize(("phase", "expected"), BASELINE_PHASES.items())
def test_baseline_rollout_phase(lua: str, tmp_path: Path, phase: str, expected: str) -> None:
    result = health(lua, BASELINE, baseline(phase, message=f"rollout {phase}"), tmp_path)
    assert result == {"status": expected, "message": f"rollout {phase}"}


@pytest.mark.parametrize("phase", BASELINE_PHASES)
def test_baseline_without_rollout_message_falls_back(lua: str, tmp_path: Path, phase: str) -> None:
    result = health(lua, BASELINE, baseline(phase), tmp_path)
    assert result == {"status": BASELINE_PHASES[phase], "message": "status message"}


def test_baseline_before_its_first_revision_or_status_is_progressing(lua: str, tmp_path: Path) -> None:
    no_rollout = health(lua, BASELINE, baseline(), tmp_path)
    no_status = baseline()
    del no_status["status"]
    stale = baseline("Complete")
    stale["metadata"]["generation"] = 2

    assert no_rollout == {"status": "Progressing", "message": "status message"}
    assert health(lua, BASELINE, no_status, tmp_path)["status"] == "Progressing"
    assert health(lua, BASELINE, stale, tmp_path)["status"] == "Progressing"


def test_an_unknown_rollout_phase_is_unknown(lua: str, tmp_path: Path) -> None:
    result = health(lua, BASELINE, baseline("Exploded"), tmp_path)
    assert result["status"] == "Unknown"
    assert "Exploded" in result["message"]


def test_docs_table_matches_the_baseline_script() -> None:
    text = DOCS.read_text()
    for phase, status in BASELINE_PHASES.items():
        assert f"| Baseline | `{phase}` | {status} |" in text, f"Baseline {phase} -> {status} missing in docs"
