"""Secrets read once per stretch of a run: the next stretch (after a wait) sees rotations and deletions."""

from __future__ import annotations

import pytest

from tenantsync.kube import NotFoundError
from tenantsync.sync import SecretsUntilWait
from tests.unit.sync.fakes import Secrets


async def test_each_secret_is_read_once_until_the_run_waits() -> None:
    server = Secrets({"sp": {"clientSecret": b"old"}})
    secrets = SecretsUntilWait(server)
    assert await secrets.read_secret("ns", "sp") == {"clientSecret": b"old"}
    server.secrets["sp"] = {"clientSecret": b"rotated"}
    assert await secrets.read_secret("ns", "sp") == {"clientSecret": b"old"}
    assert server.reads == ["sp"]
    secrets.forget()
    assert await secrets.read_secret("ns", "sp") == {"clientSecret": b"rotated"}
    assert server.reads == ["sp", "sp"]


async def test_a_missing_secret_is_asked_for_once_and_a_deleted_one_is_seen_after_a_wait() -> None:
    server = Secrets({"sp": {"clientSecret": b"value"}})
    secrets = SecretsUntilWait(server)
    for _ in range(2):
        with pytest.raises(NotFoundError):
            await secrets.read_secret("ns", "ca")
    assert server.reads == ["ca"]
    await secrets.read_secret("ns", "sp")
    del server.secrets["sp"]
    secrets.forget()
    with pytest.raises(NotFoundError):
        await secrets.read_secret("ns", "sp")


async def test_a_written_secret_is_answered_as_the_server_now_holds_it() -> None:
    server = Secrets(
        {"user-cache": {"msal_token_cache.json": b"{}", "device_flow.json": b"{}", "other": b"x"}}
    )
    secrets = SecretsUntilWait(server)
    await secrets.read_secret("ns", "user-cache")
    await secrets.write_secret(
        "ns", "user-cache", {"msal_token_cache.json": b'{"new": 1}', "device_flow.json": None}
    )
    held = {"msal_token_cache.json": b'{"new": 1}', "other": b"x"}
    assert await secrets.read_secret("ns", "user-cache") == held == server.secrets["user-cache"]
    assert server.reads == ["user-cache"]


async def test_a_secret_written_before_it_was_read_is_read_from_the_server() -> None:
    server = Secrets({"user-cache": {"other": b"x"}})
    secrets = SecretsUntilWait(server)
    await secrets.write_secret("ns", "user-cache", {"msal_token_cache.json": b"{}"})
    assert await secrets.read_secret("ns", "user-cache") == {"other": b"x", "msal_token_cache.json": b"{}"}
    assert server.reads == ["user-cache"]


async def test_what_a_caller_changes_in_an_answer_stays_with_the_caller() -> None:
    secrets = SecretsUntilWait(Secrets({"sp": {"clientSecret": b"value"}}))
    (await secrets.read_secret("ns", "sp"))["clientSecret"] = b"changed"
    assert await secrets.read_secret("ns", "sp") == {"clientSecret": b"value"}
