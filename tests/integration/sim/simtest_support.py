"""Helpers shared by the simulator integration tests: process control, tenants, certificates."""

from __future__ import annotations

import datetime as dt
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"
READ_WRITE_PERMISSIONS = [
    "Policy.Read.All",
    "Policy.ReadWrite.ConditionalAccess",
    "Policy.ReadWrite.AuthenticationMethod",
    "Policy.ReadWrite.Authorization",
    "Policy.ReadWrite.CrossTenantAccess",
    "Policy.ReadWrite.SecurityDefaults",
    "DeviceManagementConfiguration.ReadWrite.All",
    "DeviceManagementRBAC.Read.All",
    "Agreement.Read.All",
    "Group.ReadWrite.All",
    "Application.Read.All",
]
PASSWORD = "Correct-Horse-9"


@dataclass(frozen=True)
class SimEndpoint:
    url: str
    ca: str
    state_dir: Path


@dataclass(frozen=True)
class SimTenant:
    """A fresh tenant with a confidential app (secret) and a public client app, both consented."""

    id: str
    domain: str
    client_id: str
    secret: str
    public_client_id: str
    admin_upn: str
    url: str
    ca: str

    @property
    def authority(self) -> str:
        return f"{self.url}/{self.id}"


def start_simulator(state_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], SimEndpoint]:
    executable = Path(sys.executable).parent / "tenantsync-sim"
    process = subprocess.Popen(
        [str(executable), "--port", "0", "--state-dir", str(state_dir), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("TENANTSYNC_SIM_READY"):
            fields = dict(part.split("=", 1) for part in line.split()[1:])
            return process, SimEndpoint(fields["url"], fields["ca"], state_dir)
    process.kill()
    raise RuntimeError("tenantsync-sim did not print its ready line")


def trust_bundle(sim_ca: Path, target: Path) -> Path:
    """The system's CA bundle plus the simulator's CA, for clients configured by environment."""
    system = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
    existing = system.read_text() if system.exists() else ""
    target.write_text(existing + "\n" + sim_ca.read_text())
    return target


def stop_simulator(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def running_simulator(state_dir: Path, seed: str) -> Iterator[SimEndpoint]:
    """A simulator process for the block, trusted by clients configured by environment too.

    requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's verify=, so where the
    environment sets them (as many CI images do) they must also trust the simulator's CA.
    """
    process, endpoint = start_simulator(state_dir, "--seed", seed)
    bundle = trust_bundle(Path(endpoint.ca), state_dir / "trust.pem")
    try:
        with pytest.MonkeyPatch.context() as patch:
            for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
                if os.environ.get(variable):
                    patch.setenv(variable, str(bundle))
            yield endpoint
    finally:
        stop_simulator(process)


def app_token(http_client: httpx.Client, tenant: SimTenant, scope: str = GRAPH_DEFAULT) -> str:
    response = http_client.post(
        f"/{tenant.id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": tenant.client_id,
            "client_secret": tenant.secret,
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@dataclass(frozen=True)
class ClientCertificate:
    key_pem: str
    cert_pem: str


def make_certificate(common_name: str = "tenantsync-test", days: int = 30) -> ClientCertificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return ClientCertificate(key_pem, cert.public_bytes(serialization.Encoding.PEM).decode())
