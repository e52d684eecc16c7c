"""Every configuration type against the real simulator: back up, deploy a change and a new object,
back up again and find exactly the desired state; a family the tenant lacks is reported unavailable."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import uuid
from typing import Any

import pytest

from tenantsync.api import ChangeOutcome, ResourceType
from tenantsync.catalog import catalog, serialise
from tenantsync.graph import GraphClient
from tenantsync.sync.diff import object_files, plan_changes
from tenantsync.sync.layout import COMPANION
from tenantsync.sync.snapshot import take_snapshot
from tenantsync.sync.steps.deploy import Deploy
from tenantsync_sim.client import SimulatorClient
from tenantsync_sim.graph import models as graph_models
from tenantsync_sim.graph.resources import match_resource
from tenantsync_sim.seed import BANNER_LOGO, BRANDING_CSS
from tests.integration.sim.simtest_support import SimEndpoint
from tests.integration.simulator_support import (
    PATH,
    SESSION_LOOP,
    TENANT_ID,
    RecordingTransport,
    SimulatorSession,
    backup_files,
    planned_run,
)

pytestmark = pytest.mark.integration

NAME_FIELDS = ("displayName", "name", "description")
NAMED_BY_THEIR_NAME = {ResourceType.CUSTOM_SECURITY_ATTRIBUTE_DEFINITIONS}
"""Types whose key the service makes from a name it never lets change, so renaming a copy cannot make a
new object: test_directory_types_against_simulator.py deploys them with names of their own."""
NAMING_ONLY_OTHERS = {ResourceType.OAUTH2_PERMISSION_GRANTS}
"""Types whose text names other objects, fixed at creation, beside one field Graph lets change (a
grant's scope): test_consent_against_simulator.py deploys them with objects that exist."""
DEPLOYABLE = [
    kind
    for kind, entry in catalog().items()
    if entry.writable
    and not entry.singleton
    and not entry.requires_user
    and entry.cmdlets is None
    and entry.admin_centre is None
    and not entry.fixed
    and entry.requests is None
    and kind not in NAMED_BY_THEIR_NAME | NAMING_ONLY_OTHERS
]
"""Graph's types; the Exchange admin API's are deployed by test_exchange_types_against_simulator, those
the service makes itself or writes through requests (PIM's) by test_privileged_access_against_simulator,
and the Teams policies have no write path (test_teams_snapshots_against_simulator plans them for a
person)."""


def server_managed_sent(writes: list[tuple[str, str, Any]]) -> list[str]:
    """Read-only or computed properties in the bodies written to configuration objects: those the
    simulator ignores as Graph does, and those Microsoft's model marks computed."""
    found: list[str] = []
    for method, path, body in writes:
        segments = [s for s in path.split("/") if s and s not in ("v1.0", "beta")]
        match = match_resource(segments, TENANT_ID)
        if match is None or len(match[1]) > 1 or not isinstance(body, dict):
            continue  # not an object of a catalogued type itself (an action, a contained item)
        resource = match[0]
        odata_type = str(body.get("@odata.type") or resource.entity)
        computed = {
            name
            for version in resource.versions
            if (model := graph_models.model(version, odata_type)) is not None
            for name in model.computed
        }
        client_key = {resource.key_field} if resource.client_key else set()
        forbidden = (resource.read_only | computed) - client_key
        found += [f"{method} {path}: {name}" for name in sorted(forbidden & body.keys())]
    return found


def _difference(desired: dict[str, bytes], live: dict[str, bytes], path: str) -> str:
    """What differs in one file, property by property, for the failure message."""
    if path not in desired or path not in live:
        return f"{path}: only {'live' if path in live else 'desired'}"
    want, have = json.loads(desired[path]), json.loads(live[path])
    keys = sorted(k for k in want.keys() | have.keys() if want.get(k, "<absent>") != have.get(k, "<absent>"))
    return f"{path}: " + "; ".join(
        f"{k}: {want.get(k, '<absent>')!r} != {have.get(k, '<absent>')!r}" for k in keys
    )


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def _renamed(document: dict[str, Any]) -> dict[str, Any]:
    """The document as a person edits it in a pull request: its name changed, or (for types without
    one) its first flag flipped, or else its first text value changed."""
    changed = copy.deepcopy(document)
    field = next((name for name in NAME_FIELDS if isinstance(changed.get(name), str)), None)
    if field is not None:
        changed[field] = f"{changed[field]} (changed by tenantsync)"
    elif not _edit_first(changed, bool, lambda flag: not flag):
        assert _edit_first(changed, str, lambda text: f"{text} (changed by tenantsync)")
    return changed


def _edit_first(value: Any, kind: type, edit: Any) -> bool:
    """Edit the first leaf of ``kind`` in a depth-first walk (the key and the type are left alone)."""
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    for key, item in items:
        if key in ("id", "tenantId", "templateId", "@odata.type"):
            continue
        if isinstance(item, kind):
            value[key] = edit(item)
            return True
        if isinstance(item, (dict, list)) and _edit_first(item, kind, edit):
            return True
    return False


@pytest.mark.parametrize("kind", DEPLOYABLE)
@SESSION_LOOP
async def test_a_change_and_a_new_object_deploy_and_verify(
    recording: tuple[GraphClient, RecordingTransport], kind: ResourceType
) -> None:
    """Whole objects (every property Graph serves) go out without what the service manages: no read-only
    or computed property in any write, and the backup afterwards is the desired state, byte for byte."""
    graph, transport = recording
    entry = catalog()[kind]
    live = await backup_files(graph, entry.name)
    first_file = sorted(path for path in live if path.endswith(".json"))[0]
    first = json.loads(live[first_file])
    new = _renamed(_renamed(first))
    new_key = str(uuid.uuid4()) if entry.client_key else "new-object"
    new[entry.key_field] = new_key
    for reported in entry.reported_fields:  # a new app has no credential until one is added to it
        new[reported] = []
    desired = {**live, first_file: serialise(_renamed(first))}
    for field, value in new.items():  # a new script comes with its own script files
        if isinstance(value, dict) and set(value) == {COMPANION}:
            companion = value[COMPANION].replace(first[entry.key_field], new_key)
            desired[f"{kind}/{companion}"] = live[f"{kind}/{value[COMPANION]}"] + b"# new\n"
            new[field] = {COMPANION: companion}
    desired[f"{kind}/{new_key}.json"] = serialise(new)

    ctx, folders, changes = planned_run([kind], live, desired)
    assert len(changes) == 2
    await Deploy()(ctx, SimulatorSession(graph, folders, [kind]))

    assert ctx.status.deploy is not None
    assert [(r.action, r.result, r.message) for r in ctx.status.deploy.results] == [
        (change.action, ChangeOutcome.APPLIED, result.message)
        for change, result in zip(changes, ctx.status.deploy.results, strict=True)
    ]
    recorded = await folders.read_folder("main", PATH)
    assert recorded is not None
    after = await backup_files(graph, entry.name)
    differing = sorted(
        path for path in recorded.keys() | after.keys() if recorded.get(path) != after.get(path)
    )
    assert differing == [], _difference(recorded, after, differing[0])
    assert transport.writes
    assert server_managed_sent(transport.writes) == []


@SESSION_LOOP
async def test_a_family_the_tenant_lacks_is_unavailable_and_leaves_no_files(graph: GraphClient) -> None:
    # The beta-only external identities policy asked for in v1.0 is answered as Graph answers a family
    # the tenant has no licence for: "Resource not found for the segment".
    missing = dataclasses.replace(catalog()[ResourceType.EXTERNAL_IDENTITIES_POLICY], api_version="v1.0")
    present = catalog()[ResourceType.ASSIGNMENT_FILTERS]

    snapshot = await take_snapshot(graph, [missing, present])

    assert snapshot.unavailable == [ResourceType.EXTERNAL_IDENTITIES_POLICY]
    assert list(snapshot.objects) == [ResourceType.ASSIGNMENT_FILTERS]
    assert all(path.startswith("assignmentFilters/") for path in snapshot.files())


@SESSION_LOOP
async def test_a_script_is_kept_as_a_readable_file_and_an_edit_to_it_is_deployed(graph: GraphClient) -> None:
    entry = catalog()[ResourceType.DEVICE_HEALTH_SCRIPTS]
    live = await backup_files(graph, entry.name)
    [json_file, *_] = sorted(path for path in live if path.endswith(".json"))
    script_id = json.loads(live[json_file])["id"]
    detection = f"{entry.name}/{script_id}.detection.ps1"
    assert json.loads(live[json_file])["detectionScriptContent"] == {COMPANION: f"{script_id}.detection.ps1"}
    assert b"Get-ItemPropertyValue" in live[detection]  # PowerShell text, not base64

    edited = live[detection] + b'Write-Output "checked by tenantsync"\n'
    desired = {**live, detection: edited}
    ctx, folders, [change] = planned_run([entry.name], live, desired)
    assert change.changedFields == ["detectionScriptContent"]
    await Deploy()(ctx, SimulatorSession(graph, folders, [entry.name]))

    after = await backup_files(graph, entry.name)
    assert after[detection] == edited
    assert {path for path in after if path != detection and after[path] != live[path]} == set()


def _first_of_type(files: dict[str, bytes], odata_type: str) -> tuple[str, dict[str, Any]]:
    return next(
        (path, doc)
        for path, doc in ((p, json.loads(c)) for p, c in sorted(files.items()))
        if doc.get("@odata.type") == odata_type
    )


@SESSION_LOOP
async def test_secrets_the_service_withholds_stay_withheld_through_backup_plan_and_deploy(
    graph: GraphClient, endpoint: SimEndpoint
) -> None:
    kind = ResourceType.DEVICE_CONFIGURATIONS
    entry = catalog()[kind]
    live = await backup_files(graph, entry.name)
    assert live == await backup_files(graph, entry.name)  # byte-identical: no changing reference, no mask
    assert not [path for path, content in live.items() if b"contoso-kiosk-2025" in content]
    assert not [path for path, content in live.items() if b"correct horse" in content]
    custom_file, custom = _first_of_type(live, "#microsoft.graph.windows10CustomConfiguration")
    wifi_file, wifi = _first_of_type(live, "#microsoft.graph.windowsWifiConfiguration")
    encrypted = next(s for s in custom["omaSettings"] if s["isEncrypted"])
    assert encrypted["value"] == {"@tenantsync.withheld": True}
    assert "secretReferenceValueId" not in encrypted
    assert wifi["preSharedKey"] == {"@tenantsync.withheld": True}

    desired = {
        **live,
        custom_file: serialise(_renamed(custom)),
        wifi_file: serialise(_renamed(wifi)),
    }
    ctx, folders, changes = planned_run([kind], live, desired)
    assert sorted(c.changedFields[0] for c in changes) == ["displayName", "displayName"]
    assert all(len(c.changedFields) == 1 for c in changes)
    await Deploy()(ctx, SimulatorSession(graph, folders, [kind]))

    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED] * 2
    after = await backup_files(graph, entry.name)
    assert after[custom_file] == desired[custom_file] and after[wifi_file] == desired[wifi_file]
    with SimulatorClient(endpoint.url, endpoint.ca) as control:  # the tenant still holds the secrets
        stored_custom = control.object(TENANT_ID, "deviceConfigurations", custom["id"])
        stored_wifi = control.object(TENANT_ID, "deviceConfigurations", wifi["id"])
    assert next(s for s in stored_custom["omaSettings"] if s["isEncrypted"])["value"] == "contoso-kiosk-2025"
    assert stored_wifi["preSharedKey"] == "correct horse battery staple"


