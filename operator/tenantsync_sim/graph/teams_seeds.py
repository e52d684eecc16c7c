"""Teams policies the demo tenant holds, as Tenant Configuration Management extracts them: properties
named as Microsoft365DSC's resource of the same name (``TeamsMeetingPolicy`` for
``microsoft.teams.meetingpolicy``), keyed by ``Identity``."""

from __future__ import annotations

from typing import Any

from tenantsync_sim.graph.tcm import policies
from tenantsync_sim.state import Tenant

JsonObject = dict[str, Any]

_DEMO: dict[str, list[JsonObject]] = {
    "microsoft.teams.meetingpolicy": [
        {
            "Identity": "Global",
            "AllowCloudRecording": True,
            "AllowTranscription": False,
            "AllowAnonymousUsersToJoinMeeting": True,
            "AutoAdmittedUsers": "EveryoneInCompanyExcludingGuests",
            "ScreenSharingMode": "EntireScreen",
            "MeetingChatEnabledType": "Enabled",
            "Ensure": "Present",
        },
        {
            "Identity": "RestrictedAnonymousAccess",
            "Description": "Meetings without anonymous joins or recording",
            "AllowCloudRecording": False,
            "AllowTranscription": False,
            "AllowAnonymousUsersToJoinMeeting": False,
            "AutoAdmittedUsers": "InvitedUsers",
            "ScreenSharingMode": "SingleApplication",
            "MeetingChatEnabledType": "EnabledExceptAnonymous",
            "Ensure": "Present",
        },
    ],
    "microsoft.teams.messagingpolicy": [
        {
            "Identity": "Global",
            "AllowGiphy": True,
            "GiphyRatingType": "Moderate",
            "AllowMemes": True,
            "AllowUserEditMessage": True,
            "AllowUserDeleteMessage": True,
            "AllowUrlPreviews": True,
            "ReadReceiptsEnabledType": "UserPreference",
            "Ensure": "Present",
        },
    ],
    "microsoft.teams.messagingpolicy#custom": [
        {
            "Identity": "Executive messaging",
            "Description": "No Giphy, no memes",
            "AllowGiphy": False,
            "AllowMemes": False,
            "AllowUserEditMessage": True,
            "AllowUserDeleteMessage": False,
            "AllowUrlPreviews": True,
            "ReadReceiptsEnabledType": "Everyone",
            "Ensure": "Present",
        },
    ],
    "microsoft.teams.appsetuppolicy": [
        {
            "Identity": "Global",
            "AllowUserPinning": True,
            "AllowSideLoading": False,
            "PinnedAppBarApps": [
                "14d6962d-6eeb-4f48-8890-de55454bb136",
                "86fcd49b-61a2-4701-b771-54728cd291fb",
            ],
            "Ensure": "Present",
        },
    ],
    "microsoft.teams.apppermissionpolicy": [
        {
            "Identity": "Global",
            "DefaultCatalogAppsType": "BlockedAppList",
            "GlobalCatalogAppsType": "BlockedAppList",
            "PrivateCatalogAppsType": "BlockedAppList",
            "DefaultCatalogApps": [],
            "GlobalCatalogApps": [],
            "PrivateCatalogApps": [],
            "Ensure": "Present",
        },
    ],
    "microsoft.teams.federationconfiguration": [
        {
            "Identity": "Global",
            "AllowFederatedUsers": True,
            "AllowTeamsConsumer": False,
            "AllowTeamsConsumerInbound": False,
            "AllowedDomains": ["fabrikam.com"],
            "BlockedDomains": [],
        },
    ],
    "microsoft.teams.guestmeetingconfiguration": [
        {
            "Identity": "Global",
            "AllowIPVideo": True,
            "ScreenSharingMode": "EntireScreen",
            "AllowMeetNow": True,
        },
    ],
    "microsoft.teams.guestmessagingconfiguration": [
        {
            "Identity": "Global",
            "AllowGiphy": True,
            "AllowMemes": True,
            "AllowStickers": True,
            "AllowUserChat": True,
            "AllowUserDeleteMessage": False,
            "AllowUserEditMessage": True,
            "GiphyRatingType": "Moderate",
        },
    ],
    "microsoft.teams.clientconfiguration": [
        {
            "Identity": "Global",
            "AllowBox": False,
            "AllowDropBox": False,
            "AllowGoogleDrive": False,
            "AllowEmailIntoChannel": True,
            "AllowGuestUser": True,
            "RestrictedSenderList": [],
        },
    ],
}


def add_demo(tenant: Tenant) -> None:
    """The demo's Teams policies: the global ones of each type and one custom meeting policy."""
    for key, items in _DEMO.items():
        found = policies(tenant, key.partition("#")[0])
        for item in items:
            found[str(item["Identity"])] = dict(item)


def grow(tenant: Tenant, per_type: int) -> None:
    """More custom policies of the types that have them (the configurations are the tenant's one each)."""
    for resource in (
        "microsoft.teams.meetingpolicy",
        "microsoft.teams.messagingpolicy",
        "microsoft.teams.appsetuppolicy",
        "microsoft.teams.apppermissionpolicy",
    ):
        found = policies(tenant, resource)
        template = next(iter(found.values()))
        for index in range(len(found), per_type):
            identity = f"Policy{index:04d}"
            found[identity] = {**template, "Identity": identity, "Description": f"Custom policy {index}"}
