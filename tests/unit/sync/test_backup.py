"""Backup and Verify: every configured type read and committed; a Graph 403 waits for consent."""

from __future__ import annotations

import httpx

from tenantsync.api import (
    UNENCRYPTED_SECRETS_LISTED,
    ChangeAction,
    ChangeOutcome,
    ChangeResult,
    DeployStatus,
    ResourceType,
    RunPhase,
    RunStep,
)
from tenantsync.sync.pipeline import Advance, Finish, Wait
from tenantsync.sync.steps.backup import Backup
from tenantsync.sync.steps.verify import Verify
from tests.unit.sync.fakes import FakeGraph, FakeSession, MemoryFolders, context, spec

LOCATIONS = "identity/conditionalAccess/namedLocations"
LOCATION = {"id": "11111111-1111-4111-8111-111111111111", "displayName": "HQ"}
ONLY_LOCATIONS = spec(resources=[ResourceType.NAMED_LOCATIONS])


def tenant() -> FakeGraph:
    graph = FakeGraph()
    graph.add(LOCATIONS, LOCATION)
    return graph


async def test_the_backup_commits_one_file_per_object() -> None:
    session = FakeSession(graph=tenant())
    ctx = context(ONLY_LOCATIONS)
    transition = await Backup()(ctx, session)
    assert isinstance(transition, Advance)
    files = await session.folders.read_folder("tenantsync/backup", "tenants/contoso")
    assert files is not None
    assert list(files) == [f"namedLocations/{LOCATION['id']}.json"]
    assert ctx.status.backup is not None
    assert (ctx.status.backup.objects, ctx.status.backup.objectsByType) == (1, {"namedLocations": 1})


async def test_an_unchanged_tenant_backed_up_twice_makes_one_commit() -> None:
    session = FakeSession(graph=tenant())
    await Backup()(context(ONLY_LOCATIONS), session)
    ctx = context(ONLY_LOCATIONS)
    transition = await Backup()(ctx, session)
    assert session.folders.commits == 1
    assert "unchanged since the last backup" in transition.message


async def test_a_graph_403_waits_for_consent_and_signs_in_again() -> None:
    graph = FakeGraph(
        fail=lambda _: httpx.Response(
            403,
            json={"error": {"code": "Forbidden", "message": "Missing role Policy.Read.All."}},
        )
    )
    ctx = context(ONLY_LOCATIONS)
    transition = await Backup()(ctx, FakeSession(graph=graph))
    assert isinstance(transition, Wait)
    assert (transition.phase, transition.resume_at) == (RunPhase.PENDING_ADMIN_CONSENT, RunStep.AUTHENTICATE)
    assert ctx.status.authentication is not None
    assert ctx.status.authentication.adminConsentUrl is not None


async def test_verify_succeeds_when_the_tenant_matches_the_desired_state() -> None:
    folders = MemoryFolders()
    folders.put("main", "tenants/contoso", {f"namedLocations/{LOCATION['id']}.json": LOCATION})
    ctx = context(ONLY_LOCATIONS)
    ctx.status.deploy = DeployStatus(
        results=[
            ChangeResult(
                id=LOCATION["id"],
                type=ResourceType.NAMED_LOCATIONS,
                action=ChangeAction.UPDATE,
                result=ChangeOutcome.APPLIED,
            )
        ]
    )
    transition = await Verify()(ctx, FakeSession(graph=tenant(), folders=folders))
    assert isinstance(transition, Finish)
    assert (transition.phase, transition.message) == (
        RunPhase.SUCCEEDED,
        "Deployed 1 change; the tenant matches the desired state.",
    )


async def test_verify_reports_a_tenant_that_still_differs() -> None:
    folders = MemoryFolders()
    folders.put(
        "main", "tenants/contoso", {f"namedLocations/{LOCATION['id']}.json": {**LOCATION, "displayName": "X"}}
    )
    transition = await Verify()(context(ONLY_LOCATIONS), FakeSession(graph=tenant(), folders=folders))
    assert isinstance(transition, Finish)
    assert transition.phase == RunPhase.PARTIALLY_SUCCESSFUL
    assert "still differs from the desired state in 1 objects" in transition.message