@SESSION_LOOP
async def test_an_administrative_template_value_is_rewritten_through_update_definition_values(
    graph: GraphClient,
) -> None:
    kind = ResourceType.GROUP_POLICY_CONFIGURATIONS
    entry = catalog()[kind]
    live = await backup_files(graph, entry.name)
    file = next(
        path
        for path, content in sorted(live.items())
        if any(v["presentationValues"] for v in json.loads(content)["definitionValues"])
    )
    policy = json.loads(live[file])
    edited = copy.deepcopy(policy)
    presented = next(v for v in edited["definitionValues"] if v["presentationValues"])
    presented["enabled"] = not presented["enabled"]
    for value in presented["presentationValues"]:
        value["value"] = (
            "https://portal.contoso.com" if isinstance(value["value"], str) else not value["value"]
        )
    desired = {**live, file: serialise(edited)}
    ctx, folders, [change] = planned_run([kind], live, desired)
    assert all(path.startswith("definitionValues") for path in change.changedFields)
    await Deploy()(ctx, SimulatorSession(graph, folders, [kind]))

    assert ctx.status.deploy is not None
    assert [(r.result, r.message) for r in ctx.status.deploy.results] == [(ChangeOutcome.APPLIED, None)]
    after = await backup_files(graph, entry.name)
    assert after[file] == desired[file]  # the same definition and presentation, bound by URL


