"""IntuneCD, a real backup tool nobody here wrote, backs up the demo tenant with every module.

IntuneCD 2.6.0 comes unchanged from PyPI into its own virtualenv (cached under ``.cache/``). Its
URLs are hard-coded (``login.microsoftonline.com``, ``graph.microsoft.com``), so it reaches the
simulator the way a corporate network would send it elsewhere: ``HTTPS_PROXY`` names a CONNECT
proxy that tunnels those host names to the simulator, whose certificate names them
(``--tls-host``) and whose CA is in ``REQUESTS_CA_BUNDLE``. It signs in as an app with a client
secret (``-m 1``: ``TENANT_NAME``, ``CLIENT_ID``, ``CLIENT_SECRET``) and, for its Entra backup
(``--entrabackup``), as the administrator through a v1 device code with Azure PowerShell's client
id for the Azure portal's API, which the test approves through the control API as a person would
on the sign-in page. Entra's device registration policy module runs only with interactive sign-in,
which IntuneCD cannot do headless; it is the one module left out.

Per module, the test checks that IntuneCD wrote its files, and that the simulator answered no
request, direct or inside ``$batch``, with a 4xx/5xx other than throttling.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.conftest import ALL_PERMISSIONS
from tests.integration.sim.connect_proxy import connect_proxy
from tests.integration.sim.simtest_support import SimEndpoint, start_simulator, stop_simulator, trust_bundle

INTUNECD = "IntuneCD==2.6.0"
VENV = Path(__file__).resolve().parents[3] / ".cache" / "intunecd-2.6.0"
MICROSOFT_HOSTS = {"login.microsoftonline.com", "graph.microsoft.com", "main.iam.ad.ext.azure.com"}
DEMO_TENANT = "3f2b9c4e-5a6d-4e7f-8a9b-0c1d2e3f4a5b"
DEMO_ADMIN = "admin@contoso.onmicrosoft.com"
AZURE_POWERSHELL = "1950a258-227b-4e31-a9cf-717495945fc2"

Predicate = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Module:
    folder: str
    """Where the module writes (relative to the backup path); folders of other modules inside it
    are not its own."""
    owns: Predicate | None = None
    """For two modules that share a folder: which of the JSON files are this module's."""
    file: str | None = None
    """The one file a module of a shared folder writes, for modules that name their file."""


MODULES: dict[str, Module] = {
    # IntuneCD's own module names (its --exclude choices), as backup_intune.py lists all 35.
    "AppConfigurations": Module("App Configuration"),
    "AppProtection": Module("App Protection"),
    "APNs": Module("Apple Push Notification"),
    "AppleEnrollmentProfile": Module("Enrollment Profiles/Apple"),
    "Applications": Module("Applications"),
    "DeviceManagementSettings": Module("Device Management Settings"),
    "DeviceCompliancePolicies": Module("Compliance Policies/Policies", lambda j: "technologies" in j),
    "Profiles": Module("Device Configurations"),
    "Compliance": Module("Compliance Policies/Policies", lambda j: "technologies" not in j),
    "CompliancePartner": Module("Partner Connections/Compliance"),
    "ComplianceScripts": Module("Compliance Policies/Scripts", lambda j: "settingDefinitionId" not in j),
    "CustomAttributes": Module("Custom Attributes"),
    "ConditionalAccess": Module("Conditional Access"),
    "DeviceCategories": Module("Device Categories"),
    "EnrollmentConfigurations": Module("Enrollment Configurations"),
    "EnrollmentStatusPage": Module("Enrollment Profiles/Windows/ESP"),
    "Filters": Module("Filters"),
    "GPOConfigurations": Module("Group Policy Configurations"),
    "ManagedGooglePlay": Module("Managed Google Play"),
    "Intents": Module("Management Intents"),
    "ManagementPartner": Module("Partner Connections/Management"),
    "NotificationTemplate": Module("Compliance Policies/Message Templates"),
    "PowershellScripts": Module("Scripts/Powershell"),
    "ProactiveRemediation": Module("Proactive Remediations"),
    "RemoteAssistancePartner": Module("Partner Connections/Remote Assistance"),
    "ReusablePolicySettings": Module("Compliance Policies/Scripts", lambda j: "settingDefinitionId" in j),
    "Roles": Module("Roles"),
    "ScopeTags": Module("Scope Tags"),
    "SettingsCatalog": Module("Settings Catalog"),
    "ShellScripts": Module("Scripts/Shell"),
    "VPP": Module("Apple VPP Tokens"),
    "windowsDriverUpdates": Module("Driver Updates"),
    "WindowsEnrollmentProfile": Module("Enrollment Profiles/Windows"),
    "windowsFeatureUpdates": Module("Feature Updates"),
    "windowsQualityUpdates": Module("Quality Updates"),
    # --entrabackup (backup_entra.py), but entraDeviceRegistrationPolicy (interactive sign-in only).
    "entraApplications": Module("Entra/Applications"),
    "entraAuthenticationFlowsPolicy": Module("Entra/Authentication Flows Policy"),
    "entraAuthenticationMethods": Module("Entra/Authentication Methods"),
    "entraAuthorizationPolicy": Module("Entra/Authorization Policy"),
    "entraB2BPolicy": Module("Entra/External Collaboration Settings", file="b2b_policy.json"),
    "entraDomains": Module("Entra/Domains"),
    "entraExternalIdentitiesPolicy": Module(
        "Entra/External Collaboration Settings", file="external_identities_policy.json"
    ),
    "entraGroupSettings": Module("Entra/Group Settings"),
    "entraRoamingSettings": Module("Entra/Roaming Settings"),
    "entraSecurityDefaults": Module("Entra/Security Defaults"),
    "entraSSPR": Module("Entra/Password Reset Policies"),
}


