"""Teams policies, which Microsoft documents no Graph API for, read through Tenant Configuration
Management (TCM): an asynchronous snapshot job under ``admin/configurationManagement`` (docs/types.md,
"Teams").

Each type is one TCM resource type (``microsoft.teams.*``); its objects are the snapshot's resources,
keyed by their ``Identity`` as Microsoft365DSC's resource of the same name keys them. The types are
read-only: Microsoft documents no write path a service principal may use, so a plan reports each
difference as a change a person makes in the Teams admin centre (``admin_centre``) and no deploy sends it.
"""

from __future__ import annotations

from tenantsync.api import ResourceType
from tenantsync.catalog.cmdlets import Service
from tenantsync.catalog.model import ConfigurationType

TCM_PERMISSION = "ConfigurationMonitoring.ReadWrite.All"
"""Graph's application permission for creating snapshot jobs (reading them alone needs only
``ConfigurationMonitoring.Read.All``, which this one grants)."""
TCM_APP_ID = "03b07b79-c5bc-4b5e-9bfa-13acf4a99998"
"""The "Unified Tenant Configuration Management" service principal, which runs the snapshot job in the
tenant: it must be added to the tenant and hold the Teams roles the resources need (docs/types.md)."""
TCM_READ_ROLE = "Global Reader"
"""The least-privileged Entra role Microsoft names for reading each Teams resource, held by TCM's own
service principal (not tenantsync's)."""
DEFAULT_SNAPSHOT_INTERVAL_HOURS = 24
"""A snapshot a day: TCM counts every resource a snapshot extracts against the tenant's monthly quota
(20,000), so hourly snapshots of a few hundred policies would use it up within days."""

_ADMIN_CENTRE = "Teams admin centre"
_READ_ONLY = frozenset({"Ensure"})
"""What a snapshot reports beside the settings: whether the object exists, which its file says already."""


def _teams(
    name: ResourceType, resource: str, noun: str, where: str, *, singleton: bool = False
) -> ConfigurationType:
    return ConfigurationType(
        name=name,
        path=resource,
        noun=noun,
        api_version="beta",
        singleton=singleton,
        read_permissions=(TCM_PERMISSION,),
        write_permissions=(TCM_PERMISSION,),
        read_only_fields=_READ_ONLY,
        key_field="Identity",
        service=Service.TCM,
        snapshot_resource=resource,
        admin_centre=f"{_ADMIN_CENTRE} > {where}",
    )


def teams_types() -> list[ConfigurationType]:
    """The Teams rows of the catalogue, in :class:`ResourceType` order."""
    return [
        _teams(
            ResourceType.TEAMS_MEETING_POLICY,
            "microsoft.teams.meetingpolicy",
            "Teams meeting policy",
            "Meetings > Meeting policies",
        ),
        _teams(
            ResourceType.TEAMS_MESSAGING_POLICY,
            "microsoft.teams.messagingpolicy",
            "Teams messaging policy",
            "Messaging > Messaging policies",
        ),
        _teams(
            ResourceType.TEAMS_APP_SETUP_POLICY,
            "microsoft.teams.appsetuppolicy",
            "Teams app setup policy",
            "Teams apps > Setup policies",
        ),
        _teams(
            ResourceType.TEAMS_APP_PERMISSION_POLICY,
            "microsoft.teams.apppermissionpolicy",
            "Teams app permission policy",
            "Teams apps > Permission policies",
        ),
        _teams(
            ResourceType.TEAMS_FEDERATION_CONFIGURATION,
            "microsoft.teams.federationconfiguration",
            "Teams external access configuration",
            "Users > External access",
            singleton=True,
        ),
        _teams(
            ResourceType.TEAMS_GUEST_MEETING_CONFIGURATION,
            "microsoft.teams.guestmeetingconfiguration",
            "Teams guest meeting configuration",
            "Users > Guest access > Meeting",
            singleton=True,
        ),
        _teams(
            ResourceType.TEAMS_GUEST_MESSAGING_CONFIGURATION,
            "microsoft.teams.guestmessagingconfiguration",
            "Teams guest messaging configuration",
            "Users > Guest access > Messaging",
            singleton=True,
        ),
        _teams(
            ResourceType.TEAMS_CLIENT_CONFIGURATION,
            "microsoft.teams.clientconfiguration",
            "Teams client configuration",
            "Teams > Teams settings",
            singleton=True,
        ),
    ]
