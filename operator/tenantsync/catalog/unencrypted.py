"""Secrets Graph serves in clear: custom OMA-URI settings not marked encrypted whose value holds one.

Intune returns an OMA-URI setting's value as it was entered unless the setting is marked
``isEncrypted``; a Wi-Fi profile's XML with its key, a password element, a connection string entered
that way are read, and so backed up to Git, as they are. That is not a value tenantsync can withhold
(the service holds nothing else to write back), but an administrator must hear of it: the backup names
where such values are (type, object, field), never the values.

What counts (docs/troubleshooting/UnencryptedSecrets.md lists the same): the ``value`` of a mapping that
has an ``omaUri`` (an OMA-URI setting, at any depth) and is not ``isEncrypted: true``; a string value
is read as is, and the base64 value of an ``omaSettingStringXml`` or ``omaSettingBase64`` as the text it
decodes to (UTF-8 or UTF-16 with a byte-order mark; binary content is not examined). In that text:

- an XML element whose name is a password, passphrase or secret (``<Password>``, ``<AdminPassword>``,
  ``<ClientSecret>``), ``keyMaterial`` (unless the XML says ``<protected>true</protected>``),
  ``preSharedKey``, ``privateKey``, ``apiKey``, ``accessKey`` or ``accountKey``;
- a ``key=value`` pair (a connection string, an XML attribute) whose key is ``password``, ``pwd``,
  ``passwd``, ``passphrase``, ``accountKey``, ``sharedAccessKey``, ``clientSecret`` or ``client_secret``;
- a PEM private key (``-----BEGIN … PRIVATE KEY-----``);
- a password in a URL (``scheme://user:password@host``) or a shared access signature (``sig=``).

A value counts only when it is a value: empty ones, Intune variables (``{{DeviceName}}``), masks
(``****``), ``true``/``false``/``yes``/``no``/``null`` and values of fewer than 4 characters are not.
Names that only mention a password (``PasswordExpiration``, ``MinPasswordLength``) are not secrets.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

_DECODED_TYPES: Final = frozenset(
    {"#microsoft.graph.omaSettingStringXml", "#microsoft.graph.omaSettingBase64"}
)
"""OMA-URI settings whose value Graph serves base64-encoded (Edm.Binary)."""

_SECRET_ELEMENT = re.compile(
    r"<(?:[\w.-]+:)?(?P<name>\w*(?:password|passwd|passphrase|secret)|keyMaterial|preSharedKey|privateKey"
    r"|apiKey|accessKey|accountKey)(?:\s[^>]*)?>(?P<text>[^<]*)</(?:[\w.-]+:)?(?P=name)\s*>",
    re.IGNORECASE,
)
_SECRET_PAIR = re.compile(
    r"(?:^|[\s;,{(&?\"'])(?P<name>password|pwd|passwd|passphrase|accountKey|sharedAccessKey|clientSecret"
    r"|client_secret)\s*=\s*[\"']?(?P<text>[^;,&\"'\s<>]*)",
    re.IGNORECASE,
)
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@\"'<>]+:(?P<text>[^\s/@\"'<>]+)@", re.IGNORECASE)
_SIGNATURE = re.compile(r"[?&]sig=(?P<text>[^&\s\"'<>]+)", re.IGNORECASE)
_PROTECTED_KEY = re.compile(r"<(?:[\w.-]+:)?protected>\s*true\s*</", re.IGNORECASE)
_VARIABLE = re.compile(r"\{\{\s*\w+\s*\}\}")
_NOT_SECRETS: Final = frozenset({"true", "false", "yes", "no", "null", "none"})
MIN_SECRET_LENGTH: Final = 4
"""Shorter values are flags and numbers, not secrets."""


@dataclass(frozen=True)
class UnencryptedSecret:
    """Where a secret Graph serves in clear is in one object; never the value."""

    field: str
    """The field's path in the object as backed up, e.g. ``omaSettings[1].value``."""
    setting: str
    """The setting's OMA-URI, which says what it configures."""
    looks_like: str
    """Which pattern matched, e.g. ``a <Password> element``."""


def unencrypted_secrets(document: Any, path: str = "") -> list[UnencryptedSecret]:
    """Every OMA-URI setting in a document (as backed up) not marked encrypted whose value holds a secret."""
    found: list[UnencryptedSecret] = []
    if isinstance(document, Mapping):
        if "omaUri" in document and document.get("isEncrypted") is not True:
            looks_like = _secret_in(document)
            if looks_like is not None:
                field = f"{path}.value" if path else "value"
                found.append(UnencryptedSecret(field, str(document["omaUri"]), looks_like))
        for key, value in document.items():
            if isinstance(value, (Mapping, list)):
                found += unencrypted_secrets(value, f"{path}.{key}" if path else key)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += unencrypted_secrets(value, f"{path}[{index}]")
    return found


def _secret_in(setting: Mapping[str, Any]) -> str | None:
    """The first pattern the setting's value matches, in words; None when it holds no secret."""
    value = setting.get("value")
    if not isinstance(value, str):  # a number, a boolean, or the withheld marker
        return None
    text = _decoded(value) if setting.get("@odata.type") in _DECODED_TYPES else value
    return next(_matches(text), None) if text else None


def _decoded(value: str) -> str | None:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value  # not base64 after all: the value as it is
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8")):
        if raw.startswith(bom):
            raw, forced = raw[len(bom) :], encoding
            break
    else:
        forced = "utf-8"
    try:
        return raw.decode(forced)
    except UnicodeDecodeError:
        return None  # binary content (a certificate, an archive): not examined


def _matches(text: str) -> Iterator[str]:
    for match in _SECRET_ELEMENT.finditer(text):
        name = match["name"]
        if name.lower() == "keymaterial" and _PROTECTED_KEY.search(text):
            continue
        if _is_value(match["text"]):
            yield f"a <{name}> element"
    for match in _SECRET_PAIR.finditer(text):
        if _is_value(match["text"]):
            yield f"a value for {match['name']}="
    if _PRIVATE_KEY.search(text):
        yield "a PEM private key"
    for match in _URL_PASSWORD.finditer(text):
        if _is_value(match["text"]):
            yield "a password in a URL"
    for match in _SIGNATURE.finditer(text):
        if _is_value(match["text"]):
            yield "a shared access signature (sig=)"


def _is_value(text: str) -> bool:
    """A value someone entered, rather than nothing, a placeholder, a mask or a flag."""
    stripped = text.strip()
    return (
        len(stripped) >= MIN_SECRET_LENGTH
        and stripped.lower() not in _NOT_SECRETS
        and not _VARIABLE.fullmatch(stripped)
        and set(stripped) != {"*"}
    )