@SESSION_LOOP
async def test_organisational_branding_text_and_localizations_deploy_and_verify(graph: GraphClient) -> None:
    kind = ResourceType.ORGANIZATIONAL_BRANDING
    entry = catalog()[kind]
    live = await backup_files(graph, entry.name)
    file = f"{kind}/{kind}.json"
    branding = json.loads(live[file])
    assert [item["id"] for item in branding["localizations"]] == ["fr-FR"]
    assert "cdnList" not in branding
    edited = {
        **branding,
        "signInPageText": "Contoso staff only. Report lost devices to the service desk.",
        "localizations": [
            *branding["localizations"],
            {
                "@odata.type": "#microsoft.graph.organizationalBrandingLocalization",
                "id": "de-DE",
                "backgroundColor": "#0078D4",
                "signInPageText": "Nur für Mitarbeitende von Contoso.",
                "usernameHintText": "jemand@contoso.com",
            },
        ],
    }
    desired = {**live, file: serialise(edited)}
    ctx, folders, [_] = planned_run([kind], live, desired)
    await Deploy()(ctx, SimulatorSession(graph, folders, [kind]))

    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED]
    after = await backup_files(graph, entry.name)
    assert after == await backup_files(graph, entry.name)  # whole objects back up byte-identical
    desired_objects = object_files(desired, {kind}, where="test")
    assert plan_changes(desired_objects, object_files(after, {kind}, where="test"), where="test") == []
    german = next(item for item in json.loads(after[file])["localizations"] if item["id"] == "de-DE")
    # The new localization is served whole: what the file set, and null where it set nothing.
    assert german["signInPageText"] == "Nur für Mitarbeitende von Contoso."
    assert german["customAccountResetCredentialsUrl"] is None


