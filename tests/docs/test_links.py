"""No dead links: every relative link in README.md and docs/ opens a file of this repository, and every
anchor names a heading of the page it points at (GitHub's heading ids)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
FENCE = re.compile(r"^\s*(```|~~~).*?^\s*\1\s*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def markdown_files() -> list[Path]:
    """README.md and every page under docs/, following symlinked folders (the troubleshooting pages)."""
    files = [ROOT / "README.md"]
    for folder, _, names in os.walk(ROOT / "docs", followlinks=True):
        files += sorted(Path(folder) / name for name in names if name.endswith(".md"))
    return files


def prose(text: str) -> str:
    """The text outside code: links shown as code are examples, not links."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    body = prose(text)
    return INLINE_LINK.findall(body) + REFERENCE_LINK.findall(body)


def anchor_of(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens."""
    plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", plain.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {anchor_of(heading) for heading in HEADING.findall(FENCE.sub("", page.read_text()))}


def dead_links(page: Path, root: Path = ROOT) -> list[str]:
    problems = []
    for link in links(page.read_text()):
        if EXTERNAL.match(link):
            continue
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.is_relative_to(root.resolve()):
            problems.append(f"{link}: outside the repository")
        elif not target.exists():
            problems.append(f"{link}: no such file")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            problems.append(f"{link}: no heading #{anchor} in {target.name}")
    return problems


@pytest.mark.parametrize("page", markdown_files(), ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_opens_something_real(page: Path) -> None:
    assert dead_links(page) == []


def test_the_pages_are_found() -> None:
    names = {str(page.relative_to(ROOT)) for page in markdown_files()}
    assert {"README.md", "docs/install.md", "docs/alerts.md", "docs/troubleshooting/README.md"} <= names


def test_dead_links_anchors_and_links_out_of_the_repository_are_reported(tmp_path: Path) -> None:
    """The check can fail: each kind of dead link is named, and links in code are not links."""
    (tmp_path / "other.md").write_text("# Other page\n\n## A `code` heading, twice!\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md) [ok anchor](other.md#a-code-heading-twice) [self](#title)\n"
        "# Title\n"
        "[gone](missing.md) [bad anchor](other.md#nowhere) [escape](../outside.md)\n"
        "[web](https://example.com/x.md) `[code](missing-in-code.md)`\n"
        "```\n[fenced](missing-in-fence.md)\n```\n"
        "[ref]: gone-too.md\n"
    )
    assert dead_links(page, root=tmp_path) == [
        "missing.md: no such file",
        "other.md#nowhere: no heading #nowhere in other.md",
        "../outside.md: outside the repository",
        "gone-too.md: no such file",
    ]
