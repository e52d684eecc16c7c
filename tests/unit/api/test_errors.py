"""Every error code a status can carry has its troubleshooting page, listed in the index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tenantsync.api import ErrorCode, approver_handle, run_error

DOCS = Path(__file__).resolve().parents[3] / "docs" / "troubleshooting"


@pytest.mark.parametrize("code", list(ErrorCode))
def test_each_code_has_a_page_in_the_index(code: ErrorCode) -> None:
    page = DOCS / f"{code.value}.md"
    assert page.exists(), f"docs/troubleshooting/{code.value}.md is missing"
    assert page.read_text().startswith(f"# {code.value}")
    assert f"]({code.value}.md)" in (DOCS / "README.md").read_text()


def test_status_links_to_the_page() -> None:
    assert (
        run_error(
            ErrorCode.DELETION_GUARD, "Too many.", docs_base_url="https://docs.example/t/"
        ).troubleshootingUrl
        == "https://docs.example/t/DeletionGuard.md"
    )


def test_approver_handles_are_annotation_names_the_admission_policy_computes_alike() -> None:
    name = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
    assert approver_handle("alice") == "alice"
    assert approver_handle("alice@contoso.com") == "alice.contoso.com"
    assert approver_handle("system:serviceaccount:argocd:app") == "system.serviceaccount.argocd.app"
    assert all(name.fullmatch(approver_handle(u)) for u in ("bob", "carol@fabrikam.com", "oidc:dave"))
