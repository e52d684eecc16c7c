"""Secrets the service keeps but never returns: recorded as withheld, never carried through Git.

Graph answers a write-only property (a Wi-Fi pre-shared key, a VPN shared secret) with null whether
one is set or not, an encrypted OMA-URI setting with its value masked and a ``secretReferenceValueId``,
and a settings catalog secret with an encrypted token. None of these is the value, and none is stable,
so the backup records each as one marker, ``{"@tenantsync.withheld": true}``: two backups of an
unchanged tenant stay identical, a plan never shows a change between two markers, and a deploy leaves
a field holding the marker out of what it sends, so the service keeps the secret it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

WITHHELD_KEY: Final = "@tenantsync.withheld"
WRITE_ONLY: Final = frozenset({"preSharedKey", "sharedSecret"})
"""Properties Graph accepts and never returns (read back as null)."""
_SECRET_REFERENCE = "secretReferenceValueId"
_MASK = "****"
"""Graph's mask for an encrypted value (in files backed up before values were withheld): written back,
it would replace the secret with four asterisks."""
_SECRET_SETTING = "#microsoft.graph.deviceManagementConfigurationSecretSettingValue"


def withheld() -> dict[str, bool]:
    """The marker a withheld value is recorded as (a fresh dict: documents are edited in place)."""
    return {WITHHELD_KEY: True}


def is_withheld(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {WITHHELD_KEY}


def _holds_secret_value(item: Mapping[str, Any]) -> bool:
    """An encrypted OMA-URI setting, or a settings catalog secret the service answers with a token."""
    if item.get("isEncrypted") is True:
        return True
    return item.get("@odata.type") == _SECRET_SETTING and item.get("valueState") == "encryptedValueToken"


def withhold(item: Mapping[str, Any]) -> dict[str, Any]:
    """One object (at any depth) as the backup records it: its secrets replaced by the marker and the
    service's reference to an encrypted value left out (it changes with the value)."""
    secret_value = _holds_secret_value(item)
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key == _SECRET_REFERENCE and secret_value:
            continue
        if key in WRITE_ONLY or (key == "value" and secret_value):
            out[key] = withheld()
        else:
            out[key] = value
    return out


def secrets_in_clear(document: Any, path: str = "") -> list[str]:
    """Paths where a document (as a person committed it) holds a secret's value in clear.

    A write-only property or the value of an encrypted setting must hold the marker: a value is a
    secret in Git, and a null (or Graph's mask) would overwrite the secret the service holds.
    """
    found: list[str] = []
    if isinstance(document, Mapping):
        secret_value = _holds_secret_value(document)
        for key, value in document.items():
            child = f"{path}.{key}" if path else key
            withheld_here = key in WRITE_ONLY or (key == "value" and (secret_value or value == _MASK))
            clear = withheld_here and not is_withheld(value)
            if clear:
                found.append(child)
            elif isinstance(value, (Mapping, list)):
                found += secrets_in_clear(value, child)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += secrets_in_clear(value, f"{path}[{index}]")
    return found


def without_withheld(value: Any) -> Any:
    """What a write sends: every field holding the marker left out, at any depth, so the service
    keeps the secret it holds instead of having it blanked."""
    if isinstance(value, Mapping):
        return {k: without_withheld(v) for k, v in value.items() if not is_withheld(v)}
    if isinstance(value, list):
        return [without_withheld(item) for item in value]
    return value
