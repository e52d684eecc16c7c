"""The troubleshooting page of each error code, shipped inside the package so `error` works offline.

The pages live in `tenantsync/troubleshooting/` (package data, so a wheel carries them); the
repository's `docs/troubleshooting` is a link to that folder, so there is one copy of each page.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

PAGES: Traversable = files("tenantsync") / "troubleshooting"


def troubleshooting_page(code: str) -> str | None:
    """The page of `code` as Markdown, or None for a code this version has no page for."""
    if not code.isidentifier():
        return None  # a code is a CamelCase word; anything else is not a file name to open
    page = PAGES / f"{code}.md"
    return page.read_text(encoding="utf-8") if page.is_file() else None
