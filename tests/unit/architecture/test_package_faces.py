"""Each package of the operator has a face: `__all__` lists exactly what it exports (as httpx checks its
own), and other packages import through it, never from a module behind it. The face is the one boundary,
so the modules behind it carry plain names: no `_`-prefixed modules, in the operator or the simulator."""

from __future__ import annotations

import ast
import importlib
import types
from pathlib import Path

import pytest

import tenantsync
import tenantsync_sim

ROOT = Path(tenantsync.__file__).parent
SIM_ROOT = Path(tenantsync_sim.__file__).parent
PACKAGES = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists())


@pytest.mark.parametrize("name", PACKAGES)
def test_the_face_exports_exactly_what_it_imports(name: str) -> None:
    package = importlib.import_module(f"tenantsync.{name}")
    public = {
        member
        for member, value in vars(package).items()
        if not member.startswith("_") and not isinstance(value, types.ModuleType) and member != "annotations"
    }
    assert sorted(package.__all__) == sorted(public)


def imports_behind_a_face(path: Path) -> list[str]:
    own = path.relative_to(ROOT).parts[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tenantsync."):
            parts = node.module.split(".")
            if len(parts) > 2 and parts[1] != own:
                found.append(f"{path.relative_to(ROOT)}: from {node.module}")
    return found


def test_packages_import_each_other_through_their_faces() -> None:
    offenders = [
        line
        for path in sorted(ROOT.rglob("*.py"))
        if path.parent != ROOT
        for line in imports_behind_a_face(path)
    ]
    assert offenders == []


def test_no_module_is_private_by_name() -> None:
    underscored = [
        "/".join(path.relative_to(root.parent).parts)
        for root in (ROOT, SIM_ROOT)
        for path in sorted(root.rglob("_*.py"))
        if path.name not in ("__init__.py", "__main__.py")
    ]
    assert underscored == []
