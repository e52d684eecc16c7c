"""`kubectl tenantsync` sync, approve/reject/revert and login against the real API server.

Where a command waits for the operator, a small stand-in thread plays the operator's part of the
contract (SPEC §2: it handles the sync-requested-at annotation by creating a SyncRun and recording
the value, and it moves runs through their phases); one test runs the real operator instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from tenantsync.api import APPROVAL, APPROVAL_DIGEST, SYNC_REQUESTED_AT
from tests.integration.plugin.plugin_support import (
    RunningPlugin,
    annotations_of,
    condition,
    make_run,
    make_tenant,
    plugin,
)
from tests.support.cluster import kubectl, wait_for
from tests.support.operator import OperatorProcess
from tests.support.resources import Resources

pytestmark = pytest.mark.integration

TIMED_OUT = (
    "User authentication failed - Authentication timed out waiting for delegated authentication to complete."
    " Sync again and complete the steps for authentication. Configurations requiring user account"
    " authentication will not be backed up until the Sync authenticates successfully."
)


DECLINED = (
    "User authentication failed - The sign-in was declined or the code was not accepted. Sync again and"
    " complete the steps for authentication. Configurations requiring user account authentication will not be"
    " backed up until the Sync authenticates successfully."
)


class StandInOperator:
    """Answers one sync request the way the operator does, then plays `phases` on the new run."""

    def __init__(
        self,
        resources: Resources,
        tenant: str,
        run: str,
        phases: list[dict[str, Any]],
        before_run: Callable[[], None] = lambda: None,
        record_after: float = 0.0,
    ) -> None:
        """`before_run` runs once the request is seen (e.g. to finish a run in the way); `record_after`
        is how long the new run exists before the request is recorded as handled."""
        self.resources, self.tenant, self.run, self.phases = resources, tenant, run, phases
        self.before_run, self.record_after = before_run, record_after
        self.handled: str | None = None
        self.failure: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    def __enter__(self) -> StandInOperator:
        tenant = self.resources.get("tenants", self.tenant)
        self._before = (tenant["metadata"].get("annotations") or {}).get(SYNC_REQUESTED_AT)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if self.failure is not None:
            raise self.failure

    def _main(self) -> None:
        try:
            while not self._stop.is_set():
                tenant = self.resources.get("tenants", self.tenant)
                requested = (tenant["metadata"].get("annotations") or {}).get(SYNC_REQUESTED_AT)
                if requested and requested != self._before:
                    break
                time.sleep(0.2)
            else:
                return
            time.sleep(0.5)  # The plugin sees a request not yet handled for a while, as with a real operator.
            self.before_run()
            make_run(
                self.resources,
                self.run,
                self.tenant,
                {"phase": "Starting", "step": "Preflight"},
                "SyncRequest",
            )
            time.sleep(self.record_after)
            self.resources.patch_status("tenants", self.tenant, {"lastHandledSyncRequest": requested})
            self.handled = requested
            for status in self.phases:
                time.sleep(0.5)
                self.resources.patch_status("syncruns", self.run, status)
        except BaseException as error:  # surfaced by __exit__
            self.failure = error


@pytest.fixture
def resources(namespace: str) -> Resources:
    store = Resources(namespace)
    make_tenant(store, "contoso", {"phase": "Idle", "message": "The tenant matches the desired state."})
    # An older, finished run: never mistaken for the new one.
    make_run(
        store, "contoso-old", "contoso", {"phase": "Succeeded", "step": "Done", "message": "No changes."}
    )
    return store


def test_sync_prints_the_new_run_and_waits_for_approval(resources: Resources, namespace: str) -> None:
    phases = [
        {"phase": "InProgress", "step": "Backup", "message": "Backing up."},
        {"phase": "PendingApproval", "step": "Approval", "message": "2 changes wait for approval."},
    ]
    with StandInOperator(resources, "contoso", "contoso-20261123-070000", phases) as stand_in:
        result = plugin(namespace, "sync", "contoso", "--wait", "--timeout", "60")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "contoso-20261123-070000"
    assert lines[1] == "SyncRun contoso-20261123-070000: Pending approval - 2 changes wait for approval."
    assert f"kubectl tenantsync plan -n {namespace} contoso-20261123-070000" in lines[2]
    value = annotations_of(resources, "tenants", "contoso")[SYNC_REQUESTED_AT]
    assert value == stand_in.handled
    assert value.endswith("Z")
    assert f"Requested a sync of Tenant {namespace}/contoso ({SYNC_REQUESTED_AT}={value})." in result.stderr


def test_sync_without_wait_returns_once_the_run_exists(resources: Resources, namespace: str) -> None:
    # The request value is new each time, even when the Tenant already carries one.
    resources.patch("tenants", "contoso", {"metadata": {"annotations": {SYNC_REQUESTED_AT: "earlier"}}})
    with StandInOperator(resources, "contoso", "contoso-20261123-080000", []):
        result = plugin(namespace, "sync", "contoso")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "contoso-20261123-080000\n"
    assert annotations_of(resources, "tenants", "contoso")[SYNC_REQUESTED_AT] != "earlier"


def test_sync_wait_on_a_failed_run_exits_1_and_points_to_the_error(
    resources: Resources, namespace: str
) -> None:
    phases = [
        {
            "phase": "NewError",
            "step": "Done",
            "message": "The client secret expired.",
            "error": {
                "code": "ClientSecretExpired",
                "message": "The client secret expired.",
                "troubleshootingUrl": "https://example.com/ClientSecretExpired.md",
            },
        }
    ]
    with StandInOperator(resources, "contoso", "contoso-20261123-090000", phases):
        result = plugin(namespace, "sync", "tenant/contoso", "--wait", "--timeout", "60")
    assert result.returncode == 3, result.stdout
    assert (
        result.stdout.splitlines()[1]
        == "SyncRun contoso-20261123-090000: New error - The client secret expired."
    )
    assert f"kubectl tenantsync error -n {namespace} contoso-20261123-090000" in result.stdout


def test_sync_with_no_operator_times_out_clearly(resources: Resources, namespace: str) -> None:
    result = plugin(namespace, "sync", "contoso", "--timeout", "3")
    assert result.returncode == 4
    assert result.stdout == ""
    assert "no SyncRun started for Tenant 'contoso' in time" in result.stderr
    assert "Is the operator running" in result.stderr
    assert SYNC_REQUESTED_AT in annotations_of(resources, "tenants", "contoso")


def test_sync_never_reports_its_own_new_run_as_the_one_it_waits_behind(
    resources: Resources, namespace: str
) -> None:
    # The operator creates the run, then records the request as handled: for a while the new run is
    # active while the request still looks pending.
    phases = [{"phase": "PendingApproval", "step": "Approval", "message": "1 change waits for approval."}]
    with StandInOperator(resources, "contoso", "contoso-20261123-100000", phases, record_after=3):
        result = plugin(namespace, "sync", "contoso", "--wait", "--timeout", "60")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "contoso-20261123-100000"
    assert " is still " not in result.stderr, result.stderr


def test_sync_names_the_run_it_waits_behind(resources: Resources, namespace: str) -> None:
    make_run(
        resources, "contoso-busy", "contoso", {"phase": "InProgress", "step": "Backup", "message": "..."}
    )

    def busy_run_finishes() -> None:
        time.sleep(2)
        resources.patch_status("syncruns", "contoso-busy", {"phase": "Succeeded", "step": "Done"})

    with StandInOperator(resources, "contoso", "contoso-20261123-110000", [], before_run=busy_run_finishes):
        result = plugin(namespace, "sync", "contoso", "--timeout", "60")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "contoso-20261123-110000\n"
    assert (
        "SyncRun contoso-busy is still In progress: the new sync starts when it has finished."
        in result.stderr
    )
    assert result.stderr.count(" is still ") == 1


def test_sync_of_a_missing_tenant_fails(namespace: str) -> None:
    result = plugin(namespace, "sync", "nope")
    assert result.returncode == 1
    assert 'Tenant "nope" not found' in result.stderr


def test_sync_with_the_real_operator(operator: OperatorProcess, namespace: str) -> None:
    store = Resources(namespace)
    make_tenant(store, "contoso")  # its credentials Secret does not exist: preflight stops the run
    wait_for(lambda: (store.get("tenants", "contoso").get("status") or {}).get("phase") == "NotRun", "NotRun")
    result = plugin(namespace, "sync", "contoso", "--wait", "--timeout", "90", timeout=120)
    assert result.returncode == 3, f"{result.stdout}\n{result.stderr}\n{operator.log()}"
    assert " is still " not in result.stderr, "the new run is never the one the request waits behind"
    name = result.stdout.splitlines()[0]
    run = store.get("syncruns", name)
    assert run["spec"] == {"tenantRef": {"name": "contoso"}, "trigger": "SyncRequest"}
    assert run["status"]["phase"] == "NewError"
    assert run["status"]["error"]["code"] == "CredentialsSecretNotFound"
    assert result.stdout.splitlines()[1].startswith(f"SyncRun {name}: New error - ")
    tenant = store.get("tenants", "contoso")
    assert tenant["status"]["lastHandledSyncRequest"] == tenant["metadata"]["annotations"][SYNC_REQUESTED_AT]


DIGEST = "1d2c3b4a5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809"
"""As the operator writes it: sha256 in hex."""

PENDING_APPROVAL = {
    "phase": "PendingApproval",
    "step": "Approval",
    "message": "2 changes wait for approval.",
    "plan": {
        "digest": DIGEST,
        "changeCount": 2,
        "changes": [
            {"action": "create", "type": "namedLocations", "id": "loc-1", "displayName": "Office", "changedFields": []},
            {"action": "update", "type": "securityDefaults", "id": "securityDefaults",
             "displayName": "Security defaults", "changedFields": ["isEnabled"]},
        ],
    },
}  # fmt: skip


@pytest.mark.parametrize(
    ("verb", "value", "said"),
    [
        (
            "approve",
            "approve",
            "Approved SyncRun contoso-1 (plan 1d2c3b4a5e6f, 2 changes): the operator deploys",
        ),
        (
            "reject",
            "reject",
            "Rejected SyncRun contoso-1 (plan 1d2c3b4a5e6f, 2 changes): nothing is deployed",
        ),
        (
            "revert",
            "reject-and-revert",
            "Rejected and reverted SyncRun contoso-1 (plan 1d2c3b4a5e6f, 2 changes)",
        ),
    ],
)
def test_decisions_set_the_approval_annotation(
    resources: Resources, namespace: str, verb: str, value: str, said: str
) -> None:
    make_run(resources, "contoso-1", "contoso", PENDING_APPROVAL)
    result = plugin(namespace, verb, "sr/contoso-1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(said)
    annotations = annotations_of(resources, "syncruns", "contoso-1")
    assert annotations[APPROVAL] == value
    # An approval names the plan it was given for; a rejection needs no plan.
    assert annotations.get(APPROVAL_DIGEST) == (DIGEST if verb == "approve" else None)


def test_a_plan_of_one_change_is_said_in_the_singular(resources: Resources, namespace: str) -> None:
    plan = PENDING_APPROVAL["plan"]
    assert isinstance(plan, dict)
    one = {**PENDING_APPROVAL, "plan": {**plan, "changeCount": 1, "changes": plan["changes"][:1]}}
    make_run(resources, "contoso-1", "contoso", one)
    result = plugin(namespace, "approve", "contoso-1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Approved SyncRun contoso-1 (plan 1d2c3b4a5e6f, 1 change): ")


def test_approve_binds_to_the_plan_reviewed(resources: Resources, namespace: str) -> None:
    make_run(resources, "contoso-1", "contoso", PENDING_APPROVAL)
    # Another plan's digest, and too short a start of this one (fewer than 8 characters name nothing).
    for digest in ("99999999", "1d2c3b4"):
        other = plugin(namespace, "approve", "contoso-1", "--digest", digest)
        assert other.returncode == 1
        assert f"waits for approval of plan 1d2c3b4a5e6f, not {digest}: review that plan" in other.stderr
    assert APPROVAL not in annotations_of(resources, "syncruns", "contoso-1")
    reviewed = plugin(namespace, "approve", "contoso-1", "--digest", "1D2C3B4A")
    assert reviewed.returncode == 0, reviewed.stderr
    annotations = annotations_of(resources, "syncruns", "contoso-1")
    assert (annotations[APPROVAL], annotations[APPROVAL_DIGEST]) == ("approve", "1D2C3B4A")
    usage = plugin(namespace, "reject", "contoso-1", "--digest", "1d2c3b4a")
    assert usage.returncode == 2


def test_a_further_approver_adds_their_own_approval(resources: Resources, namespace: str) -> None:
    make_tenant(resources, "fabrikam", {"phase": "PendingApproval"}, requiredApprovals=2)
    make_run(resources, "fabrikam-1", "fabrikam", PENDING_APPROVAL)
    assert plugin(namespace, "approve", "fabrikam-1").returncode == 0
    second = plugin(namespace, "approve", "tenant/fabrikam", "--digest", DIGEST[:8])
    assert second.returncode == 0, second.stderr
    user = kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").stdout
    assert second.stdout.startswith(f"Added the approval of {user} to SyncRun fabrikam-1 (plan 1d2c3b4a5e6f)")
    annotations = annotations_of(resources, "syncruns", "fabrikam-1")
    assert annotations[f"approval.tenantsync.io/{user}"] == "1d2c3b4a5e6f"
    assert annotations[APPROVAL] == "approve"


@pytest.mark.parametrize("verb", ["approve", "reject", "revert"])
def test_decisions_on_a_run_not_pending_approval_are_refused(
    resources: Resources, namespace: str, verb: str
) -> None:
    result = plugin(namespace, verb, "contoso-old")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: SyncRun contoso-old is Succeeded (phase Succeeded), not Pending approval: there is nothing to {verb}."
    )
    assert APPROVAL not in annotations_of(resources, "syncruns", "contoso-old")
    make_run(resources, "contoso-auth", "contoso", {"phase": "PendingAuthentication", "step": "Authenticate"})
    pending_auth = plugin(namespace, verb, "contoso-auth")
    assert pending_auth.returncode == 1
    assert (
        "is Pending authentication (phase PendingAuthentication), not Pending approval" in pending_auth.stderr
    )


def test_a_decision_not_yet_acted_on_is_changed_only_with_overwrite(
    resources: Resources, namespace: str
) -> None:
    make_run(resources, "contoso-1", "contoso", PENDING_APPROVAL)
    assert plugin(namespace, "approve", "contoso-1").returncode == 0
    again = plugin(namespace, "approve", "contoso-1")
    assert again.returncode == 0
    assert "already carries tenantsync.io/approval=approve" in again.stdout
    refused = plugin(namespace, "reject", "contoso-1")
    assert refused.returncode == 1
    assert "pass --overwrite to change the decision" in refused.stderr
    assert annotations_of(resources, "syncruns", "contoso-1")[APPROVAL] == "approve"
    # tenant/NAME decides on the Tenant's newest run.
    assert plugin(namespace, "revert", "tenant/contoso", "--overwrite").returncode == 0
    assert annotations_of(resources, "syncruns", "contoso-1")[APPROVAL] == "reject-and-revert"


def _pending_authentication(expires_in: int = 170) -> dict[str, Any]:
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + expires_in))
    return {
        "phase": "PendingAuthentication",
        "step": "Authenticate",
        "message": "Waiting for a user to sign in with code GQ7HW2KXP at https://microsoft.com/devicelogin.",
        "authentication": {
            "servicePrincipal": "SignedIn",
            "user": {
                "state": "Pending",
                "userCode": "GQ7HW2KXP",
                "verificationUri": "https://microsoft.com/devicelogin",
                "expiresAt": expires,
                "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin"
                " and enter the code GQ7HW2KXP to authenticate.",
            },
        },
    }


def _login_until(namespace: str, then: Callable[[RunningPlugin], None]) -> tuple[int, RunningPlugin]:
    """Start `login`, wait until it shows the code and waits, do `then`, and return how it ended."""
    login = RunningPlugin(namespace, "login", "contoso", "--timeout", "60")
    try:
        login.wait_for_output("GQ7HW2KXP")
        login.wait_for_output("Waiting for the sign-in")
        then(login)
        return login.finish(timeout=30), login
    finally:
        login.kill()


def test_login_shows_the_code_and_waits_for_the_sign_in(resources: Resources, namespace: str) -> None:
    make_run(resources, "contoso-1", "contoso", _pending_authentication())

    def sign_in(login: RunningPlugin) -> None:
        time.sleep(1.5)
        assert login.process.poll() is None, "login must wait while the sign-in is pending"
        resources.patch_status(
            "syncruns",
            "contoso-1",
            {
                "phase": "InProgress",
                "step": "Backup",
                "message": "Backing up.",
                "authentication": {
                    "user": {"state": "SignedInByDeviceCode", "userCode": None, "message": None}
                },
                "conditions": [
                    condition("Authenticated", "True", "SignedIn", "Signed in.", "2026-11-23T06:01:00Z")
                ],
            },
        )

    code, login = _login_until(namespace, sign_in)
    assert code == 0, login.output()
    out = "".join(login.stdout)
    assert "Tenant contoso (SyncRun contoso-1) needs a signed-in user. To sign in, open" in out
    assert "    https://microsoft.com/devicelogin\nand enter the code\n    GQ7HW2KXP\n" in out
    assert "The code expires in 2m" in out
    assert out.splitlines()[-1] == "Signed in. SyncRun contoso-1 goes on: In progress."


def test_login_reports_a_timed_out_sign_in(resources: Resources, namespace: str) -> None:
    make_run(resources, "contoso-1", "contoso", _pending_authentication())

    def time_out(_: RunningPlugin) -> None:
        resources.patch_status(
            "syncruns",
            "contoso-1",
            {
                "phase": "InProgress",
                "step": "Backup",
                "message": TIMED_OUT,
                "authentication": {"user": {"state": "TimedOut", "userCode": None, "message": TIMED_OUT}},
            },
        )

    code, login = _login_until(namespace, time_out)
    assert code == 3, login.output()
    assert "".join(login.stdout).splitlines()[-1] == TIMED_OUT


def test_login_reports_a_declined_sign_in(resources: Resources, namespace: str) -> None:
    make_run(resources, "contoso-1", "contoso", _pending_authentication())

    def decline(_: RunningPlugin) -> None:
        resources.patch_status(
            "syncruns",
            "contoso-1",
            {
                "phase": "InProgress",
                "step": "Backup",
                "message": DECLINED,
                "authentication": {"user": {"state": "Failed", "userCode": None, "message": DECLINED}},
            },
        )

    code, login = _login_until(namespace, decline)
    assert code == 3, login.output()
    assert "".join(login.stdout).splitlines()[-1] == DECLINED
    # `error` prints the sign-in failure once the run has finished.
    resources.patch_status("syncruns", "contoso-1", {"phase": "PartiallySuccessful", "step": "Done"})
    error = plugin(namespace, "error", "contoso-1")
    assert f"User sign-in (Failed): {DECLINED}" in error.stdout, error.stdout


def test_login_when_nothing_is_pending(resources: Resources, namespace: str) -> None:
    result = plugin(namespace, "login", "contoso")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "No sign-in is pending: the newest SyncRun of Tenant contoso, contoso-old, is Succeeded."
    )
    assert "has no spec.userAuthentication" in result.stdout
