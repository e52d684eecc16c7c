"""A custom OMA-URI setting Graph serves unencrypted with a password in it: the backup goes on (the value
is the tenant's, as Graph serves it), and status, a Warning event and a metric say where it is, never what."""

from __future__ import annotations

import json
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Workspace
from tests.e2e.test_sync_lifecycle import first_sync, git
from tests.support.cluster import wait_for
from tests.support.operator import OperatorProcess

pytestmark = pytest.mark.integration

SECRET = "Kiosk-Adm1n-Winter2026!"
OMA_URI = "./Device/Vendor/MSFT/Accounts/Users/kioskadmin/Password"


def unencrypted_secrets_metric(operator: OperatorProcess, namespace: str) -> float | None:
    with urllib.request.urlopen(f"http://127.0.0.1:{operator.metrics_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "tenantsync_backup_unencrypted_secrets" and sample.labels == {
                "namespace": namespace,
                "tenant": "contoso",
            }:
                return float(sample.value)
    return None


def test_a_password_graph_serves_in_clear_is_named_by_type_object_and_field_and_the_backup_goes_on(
    fast_operator: OperatorProcess, workspace: Workspace
) -> None:
    profile = workspace.sim.create_object(
        workspace.tenant_id,
        "deviceConfigurations",
        {
            "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
            "displayName": "Kiosk - local admin",
            "omaSettings": [
                {
                    "@odata.type": "#microsoft.graph.omaSettingString",
                    "displayName": "Kiosk admin password",
                    "omaUri": OMA_URI,
                    "isEncrypted": False,
                    "value": f"<Account><Name>kioskadmin</Name><Password>{SECRET}</Password></Account>",
                }
            ],
        },
    )

    run = first_sync(workspace)
    status = run["status"]
    assert status["phase"] == "Succeeded", status
    backup = status["backup"]
    assert backup["objectsByType"]["deviceConfigurations"] == 2
    assert backup["unencryptedSecretCount"] == 1
    assert backup["unencryptedSecrets"] == [
        {
            "type": "deviceConfigurations",
            "id": profile["id"],
            "name": "Kiosk - local admin",
            "field": "omaSettings[0].value",
            "setting": OMA_URI,
            "looksLike": "a <Password> element",
        }
    ]
    files = git(workspace.repository, "ls-tree", "-r", "--name-only", "tenantsync/backup").split()
    path = next(f for f in files if profile["id"] in f)
    backed_up = git(workspace.repository, "show", f"tenantsync/backup:{path}")
    assert SECRET in backed_up, "backed up as Graph serves it: nothing of the tenant is lost"

    events = wait_for(
        lambda: [e for e in workspace.resources.events() if e.reason == "UnencryptedSecrets"],
        "the UnencryptedSecrets event",
    )
    assert len(events) == 1 and events[0].type == "Warning"
    message = events[0].message
    assert "Tenant contoso" in message and run["metadata"]["name"] in message
    for named in (
        "deviceConfigurations",
        "Kiosk - local admin",
        profile["id"],
        "omaSettings[0].value",
        OMA_URI,
    ):
        assert named in message, message
    assert "UnencryptedSecrets.md" in message

    assert wait_for(lambda: unencrypted_secrets_metric(fast_operator, workspace.namespace) == 1, "the metric")

    tenant = workspace.resources.get("tenants", "contoso")
    everything = [
        json.dumps(run),
        json.dumps(tenant),
        *(str(e.message) for e in workspace.resources.events()),
    ]
    assert not [text for text in everything if SECRET in text], "the value is in no status or event"
    log = fast_operator.log_path.read_text(errors="replace")
    assert "omaSettings[0].value" in log, "the warning is logged too"
    assert SECRET not in log