async def test_the_backup_reports_the_earliest_expiry_of_each_watch_under_the_type_that_has_it() -> None:
    # One entry per watch (so one metric series per Tenant each): here the Apple tokens'; the app
    # credentials' is tests/integration/test_consent_against_simulator.py's.
    graph = FakeGraph()
    certificate = "deviceManagement/applePushNotificationCertificate"
    graph.add(
        certificate, {"appleIdentifier": "mdm@contoso.com", "expirationDateTime": "2026-07-01T09:00:00Z"}
    )
    graph.add(
        "deviceManagement/depOnboardingSettings",
        {"id": "a", "tokenName": "ABM", "tokenExpirationDateTime": "2026-06-01T00:00:00Z"},
        {"id": "b", "tokenName": "ASM", "tokenExpirationDateTime": "2026-05-01T00:00:00Z"},
        {"id": "c", "tokenName": "never read", "tokenExpirationDateTime": None},
    )
    ctx = context(
        spec(
            resources=[ResourceType.APPLE_PUSH_NOTIFICATION_CERTIFICATE, ResourceType.DEP_ONBOARDING_SETTINGS]
        )
    )
    await Backup()(ctx, FakeSession(graph=graph))
    assert ctx.status.backup is not None
    assert {name: when.isoformat() for name, when in ctx.status.backup.expiries.items()} == {
        "depOnboardingSettings": "2026-05-01T00:00:00+00:00"
    }  # the push certificate's later expiry is left out: one entry per watch


CONFIGURATIONS = "deviceManagement/deviceConfigurations"
ONLY_CONFIGURATIONS = spec(resources=[ResourceType.DEVICE_CONFIGURATIONS])
SECRET = "Winter2026!"


def custom_profile(index: int, value: str) -> dict[str, object]:
    return {
        "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
        "id": f"00000000-0000-4000-8000-{index:012d}",
        "displayName": f"Kiosk {index}",
        "omaSettings": [
            {
                "@odata.type": "#microsoft.graph.omaSettingString",
                "displayName": "Admin account",
                "omaUri": "./Vendor/MSFT/Contoso/AdminAccount",
                "isEncrypted": False,
                "value": value,
            }
        ],
    }


async def test_settings_graph_serves_unencrypted_that_hold_secrets_are_named_and_the_backup_goes_on() -> None:
    graph = FakeGraph()
    for index in range(UNENCRYPTED_SECRETS_LISTED + 2):
        graph.add(
            CONFIGURATIONS, custom_profile(index, f"<Account><Password>{SECRET}{index}</Password></Account>")
        )
    graph.add(
        CONFIGURATIONS, custom_profile(99, "<Account><PasswordExpiration>90</PasswordExpiration></Account>")
    )
    session = FakeSession(graph=graph)
    ctx = context(ONLY_CONFIGURATIONS)
    transition = await Backup()(ctx, session)

    assert isinstance(transition, Advance)
    files = await session.folders.read_folder("tenantsync/backup", "tenants/contoso")
    assert files is not None and len(files) == UNENCRYPTED_SECRETS_LISTED + 3, (
        "all is backed up, as Graph serves it"
    )
    backup = ctx.status.backup
    assert backup is not None
    assert backup.unencryptedSecretCount == UNENCRYPTED_SECRETS_LISTED + 2
    assert len(backup.unencryptedSecrets) == UNENCRYPTED_SECRETS_LISTED
    first = backup.unencryptedSecrets[0]
    assert (first.type, first.id, first.name, first.field, first.setting, first.looksLike) == (
        ResourceType.DEVICE_CONFIGURATIONS,
        "00000000-0000-4000-8000-000000000000",
        "Kiosk 0",
        "omaSettings[0].value",
        "./Vendor/MSFT/Contoso/AdminAccount",
        "a <Password> element",
    )
    assert "Kiosk 99" not in ctx.status.model_dump_json()
    assert f"{UNENCRYPTED_SECRETS_LISTED + 2} settings that Graph serves unencrypted" in transition.message
    assert "https://docs.example/troubleshooting/UnencryptedSecrets.md" in transition.message
    assert SECRET not in ctx.status.model_dump_json() + transition.message


async def test_a_backup_without_such_settings_says_nothing_of_them() -> None:
    ctx = context(ONLY_LOCATIONS)
    transition = await Backup()(ctx, FakeSession(graph=tenant()))
    assert ctx.status.backup is not None and ctx.status.backup.unencryptedSecretCount == 0
    assert "unencrypted" not in transition.message
