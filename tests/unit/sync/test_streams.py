"""Streams: branding images and CSS read into the object as base64, written back only where they differ,
named by their own signature, and shown in a plan by size and digest."""

from __future__ import annotations

import base64
import hashlib

from tenantsync.api import ResourceType
from tenantsync.catalog import catalog
from tenantsync.graph import StreamContent
from tenantsync.sync.streams import (
    decoded,
    described,
    description,
    media_type,
    read_streams,
    stream_suffix,
    write_streams,
)
from tests.unit.sync.fakes import DIRECTORY_ID, FakeGraph, FakeSession

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 8
BRANDING = catalog()[ResourceType.ORGANIZATIONAL_BRANDING]
PATH = f"organization/{DIRECTORY_ID}/branding"


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def test_images_are_named_by_their_signature_and_css_is_text() -> None:
    assert (media_type("bannerLogo", PNG), stream_suffix("bannerLogo", PNG)) == (
        "image/png",
        ".bannerLogo.png",
    )
    assert (media_type("squareLogo", JPEG), stream_suffix("squareLogo", JPEG)) == (
        "image/jpeg",
        ".squareLogo.jpg",
    )
    assert (media_type("customCSS", b"a{}"), stream_suffix("customCSS", b"a{}")) == (
        "text/css",
        ".customCSS.css",
    )
    assert stream_suffix("favicon", b"unknown") == ".favicon.bin"


def test_only_base64_text_decodes_as_a_stream() -> None:
    assert decoded(b64(PNG)) == PNG
    assert decoded("not base64!") is None
    assert decoded(42) is None


def test_a_plan_shows_a_stream_by_size_and_digest_never_its_bytes() -> None:
    digest = hashlib.sha256(PNG).hexdigest()[:16]
    assert description(b64(PNG)) == f"({len(PNG)} bytes, sha256 {digest})"
    assert described(
        {"bannerLogo": b64(PNG), "signInPageText": "Hi", "items": [{"favicon": b64(PNG)}]},
        {
            "bannerLogo",
            "favicon",
        },
    ) == {
        "bannerLogo": f"({len(PNG)} bytes, sha256 {digest})",
        "signInPageText": "Hi",
        "items": [{"favicon": f"({len(PNG)} bytes, sha256 {digest})"}],
    }


async def test_the_streams_that_are_set_are_read_into_the_object_and_its_items() -> None:
    graph = FakeGraph()
    graph.streams[f"{PATH}/bannerLogo"] = StreamContent(PNG, "image/png")
    graph.streams[f"{PATH}/localizations/fr-FR/squareLogo"] = StreamContent(JPEG, "image/jpeg")
    obj = {"id": "0", "localizations": [{"id": "fr-FR"}, {"noId": True}]}
    await read_streams(
        await FakeSession(graph=graph).graph(), BRANDING, "organization/{tenantId}/branding", obj
    )
    assert obj == {
        "id": "0",
        "bannerLogo": b64(PNG),
        "localizations": [{"id": "fr-FR", "squareLogo": b64(JPEG)}, {"noId": True}],
    }


async def test_only_streams_the_tenant_does_not_hold_are_written_and_new_items_get_all_theirs() -> None:
    graph = FakeGraph()
    client = await FakeSession(graph=graph).graph()
    wanted = {
        "bannerLogo": b64(PNG),
        "squareLogo": b64(JPEG),
        "localizations": [{"id": "fr-FR", "bannerLogo": b64(PNG)}],
    }
    current = {"bannerLogo": b64(PNG), "localizations": [{"id": "fr-FR", "bannerLogo": b64(PNG)}]}
    await write_streams(client, BRANDING, "organization/{tenantId}/branding", wanted, current, rewritten=())
    assert graph.writes() == [("PUT", f"{PATH}/squareLogo")]
    assert graph.streams[f"{PATH}/squareLogo"] == StreamContent(JPEG, "image/jpeg")

    graph.requests.clear()
    await write_streams(
        client, BRANDING, "organization/{tenantId}/branding", wanted, current, rewritten=("localizations",)
    )
    assert graph.writes() == [
        ("PUT", f"{PATH}/squareLogo"),
        ("PUT", f"{PATH}/localizations/fr-FR/bannerLogo"),
    ]
