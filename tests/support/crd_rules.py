"""Objects stored before a CRD validation rule existed, as after an upgrade of tenantsync.

The API server refuses such input today, but a Tenant created under an older release keeps it (CRD
validation ratcheting lets unchanged fields stay). The operator must still handle it, so tests that
check the operator's own refusal lift the rule while they create the object, then restore the CRDs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.cluster import CRDS, kubectl

TENANT_SPEC = "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties"
SCHEDULE_RULES = f"{TENANT_SPEC}/schedule/x-kubernetes-validations"
REPOSITORY_RULES = f"{TENANT_SPEC}/repository/x-kubernetes-validations"
PATH_RULES = f"{TENANT_SPEC}/repository/properties/path/x-kubernetes-validations"


@contextmanager
def rule_lifted(pointer: str) -> Iterator[None]:
    """Remove the Tenant CRD's rules at `pointer` (a JSON pointer) for the duration of the block."""
    remove = json.dumps([{"op": "remove", "path": pointer}])
    kubectl("patch", "crd", "tenants.tenantsync.io", "--type=json", "-p", remove)
    try:
        yield
    finally:
        kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRDS))
        kubectl("wait", "--for=condition=Established", "crd/tenants.tenantsync.io")
