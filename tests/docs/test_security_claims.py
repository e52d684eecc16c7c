"""docs/security.md stays true: every test it names exists, so a renamed or deleted test breaks the build
instead of leaving a claim without its proof."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECURITY = ROOT / "docs" / "security.md"
# `tests/x.py::test_name`, or `::test_name` meaning the file named last.
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?::(\w+)`")


def named_tests() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    current = ""
    for path, name in REFERENCE.findall(SECURITY.read_text()):
        current = path or current
        assert current, f"`::{name}` in docs/security.md follows no test file"
        found.append((current, name))
    return found


def test_every_test_named_in_the_threat_model_exists() -> None:
    references = named_tests()
    assert len(references) > 30, "docs/security.md names its tests as `tests/<file>.py::<test>`"
    missing = []
    for path, name in references:
        file = ROOT / path
        defined = (
            {
                n.name
                for n in ast.walk(ast.parse(file.read_text()))
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            }
            if file.is_file()
            else set()
        )
        if name not in defined:
            missing.append(f"{path}::{name}")
    assert missing == []
