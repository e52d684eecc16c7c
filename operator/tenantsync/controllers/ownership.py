"""A SyncRun belongs to its Tenant: deleting the Tenant garbage-collects its runs."""

from __future__ import annotations

from typing import Any

import kopf

from tenantsync.api import GROUP, VERSION


def owner_reference(tenant: kopf.Body | dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Tenant",
        "name": tenant["metadata"]["name"],
        "uid": tenant["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
