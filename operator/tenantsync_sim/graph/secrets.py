"""Values Intune keeps but never returns, as Graph handles them.

Two kinds exist. Write-only properties (a Wi-Fi profile's ``preSharedKey``, a VPN's ``sharedSecret``)
are stored as sent and always read back as null. Encrypted OMA-URI settings (``isEncrypted: true``) are
read back with ``value`` masked as ``****`` and a ``secretReferenceValueId`` through which
``getOmaSettingPlainTextValue`` would reveal them; a write that sends such a setting without a value
(or with the mask) keeps the value already stored for the same ``omaUri``, while a write that sends a
value stores it under a new reference.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable

from tenantsync_sim.state import JsonObject

MASK = "****"
WRITE_ONLY = frozenset({"preSharedKey", "sharedSecret"})
"""Properties of device configurations (Wi-Fi, VPN) that Graph accepts and never returns."""
OMA_SETTINGS = "omaSettings"


def _encrypted(setting: object) -> bool:
    return isinstance(setting, dict) and setting.get("isEncrypted") is True


def conceal(item: JsonObject) -> JsonObject:
    """The object as a read returns it: write-only values null, encrypted values masked. ``item`` is
    a shallow copy of the stored object; the stored settings are copied before they are masked."""
    for name in WRITE_ONLY & item.keys():
        item[name] = None
    settings = item.get(OMA_SETTINGS)
    if isinstance(settings, list) and any(_encrypted(s) for s in settings):
        item[OMA_SETTINGS] = [
            {**setting, "value": MASK} if _encrypted(setting) else setting for setting in settings
        ]
    return item


class SecretMissing(ValueError):
    """An encrypted setting was sent without a value and none is stored for its ``omaUri``."""


def keep_secrets(stored: Iterable[object], incoming: JsonObject) -> JsonObject:
    """``incoming`` (a create or update body) with each encrypted setting's value resolved.

    A setting sent with its value left out (or masked) keeps the one stored for its ``omaUri``; one
    sent with a value gets a new ``secretReferenceValueId``.
    """
    settings = incoming.get(OMA_SETTINGS)
    if not isinstance(settings, list):
        return incoming
    known = {s.get("omaUri"): s for s in stored if _encrypted(s) and isinstance(s, dict)}
    resolved: list[object] = []
    for setting in settings:
        if not _encrypted(setting):
            resolved.append(setting)
            continue
        assert isinstance(setting, dict)
        entry = copy.deepcopy(setting)
        if entry.get("value") in (None, MASK):
            previous = known.get(entry.get("omaUri"))
            if previous is None:
                raise SecretMissing(
                    f"The encrypted OMA setting '{entry.get('omaUri')}' needs a value: none is stored for it."
                )
            entry["value"] = previous.get("value")
            entry["secretReferenceValueId"] = previous.get("secretReferenceValueId")
        else:
            entry["secretReferenceValueId"] = str(uuid.uuid4())
        resolved.append(entry)
    return {**incoming, OMA_SETTINGS: resolved}
