"""Where `kubectl tenantsync` writes: stdout for results, stderr for progress, in kubectl's `-o` formats.

`-o json|yaml` print Kubernetes objects as the API server serves them, several in a `v1 List` (what
`kubectl get -o json` prints, so the output pipes into `kubectl apply`, `jq` and `yq` alike); `-o name`
prints `TYPE/NAME` lines; tables are for people and fit the terminal (plugin_table).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import yaml
from rich.console import Console
from rich.markdown import Markdown
from rich.text import Text

from tenantsync.cli.plugin_format import Line
from tenantsync.cli.plugin_refs import Kind
from tenantsync.cli.plugin_table import Cell, Column, Layout, layout
from tenantsync.cli.plugin_wrap import wrap, wrap_command


class Output(StrEnum):
    JSON = "json"
    YAML = "yaml"
    NAME = "name"
    WIDE = "wide"

    @property
    def document(self) -> bool:
        """Machine-readable documents rather than a table or text for people."""
        return self in (Output.JSON, Output.YAML)


def object_list(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Several objects as kubectl prints them: a `v1 List`."""
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": list(items)}


def object_name(obj: Mapping[str, Any]) -> str:
    """`-o name`: `tenant.tenantsync.io/contoso`, `event/contoso-1.17a3...`."""
    kind = obj.get("kind", "")
    prefix = Kind(kind).resource if kind in {k.value for k in Kind} else kind.lower()
    return f"{prefix}/{obj['metadata']['name']}"


class Terminal:
    """stdout for results, stderr for progress and errors; colour, spinners and fitting only on a terminal."""

    def __init__(self) -> None:
        self.out = Console(highlight=False, markup=False, emoji=False)
        self.err = Console(stderr=True, highlight=False, markup=False, emoji=False)

    @property
    def width(self) -> int | None:
        """The terminal's width in cells; None when stdout is a pipe or a file (nothing is wrapped)."""
        return self.out.width if self.out.is_terminal else None

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], wide: bool = False) -> Layout:
        """Print a table; returns its layout, so that rows printed later (watch, follow) line up."""
        chosen = layout(columns, rows, self.width, wide)
        self._fitted(chosen.header())
        for row in rows:
            self.row(chosen, row)
        return chosen

    def row(self, chosen: Layout, cells: Sequence[Cell]) -> None:
        for line in chosen.row(cells):
            self._fitted(line)

    def _fitted(self, line: Text) -> None:
        """A table line as the layout made it: the console neither wraps nor cuts it."""
        self.out.print(line, soft_wrap=True, crop=False)

    def text(self, line: Text | str, indent: int = 0) -> None:
        """Prose: wrapped at spaces on a terminal, lines after the first `indent` spaces in; one line per
        line elsewhere, for grep."""
        text = line if isinstance(line, Text) else Text(line)
        if not self.out.is_terminal:
            self._fitted(text)
            return
        for wrapped in wrap(text, self.out.width, indent):
            self._fitted(wrapped)

    def command(self, line: Text | str) -> None:
        """A command to copy: on a terminal wrapped with ` \\` continuations, so it pastes back whole."""
        text = line if isinstance(line, Text) else Text(line)
        for wrapped in wrap_command(text, self.out.width) if self.out.is_terminal else [text]:
            self._fitted(wrapped)

    def names(self, objects: Sequence[Mapping[str, Any]]) -> None:
        """`-o name`: one `TYPE/NAME` a line, nothing at all for no objects."""
        for obj in objects:
            self._fitted(Text(object_name(obj)))

    def lines(self, lines: Sequence[Line]) -> None:
        for line in lines:
            if line.command:
                self.command(Text(line.text, style=line.style))
            else:
                self.text(Text(line.text, style=line.style), line.indent)

    def markdown(self, text: str) -> None:
        """A page: rendered on a terminal, the Markdown source elsewhere (to paste or pipe)."""
        if self.out.is_terminal:
            self.out.print(Markdown(text))
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")

    def note(self, text: str, style: str = "") -> None:
        """Progress and errors on stderr: wrapped at spaces on a terminal, one line elsewhere."""
        lines = (
            wrap(Text(text, style=style), self.err.width)
            if self.err.is_terminal
            else [Text(text, style=style)]
        )
        for line in lines:
            self.err.print(line, soft_wrap=True)

    def flush(self) -> None:
        self.out.file.flush()

    @contextmanager
    def waiting(self, text: str) -> Iterator[None]:
        """A spinner on a terminal; elsewhere the same words once, so logs show what the wait was for."""
        if self.err.is_terminal:
            with self.err.status(text):
                yield
        else:
            self.note(text)
            yield


def emit(data: Any, output: Output) -> None:
    """One JSON or YAML document on stdout."""
    if output == Output.JSON:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))
    sys.stdout.flush()


def emit_next(data: Any, output: Output) -> None:
    """A document after the first (`-w`): YAML documents are separated by `---`, JSON ones follow."""
    if output == Output.YAML:
        sys.stdout.write("---\n")
    emit(data, output)
