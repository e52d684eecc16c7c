"""Secrets Graph serves in clear: found in OMA-URI settings not marked encrypted, by pattern, named by
where they are and never by value, and ordinary settings are left alone."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tenantsync.api import ResourceType
from tenantsync.catalog import UnencryptedSecret, normalise, unencrypted_secrets

WLAN = """<?xml version="1.0"?>
<WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1">
  <name>Contoso-Guest</name>
  <MSM><security>
    <authEncryption><authentication>WPA2PSK</authentication><encryption>AES</encryption></authEncryption>
    <sharedKey><keyType>passPhrase</keyType><protected>{protected}</protected><keyMaterial>{key}</keyMaterial></sharedKey>
  </security></MSM>
</WLANProfile>"""


def setting(
    value: Any, *, odata: str = "#microsoft.graph.omaSettingString", encrypted: Any = False
) -> dict[str, Any]:
    return {
        "@odata.type": odata,
        "displayName": "A setting",
        "omaUri": "./Vendor/MSFT/Contoso/Setting",
        "isEncrypted": encrypted,
        "value": value,
    }


def profile(*settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
        "id": "cfg-1",
        "displayName": "Custom",
        "omaSettings": list(settings),
    }


def looks_like(value: Any, **kwargs: Any) -> list[str]:
    return [found.looks_like for found in unencrypted_secrets(profile(setting(value, **kwargs)))]


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("<Account><Password>Winter2026!</Password></Account>", "a <Password> element"),
        ("<a:AdminPassword xmlns:a='urn:x'>s3cret-value</a:AdminPassword>", "a <AdminPassword> element"),
        ("<Config><ClientSecret>8Q~abcdefgh</ClientSecret></Config>", "a <ClientSecret> element"),
        (WLAN.format(protected="false", key="correct horse battery"), "a <keyMaterial> element"),
        ("Server=sql.contoso.com;Database=hr;User Id=svc;Password=Winter2026!;", "a value for Password="),
        ("DefaultEndpointsProtocol=https;AccountName=st;AccountKey=bXlrZXk9PQ==;", "a value for AccountKey="),
        (
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=abcdEFGH1234=",
            "a value for SharedAccessKey=",
        ),
        ('<Credential user="svc" pwd="hunter22"/>', "a value for pwd="),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "a PEM private key"),
        ("http://svc:hunter22@proxy.contoso.com:8080", "a password in a URL"),
        (
            "https://st.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=abcDEF123%3D",
            "a shared access signature (sig=)",
        ),
    ],
)
def test_each_documented_pattern_is_found(value: str, pattern: str) -> None:
    assert looks_like(value) == [pattern]


@pytest.mark.parametrize(
    "value",
    [
        "<Policy><PasswordExpiration>90</PasswordExpiration><MinPasswordLength>12</MinPasswordLength></Policy>",
        "<Settings><RequirePassword>true</RequirePassword><IsSecret>false</IsSecret></Settings>",
        "<Account><Password></Password><Password>****</Password><Password>{{UserPrincipalName}}</Password></Account>",
        "<Password>123</Password>",
        WLAN.format(protected="true", key="01000000D08C9DDF0115D1118C7A00C04FC297EB"),
        "<enabled/><data id='Key' value='HKLM\\Software\\Contoso'/>",
        "PasswordLength=8;PasswordHistory=24",
        "https://intranet.contoso.com/start?lang=en",
        "./Device/Vendor/MSFT/Policy/Config/DeviceLock/DevicePasswordEnabled",
        "Password=;User Id=svc",
    ],
    ids=[
        "names-mentioning-password",
        "flags",
        "empty-mask-variable",
        "too-short",
        "protected-wlan-key",
        "admx-key",
        "policy-pairs",
        "plain-url",
        "oma-uri-text",
        "empty-pair",
    ],
)
def test_ordinary_settings_are_not_taken_for_secrets(value: str) -> None:
    assert looks_like(value) == []


def test_an_encrypted_setting_or_a_non_string_value_is_never_examined() -> None:
    assert looks_like("<Password>Winter2026!</Password>", encrypted=True) == []
    assert looks_like(15, odata="#microsoft.graph.omaSettingInteger") == []
    assert looks_like(True, odata="#microsoft.graph.omaSettingBoolean") == []


def test_a_setting_not_marked_either_way_counts_as_unencrypted() -> None:
    document = profile({"omaUri": "./Vendor/MSFT/X", "value": "<Password>Winter2026!</Password>"})
    assert [f.field for f in unencrypted_secrets(document)] == ["omaSettings[0].value"]


def test_base64_values_are_read_as_the_text_they_decode_to() -> None:
    xml = WLAN.format(protected="false", key="correct horse battery").encode()
    utf16 = b"\xff\xfe" + "<Password>Winter2026!</Password>".encode("utf-16-le")
    binary = bytes(range(256))  # a certificate or an archive: not text, not examined
    xml_type, file_type = "#microsoft.graph.omaSettingStringXml", "#microsoft.graph.omaSettingBase64"
    assert looks_like(base64.b64encode(xml).decode(), odata=xml_type) == ["a <keyMaterial> element"]
    assert looks_like(base64.b64encode(utf16).decode(), odata=file_type) == ["a <Password> element"]
    assert looks_like(base64.b64encode(binary).decode(), odata=file_type) == []
    assert looks_like("<Password>Winter2026!</Password>", odata=xml_type) == ["a <Password> element"]


def test_findings_name_the_field_and_setting_of_the_backed_up_file_and_never_the_value() -> None:
    secret = "Winter2026!"
    backed_up = normalise(
        ResourceType.DEVICE_CONFIGURATIONS,
        profile(
            setting(15, odata="#microsoft.graph.omaSettingInteger"),
            {**setting(f"<Password>{secret}</Password>"), "omaUri": "./Vendor/MSFT/Contoso/Kiosk"},
            setting("ok", encrypted=True),
        ),
    )
    index = next(i for i, s in enumerate(backed_up["omaSettings"]) if s["omaUri"].endswith("/Kiosk"))
    found = unencrypted_secrets(backed_up)
    assert found == [
        UnencryptedSecret(
            f"omaSettings[{index}].value", "./Vendor/MSFT/Contoso/Kiosk", "a <Password> element"
        )
    ]
    assert secret not in repr(found)


def test_settings_are_found_at_any_depth() -> None:
    nested = {"id": "x", "payload": {"groups": [{"omaSettings": [setting("Password=Winter2026!")]}]}}
    assert [f.field for f in unencrypted_secrets(nested)] == ["payload.groups[0].omaSettings[0].value"]
