"""Tables fit the terminal: columns go by priority, prose wraps, names are never cut."""

from __future__ import annotations

from rich.text import Text

from tenantsync.cli.plugin_table import GAP, MIN_PROSE_WIDTH, PROSE_WIDTH, Cell, Column, Layout, layout

COLUMNS = (
    Column("NAME"),
    Column("STATUS", min_width=22),
    Column("MESSAGE", priority=1, prose=True),
    Column("LAST", priority=3),
    Column("RUN", priority=2),
    Column("MODE", wide=True),
)
LONG_NAME = "a-tenant-with-a-rather-long-name"
ROWS: list[list[Cell]] = [
    [LONG_NAME, Text("Pending approval", style="yellow"), "3 changes wait for approval: " * 3, "5m ago",
     "a-tenant-with-a-rather-long-name-20261123-060000", "Managed"],
    ["b", "Idle", "Fine.", "never", "b-20261123-060000", "BackupOnly"],
]  # fmt: skip


def lines(chosen: Layout) -> list[str]:
    out = [chosen.header().plain]
    for row in ROWS:
        out.extend(line.plain for line in chosen.row(row))
    return out


def headers(chosen: Layout) -> list[str]:
    return [chosen.columns[i].header for i in chosen.indices]


def test_without_a_terminal_every_default_column_and_one_line_per_row() -> None:
    chosen = layout(COLUMNS, ROWS, None, wide=False)
    assert headers(chosen) == ["NAME", "STATUS", "MESSAGE", "LAST", "RUN"]
    assert len(lines(chosen)) == 1 + len(ROWS)


def test_wide_adds_the_wide_columns_and_drops_none_even_when_narrow() -> None:
    everything = ["NAME", "STATUS", "MESSAGE", "LAST", "RUN", "MODE"]
    assert headers(layout(COLUMNS, ROWS, None, wide=True)) == everything
    narrow = layout(COLUMNS, ROWS, 60, wide=True)
    assert headers(narrow) == everything
    # Wider than the terminal anyway: longer lines (as kubectl's -o wide), the message at its full room.
    assert narrow.widths[2] == PROSE_WIDTH
    unlimited = layout(COLUMNS, ROWS, None, wide=True).widths
    assert narrow.widths[:2] + narrow.widths[3:] == unlimited[:2] + unlimited[3:]


def test_wide_that_fits_still_wraps_the_message() -> None:
    chosen = layout(COLUMNS, ROWS, 200, wide=True)
    assert len(lines(chosen)) > 1 + len(ROWS)
    assert all(len(line) <= 200 for line in lines(chosen))


def test_columns_go_by_priority_before_the_message_narrows() -> None:
    # NAME 32 + STATUS 22 + LAST 6 + RUN 48 + a 40-cell message + 4 gaps = 160.
    everything = 32 + 22 + 6 + 48 + PROSE_WIDTH + 4 * GAP
    assert headers(layout(COLUMNS, ROWS, everything, wide=False)) == [
        "NAME",
        "STATUS",
        "MESSAGE",
        "LAST",
        "RUN",
    ]
    assert headers(layout(COLUMNS, ROWS, everything - 1, wide=False)) == ["NAME", "STATUS", "MESSAGE", "RUN"]
    at_120 = layout(COLUMNS, ROWS, 120, wide=False)
    assert headers(at_120) == ["NAME", "STATUS", "MESSAGE"]
    assert at_120.widths[2] == 120 - 32 - 22 - 2 * GAP


def test_the_message_narrows_to_its_minimum_before_it_goes() -> None:
    narrow = 32 + 22 + 2 * GAP + MIN_PROSE_WIDTH
    kept = layout(COLUMNS, ROWS, narrow, wide=False)
    assert headers(kept) == ["NAME", "STATUS", "MESSAGE"]
    assert kept.widths[2] == MIN_PROSE_WIDTH
    gone = layout(COLUMNS, ROWS, narrow - 1, wide=False)
    assert headers(gone) == ["NAME", "STATUS"]


def test_every_line_fits_and_names_are_whole() -> None:
    for width in (80, 100, 120, 200):
        chosen = layout(COLUMNS, ROWS, width, wide=False)
        out = lines(chosen)
        assert all(len(line) <= width for line in out), (width, out)
        assert any(line.startswith(LONG_NAME + " ") for line in out)
        # The message wraps under its column: no line is a single character wide fragment.
        assert len(out) < 12


def test_essential_columns_wider_than_the_terminal_make_longer_lines_not_cut_names() -> None:
    chosen = layout(COLUMNS, ROWS, 30, wide=False)
    assert headers(chosen) == ["NAME", "STATUS"]
    assert lines(chosen)[1].split()[0] == LONG_NAME


def test_prose_wraps_under_its_column() -> None:
    chosen = layout(COLUMNS, ROWS, 100, wide=False)
    first, *rest = chosen.row(ROWS[0])
    message_at = first.plain.index("3 changes")
    assert rest, "the message is longer than its column"
    for line in rest:
        assert line.plain[:message_at].strip() == ""
        assert len(line.plain) <= 100


def test_min_width_keeps_room_for_later_values() -> None:
    chosen = layout(COLUMNS, [ROWS[1]], None, wide=False)
    assert chosen.widths[1] == 22


def test_prose_gets_its_natural_width_when_there_is_room() -> None:
    short: list[list[Cell]] = [["b", "Idle", "Fine.", "never", "b-1", "Managed"]]
    chosen = layout(COLUMNS, short, 200, wide=False)
    assert chosen.widths[2] == len("MESSAGE")
    assert len("MESSAGE") < PROSE_WIDTH


def test_styles_survive_the_layout() -> None:
    chosen = layout(COLUMNS, ROWS, None, wide=False)
    first = chosen.row(ROWS[0])[0]
    assert any(span.style == "yellow" for span in first.spans)


GUID = "5b1a9c3e-7d2f-4e6a-9b8c-0d1e2f3a4b5c"


def test_a_guid_in_a_message_is_never_broken() -> None:
    rows: list[list[Cell]] = [["b", "Idle", f"Deleted the object {GUID} as planned.", "never", "b-1", "x"]]
    fitting = len("NAME") + 22 + 2 * GAP + len(GUID)
    chosen = layout(COLUMNS, rows, fitting, wide=False)
    assert headers(chosen) == ["NAME", "STATUS", "MESSAGE"]
    out = [line.plain for line in chosen.row(rows[0])]
    assert out[1].endswith(f"   {GUID}") and all(len(line) <= fitting for line in out), out
    # Narrower, the GUID keeps a line of its own, whole, moved left to end at the terminal's edge.
    for narrower in (fitting - 1, fitting - 10):
        out = [line.plain for line in layout(COLUMNS, rows, narrower, wide=False).row(rows[0])]
        assert out[1] == GUID.rjust(narrower), out
        assert all(len(line) <= narrower for line in out), out


def test_a_word_wider_than_the_terminal_makes_its_line_longer() -> None:
    url = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=" + GUID
    rows: list[list[Cell]] = [["b", "Idle", f"Consent at {url} then sync.", "never", "b-1", "x"]]
    out = [line.plain for line in layout(COLUMNS, rows, 80, wide=False).row(rows[0])]
    assert url in out