def _pypi_reachable() -> bool:
    try:
        return httpx.get("https://pypi.org/simple/intunecd/", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def intunecd() -> Path:
    """``IntuneCD-startbackup`` from PyPI in a virtualenv of its own, built once and reused."""
    script = VENV / "bin" / "IntuneCD-startbackup"
    if script.exists():
        return script
    if not _pypi_reachable():
        pytest.skip("PyPI is unreachable: IntuneCD cannot be installed")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    installed = subprocess.run(
        [str(VENV / "bin" / "pip"), "install", "--disable-pip-version-check", "-q", INTUNECD],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return script


@contextmanager
def approving_device_codes(sim: SimulatorClient) -> Iterator[list[str]]:
    """Signs the administrator in on every device code the demo tenant is waiting for, as the person
    at the keyboard would on the sign-in page IntuneCD names."""
    approved: list[str] = []
    stop = threading.Event()

    def approve() -> None:
        while not stop.wait(0.2):
            for code in sim.pending_device_codes(DEMO_TENANT):
                if code["state"] == "pending" and code["clientId"] == AZURE_POWERSHELL:
                    sim.sign_in(code["userCode"], DEMO_ADMIN)
                    approved.append(code["userCode"])

    thread = threading.Thread(target=approve, name="device-code-approver", daemon=True)
    thread.start()
    try:
        yield approved
    finally:
        stop.set()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def microsoft_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimEndpoint]:
    """A demo simulator whose certificate also names Microsoft's hosts."""
    hosts = [arg for host in sorted(MICROSOFT_HOSTS) for arg in ("--tls-host", host)]
    process, endpoint = start_simulator(tmp_path_factory.mktemp("sim-intunecd"), "--seed", "demo", *hosts)
    try:
        yield endpoint
    finally:
        stop_simulator(process)


def _module_files(backup: Path, name: str) -> list[Path]:
    module = MODULES[name]
    nested = [
        other.folder
        for other in MODULES.values()
        if other.folder != module.folder and other.folder.startswith(module.folder + "/")
    ]
    files = []
    for path in sorted((backup / module.folder).rglob("*.json")):
        relative = path.relative_to(backup).as_posix()
        if any(relative.startswith(folder + "/") for folder in nested):
            continue
        if module.file is not None and path.name != module.file:
            continue
        if module.owns is None or module.owns(json.loads(path.read_text())):
            files.append(path)
    return files


def test_every_intunecd_module_backs_up_the_demo_tenant_without_errors(
    intunecd: Path, microsoft_sim: SimEndpoint, tmp_path: Path
) -> None:
    client_id, secret = str(uuid.uuid4()), f"s8Q~{uuid.uuid4().hex}"
    backup = tmp_path / "backup"
    backup.mkdir()
    bundle = trust_bundle(Path(microsoft_sim.ca), tmp_path / "trust.pem")
    port = int(microsoft_sim.url.rsplit(":", 1)[1])
    with SimulatorClient(microsoft_sim.url, microsoft_sim.ca) as sim:
        sim.create_app(DEMO_TENANT, client_id, application_permissions=ALL_PERMISSIONS, secret=secret)
        sim.create_app(
            DEMO_TENANT,
            AZURE_POWERSHELL,
            display_name="Microsoft Azure PowerShell",
            public_client=True,
            delegated_permissions=["user_impersonation"],
        )
        sim.clear_requests(DEMO_TENANT)
        with (
            connect_proxy(("127.0.0.1", port), MICROSOFT_HOSTS) as proxy,
            SimulatorClient(microsoft_sim.url, microsoft_sim.ca) as approver,
            approving_device_codes(approver) as approved,
        ):
            proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
            environment = {
                **{k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
                "HTTPS_PROXY": proxy_url,
                "REQUESTS_CA_BUNDLE": str(bundle),
                "SSL_CERT_FILE": str(bundle),
                "CURL_CA_BUNDLE": str(bundle),
                "TENANT_NAME": "contoso.onmicrosoft.com",
                "TENANT_ID": DEMO_TENANT,
                "CLIENT_ID": client_id,
                "CLIENT_SECRET": secret,
            }
            run = subprocess.run(
                [str(intunecd), "-m", "1", "-o", "json", "-p", str(backup), "--entrabackup"],
                env=environment,
                capture_output=True,
                text=True,
                timeout=300,
            )
            refused = list(proxy.refused)
        logged = sim.requests(DEMO_TENANT)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    assert refused == [], "IntuneCD tried to reach another host"
    assert len(approved) == 1, "IntuneCD asked for one device-code sign-in"
    # A device-code client polls the token endpoint and hears 400 authorization_pending until the
    # person signs in; those answers are the protocol, not errors. Every other 4xx/5xx is.
    failed = [
        f"{r['status']} {r['method']} {r['path']}"
        for r in logged
        if r["status"] >= 400 and r["status"] != 429 and not r["path"].endswith("/oauth2/token")
    ]
    tokens = [r["status"] for r in logged if r["path"].endswith(f"/{DEMO_TENANT}/oauth2/token")]
    assert tokens and tokens[-1] == 200 and set(tokens) <= {200, 400}, tokens
    assert failed == [], "\n".join(failed)
    assert any(r["batched"] for r in logged), "IntuneCD's $batch sub-requests are in the log"
    assert "[ERROR]" not in output, output[-4000:]
    written = {name: len(_module_files(backup, name)) for name in MODULES}
    assert [name for name, count in written.items() if count == 0] == [], written
