"""Secrets read once per stretch of a run, not once per step: the one lifetime of a Secret read.

A run goes through its steps one after the other until it has to wait (for a person's decision or
sign-in, admin consent, a retry); every step used to read the service principal's Secret, the CA bundle
and the Git credentials again, about seven GETs for a sync of an unchanged tenant. Waiting for a free
slot between steps does not count as a wait here: it is the operator's queue, not the run's.
Reading each Secret once until the run next waits
keeps what matters: a Secret rotated or deleted while a run waits (for an approval, say) is read afresh
when it resumes, and the next sync always reads it anew. No list or watch on Secrets is needed.
"""

from __future__ import annotations

from typing import Any

from tenantsync.kube import NotFoundError
from tenantsync.sync.pipeline import SecretReader


class SecretsUntilWait:
    """A `SecretReader` over another that answers each Secret from its first read until `forget()`."""

    def __init__(self, reader: SecretReader) -> None:
        self._reader = reader
        self._read: dict[tuple[str, str], dict[str, bytes] | None] = {}

    async def read_secret(self, namespace: str, name: str) -> dict[str, bytes]:
        key = (namespace, name)
        if key not in self._read:
            try:
                self._read[key] = await self._reader.read_secret(namespace, name)
            except NotFoundError:
                self._read[key] = None
        data = self._read[key]
        if data is None:
            raise NotFoundError(f"Secret {name} not found")
        return dict(data)

    async def write_secret(
        self,
        namespace: str,
        name: str,
        data: dict[str, bytes | None],
        *,
        owner: dict[str, Any] | None = None,
    ) -> None:
        """Writes go through. The server sets the given keys, removes those given as None and keeps the
        others: a Secret read before is answered as the server now holds it; one never read is read next
        time (its other keys are not known here)."""
        key = (namespace, name)
        known = key in self._read
        before = self._read.pop(key, None)
        await self._reader.write_secret(namespace, name, data, owner=owner)
        if known:
            merged = dict(before or {})
            for field, value in data.items():
                if value is None:
                    merged.pop(field, None)
                else:
                    merged[field] = value
            self._read[key] = merged

    def forget(self) -> None:
        """The run waits: whatever it reads after the wait comes from the API server again."""
        self._read.clear()
