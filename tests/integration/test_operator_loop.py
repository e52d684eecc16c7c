"""The operator process against the real control plane: status, schedule, sync-now, history, preflight."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.certificates import certificate_pair
from tests.support.cluster import kubectl, wait_for
from tests.support.crd_rules import SCHEDULE_RULES, create_with_rule_lifted
from tests.support.operator import OperatorProcess
from tests.support.resources import Resources, condition, syncrun_manifest, tenant_manifest

pytestmark = pytest.mark.integration


def _phase(resources: Resources, plural: str, name: str) -> str | None:
    phase: str | None = (resources.get(plural, name).get("status") or {}).get("phase")
    return phase


def _runs(resources: Resources) -> list[dict[str, Any]]:
    return sorted(resources.list("syncruns"), key=lambda r: r["metadata"]["creationTimestamp"])


def _finished_run(resources: Resources, name: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        run = resources.get("syncruns", name)
        return run if (run.get("status") or {}).get("step") == "Done" else None

    return wait_for(probe, f"SyncRun {name} to finish")


def test_new_tenant_is_not_run_with_conditions(operator: OperatorProcess, namespace: str) -> None:
    resources = Resources(namespace)
    resources.create("tenants", tenant_manifest("contoso"))
    wait_for(lambda: _phase(resources, "tenants", "contoso") == "NotRun", "phase NotRun")
    tenant = resources.get("tenants", "contoso")
    status = tenant["status"]
    assert status["observedGeneration"] == tenant["metadata"]["generation"]
    ready = condition(tenant, "Ready")
    assert ready is not None
    assert (ready["status"], ready["reason"]) == ("False", "NotRun")
    assert condition(tenant, "CredentialsValid")["status"] == "Unknown"  # type: ignore[index]
    assert condition(tenant, "UserAuthenticated")["reason"] == "NotRequired"  # type: ignore[index]
    assert all(c["observedGeneration"] == 1 for c in status["conditions"])
    assert resources.list("syncruns") == []
    printed = kubectl("get", "tenants", "-n", namespace, "-o", "wide").stdout
    assert "NotRun" in printed
    assert "Never synced." in printed


def test_invalid_schedule_is_a_new_error_quoting_it_and_clears_when_fixed(
    operator: OperatorProcess, namespace: str
) -> None:
    resources = Resources(namespace)
    # The API server refuses this schedule now; a Tenant stored by an older release may still hold one.
    create_with_rule_lifted(
        SCHEDULE_RULES, lambda: resources.create("tenants", tenant_manifest("contoso", schedule="61 * * * *"))
    )
    wait_for(lambda: _phase(resources, "tenants", "contoso") == "NewError", "phase NewError")
    status = resources.get("tenants", "contoso")["status"]
    assert '"61 * * * *"' in status["message"]
    assert status["error"]["code"] == "InvalidSchedule"
    assert status["error"]["troubleshootingUrl"].endswith("/InvalidSchedule.md")
    warning = wait_for(
        lambda: [e for e in resources.events() if e.reason == "InvalidSchedule"], "an InvalidSchedule event"
    )
    assert "Tenant contoso" in warning[0].message

    resources.patch("tenants", "contoso", {"spec": {"schedule": "0 6 * * *"}})
    wait_for(lambda: _phase(resources, "tenants", "contoso") == "NotRun", "phase back to NotRun")
    assert resources.get("tenants", "contoso")["status"].get("error") is None


def test_missing_credentials_secret_fails_preflight(operator: OperatorProcess, namespace: str) -> None:
    resources = Resources(namespace)
    resources.create("tenants", tenant_manifest("contoso"))
    resources.create("syncruns", syncrun_manifest("contoso-manual", "contoso"))
    run = _finished_run(resources, "contoso-manual")
    assert run["status"]["phase"] == "NewError"
    assert run["status"]["error"]["code"] == "CredentialsSecretNotFound"
    assert "contoso-sp" in run["status"]["error"]["message"]
    assert condition(run, "Failed")["reason"] == "CredentialsSecretNotFound"  # type: ignore[index]

    tenant = wait_for(
        lambda: (t := resources.get("tenants", "contoso"))["status"].get("phase") == "NewError" and t,
        "the Tenant to mirror its run",
    )
    assert tenant["status"]["lastSyncRun"] == "contoso-manual"
    assert condition(tenant, "CredentialsValid")["status"] == "False"  # type: ignore[index]
    assert condition(tenant, "Ready")["reason"] == "NewError"  # type: ignore[index]
    events = wait_for(
        lambda: [e for e in resources.events() if e.reason == "CredentialsSecretNotFound"], "a Warning event"
    )
    assert events[0].type == "Warning"
    assert "Tenant contoso, SyncRun contoso-manual" in events[0].message


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"username": b"app"}, "CredentialsSecretIncomplete"),
        (
            {"tls.crt": b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n", "tls.key": b"x"},
            "CertificateMalformed",
        ),
        (
            dict(
                zip(
                    ["tls.crt", "tls.key"],
                    certificate_pair(datetime.now(UTC) - timedelta(days=1)),
                    strict=True,
                )
            ),
            "CertificateExpired",
        ),
    ],
    ids=["no usable keys", "malformed certificate", "expired certificate"],
)
def test_unusable_credentials_fail_preflight_with_their_code(
    operator: OperatorProcess, namespace: str, data: dict[str, bytes], code: str
) -> None:
    resources = Resources(namespace)
    resources.secret("contoso-sp", data)
    resources.create("tenants", tenant_manifest("contoso"))
    resources.create("syncruns", syncrun_manifest("run-1", "contoso"))
    run = _finished_run(resources, "run-1")
    assert (run["status"]["phase"], run["status"]["error"]["code"]) == ("NewError", code)
    assert "PRIVATE KEY" not in str(run["status"])


def test_valid_certificate_passes_preflight_and_is_shown_on_the_tenant(
    operator: OperatorProcess, namespace: str
) -> None:
    resources = Resources(namespace)
    expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    cert, key = certificate_pair(expiry)
    resources.secret("contoso-sp", {"tls.crt": cert, "tls.key": key})
    resources.create("tenants", tenant_manifest("contoso"))
    resources.create("syncruns", syncrun_manifest("run-1", "contoso"))
    run = _finished_run(resources, "run-1")
    assert (
        run["status"]["error"]["code"] == "AuthenticationFailed"
    )  # preflight passed; the authority is closed
    tenant = wait_for(
        lambda: (t := resources.get("tenants", "contoso"))["status"].get("credentials") and t,
        "credentials status",
    )
    assert tenant["status"]["credentials"]["kind"] == "Certificate"
    assert datetime.fromisoformat(tenant["status"]["credentials"]["expiresAt"]) == expiry
    valid = condition(tenant, "CredentialsValid")
    assert valid is not None
    assert (valid["status"], valid["reason"]) == ("True", "ExpiringSoon")
    assert "expires in 19 days" in valid["message"] or "expires in 20 days" in valid["message"]


def test_schedule_creates_owned_runs_and_history_limits_prune_them(
    operator: OperatorProcess, namespace: str
) -> None:
    resources = Resources(namespace)
    resources.create(
        "tenants", tenant_manifest("contoso", schedule="*/2 * * * * *", failedRunsHistoryLimit=2)
    )
    first = wait_for(lambda: _runs(resources), "a scheduled run")[0]
    owner = first["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Tenant", "contoso", True)
    assert first["metadata"]["labels"]["tenantsync.io/tenant"] == "contoso"
    assert first["spec"]["trigger"] == "Schedule"
    # Every run fails preflight (no Secret), so at most two failed runs may remain at any time.
    wait_for(
        lambda: first["metadata"]["name"] not in [r["metadata"]["name"] for r in _runs(resources)],
        "the first run to be pruned",
    )
    # Pruning follows each finished run on the next scheduler pass, so the count settles at the limit.
    wait_for(
        lambda: len([r for r in _runs(resources) if (r.get("status") or {}).get("step") == "Done"]) <= 2,
        "the finished runs to be pruned down to failedRunsHistoryLimit",
    )
    assert resources.get("tenants", "contoso")["status"]["lastScheduleTime"] is not None


def test_suspend_stops_new_scheduled_runs(operator: OperatorProcess, namespace: str) -> None:
    resources = Resources(namespace)
    resources.create("tenants", tenant_manifest("contoso", schedule="* * * * * *", suspend=True))
    wait_for(lambda: _phase(resources, "tenants", "contoso") == "NotRun", "status")
    # Several scheduler passes (one a second) over a suspended Tenant start nothing.
    time.sleep(4)
    assert resources.list("syncruns") == []
    resources.patch("tenants", "contoso", {"spec": {"suspend": False}})
    wait_for(lambda: _runs(resources), "a run once the Tenant is resumed")


def test_sync_requested_at_starts_one_run_per_new_value(operator: OperatorProcess, namespace: str) -> None:
    resources = Resources(namespace)
    resources.create("tenants", tenant_manifest("contoso"))
    wait_for(lambda: _phase(resources, "tenants", "contoso") == "NotRun", "status")

    def request(value: str) -> None:
        resources.patch(
            "tenants", "contoso", {"metadata": {"annotations": {"tenantsync.io/sync-requested-at": value}}}
        )

    request("2026-11-25T06:00:00Z")
    wait_for(lambda: len(_runs(resources)) == 1, "one run for the request")
    tenant = wait_for(
        lambda: (t := resources.get("tenants", "contoso"))["status"].get("lastHandledSyncRequest") and t,
        "handled",
    )
    assert tenant["status"]["lastHandledSyncRequest"] == "2026-11-25T06:00:00Z"
    assert _runs(resources)[0]["spec"]["trigger"] == "SyncRequest"

    # Touching the Tenant without a new value starts nothing; a new value starts exactly one more run.
    resources.patch("tenants", "contoso", {"metadata": {"labels": {"touched": "yes"}}})
    wait_for(
        lambda: _finished_run(resources, _runs(resources)[0]["metadata"]["name"]), "the first run to finish"
    )
    request("2026-11-25T07:00:00Z")
    wait_for(lambda: len(_runs(resources)) == 2, "a second run for the new value")
    time.sleep(2)
    assert len(_runs(resources)) == 2


def test_run_for_a_missing_tenant_says_so(operator: OperatorProcess, namespace: str) -> None:
    resources = Resources(namespace)
    resources.create("syncruns", syncrun_manifest("orphan", "nobody"))
    run = _finished_run(resources, "orphan")
    assert run["status"]["error"]["code"] == "TenantResourceNotFound"
    assert "Tenant nobody" in run["status"]["message"]


def test_restarted_operator_resumes_a_run_at_its_stored_step(
    operator: OperatorProcess, namespace: str
) -> None:
    """A run whose status says preflight is done continues at Authenticate after a crash.

    The Tenant's repository is unreachable: if preflight ran again the run would fail with
    RepositoryUnreachable; resumed at its stored step it fails signing in (the authority is a closed port).
    """
    resources = Resources(namespace)
    resources.secret("contoso-sp", {"clientSecret": b"value"})
    resources.create(
        "tenants", tenant_manifest("contoso", repository={"url": "http://127.0.0.1:9/tenants.git"})
    )
    operator.kill()
    resources.create("syncruns", syncrun_manifest("run-1", "contoso"))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    resources.patch_status(
        "syncruns", "run-1", {"phase": "InProgress", "step": "Authenticate", "startTime": now}
    )
    operator.start()
    run = _finished_run(resources, "run-1")
    assert run["status"]["error"]["code"] == "AuthenticationFailed"
    assert "Cannot reach the identity platform at https://127.0.0.1:9" in run["status"]["error"]["message"]
    assert run["status"]["startTime"].startswith(now[:16])


def test_preflight_refuses_an_unreachable_repository(operator: OperatorProcess, namespace: str) -> None:
    resources = Resources(namespace)
    resources.secret("contoso-sp", {"clientSecret": b"value"})
    resources.create(
        "tenants", tenant_manifest("contoso", repository={"url": "http://127.0.0.1:9/tenants.git"})
    )
    resources.create("syncruns", syncrun_manifest("run-1", "contoso"))
    run = _finished_run(resources, "run-1")
    assert run["status"]["error"]["code"] == "RepositoryUnreachable"
    assert "127.0.0.1:9" in run["status"]["error"]["message"]


def test_deleting_a_tenant_garbage_collects_its_runs(operator: OperatorProcess, namespace: str) -> None:
    resources = Resources(namespace)
    resources.create("tenants", tenant_manifest("contoso"))
    resources.create("syncruns", syncrun_manifest("by-hand", "contoso"))
    adopted = wait_for(
        lambda: (r := resources.get("syncruns", "by-hand"))["metadata"].get("ownerReferences") and r,
        "adoption",
    )
    assert adopted["metadata"]["ownerReferences"][0]["name"] == "contoso"
    resources.delete("tenants", "contoso")
    wait_for(
        lambda: resources.list("syncruns") == [], "kube-controller-manager to collect the runs", timeout=90
    )
