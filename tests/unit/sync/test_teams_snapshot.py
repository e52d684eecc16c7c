"""How a Tenant Configuration Management snapshot becomes the Teams part of the backup: a resource is
its properties keyed by Identity, and the marker beside the objects says when the snapshot was taken."""

from __future__ import annotations

from datetime import UTC, datetime

from tenantsync.api import ResourceType
from tenantsync.catalog import catalog
from tenantsync.graph.snapshots import snapshot_name
from tenantsync.sync.teams_snapshot import _file_id, _keep, _marker, _marker_bytes, _object

MEETING = catalog()[ResourceType.TEAMS_MEETING_POLICY]
FEDERATION = catalog()[ResourceType.TEAMS_FEDERATION_CONFIGURATION]


def test_a_resource_is_its_properties_named_by_identity_without_a_tag_prefix() -> None:
    resource = {
        "displayName": "Kiosk",
        "resourceType": "microsoft.teams.meetingpolicy",
        "properties": {"Identity": "Tag:Kiosk", "AllowCloudRecording": False},
    }
    assert _object(MEETING, resource) == {"Identity": "Kiosk", "AllowCloudRecording": False}
    assert _object(FEDERATION, {"properties": {"AllowFederatedUsers": True}}) == {
        "Identity": "Global",
        "AllowFederatedUsers": True,
    }


def test_the_marker_round_trips_and_an_unreadable_one_is_no_snapshot() -> None:
    taken = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    assert _marker(_marker_bytes(taken, ["microsoft.teams.meetingpolicy"])) == {
        "takenAt": taken,
        "resources": ["microsoft.teams.meetingpolicy"],
    }
    assert _marker(b'{"takenAt": "yesterday"}') == {}
    assert _marker(b"not json") == {}
    assert _marker(None) == {}


def test_a_kept_snapshot_keeps_its_files_byte_for_byte_and_counts_their_objects() -> None:
    files = {
        "teamsMeetingPolicy/Global.json": b'{\n  "Identity": "Global"\n}\n',
        "teams-snapshot.json": b'{"takenAt": "2026-12-07T09:30:00+00:00"}',
    }
    kept = _keep(files, None, "kept")
    assert kept.files == files
    assert kept.objects == {ResourceType.TEAMS_MEETING_POLICY: [{"Identity": "Global"}]}


def test_a_snapshot_is_named_as_the_service_accepts() -> None:
    assert snapshot_name(datetime(2026, 12, 7, 9, 30, 5, tzinfo=UTC)) == "tenantsync 20261207 093005"


def test_a_policy_name_teams_allows_names_a_file_the_repository_accepts() -> None:
    assert _file_id("Sales & Marketing meetings") == "Sales-Marketing-meetings"
    assert _file_id("RestrictedAnonymousAccess") == "RestrictedAnonymousAccess"
    assert _file_id("..") == "policy"