@SESSION_LOOP
async def test_organisational_branding_images_are_files_and_a_changed_image_is_put_and_verified(
    graph: GraphClient,
) -> None:
    kind = ResourceType.ORGANIZATIONAL_BRANDING
    entry = catalog()[kind]
    live = await backup_files(graph, entry.name)
    assert live == await backup_files(graph, entry.name)  # an unchanged tenant backs up byte-identical
    logo = f"{kind}/{kind}.bannerLogo.png"
    css = f"{kind}/{kind}.fr-FR.customCSS.css"
    assert (live[logo], live[css]) == (BANNER_LOGO, BRANDING_CSS)
    file = f"{kind}/{kind}.json"
    branding = json.loads(live[file])
    assert branding["bannerLogo"] == {"@tenantsync.file": f"{kind}.bannerLogo.png"}
    new_logo = b"\xff\xd8\xff\xe0" + bytes(range(256))  # a JPEG now
    new_css = b".ext-sign-in-box { border-radius: 0; }\n"
    desired = {**live, logo: new_logo, css: new_css}
    ctx, folders, [change] = planned_run([kind], live, desired)
    shown = {value.path: (value.old, value.new) for value in change.values}
    assert shown["bannerLogo"][1] == f'"({len(new_logo)} bytes, sha256 {_digest(new_logo)})"'
    assert shown["bannerLogo"][0] == f'"({len(BANNER_LOGO)} bytes, sha256 {_digest(BANNER_LOGO)})"'
    [css_path] = [path for path in shown if path.endswith(".customCSS")]
    assert shown[css_path][1] == f'"({len(new_css)} bytes, sha256 {_digest(new_css)})"'
    await Deploy()(ctx, SimulatorSession(graph, folders, [kind]))

    assert ctx.status.deploy is not None
    assert [r.result for r in ctx.status.deploy.results] == [ChangeOutcome.APPLIED]
    after = await backup_files(graph, entry.name)
    assert after[f"{kind}/{kind}.bannerLogo.jpg"] == new_logo
    assert after[css] == desired[css]
    assert logo not in after
    read = await graph.read_stream(f"{entry.path}/bannerLogo")
    assert read is not None and read.media_type == "image/jpeg"


def test_the_write_check_finds_server_managed_properties() -> None:
    writes: list[tuple[str, str, Any]] = [
        ("PATCH", "/beta/deviceManagement/deviceConfigurations/a", {"displayName": "x", "version": 3}),
        ("POST", "/beta/deviceAppManagement/mobileApps", {"publishingState": "published"}),
        ("POST", "/beta/deviceManagement/deviceConfigurations/a/assign", {"version": 1}),
    ]
    assert server_managed_sent(writes) == [
        "PATCH /beta/deviceManagement/deviceConfigurations/a: version",
        "POST /beta/deviceAppManagement/mobileApps: publishingState",
    ]
