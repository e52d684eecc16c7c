"""JSON Merge Patch (RFC 7396): how a Tenant's override changes a baseline object.

Written out rather than taken from a library: the RFC's algorithm is the eight lines below, and the
package that implements it (json-merge-patch 0.3.0) changes its target in place and ships no types.
"""

from __future__ import annotations

from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """`target` with `patch` applied, neither changed: objects merge key by key, `null` removes a key,
    anything else (lists included) replaces the value as a whole."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
