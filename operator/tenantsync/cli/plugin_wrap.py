"""Wrapping text for people: at spaces only, with continuation lines under a hanging indent.

A GUID, a run name, a URL or a digest is something people copy; broken across two lines it names nothing
(and a terminal's own wrapping would break it at the edge). So a line breaks only at a space, and a word
longer than a whole line keeps a line of its own, longer than the width, rather than being cut.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text

WORD = re.compile(r"\S+")


def _breaks(plain: str, first: int, rest: int) -> list[int]:
    """Offsets where lines start: at a word, when the line so far and that word are wider than the line."""
    breaks: list[int] = []
    start, room, placed = 0, first, False
    for word in WORD.finditer(plain):
        if placed and cell_len(plain[start : word.end()]) > room:
            breaks.append(word.start())
            start, room = word.start(), rest
        placed = True
    return breaks


def wrap_command(text: Text | str, width: int) -> list[Text]:
    """A shell command in lines of at most `width` cells that paste back as the same command: each line
    but the last ends in ` \\`, the next starts two spaces further in, and a flag stays with its value."""
    line = text if isinstance(text, Text) else Text(text)
    plain = line.plain
    indent = len(plain) - len(plain.lstrip())
    words = list(WORD.finditer(plain))
    starts = [w.start() for n, w in enumerate(words) if n == 0 or not words[n - 1].group().startswith("-")]
    breaks: list[int] = []
    start = 0
    for n, begin in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(plain)
        room = width - len(" \\") - (indent + 2 if breaks else 0)
        if begin > start and cell_len(plain[start:end].rstrip()) > room:
            breaks.append(begin)
            start = begin
    pieces = line.divide(breaks)
    lines = []
    for number, piece in enumerate(pieces):
        piece.rstrip()
        if number < len(pieces) - 1:
            piece.append(" \\")
        lines.append(piece if number == 0 else Text(" " * (indent + 2)).append_text(piece))
    return lines


def wrap(text: Text | str, width: int, indent: int = 0) -> list[Text]:
    """`text` in lines of at most `width` cells but for words wider than that; lines after the first start
    with `indent` spaces (at most half the width, so that a long prefix leaves room for the words)."""
    indent = min(indent, width // 2)
    lines: list[Text] = []
    for paragraph in (text if isinstance(text, Text) else Text(text)).split("\n", allow_blank=True):
        pieces = paragraph.divide(_breaks(paragraph.plain, width, width - indent))
        for number, piece in enumerate(pieces):
            piece.rstrip()
            lines.append(piece if number == 0 else Text(" " * indent).append_text(piece))
    return lines
