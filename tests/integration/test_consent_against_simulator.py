"""Consent and app credentials (issue 22) against the real simulator: delegated permission grants and the
app roles granted to enterprise applications deploy through the real Deploy step as Graph documents
them, pointing at service principals that are checked first; apps' credentials are kept as metadata
only, never planned nor sent, and their earliest expiry is what the backup reports; connected
organisations' sponsors are linked by reference."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest

from tenantsync.api import ChangeOutcome, ResourceType
from tenantsync.catalog import catalog, serialise
from tenantsync.graph import GraphClient
from tenantsync.sync.diff import object_files, plan_changes
from tenantsync.sync.references import missing_references
from tenantsync.sync.steps.backup import Backup
from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.state import stable_id
from tests.integration.sim.simtest_support import SimEndpoint
from tests.integration.simulator_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT_ID,
    RecordingTransport,
    SimulatorSession,
    backup_files,
    deploy,
    graph_client,
    service_principal_token,
)
from tests.unit.sync.fakes import MemoryFolders, context, spec

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

APPS = ResourceType.APPLICATIONS
PRINCIPALS = ResourceType.SERVICE_PRINCIPALS
GRANTS = ResourceType.OAUTH2_PERMISSION_GRANTS
SECRET_PARTS = (b'"secretText"', b'"hint"', b'"key"', b'"customKeyIdentifier"')


def principal(index: int) -> str:
    """The id the demo seed gives its ``index``-th enterprise application."""
    return stable_id("demo", "servicePrincipals", str(index))


APPROVER_ROLE = stable_id("demo", "appRole", "0")
"""The ``Approver`` app role of the first line-of-business app (Contoso Expenses 01)."""


def _docs(files: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    return {path: json.loads(content) for path, content in files.items()}


async def _deploy(
    graph: GraphClient, kinds: list[ResourceType], live: dict[str, bytes], desired: dict[str, bytes]
) -> list[tuple[ResourceType, ChangeOutcome, str | None]]:
    """Plan ``desired`` against ``live`` and run the real Deploy step: each change's type, result, message."""
    status = await deploy(graph, kinds, live, desired)
    assert status.deploy is not None
    return [(r.type, r.result, r.message) for r in status.deploy.results]


# -- App credentials: metadata only ---------------------------------------------------------------


async def test_app_credentials_are_kept_as_metadata_and_never_their_secret(graph: GraphClient) -> None:
    files = await backup_files(graph, APPS, PRINCIPALS)
    everything = b"".join(files.values())

    assert CLIENT_SECRET.encode() not in everything
    assert [part for part in SECRET_PARTS if part in everything] == []
    docs = list(_docs(files).values())
    own = next(doc for doc in docs if doc.get("displayName") == "tenantsync" and "appId" not in doc)
    [secret] = own["passwordCredentials"]  # the operator's own registration, as the simulator issued it
    assert set(secret) == {"displayName", "endDateTime", "keyId", "startDateTime"}
    signing = next(doc for doc in docs if doc.get("appId") and doc["keyCredentials"])
    assert signing["keyCredentials"] == [
        {
            "displayName": "CN=Microsoft Azure Federated SSO Certificate",
            "endDateTime": "2028-01-15T10:00:00Z",
            "keyId": stable_id("demo", "signingCertificate", "1"),
            "startDateTime": "2025-01-15T10:00:00Z",
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
        }
    ]


