"""Text wraps at spaces only: what people copy (GUIDs, URLs, run names) is never broken."""

from __future__ import annotations

from rich.text import Text

from tenantsync.cli.plugin_wrap import wrap, wrap_command

URL = "https://login.microsoftonline.com/3f2b9c4e-5a6d-4e7f-8a9b-0c1d2e3f4a5b/adminconsent"


def plain(lines: list[Text]) -> list[str]:
    return [line.plain for line in lines]


def test_lines_break_at_spaces_and_fit() -> None:
    text = "Tenant contoso, SyncRun contoso-1: Microsoft Graph asked to retry after 2s."
    lines = plain(wrap(text, 30))
    assert lines == ["Tenant contoso, SyncRun", "contoso-1: Microsoft Graph", "asked to retry after 2s."]
    assert " ".join(lines) == text


def test_a_word_wider_than_the_line_keeps_a_line_of_its_own_whole() -> None:
    lines = plain(wrap(f"Grant admin consent at {URL} and sync again.", 40))
    assert lines == ["Grant admin consent at", URL, "and sync again."]


def test_continuation_lines_hang_under_the_indent() -> None:
    line = '      ~ displayName: "Require MFA for admins" → "Require MFA for admins (reviewed)"'
    lines = plain(wrap(line, 50, indent=len("      ~ displayName: ")))
    assert lines == [
        '      ~ displayName: "Require MFA for admins" →',
        '                     "Require MFA for admins',
        '                     (reviewed)"',
    ]


def test_a_long_indent_leaves_half_the_line_for_the_words() -> None:
    lines = plain(wrap("x" * 30 + " a b c d e f g h i j k l m", 40, indent=31))
    assert all(line.startswith(" " * 20) and not line.startswith(" " * 21) for line in lines[1:])


def test_styles_and_newlines_are_kept() -> None:
    lines = wrap(Text("one two\nthree four", style="yellow"), 9, indent=2)
    assert plain(lines) == ["one two", "three", "  four"]
    assert all(line.style == "yellow" or line.spans for line in lines)


COMMAND = "  kubectl tenantsync approve contoso-20261123-060000 -n t-0696c542 --digest 5e0c1f7a9d2b"


def test_a_command_wraps_with_continuations_and_keeps_flags_with_their_values() -> None:
    assert plain(wrap_command(COMMAND, 120)) == [COMMAND]
    assert plain(wrap_command(COMMAND, 60)) == [
        "  kubectl tenantsync approve contoso-20261123-060000 \\",
        "    -n t-0696c542 --digest 5e0c1f7a9d2b",
    ]
    for width in (40, 60, 80):
        lines = plain(wrap_command(COMMAND, width))
        assert all(len(line) <= width for line in lines), lines
        # What a shell reads back when the lines are pasted: the same words.
        assert " ".join(lines).replace(" \\", "").split() == COMMAND.split()
