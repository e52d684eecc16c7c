"""kubectl-style tables that fit the terminal without cutting a name.

On a terminal narrower than the whole table, columns go by priority (the highest number first) until
what is left fits with a message at least PROSE_WIDTH wide; if the essential columns leave less, the
message narrows down to MIN_PROSE_WIDTH before it goes too. Prose (messages) wraps at spaces onto more
lines under its own column, at spaces only. Nothing is cut: a name that cannot fit makes the line longer
instead. A word in a message wider than its column (a GUID, a run name, a URL) keeps a line of its own,
whole, moved left into the blank cells before the column so that it ends at the terminal's edge: broken,
it could not be copied or clicked.
Output that is not a terminal has no width: every default column, one line per row, for grep.
`-o wide` drops nothing; when that is wider than the terminal, its lines are longer, with the prose
wrapped at PROSE_WIDTH.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

from tenantsync.cli.plugin_wrap import wrap

GAP = 3
"""Spaces between columns, as kubectl's tabwriter."""

PROSE_WIDTH = 40
"""Room a message keeps before it starts taking it from other columns: a few words a line."""

MIN_PROSE_WIDTH = 20
"""Narrower than this, a message is a column of word fragments: it goes instead."""


@dataclass(frozen=True)
class Column:
    header: str
    priority: int = 0
    """0: always shown. On a narrow terminal the column with the highest number goes first."""
    prose: bool = False
    """Wraps onto more lines; every other column keeps its values whole."""
    wide: bool = False
    """Shown only with `-o wide` (which shows every column and drops none)."""
    min_width: int = 0
    """Room kept for longer values a later row may bring (`status -w`, `logs -f`)."""


Cell = str | Text


def _text(cell: Cell) -> Text:
    return cell if isinstance(cell, Text) else Text(cell)


@dataclass(frozen=True)
class Layout:
    """Which columns show, in order, and how wide each is."""

    columns: tuple[Column, ...]
    indices: tuple[int, ...]
    widths: tuple[int, ...]
    terminal: int | None = None
    """The terminal's width, which a word wider than its column may reach into (None: not a terminal)."""

    def header(self) -> Text:
        return self._line([Text(self.columns[i].header) for i in self.indices], style="bold")

    def row(self, cells: Sequence[Cell]) -> list[Text]:
        """One table row as one or more lines (prose wraps; the other cells sit on the first line)."""
        wrapped: list[list[Text]] = []
        for index, width in zip(self.indices, self.widths, strict=True):
            text = _text(cells[index])
            if self.columns[index].prose and text.cell_len > width:
                wrapped.append(wrap(text, width))
            else:
                wrapped.append([text])
        height = max(len(lines) for lines in wrapped)
        return [
            self._within(self._line([lines[n] if n < len(lines) else Text("") for lines in wrapped]))
            for n in range(height)
        ]

    def _within(self, line: Text) -> Text:
        """A line that is one word wider than its column (a URL on a line of its own) moves left into the
        blank cells before it, to end at the terminal's edge rather than past it."""
        if self.terminal is None or line.cell_len <= self.terminal or len(line.plain.split()) != 1:
            return line
        word = line[len(line.plain) - len(line.plain.lstrip()) :]
        return Text(" " * max(self.terminal - word.cell_len, 0)).append_text(word)

    def _line(self, cells: Sequence[Text], style: str = "") -> Text:
        line = Text(style=style)
        last = len(cells) - 1
        for position, (cell, width) in enumerate(zip(cells, self.widths, strict=True)):
            line.append_text(cell)
            if position < last:
                line.append(" " * (max(width - cell.cell_len, 0) + GAP))
        line.rstrip()
        return line


def layout(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int | None, wide: bool
) -> Layout:
    """Choose the columns and their widths for `rows` on a terminal `width` cells wide (None: no limit)."""
    natural = [
        max([cell_len(column.header), column.min_width, *(_text(row[i]).cell_len for row in rows)])
        for i, column in enumerate(columns)
    ]
    shown = [i for i, column in enumerate(columns) if wide or not column.wide]

    def least(i: int, prose_width: int = MIN_PROSE_WIDTH) -> int:
        return min(natural[i], prose_width) if columns[i].prose else natural[i]

    def needed(prose_width: int) -> int:
        return sum(least(i, prose_width) for i in shown) + GAP * (len(shown) - 1)

    # Other columns go first while the prose is short of its room; then the prose itself, if need be.
    for prose_width, prose_goes in ((PROSE_WIDTH, False), (MIN_PROSE_WIDTH, True)):
        while width is not None and not wide and needed(prose_width) > width:
            droppable = [i for i in shown if columns[i].priority > 0 and (prose_goes or not columns[i].prose)]
            if not droppable:
                break
            shown.remove(max(droppable, key=lambda i: (columns[i].priority, i)))

    # `-o wide` wider than the terminal anyway makes long lines, as kubectl's own; prose keeps its room.
    overflowing = wide and width is not None and needed(MIN_PROSE_WIDTH) > width
    floor = PROSE_WIDTH if overflowing else MIN_PROSE_WIDTH
    widths = {i: natural[i] for i in shown}
    prose = sorted((i for i in shown if columns[i].prose), key=lambda i: natural[i])
    if width is not None and prose:
        room = width - sum(natural[i] for i in shown if not columns[i].prose) - GAP * (len(shown) - 1)
        for position, i in enumerate(prose):
            share = room // (len(prose) - position)
            widths[i] = max(min(natural[i], share), least(i, floor))
            room -= widths[i]
    return Layout(tuple(columns), tuple(shown), tuple(widths[i] for i in shown), width)
