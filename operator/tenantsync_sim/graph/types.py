"""Which Graph types derive from which, for ``isof`` and type casts in ``$filter``.

Only the families clients filter by type are listed (apps, app protection and configuration
policies); a type not listed is only itself. The table is Microsoft's beta model hierarchy
(msgraph-beta-sdk), and a test checks every pair against those models.
"""

from __future__ import annotations

PARENTS: dict[str, str] = {
    "androidAospReferencedApp": "mobileApp",
    "androidForWorkApp": "mobileApp",
    "androidLobApp": "mobileLobApp",
    "androidManagedAppProtection": "targetedManagedAppProtection",
    "androidManagedStoreApp": "mobileApp",
    "androidManagedStoreWebApp": "androidManagedStoreApp",
    "androidStoreApp": "mobileApp",
    "defaultManagedAppProtection": "managedAppProtection",
    "iosLobApp": "mobileLobApp",
    "iosManagedAppProtection": "targetedManagedAppProtection",
    "iosStoreApp": "mobileApp",
    "iosVppApp": "mobileApp",
    "iosiPadOSWebClip": "mobileApp",
    "macOSDmgApp": "mobileLobApp",
    "macOSLobApp": "mobileLobApp",
    "macOSMicrosoftDefenderApp": "mobileApp",
    "macOSMicrosoftEdgeApp": "mobileApp",
    "macOSOfficeSuiteApp": "mobileApp",
    "macOSPkgApp": "mobileLobApp",
    "macOSWebClip": "mobileApp",
    "macOsVppApp": "mobileApp",
    "managedAndroidLobApp": "managedMobileLobApp",
    "managedAndroidStoreApp": "managedApp",
    "managedApp": "mobileApp",
    "managedAppConfiguration": "managedAppPolicy",
    "managedAppProtection": "managedAppPolicy",
    "managedIOSLobApp": "managedMobileLobApp",
    "managedIOSStoreApp": "managedApp",
    "managedMobileLobApp": "managedApp",
    "mdmWindowsInformationProtectionPolicy": "windowsInformationProtection",
    "microsoftStoreForBusinessApp": "mobileApp",
    "mobileLobApp": "mobileApp",
    "officeSuiteApp": "mobileApp",
    "targetedManagedAppConfiguration": "managedAppConfiguration",
    "targetedManagedAppProtection": "managedAppProtection",
    "webApp": "mobileApp",
    "win32CatalogApp": "win32LobApp",
    "win32LobApp": "mobileLobApp",
    "winGetApp": "mobileApp",
    "windowsAppX": "mobileLobApp",
    "windowsAutoUpdateCatalogApp": "mobileApp",
    "windowsInformationProtection": "managedAppPolicy",
    "windowsInformationProtectionPolicy": "windowsInformationProtection",
    "windowsManagedAppProtection": "managedAppPolicy",
    "windowsMicrosoftEdgeApp": "mobileApp",
    "windowsMobileMSI": "mobileLobApp",
    "windowsPhone81AppX": "mobileLobApp",
    "windowsPhone81AppXBundle": "windowsPhone81AppX",
    "windowsPhone81StoreApp": "mobileApp",
    "windowsPhoneXAP": "mobileLobApp",
    "windowsStoreApp": "mobileApp",
    "windowsUniversalAppX": "mobileLobApp",
    "windowsWebApp": "mobileApp",
}
"""A type's direct base type, both without the ``#microsoft.graph.`` prefix."""

_NAMESPACE = "microsoft.graph."


def _bare(name: str) -> str:
    return name.lstrip("#").removeprefix(_NAMESPACE)


def is_of(odata_type: str, type_name: str) -> bool:
    """Whether an object of ``odata_type`` is a ``type_name`` (that type or one derived from it)."""
    current: str | None = _bare(odata_type)
    wanted = _bare(type_name).lower()
    while current:
        if current.lower() == wanted:
            return True
        current = PARENTS.get(current)
    return False
