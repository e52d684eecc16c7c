"""Objects stored before a CRD validation rule existed, as after an upgrade of tenantsync.

The API server refuses such input today, but a Tenant created under an older release keeps it (CRD
validation ratcheting lets unchanged fields stay). The operator must still handle it, so tests that
check the operator's own refusal lift the rule while they create the object, then restore the CRDs.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from kubernetes.client.exceptions import ApiException

from tests.support.cluster import CRDS, kubectl, wait_for

TENANT_SPEC = "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties"
SCHEDULE_RULES = f"{TENANT_SPEC}/schedule/x-kubernetes-validations"
REPOSITORY_RULES = f"{TENANT_SPEC}/repository/x-kubernetes-validations"
PATH_RULES = f"{TENANT_SPEC}/repository/properties/path/x-kubernetes-validations"


def create_with_rule_lifted(pointer: str, create: Callable[[], object]) -> None:
    """Create an object the Tenant CRD's rules at `pointer` (a JSON pointer) would refuse, then put the
    rules back. The API server takes a moment to use a changed CRD, so the create is retried until the
    rule is really gone."""
    remove = json.dumps([{"op": "remove", "path": pointer}])
    kubectl("patch", "crd", "tenants.tenantsync.io", "--type=json", "-p", remove)

    def attempt() -> bool:
        try:
            create()
        except ApiException as refused:
            if refused.status != 422:
                raise
            return False
        return True

    try:
        wait_for(attempt, "the API server to accept the object without the rule", timeout=30, interval=0.5)
    finally:
        kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRDS))
        kubectl("wait", "--for=condition=Established", "crd/tenants.tenantsync.io")
