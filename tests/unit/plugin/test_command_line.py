"""The plugin's command line reads like kubectl's: global flags anywhere, TYPE/NAME, `-o`, exit codes."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest

from tenantsync.cli.plugin import argument_parser, main, runs_in_the_way
from tenantsync.cli.plugin_errors import MEANINGS, ExitCode
from tenantsync.cli.plugin_output import Output

DOCS = Path(__file__).resolve().parents[3] / "docs" / "kubectl-plugin.md"


@pytest.mark.parametrize(
    "argv",
    [
        ["-n", "m365", "--context", "prod", "--as", "jane", "status"],
        ["status", "-n", "m365", "--context", "prod", "--as", "jane"],
        ["--namespace", "m365", "status", "--context=prod", "--as=jane"],
        ["--context", "prod", "status", "--namespace=m365", "--as", "jane"],
    ],
)
def test_global_flags_go_before_or_after_the_command(argv: list[str]) -> None:
    args = argument_parser().parse_args(argv)
    assert (args.command, args.namespace, args.context, args.impersonate) == (
        "status",
        "m365",
        "prod",
        "jane",
    )


def test_a_flag_before_the_command_is_not_reset_by_the_command() -> None:
    args = argument_parser().parse_args(["--kubeconfig", "/k", "-A", "status", "-o", "wide", "-w"])
    assert (args.kubeconfig, args.all_namespaces, args.output, args.watch) == ("/k", True, Output.WIDE, True)
    plain = argument_parser().parse_args(["status"])
    assert (plain.kubeconfig, plain.namespace, plain.all_namespaces, plain.output) == (
        None,
        None,
        False,
        None,
    )


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["-A", "plan", "x"], "-A/--all-namespaces applies to status only"),
        (["status", "contoso", "-A"], "give a TENANT or -A, not both"),
        (["logs", "x", "-f", "-o", "json"], "logs -f prints a table"),
        (["plan", "x", "-o", "wide"], "invalid choice"),
        (["status", "-o", "table"], "invalid choice"),
    ],
)
def test_bad_usage_exits_2(argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == ExitCode.USAGE
    assert complaint in capsys.readouterr().err


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command line that has a --help: the plugin's, each command's and each baseline verb's."""
    found = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(commands(sub, (*path, name)))
    return found


@pytest.mark.parametrize("columns", [80, 120])
def test_every_help_fits_the_terminal(
    columns: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    every = commands(argument_parser())
    assert ("baseline", "approve") in every and len(every) > 10
    for command in every:
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        too_long = [line for line in capsys.readouterr().out.splitlines() if len(line) > columns]
        assert not too_long, (command, too_long)


def test_every_exit_code_is_in_the_help_and_the_docs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    docs = DOCS.read_text()
    for code, meaning in MEANINGS.items():
        assert re.search(rf"^  {code.value:<4}", help_text, re.MULTILINE), f"exit code {code.value} in help"
        assert f" {code.value} {meaning}" in " ".join(help_text.split())
        assert re.search(rf"^\| `{code.value}` \|", docs, re.MULTILINE), f"exit code {code.value} in docs"
    assert set(MEANINGS) == set(ExitCode)


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (
            ["plan", "pod/x"],
            "'pod/x': expected NAME or TYPE/NAME where TYPE is one of baseline, baselines, bl, sr",
        ),
        (
            ["plan", "baseline/x"],
            "this command takes a SyncRun or Tenant; for a Baseline use kubectl tenantsync",
        ),
        (["baseline", "status", "sr/x"], "sr/x: this command takes a Baseline (NAME or baseline/NAME)"),
        (["baseline", "approve", "x"], "the following arguments are required: --digest"),
        (
            ["sync", "sr/contoso-1"],
            "sr/contoso-1: this command takes a Tenant (NAME or tenant/NAME), not a SyncRun",
        ),
        (["status", "syncrun/x"], "this command takes a Tenant"),
        (["login", "sr/x"], "this command takes a Tenant"),
    ],
)
def test_names_of_the_wrong_type_are_bad_usage_before_any_cluster_access(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--kubeconfig", "/nonexistent", *argv])
    assert exited.value.code == ExitCode.USAGE
    assert complaint in capsys.readouterr().err


def _run(name: str, phase: str, trigger: str = "SyncRequest") -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {"tenantRef": {"name": "t"}, "trigger": trigger},
        "status": {"phase": phase},
    }


def test_a_sync_request_never_waits_behind_the_run_it_started() -> None:
    # The operator creates the requested run before it records the request as handled.
    runs = [
        _run("old-done", "Succeeded"),
        _run("old", "PendingApproval", "Schedule"),
        _run("new", "Starting"),
    ]
    assert [r["metadata"]["name"] for r in runs_in_the_way(runs, {"old-done", "old"})] == ["old"]
    assert runs_in_the_way([_run("new", "Starting")], set()) == []
    scheduled = _run("scheduled-meanwhile", "InProgress", "Schedule")
    assert runs_in_the_way([scheduled], set()) == [scheduled]
