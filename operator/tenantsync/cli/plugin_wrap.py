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


def longest_word(text: str) -> int:
    """The width of the widest word: the narrowest a column can be without breaking one."""
    return max((cell_len(word) for word in WORD.findall(text)), default=0)


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
