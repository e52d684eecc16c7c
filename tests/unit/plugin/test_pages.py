"""Every error code's troubleshooting page ships in the package, and docs/troubleshooting is that folder."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tenantsync.api import ErrorCode
from tenantsync.cli.plugin_pages import PAGES, troubleshooting_page

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("code", list(ErrorCode))
def test_each_code_has_its_page_in_the_package(code: ErrorCode) -> None:
    page = troubleshooting_page(code.value)
    assert page is not None
    assert page.startswith(f"# {code.value}")


def test_unknown_and_odd_codes_have_no_page() -> None:
    assert troubleshooting_page("NoSuchCode") is None
    assert troubleshooting_page("../README") is None
    assert troubleshooting_page("") is None


def test_one_copy_the_docs_folder_is_the_package_folder() -> None:
    docs = ROOT / "docs" / "troubleshooting"
    assert docs.is_symlink()
    assert docs.resolve() == (ROOT / "operator" / "tenantsync" / "troubleshooting").resolve()
    assert Path(str(PAGES)).resolve() == docs.resolve()


def test_the_pages_are_package_data_so_a_wheel_carries_them() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["tenantsync"]
    assert "troubleshooting/*.md" in patterns
    shipped = {p.name for p in (ROOT / "operator" / "tenantsync").glob("troubleshooting/*.md")}
    assert {f"{code.value}.md" for code in ErrorCode} <= shipped
