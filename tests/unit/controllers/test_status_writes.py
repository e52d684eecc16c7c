"""A step's status writes may go on while the next step works, but never land after a later write."""

from __future__ import annotations

import asyncio

import pytest

from tenantsync.controllers.syncruns import StatusWrites


async def test_the_next_step_runs_while_the_writes_go_on_and_a_later_write_waits_for_them() -> None:
    landed: list[str] = []
    answer = asyncio.Event()

    async def approval_written() -> None:
        await answer.wait()  # the API server takes its time
        landed.append("approval")

    writes = StatusWrites()
    writes.behind(approval_written())
    landed.append("deploy reads Git")  # the next step works meanwhile

    async def checkpoint() -> None:
        await writes.settle()
        landed.append("deploy checkpoint")

    saving = asyncio.ensure_future(checkpoint())
    await asyncio.sleep(0)
    assert landed == ["deploy reads Git"]
    answer.set()
    await saving
    assert landed == ["deploy reads Git", "approval", "deploy checkpoint"]


async def test_a_failed_write_fails_the_next_write() -> None:
    async def refused() -> None:
        raise RuntimeError("the API server refused the write")

    writes = StatusWrites()
    writes.behind(refused())
    with pytest.raises(RuntimeError, match="refused"):
        await writes.settle()
    await writes.settle()  # reported once; nothing pending afterwards
