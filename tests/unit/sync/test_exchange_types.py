"""The Exchange admin API's types through the one pipeline: backup keyed by Guid with only parameters
kept, no deletion of built-ins, deploys that send only what changed by the right cmdlet, refusals by
name, a lost answer read back, and missing roles or permission reported as PendingAdminConsent."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tenantsync.api import (
    ChangeAction,
    ChangeOutcome,
    CodedError,
    ErrorCode,
    Mode,
    ResourceType,
    RunPhase,
    RunStep,
    SyncRunStatus,
)
from tenantsync.catalog import CMDLET_SERVICES, ROLE_TEMPLATE_IDS, catalog, required_permissions
from tenantsync.sync.diff import plan_changes, plan_digest
from tenantsync.sync.pipeline import Advance, RunContext, Wait
from tenantsync.sync.steps.authenticate import Authenticate
from tenantsync.sync.steps.backup import Backup
from tenantsync.sync.steps.deploy import Deploy
from tenantsync.sync.steps.plan import Plan
from tests.unit.sync.fakes import FakeSession, context, spec

PATH = "tenants/contoso"
RULE: dict[str, Any] = {
    "Name": "Stamp external mail",
    "Priority": 0,
    "State": "Enabled",
    "SentToScope": "InOrganization",
    "SetHeaderName": "X-External",
    "SetHeaderValue": "yes",
}
TYPES = [
    ResourceType.TRANSPORT_RULE,
    ResourceType.HOSTED_CONTENT_FILTER_POLICY,
    ResourceType.ORGANIZATION_CONFIG,
]


def exchange_tenant() -> FakeSession:
    session = FakeSession()
    fake = session.fake_exchange
    fake.add(
        "TransportRule",
        **RULE,
        WhenChanged="2026-11-01T10:00:00Z",
        DistinguishedName="CN=x",
        RuleVersion="15.0",
    )
    fake.add("HostedContentFilterPolicy", Name="Default", IsDefault=True, BulkThreshold=7, WhenCreated="2020")
    fake.add("HostedContentFilterPolicy", Name="Strict marketing", IsDefault=False, BulkThreshold=4)
    fake.add(
        "OrganizationConfig", Name="contoso.onmicrosoft.com", AuditDisabled=False, ExchangeVersion="0.20"
    )
    return session


async def backed_up(session: FakeSession, types: list[ResourceType] = TYPES) -> dict[str, Any]:
    transition = await Backup()(context(spec(resources=types)), session)
    assert isinstance(transition, Advance), transition.message
    files = await session.folders.read_folder("tenantsync/backup", PATH) or {}  # None: nothing backed up
    return {name: json.loads(content) for name, content in files.items()}


async def test_the_backup_keeps_each_object_by_its_guid_with_only_what_a_cmdlet_can_set() -> None:
    session = exchange_tenant()
    rule = session.fake_exchange.objects["TransportRule"][0]
    files = await backed_up(session)
    assert sorted(files) == sorted(
        [
            f"transportRule/{rule['Guid']}.json",
            *(
                f"hostedContentFilterPolicy/{p['Guid']}.json"
                for p in session.fake_exchange.objects["HostedContentFilterPolicy"]
            ),
            "organizationConfig/organizationConfig.json",
        ]
    )
    assert files[f"transportRule/{rule['Guid']}.json"] == {"Guid": rule["Guid"], **RULE}
    assert "ExchangeVersion" not in files["organizationConfig/organizationConfig.json"]
    default = next(
        p for p in session.fake_exchange.objects["HostedContentFilterPolicy"] if p["Name"] == "Default"
    )
    assert files[f"hostedContentFilterPolicy/{default['Guid']}.json"]["IsDefault"] is True  # reported: kept
    assert session.fake_exchange.calls == [
        ("Get-TransportRule", {}),
        ("Get-HostedContentFilterPolicy", {}),
        ("Get-OrganizationConfig", {}),
    ]


async def test_a_built_in_object_is_never_planned_as_a_deletion_and_a_custom_one_is() -> None:
    files = await backed_up(exchange_tenant(), [ResourceType.HOSTED_CONTENT_FILTER_POLICY])
    live = {name: json.dumps(doc).encode() for name, doc in files.items()}
    changes = plan_changes({}, live, where="x")
    assert [(c.action, c.displayName) for c in changes] == [(ChangeAction.DELETE, "Strict marketing")]


async def planned(
    session: FakeSession, edit: dict[str, Any], types: list[ResourceType] = TYPES
) -> RunContext:
    """The tenant backed up, the desired state = the backup with ``edit`` (file -> new document or None),
    and a run approved for the plan between them."""
    files = await backed_up(session, types)
    desired = {**files, **{name: doc for name, doc in edit.items() if doc is not None}}
    desired = {name: doc for name, doc in desired.items() if edit.get(name, doc) is not None}
    session.folders.put("main", PATH, desired)
    live = {k.removeprefix(f"{PATH}/"): v for k, v in session.folders.branches["tenantsync/backup"].items()}
    wanted = {k.removeprefix(f"{PATH}/"): v for k, v in session.folders.branches["main"].items()}
    changes = plan_changes(wanted, live, where="x")
    status = SyncRunStatus.model_validate(
        {"plan": {"digest": plan_digest(changes, wanted), "changeCount": len(changes), "changes": changes}}
    )
    session.fake_exchange.calls.clear()
    return context(spec(resources=types), status=status)


def rule_file(session: FakeSession) -> str:
    return f"transportRule/{session.fake_exchange.objects['TransportRule'][0]['Guid']}.json"


async def test_an_update_sends_only_the_changed_parameters_and_toggles_the_state() -> None:
    session = exchange_tenant()
    guid = session.fake_exchange.objects["TransportRule"][0]["Guid"]
    ctx = await planned(
        session,
        {rule_file(session): {"Guid": guid, **RULE, "SetHeaderValue": "external", "State": "Disabled"}},
    )
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED]
    writes = [call for call in session.fake_exchange.calls if not call[0].startswith("Get-")]
    assert writes == [
        ("Set-TransportRule", {"Identity": guid, "SetHeaderValue": "external"}),
        ("Disable-TransportRule", {"Identity": guid}),
    ]
    assert session.fake_exchange.objects["TransportRule"][0]["State"] == "Disabled"


async def test_a_rule_is_created_with_its_policy_by_name_and_its_new_guid_recorded() -> None:
    session = FakeSession()
    session.fake_exchange.add("AntiPhishPolicy", Name="Executives", Enabled=True)
    types = [ResourceType.ANTI_PHISH_POLICY, ResourceType.ANTI_PHISH_RULE]
    new_rule = {"Guid": "new-rule", "Name": "Executives", "AntiPhishPolicy": "Executives", "Priority": 0,
                "SentToMemberOf": ["executives@contoso.com"], "State": "Enabled"}  # fmt: skip
    ctx = await planned(session, {"antiPhishRule/new-rule.json": new_rule}, types)
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    [result] = ctx.status.deploy.results
    created = session.fake_exchange.objects["AntiPhishRule"][0]
    assert (result.result, result.createdId) == (ChangeOutcome.APPLIED, created["Guid"])
    assert session.fake_exchange.calls[-1] == (
        "New-AntiPhishRule",
        {"AntiPhishPolicy": "Executives", "Enabled": True, "Name": "Executives", "Priority": 0,
         "SentToMemberOf": ["executives@contoso.com"]},
    )  # fmt: skip
    renamed = await session.folders.read_folder("main", PATH)
    assert renamed is not None and f"antiPhishRule/{created['Guid']}.json" in renamed


async def test_a_desired_field_no_cmdlet_takes_or_an_unset_one_stops_the_plan_by_name() -> None:
    session = exchange_tenant()
    files = await backed_up(session)
    guid = session.fake_exchange.objects["TransportRule"][0]["Guid"]
    edited = {**files[rule_file(session)], "SetHeaderValu": "typo", "ExceptIfFrom": [], "WhenChanged": "now"}
    session.folders.put("main", PATH, {**files, rule_file(session): edited})
    with pytest.raises(CodedError) as refused:
        await Plan()(context(spec(resources=TYPES)), session)
    assert refused.value.code == ErrorCode.INVALID_DESIRED_STATE
    assert (
        f"transportRule/{guid}.json has SetHeaderValu, WhenChanged, which no cmdlet" in refused.value.message
    )
    assert "sets ExceptIfFrom to nothing" in refused.value.message
    assert [call for call in session.fake_exchange.calls if not call[0].startswith("Get-")] == []


async def test_a_dkim_configuration_is_created_for_the_domain_the_service_reports() -> None:
    session = FakeSession()
    types = [ResourceType.DKIM_SIGNING_CONFIG]
    wanted = {"Guid": "new-dkim", "Name": "contoso.com", "Domain": "contoso.com", "Enabled": True}
    ctx = await planned(session, {"dkimSigningConfig/new-dkim.json": wanted}, types)
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED]
    assert session.fake_exchange.calls[0] == (
        "New-DkimSigningConfig",
        {"DomainName": "contoso.com", "Enabled": True},
    )


async def test_a_field_no_set_cmdlet_changes_fails_that_change_by_name_and_sends_nothing() -> None:
    session = FakeSession()
    session.fake_exchange.add("HostedContentFilterPolicy", Name="Marketing", BulkThreshold=6)
    rule = session.fake_exchange.add("HostedContentFilterRule", Name="Marketing", HostedContentFilterPolicy="Marketing",
                                     Priority=0, State="Enabled")  # fmt: skip
    types = [ResourceType.HOSTED_CONTENT_FILTER_POLICY, ResourceType.HOSTED_CONTENT_FILTER_RULE]
    moved = {k: v for k, v in rule.items() if k != "Identity"} | {"HostedContentFilterPolicy": "Default"}
    ctx = await planned(session, {f"hostedContentFilterRule/{rule['Guid']}.json": moved}, types)
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    [result] = ctx.status.deploy.results
    assert result.result == ChangeOutcome.FAILED
    assert result.message is not None and "HostedContentFilterPolicy" in result.message
    assert "Set-HostedContentFilterRule" in result.message
    assert [call for call in session.fake_exchange.calls if not call[0].startswith("Get-")] == []


async def test_a_set_whose_answer_is_lost_is_read_back_not_sent_again() -> None:
    session = exchange_tenant()
    guid = session.fake_exchange.objects["TransportRule"][0]["Guid"]
    ctx = await planned(session, {rule_file(session): {"Guid": guid, **RULE, "Priority": 3}})
    session.fake_exchange.lost.add("Set-TransportRule")
    await Deploy()(ctx, session)
    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED]
    assert [c for c, _ in session.fake_exchange.calls].count("Set-TransportRule") == 1


async def test_a_label_policys_labels_are_sent_as_what_to_add_and_what_to_remove() -> None:
    session = FakeSession()
    policy = session.fake_exchange.add("LabelPolicy", Name="Everyone", Labels=["Public", "General"])
    for name in ("Public", "General", "Confidential"):
        session.fake_exchange.add("Label", Name=name)
    types = [ResourceType.SENSITIVITY_LABEL, ResourceType.LABEL_POLICY]
    wanted = {"Guid": policy["Guid"], "Name": "Everyone", "Labels": ["Confidential", "General"]}
    ctx = await planned(session, {f"labelPolicy/{policy['Guid']}.json": wanted}, types)
    await Deploy()(ctx, session)
    assert session.fake_exchange.calls[-1] == (
        "Set-LabelPolicy",
        {"Identity": policy["Guid"], "AddLabels": ["Confidential"], "RemoveLabels": ["Public"]},
    )
    assert session.fake_exchange.objects["LabelPolicy"][0]["Labels"] == ["General", "Confidential"]


async def test_a_missing_role_waits_for_consent_naming_the_role_and_the_types() -> None:
    session = FakeSession(roles=frozenset())
    session.principal.role_ids = frozenset({ROLE_TEMPLATE_IDS["Global Reader"]})
    tenant = spec(resources=[ResourceType.SAFE_LINKS_POLICY, ResourceType.TRANSPORT_RULE], mode=Mode.MANAGED)
    ctx = context(tenant)
    transition = await Authenticate()(ctx, session)
    assert isinstance(transition, Wait)
    assert transition.phase == RunPhase.PENDING_ADMIN_CONSENT
    assert (
        "Security Administrator or Exchange Administrator or Global Administrator (for safeLinksPolicy)"
        in transition.message
    )
    assert "Exchange Administrator or Global Administrator (for transportRule)" in transition.message
    assert ctx.status.authentication is not None
    assert len(ctx.status.authentication.missingRoles) == 2
    backup_only = context(spec(resources=[ResourceType.SAFE_LINKS_POLICY], mode=Mode.BACKUP_ONLY))
    assert isinstance(await Authenticate()(backup_only, session), Advance)  # Global Reader reads


async def test_a_missing_exchange_permission_waits_for_consent_naming_it() -> None:
    session = FakeSession(roles=frozenset())
    session.principal.exchange_roles = frozenset()
    transition = await Authenticate()(context(spec(resources=[ResourceType.DLP_COMPLIANCE_POLICY])), session)
    assert isinstance(transition, Wait)
    assert "Exchange.ManageAsApp" in transition.message
    assert session.principal.resources == [None, "https://ps.compliance.protection.outlook.com"]


async def test_an_upgraded_tenant_of_every_type_waits_naming_what_to_grant_and_how_to_keep_its_types() -> (
    None
):
    """An installation from before the Exchange admin API's types: its Tenant has no spec.resources and
    its app holds every Graph permission, but neither Exchange.ManageAsApp nor an Entra role. Its run
    waits, saying which API the permission belongs to (admin consent grants only what the registration
    lists), the roles, and that pinning spec.resources keeps the Tenant to the types it had."""
    tenant = spec(mode=Mode.MANAGED)
    assert tenant.resources is None
    session = FakeSession(roles=frozenset(required_permissions(list(ResourceType), Mode.MANAGED)))
    session.principal.exchange_roles = frozenset()
    session.principal.role_ids = frozenset()
    ctx = context(tenant)
    transition = await Authenticate()(ctx, session)
    assert isinstance(transition, Wait)
    assert transition.phase == RunPhase.PENDING_ADMIN_CONSENT
    exchange_types = sum(1 for entry in catalog().values() if entry.service in CMDLET_SERVICES)
    assert exchange_types == 83
    message = transition.message
    assert (
        "lacks the application permission Exchange.ManageAsApp of the API Office 365 Exchange Online"
        " (00000002-0000-0ff1-ce00-000000000000; add it to the app registration under API permissions > APIs"
        " my organization uses, then grant admin consent at https://login.microsoftonline.com/" in message
    ), message
    assert "Exchange Administrator or Global Administrator (for 38 types: acceptedDomain," in message
    assert "Compliance Administrator or Global Administrator (for 20 types: dlpCompliancePolicy," in message
    assert "status.authentication.missingRoles names every type" in message
    assert (
        "spec.resources is unset, so the Tenant syncs every supported type, the 83 Exchange Online, Defender"
        " for Office 365 and Purview types read through the Exchange admin API included; to leave them out"
        " instead, list the types to keep in spec.resources." in message
    )
    assert message.endswith("see docs/install.md#upgrading.")
    assert ctx.status.authentication is not None
    assert ctx.status.authentication.missingPermissions == ["Exchange.ManageAsApp"]
    named = ", ".join(ctx.status.authentication.missingRoles)
    assert all(entry.name in named for entry in catalog().values() if entry.service in CMDLET_SERVICES)

    listed = context(spec(resources=[ResourceType.TRANSPORT_RULE], mode=Mode.MANAGED))
    waiting = await Authenticate()(listed, session)
    assert isinstance(waiting, Wait)
    assert "Exchange.ManageAsApp of the API Office 365 Exchange Online" in waiting.message
    assert "spec.resources is unset" not in waiting.message


async def test_a_role_refused_during_the_backup_waits_for_consent_instead_of_failing() -> None:
    session = exchange_tenant()
    session.fake_exchange.fail["Get-HostedContentFilterPolicy"] = httpx.Response(
        401,
        json={
            "error": {
                "code": "Unauthorized",
                "message": "User is not allowed to call Get-HostedContentFilterPolicy",
            }
        },
    )
    ctx = context(spec(resources=TYPES, mode=Mode.BACKUP_ONLY))
    transition = await Backup()(ctx, session)
    assert isinstance(transition, Wait)
    assert (transition.phase, transition.resume_at) == (RunPhase.PENDING_ADMIN_CONSENT, RunStep.AUTHENTICATE)
    assert "Exchange admin API refused" in transition.message
    assert ctx.status.authentication is not None
    assert ctx.status.authentication.missingRoles == [
        "Global Reader or Exchange Administrator or Global Administrator",
        "Security Reader or Global Reader or Security Administrator or Exchange Administrator or Global Administrator",
    ]
    assert await session.folders.read_folder("tenantsync/backup", PATH) is None
