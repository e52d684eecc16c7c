"""How a type of the Exchange-style services is read and written: cmdlets, not REST paths.

Exchange Online, Defender for Office 365 and Purview have no Graph API for their configuration. The
Exchange admin API runs their PowerShell cmdlets (``Get-``, ``Set-``, ``New-``, ``Remove-<Noun>``) over
``InvokeCommand``, on the Exchange endpoint or on the compliance endpoint. A :class:`Cmdlets` row says,
per type, which of them exist, which properties are parameters (sent only when changed) and which the
service only reports, so that backup, plan, deploy and verify stay one pipeline (docs/types.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Service(StrEnum):
    """Where a type lives: what reads and writes it, and with which token."""

    GRAPH = "graph"
    """Microsoft Graph, v1.0 or beta (``ConfigurationType.api_version``)."""
    PORTAL = "portal"
    """The Azure portal's own admin API, with a signed-in user only."""
    EXCHANGE = "exchange"
    """The Exchange admin API's ``InvokeCommand`` on the Exchange Online endpoint."""
    COMPLIANCE = "compliance"
    """The same API on the Security & Compliance (Purview) endpoint."""
    TCM = "tcm"
    """Tenant Configuration Management: Graph's asynchronous snapshot jobs, which read what Graph has
    no API for (Teams policies); read-only (``ConfigurationType.admin_centre``)."""


CMDLET_SERVICES = frozenset({Service.EXCHANGE, Service.COMPLIANCE})
EXCHANGE_PERMISSION = "Exchange.ManageAsApp"
"""The application permission of "Office 365 Exchange Online" that lets an app run cmdlets at all; an
Entra role held by its service principal then says which cmdlets."""
EXCHANGE_ONLINE_API = "Office 365 Exchange Online"
EXCHANGE_ONLINE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
"""The API (its name and app id in every tenant) whose application permission Exchange.ManageAsApp is:
an app registration lists it beside Microsoft Graph's before admin consent can grant it."""


@dataclass(frozen=True)
class Toggle:
    """A state the ``Set-`` cmdlet does not change: ``Enable-<Noun>`` / ``Disable-<Noun>`` do, and
    ``New-<Noun>`` takes it as the boolean ``Enabled``.

    ``field`` is the output property that reports it (``State``: ``Enabled``/``Disabled``, or a boolean
    ``Enabled``), ``on`` its value when enabled."""

    field: str = "State"
    on: Any = "Enabled"


@dataclass(frozen=True)
class ListEdit:
    """A list ``Set-`` cannot replace: ``New-`` takes ``field`` whole, ``Set-`` takes what to add under
    ``Add<field>`` and what to remove under ``Remove<field>`` (a DLP policy's locations, a label
    policy's labels)."""

    field: str

    @property
    def add(self) -> str:
        return f"Add{self.field}"

    @property
    def remove(self) -> str:
        return f"Remove{self.field}"


@dataclass(frozen=True)
class Builtin:
    """Objects every tenant has and the service never lets go (the ``Default`` anti-spam policy, the
    preset security policies): backed up and updated, never planned as a deletion.

    ``flags`` are output properties that mark one when true (``IsDefault``), kept in the backup for that.
    """

    names: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()

    def matches(self, document: dict[str, Any]) -> bool:
        return document.get("Name") in self.names or any(document.get(flag) is True for flag in self.flags)


@dataclass(frozen=True)
class Cmdlets:
    """A type as its cmdlets read and write it. ``parameters`` are ``Set-``'s (what a deploy may change);
    ``create_only`` are taken by ``New-`` alone (``Name``, a rule's policy); ``reported`` are output
    properties kept in the backup but never sent; everything else the service outputs is dropped."""

    noun: str
    parameters: frozenset[str]
    source: str = ""
    """The Microsoft365DSC resource its parameters and roles come from (docs/types.md)."""
    create_only: frozenset[str] = frozenset({"Name"})
    reported: frozenset[str] = frozenset()
    can_create: bool = True
    can_remove: bool = True
    can_set: bool = True
    toggle: Toggle | None = None
    list_edits: tuple[ListEdit, ...] = ()
    builtin: Builtin = Builtin()
    write_only: frozenset[str] = frozenset()
    """Parameters the service takes and never outputs (credentials): recorded as withheld."""
    singleton_identity: bool = False
    """A singleton whose ``Set-`` still names it by ``Identity`` (the report submission policy)."""
    create_from: tuple[tuple[str, str], ...] = ()
    """(parameter, field): a ``New-`` parameter the service prints under another name, filled from that
    field (New-DkimSigningConfig's ``DomainName`` from the ``Domain`` it reports)."""
    create_verb: str = "New"
    """``Add`` where the service adds rather than creates (``Add-AvailabilityAddressSpace``)."""

    @property
    def get(self) -> str:
        return f"Get-{self.noun}"

    @property
    def set(self) -> str:
        return f"Set-{self.noun}"

    @property
    def new(self) -> str:
        return f"{self.create_verb}-{self.noun}"

    @property
    def remove(self) -> str:
        return f"Remove-{self.noun}"

    def switch(self, enabled: bool) -> str:
        return f"{'Enable' if enabled else 'Disable'}-{self.noun}"

    @property
    def kept(self) -> frozenset[str]:
        """What the backup keeps of an object, besides its key: its parameters and reported properties."""
        toggled = {self.toggle.field} if self.toggle else set()
        return self.parameters | self.create_only | self.reported | self.write_only | toggled