async def test_a_rotated_secret_shows_in_the_backup_and_plans_no_change(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    before = await backup_files(graph, APPS)
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        added = sim.add_secret(TENANT_ID, CLIENT_ID, "rotated-by-the-platform-team")
    after = await backup_files(graph, APPS)

    changed = sorted(path for path in after if after[path] != before.get(path))
    assert len(changed) == 1  # the operator's own registration, with the new secret's metadata
    assert added["keyId"] in {c["keyId"] for c in json.loads(after[changed[0]])["passwordCredentials"]}
    assert b"rotated-by-the-platform-team" not in after[changed[0]]
    # The desired state made before the rotation plans nothing: no deploy could make a credential.
    plan = plan_changes(
        object_files(before, {APPS}, where="test"), object_files(after, {APPS}, where="test"), where="test"
    )
    assert plan == []


async def test_a_credential_edited_in_git_is_never_sent(
    recording: tuple[GraphClient, RecordingTransport], endpoint: SimEndpoint
) -> None:
    graph, transport = recording
    live = await backup_files(graph, APPS)
    file, app = next(
        (path, doc)
        for path, doc in sorted(_docs(live).items())
        if doc["displayName"] == "Contoso Expenses 01"
    )
    kept = app["passwordCredentials"]
    assert kept  # the seed gives even-numbered apps a secret
    invented = {"keyId": "11111111-2222-3333-4444-555555555555", "displayName": "typed into Git"}
    edited = {**app, "notes": "Owned by finance", "passwordCredentials": [{**invented, "secretText": "x"}]}

    results = await _deploy(graph, [APPS], live, {**live, file: serialise(edited)})

    assert results == [(APPS, ChangeOutcome.APPLIED, None)]
    sent = [body for _, _, body in transport.writes if isinstance(body, dict)]
    assert sent and not [body for body in sent if {"passwordCredentials", "keyCredentials"} & body.keys()]
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        tenant_app = sim.object(TENANT_ID, "applications", app["id"])
    assert tenant_app["notes"] == "Owned by finance"
    assert [c["keyId"] for c in tenant_app["passwordCredentials"]] == [c["keyId"] for c in kept]


async def test_the_backup_reports_the_earliest_app_credential_expiry_once(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        soon = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=9)
        sim.add_secret(TENANT_ID, CLIENT_ID, "expires-soon", expires=soon)
    kinds = [APPS, PRINCIPALS]
    ctx = context(spec(resources=kinds))

    await Backup()(ctx, SimulatorSession(graph, MemoryFolders(), kinds))

    assert ctx.status.backup is not None
    # One entry for both types (one metric series, TenantsyncAppCredentialExpiringSoon's): the new
    # secret, mirrored onto the registration's enterprise app too, is the earliest.
    watched = {name: when for name, when in ctx.status.backup.expiries.items() if name in kinds}
    assert list(watched.values()) == [soon]


# -- Consent: app role assignments and delegated permission grants --------------------------------


async def test_an_app_role_is_granted_and_revoked_and_one_in_place_is_never_touched(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    live = await backup_files(graph, PRINCIPALS)
    docs = {doc["id"]: (path, doc) for path, doc in _docs(live).items()}
    granted = {"@odata.type": "#microsoft.graph.appRoleAssignment"}
    granted |= {"resourceId": principal(0), "appRoleId": APPROVER_ROLE}
    (revoked_file, revoked), (renamed_file, renamed), (new_file, receiving) = (
        docs[principal(2)],
        docs[principal(3)],
        docs[principal(4)],
    )
    assert revoked["appRoleAssignments"] == [granted] == renamed["appRoleAssignments"]
    assert receiving["appRoleAssignments"] == []
    desired = {
        **live,
        revoked_file: serialise({**revoked, "appRoleAssignments": []}),
        renamed_file: serialise({**renamed, "notes": "Reads approvals"}),
        new_file: serialise({**receiving, "appRoleAssignments": [granted]}),
    }
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        revoked_id = sim.object(TENANT_ID, "servicePrincipals", principal(2))["appRoleAssignments"][0]["id"]
        untouched_id = sim.object(TENANT_ID, "servicePrincipals", principal(3))["appRoleAssignments"][0]["id"]
        sim.clear_requests(TENANT_ID)

        results = await _deploy(graph, [PRINCIPALS], live, desired)

        writes = [
            (entry["method"], entry["path"].split("/servicePrincipals/")[-1])
            for entry in sim.requests(TENANT_ID)
            if entry["method"] != "GET"
        ]
        assigned = sim.object(TENANT_ID, "servicePrincipals", principal(4))["appRoleAssignments"]
        kept = sim.object(TENANT_ID, "servicePrincipals", principal(3))["appRoleAssignments"]
    assert [outcome for _, outcome, _ in results] == [ChangeOutcome.APPLIED] * 3
    assert sorted(w for w in writes if "appRoleAssignments" in w[1]) == [
        ("DELETE", f"{principal(2)}/appRoleAssignments/{revoked_id}"),
        ("POST", f"{principal(4)}/appRoleAssignments"),
    ]
    assert [(a["principalId"], a["resourceId"], a["appRoleId"]) for a in assigned] == [
        (principal(4), principal(0), APPROVER_ROLE)
    ]
    assert [a["id"] for a in kept] == [untouched_id]  # never revoked and granted again
    after = await backup_files(graph, PRINCIPALS)
    assert {path: after[path] for path in desired} == desired


async def test_delegated_grants_are_created_rescoped_and_deleted(graph: GraphClient) -> None:
    live = await backup_files(graph, GRANTS)
    grants = {doc["clientId"]: (path, doc) for path, doc in _docs(live).items()}
    assert {(g["clientId"], g["resourceId"], g["consentType"]) for _, g in grants.values()} == {
        (principal(1), principal(0), "AllPrincipals"),
        (principal(2), principal(0), "AllPrincipals"),
    }
    (rescoped_file, rescoped), (deleted_file, _) = grants[principal(1)], grants[principal(2)]
    new = {
        "id": "new-grant",
        "clientId": principal(5),
        "consentType": "AllPrincipals",
        "principalId": None,
        "resourceId": principal(0),
        "scope": "Data.Read",
    }
    desired = {k: v for k, v in live.items() if k != deleted_file}
    desired[rescoped_file] = serialise({**rescoped, "scope": "Data.Read Data.Write"})
    desired[f"{GRANTS}/new-grant.json"] = serialise(new)

    results = await _deploy(graph, [GRANTS], live, desired)

    assert sorted((r[1], r[2] is not None and r[2].startswith("Created")) for r in results) == [
        (ChangeOutcome.APPLIED, False),
        (ChangeOutcome.APPLIED, False),
        (ChangeOutcome.APPLIED, True),
    ]
    after = {(g["clientId"], g["scope"]) for g in _docs(await backup_files(graph, GRANTS)).values()}
    assert after == {(principal(1), "Data.Read Data.Write"), (principal(5), "Data.Read")}


async def test_a_grant_for_a_new_enterprise_app_is_deployed_after_it_and_names_its_new_id(
    graph: GraphClient,
) -> None:
    kinds = [PRINCIPALS, GRANTS]
    live = await backup_files(graph, *kinds)
    app_id = "7d1f0c6a-2b4e-4f8a-9c3d-5e6f7a8b9c0d"
    enterprise_app = {"id": "new-app", "appId": app_id, "displayName": "Contoso Payroll"}
    grant: dict[str, Any] = {"id": "new-grant", "clientId": "new-app", "consentType": "AllPrincipals"}
    grant |= {"principalId": None, "resourceId": principal(0), "scope": "Data.Read"}
    desired = {
        **live,
        f"{GRANTS}/new-grant.json": serialise(grant),  # listed first: the deploy orders, not the files
        f"{PRINCIPALS}/new-app.json": serialise(enterprise_app),
    }

    results = await _deploy(graph, kinds, live, desired)

    assert [(kind, outcome) for kind, outcome, _ in results] == [
        (PRINCIPALS, ChangeOutcome.APPLIED),
        (GRANTS, ChangeOutcome.APPLIED),
    ]
    principals = _docs(await backup_files(graph, PRINCIPALS)).values()
    [created] = [doc["id"] for doc in principals if doc["appId"] == app_id]
    grants = _docs(await backup_files(graph, GRANTS)).values()
    assert [g["clientId"] for g in grants if g["scope"] == "Data.Read" and g["clientId"] == created]


async def test_a_grant_or_app_role_naming_a_missing_enterprise_app_stops_the_plan_before_any_write(
    graph: GraphClient,
) -> None:
    kinds = [PRINCIPALS, GRANTS]
    live = await backup_files(graph, *kinds)
    gone = "0badc0de-0000-4000-8000-000000000000"
    grant: dict[str, Any] = {"id": "new-grant", "clientId": principal(3), "consentType": "AllPrincipals"}
    grant |= {"principalId": None, "resourceId": gone, "scope": "Data.Read"}
    path, receiving = next((p, d) for p, d in _docs(live).items() if d.get("id") == principal(4))
    desired = {
        **live,
        f"{GRANTS}/new-grant.json": serialise(grant),
        path: serialise(
            {**receiving, "appRoleAssignments": [{"resourceId": gone, "appRoleId": APPROVER_ROLE}]}
        ),
    }
    joined = object_files(desired, set(kinds), where="test")
    changes = plan_changes(joined, object_files(live, set(kinds), where="test"), where="test")

    missing = await missing_references(graph, joined, changes, set(kinds), where="test")

    assert sorted(missing) == sorted(
        [
            f"enterprise application {gone} (in delegated permission grant 'new-grant', resourceId)",
            f"enterprise application {gone} (in enterprise application"
            f" {receiving['displayName']!r}, appRoleAssignments[].resourceId)",
        ]
    )


async def test_a_change_to_whom_a_grant_is_for_fails_with_graphs_answer(graph: GraphClient) -> None:
    live = await backup_files(graph, GRANTS)
    file, grant = next((path, doc) for path, doc in _docs(live).items() if doc["clientId"] == principal(1))
    moved = {**grant, "clientId": principal(4)}

    results = await _deploy(graph, [GRANTS], live, {**live, file: serialise(moved)})

    [(_, outcome, message)] = results
    assert outcome == ChangeOutcome.FAILED
    assert message is not None and "Property 'clientId' cannot be changed" in message
    assert (await backup_files(graph, GRANTS))[file] == live[file]


# -- Connected organisations' sponsors --------------------------------------------------------------


async def test_a_connected_organisations_sponsors_are_linked_and_unlinked_by_reference(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    kind = ResourceType.CONNECTED_ORGANIZATIONS
    live = await backup_files(graph, kind)
    file, organisation = next(
        (path, doc) for path, doc in sorted(_docs(live).items()) if doc["internalSponsors"][1:]
    )
    admin = {"@odata.type": "#microsoft.graph.user", "id": stable_id("demo", "user", "admin")}
    helpdesk = {"@odata.type": "#microsoft.graph.user", "id": stable_id("demo", "user", "mfa")}
    approvers = {"@odata.type": "#microsoft.graph.group", "id": stable_id("demo", "group", "15")}
    assert sorted(organisation["internalSponsors"], key=lambda s: s["id"]) == sorted(
        [admin, approvers], key=lambda s: s["id"]
    )
    edited = {**organisation, "internalSponsors": [approvers], "externalSponsors": [helpdesk]}
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        sim.clear_requests(TENANT_ID)

        results = await _deploy(graph, [kind], live, {**live, file: serialise(edited)})

        writes = sorted(
            (entry["method"], entry["path"].split("/connectedOrganizations/")[-1])
            for entry in sim.requests(TENANT_ID)
            if entry["method"] != "GET"
        )
    assert [outcome for _, outcome, _ in results] == [ChangeOutcome.APPLIED]
    oid = organisation["id"]
    assert writes == [
        ("DELETE", f"{oid}/internalSponsors/{admin['id']}/$ref"),
        ("POST", f"{oid}/externalSponsors/$ref"),
    ]
    assert (await backup_files(graph, kind))[file] == serialise(edited)


async def test_granting_an_app_role_needs_the_app_role_assignment_permission(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    # Application.ReadWrite.All alone does not let an app grant application permissions: Graph wants
    # AppRoleAssignment.ReadWrite.All, which the catalogue asks for in Managed mode.
    assert "AppRoleAssignment.ReadWrite.All" in catalog()[PRINCIPALS].write_permissions
    live = await backup_files(graph, PRINCIPALS)
    path, receiving = next((p, d) for p, d in _docs(live).items() if d.get("id") == principal(5))
    granted = {"resourceId": principal(0), "appRoleId": APPROVER_ROLE}
    desired = {**live, path: serialise({**receiving, "appRoleAssignments": [granted]})}
    with SimulatorClient(endpoint.url, endpoint.ca) as sim:
        sim.revoke_permission(TENANT_ID, CLIENT_ID, "AppRoleAssignment.ReadWrite.All")
        try:
            token = await asyncio.to_thread(service_principal_token, endpoint)
            async with graph_client(endpoint, token) as without:
                [(_, outcome, message)] = await _deploy(without, [PRINCIPALS], live, desired)
        finally:
            sim.grant_permission(TENANT_ID, CLIENT_ID, "AppRoleAssignment.ReadWrite.All")
        assigned = sim.object(TENANT_ID, "servicePrincipals", principal(5))["appRoleAssignments"]
    assert outcome == ChangeOutcome.FAILED
    assert message is not None and "403" in message
    assert assigned == []
