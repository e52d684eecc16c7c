"""Preflight: the credentials are read and shown on the Tenant before anything else, and a repository
that cannot be reached stops the run before a sign-in is attempted."""

from __future__ import annotations

import pytest

from tenantsync.api import CodedError, ConditionReason, CredentialKind, ErrorCode, RunPhase
from tenantsync.repository import RepositoryError
from tenantsync.sync.pipeline import Advance
from tenantsync.sync.steps.preflight import Preflight
from tests.unit.sync.fakes import FakeSession, MemoryFolders, context


class Unreachable(MemoryFolders):
    async def check_reachable(self) -> None:
        raise RepositoryError(ErrorCode.REPOSITORY_UNREACHABLE, "git ls-remote failed: connection refused.")


async def test_a_usable_client_secret_is_shown_valid_naming_its_secret() -> None:
    ctx = context()
    transition = await Preflight()(ctx, FakeSession())
    assert transition == Advance(RunPhase.IN_PROGRESS, "Preflight passed; authenticating.")
    assert ctx.observations.credentials is not None
    assert (ctx.observations.credentials.kind, ctx.observations.credentials.expiresAt) == (
        CredentialKind.CLIENT_SECRET,
        None,
    )
    assert ctx.observations.credentials_valid == (
        "True",
        ConditionReason.VALID,
        "Secret sp holds a usable client secret.",
    )


async def test_an_unreachable_repository_stops_the_run_with_the_credentials_already_shown() -> None:
    ctx = context()
    with pytest.raises(CodedError) as refused:
        await Preflight()(ctx, FakeSession(folders=Unreachable()))
    assert refused.value.code == ErrorCode.REPOSITORY_UNREACHABLE
    assert ctx.observations.credentials_valid is not None
    assert ctx.observations.credentials_valid[0] == "True"
