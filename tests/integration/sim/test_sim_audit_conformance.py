"""The simulator's audit records parse into Microsoft's models (msgraph-sdk v1.0 and the beta SDK) with no
unknown property and no value lost: ``directoryAudit`` for Entra's changes, ``auditEvent`` for Intune's,
by a user and by an app, for an add, an update and a delete."""

from __future__ import annotations

import pytest

from tenantsync_sim.audit import Actor, AuditLog, Change
from tenantsync_sim.graph.models import whole
from tests.integration.sim.test_sim_model_conformance import SDK_PACKAGE, conformance_problems

pytestmark = pytest.mark.integration

USER = Actor(
    user_id="6f1a2b3c-0000-4000-8000-000000000001",
    user_principal_name="alice@contoso.com",
    user_display_name="Alice",
)
APP = Actor(
    app_id="0f6c1a54-3a33-4bd4-8a5f-000000000001",
    app_display_name="tenantsync",
    service_principal_id="9a8b7c6d-0000-4000-8000-000000000002",
)
CHANGES = [
    Change(
        "directory",
        "conditionalAccessPolicy",
        "p-1",
        "Require MFA",
        "Update",
        (("state", "enabled", "disabled"),),
    ),
    Change("directory", "namedLocation", "l-1", "HQ", "Add", (("displayName", None, "HQ"),)),
    Change(
        "intune", "deviceConfiguration", "d-1", "Baseline", "Update", (("passwordRequired", False, True),)
    ),
    Change("intune", "deviceCompliancePolicy", "c-1", "Windows", "Delete"),
]
ENTITY = {"directory": "microsoft.graph.directoryAudit", "intune": "microsoft.graph.auditEvent"}


@pytest.mark.parametrize("version", sorted(SDK_PACKAGE))
def test_every_record_parses_into_microsofts_model(version: str) -> None:
    log = AuditLog(ingestion_delay_seconds=0)
    problems: list[str] = []
    for change in CHANGES:
        for actor in (USER, APP):
            # As the audit logs serve it: whole, every property of the version's model.
            record = whole(log.record("t", change, actor, 1_765_000_000.0), ENTITY[change.source], version)
            problems += [
                f"{change.source} {change.operation} by {actor.user_principal_name or actor.app_display_name}: {p}"
                for p in conformance_problems(SDK_PACKAGE[version], record, ENTITY[change.source], ())
            ]
    assert not problems, "\n".join(problems)
