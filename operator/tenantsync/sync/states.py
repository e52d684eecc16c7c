"""The two states a plan compares, read from the repository: the desired folder and the backup folder."""

from __future__ import annotations

from dataclasses import dataclass

from tenantsync.api import ResourceType
from tenantsync.sync.diff import Files, object_files
from tenantsync.sync.pipeline import RunContext
from tenantsync.sync.session import Session


@dataclass(frozen=True)
class States:
    desired: Files
    """The desired state's object files of the configured types."""
    live: Files
    """The newest backup's object files of the configured types."""
    where: str
    """Where the desired state lives, as messages name it."""
    initialised: bool
    """The desired folder holds anything at all (an empty one is initialised from the backup)."""


async def read_states(ctx: RunContext, session: Session) -> States:
    spec = ctx.tenant
    repository = await session.repository()
    path = ctx.repository_path
    types = set(spec.resources or ResourceType)
    where = f"{path} on branch {spec.repository.branch}"
    desired = await repository.read_folder(spec.repository.branch, path) or {}
    live = await repository.read_folder(spec.repository.backupBranch, path) or {}
    return States(
        desired=object_files(desired, types, where=where),
        live=object_files(live, types, where=f"{path} on branch {spec.repository.backupBranch}"),
        where=where,
        initialised=bool(desired),
    )
