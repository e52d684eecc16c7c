"""Secrets the service withholds are recorded as one marker, found when a person sets one in Git, and
left out of what a deploy sends."""

from __future__ import annotations

from typing import Any

from tenantsync.api import ResourceType
from tenantsync.catalog import normalise, secrets_in_clear, serialise, without_withheld

WITHHELD = {"@tenantsync.withheld": True}


def _custom(value: Any, reference: str | None) -> dict[str, Any]:
    """A Windows custom profile as Graph answers it: an encrypted string and a plain integer."""
    return {
        "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
        "id": "cfg",
        "displayName": "Kiosk",
        "omaSettings": [
            {
                "@odata.type": "#microsoft.graph.omaSettingString",
                "omaUri": "./Vendor/MSFT/Kiosk/UnlockCode",
                "isEncrypted": True,
                "secretReferenceValueId": reference,
                "value": value,
            },
            {
                "@odata.type": "#microsoft.graph.omaSettingInteger",
                "omaUri": "./Vendor/MSFT/Kiosk/Timeout",
                "isEncrypted": False,
                "secretReferenceValueId": None,
                "value": 15,
            },
        ],
    }


def test_an_encrypted_value_is_recorded_as_withheld_and_its_changing_reference_left_out() -> None:
    first = normalise(ResourceType.DEVICE_CONFIGURATIONS, _custom("****", "ref-1"))
    rotated = normalise(ResourceType.DEVICE_CONFIGURATIONS, _custom("****", "ref-2"))

    encrypted, plain = first["omaSettings"]
    assert encrypted["value"] == WITHHELD
    assert "secretReferenceValueId" not in encrypted
    assert plain["value"] == 15 and plain["secretReferenceValueId"] is None
    assert serialise(first) == serialise(rotated)


def test_write_only_keys_are_withheld_whatever_graph_answered() -> None:
    wifi = {
        "@odata.type": "#microsoft.graph.windowsWifiConfiguration",
        "id": "wifi",
        "ssid": "Contoso",
        "preSharedKey": None,
    }
    assert normalise(ResourceType.DEVICE_CONFIGURATIONS, wifi)["preSharedKey"] == WITHHELD
    assert normalise(ResourceType.DEVICE_CONFIGURATIONS, {**wifi, "preSharedKey": "abc"})["preSharedKey"] == (
        WITHHELD
    )


def test_a_settings_catalog_secret_token_is_withheld() -> None:
    setting = {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
        "valueState": "encryptedValueToken",
        "value": "6f1b0c…token",
    }
    policy = {"id": "p", "name": "Secret", "settings": [{"settingInstance": {"simpleSettingValue": setting}}]}
    out = normalise(ResourceType.SETTINGS_CATALOG_POLICIES, policy)
    assert out["settings"][0]["settingInstance"]["simpleSettingValue"]["value"] == WITHHELD


def test_a_value_or_a_null_where_a_secret_is_withheld_is_found_by_path() -> None:
    recorded = normalise(ResourceType.DEVICE_CONFIGURATIONS, _custom("****", "ref-1"))
    assert secrets_in_clear(recorded) == []
    set_in_git = _custom("hunter2", None)
    assert secrets_in_clear(set_in_git) == ["omaSettings[0].value"]
    assert secrets_in_clear({"id": "wifi", "preSharedKey": None}) == ["preSharedKey"]
    assert secrets_in_clear({"id": "wifi", "preSharedKey": WITHHELD}) == []
    masked_before_upgrade = {"omaSettings": [{"omaUri": "./a", "value": "****"}]}  # v1.0 had no isEncrypted
    assert secrets_in_clear(masked_before_upgrade) == ["omaSettings[0].value"]


def test_a_write_leaves_out_every_withheld_field_and_keeps_the_rest() -> None:
    recorded = normalise(ResourceType.DEVICE_CONFIGURATIONS, _custom("****", "ref-1"))
    sent = without_withheld({**recorded, "preSharedKey": WITHHELD})
    assert "preSharedKey" not in sent
    encrypted, plain = sent["omaSettings"]
    assert "value" not in encrypted and encrypted["isEncrypted"] is True
    assert plain["value"] == 15
