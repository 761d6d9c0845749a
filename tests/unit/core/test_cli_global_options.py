"""Global options mean the same before and after the command, for every command."""

from __future__ import annotations

import argparse

import pytest

from devkit.argv import command_named
from devkit.parser import GLOBAL_DEFAULTS, NAMES, build_parser, parse

# Every leaf command line a user can type, with the arguments it needs.
COMMAND_LINES: list[list[str]] = [
    ["init"],
    ["sync-data"],
    ["data", "schema"],
    ["check"],
    ["run", "--", "true"],
    ["parity", "snapshot", "--out", "ref.json"],
    ["parity", "diff", "a.json", "b.json"],
    ["hooks", "install"],
    ["hooks", "uninstall"],
    ["image", "publish"],
    ["post-create"],
    ["status"],
    ["down"],
    ["doctor"],
    ["profiles", "list"],
    ["profiles", "show", "training"],
    ["credentials", "serve", "--dir", "d"],
    ["completion", "bash"],
]

# Commands whose leaf is a second word (``data schema``, ``image publish``).
NESTED = {"data", "parity", "hooks", "image", "profiles", "credentials"}

# Each global option with a value that differs from its default.
OPTIONS: list[tuple[list[str], str, object]] = [
    (["--workspace", "/tmp/ws"], "workspace", "/tmp/ws"),
    (["--profile", "training"], "profile", "training"),
    (["--yes"], "yes", True),
    (["-y"], "yes", True),
    (["--no-input"], "no_input", True),
    (["--dry-run"], "dry_run", True),
    (["--json"], "json", True),
    (["--color", "never"], "color", "never"),
]


def _with_option(line: list[str], option: list[str], before: bool) -> list[str]:
    if before:
        return [*option, *line]
    # After the command words, before any positional argument or '--'.
    words = 2 if line[0] in NESTED else 1
    return [*line[:words], *option, *line[words:]]


def test_every_command_line_is_covered() -> None:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert {line[0] for line in COMMAND_LINES} == set(sub.choices)


@pytest.mark.parametrize("line", COMMAND_LINES, ids=lambda line: " ".join(line[:2]))
@pytest.mark.parametrize("option,dest,value", OPTIONS, ids=lambda o: str(o))
def test_global_option_before_and_after_the_command(
    line: list[str], option: list[str], dest: str, value: object
) -> None:
    before = parse(_with_option(line, option, before=True))
    after = parse(_with_option(line, option, before=False))
    assert getattr(before, dest) == value
    assert vars(before) == vars(after)


@pytest.mark.parametrize("line", COMMAND_LINES, ids=lambda line: " ".join(line[:2]))
def test_defaults_when_no_global_option_is_given(line: list[str]) -> None:
    args = parse(line)
    for name, default in GLOBAL_DEFAULTS.items():
        assert getattr(args, name) == default


def test_the_option_nearest_the_command_wins() -> None:
    args = parse(["--color", "always", "status", "--color", "never"])
    assert args.color == "never"
    assert parse(["--workspace", "a", "status"]).workspace == "a"


@pytest.mark.parametrize("line", COMMAND_LINES, ids=lambda line: " ".join(line[:2]))
def test_every_command_help_ends_with_examples(
    line: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    words = line[:2] if line[0] in NESTED else line[:1]
    with pytest.raises(SystemExit) as done:
        parse([*words, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    examples = text.split("examples:\n", 1)[1]
    assert f"devkit {' '.join(words)}" in examples


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--profile", "status", "doctor"], "doctor"),
        (["--prof", "status", "doctor"], "doctor"),
        (["--workspace=status", "check"], "check"),
        (["--color", "never", "-y", "--json", "init"], "init"),
        (["sync-data", "--help"], "sync-data"),
        (["--help"], None),
        (["--version"], None),
        (["--json"], None),
        (["nosuch"], None),
        (["--", "init"], None),
        ([], None),
    ],
)
def test_the_command_a_line_runs_is_found_as_argparse_finds_it(
    argv: list[str], named: str | None
) -> None:

    assert command_named(argv, NAMES) == named


@pytest.mark.parametrize("line", COMMAND_LINES, ids=" ".join)
def test_a_parser_of_one_command_parses_its_lines_as_the_whole_parser(line: list[str]) -> None:
    """Only the named command's parser is built for a run: it must read every line the same."""

    for argv in (line, ["--json", "--profile", "x", *line], [*line, "--dry-run", "-y"]):
        name = command_named(argv, NAMES)
        assert name == line[0]
        assert vars(build_parser(name).parse_args(argv)) == vars(build_parser().parse_args(argv))
