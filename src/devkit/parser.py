"""The command line's parser: global options, one subparser per command, help as devkit
writes it. Building it imports every command module's ``register`` (nothing heavy), so a run
builds only its own command's subparser (``build_parser(only=...)``)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from devkit import __version__
from devkit.argv import command_named
from devkit.commands import (
    check,
    completion,
    credentials,
    data,
    doctor,
    down,
    examples,
    hooks,
    image,
    init,
    parity,
    post_create,
    profiles,
    run,
    status,
    sync_data,
)
from devkit.commands.completion import complete_profiles
from devkit.core.errors import ExitCode

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any

COMMANDS: list[ModuleType] = [
    init,
    sync_data,
    data,
    check,
    image,
    run,
    parity,
    hooks,
    post_create,
    status,
    down,
    doctor,
    profiles,
    credentials,
    completion,
]
NAMES = tuple(command.NAME for command in COMMANDS)


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` finds it, without importing shutil
    (argparse would, and with it bz2, lzma and zlib: a few milliseconds of every ``--help``)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Help(argparse.HelpFormatter):
    def __init__(self, prog: str, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("width", _columns() - 2)
        super().__init__(prog, *args, **kwargs)


class _RawDescriptionHelp(argparse.RawDescriptionHelpFormatter, _Help):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as devkit does (what, what to do, exit 2) and ends each
    command's help with its examples."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        wanted = kwargs.get("formatter_class", argparse.HelpFormatter)
        kwargs["formatter_class"] = _FORMATTERS.get(wanted, wanted)
        super().__init__(*args, **kwargs)
        if self.epilog is None:
            self.epilog = examples.epilog(self.prog)
            if self.epilog:
                self.formatter_class = _RawDescriptionHelp

    def error(self, message: str) -> None:  # type: ignore[override]
        from devkit.terminal import err

        err(f"error: {message}")
        err(f"hint: run '{self.prog} --help' to see the accepted options")
        raise SystemExit(int(ExitCode.BAD_INPUT))


_FORMATTERS: dict[object, type[argparse.HelpFormatter]] = {
    argparse.HelpFormatter: _Help,
    argparse.RawDescriptionHelpFormatter: _RawDescriptionHelp,
}


# Options every command shares. They are accepted before the command and after it (at any
# level of a nested command) and mean the same in every position: the parsers give them no
# default (SUPPRESS), so a later position only overrides what was actually given, and
# ``parse`` fills in these defaults afterwards.
GLOBAL_DEFAULTS: dict[str, object] = {
    "workspace": None,
    "profile": None,
    "yes": False,
    "no_input": False,
    "dry_run": False,
    "json": False,
    "color": "auto",
}


def common_options() -> argparse.ArgumentParser:
    """Flags every command shares where they make sense."""
    common = argparse.ArgumentParser(
        add_help=False, argument_default=argparse.SUPPRESS, formatter_class=_Help
    )
    common.add_argument(
        "--workspace",
        metavar="PATH",
        help="the git repository to work in (default: the one you are in)",
    )
    complete_profiles(
        common.add_argument("--profile", metavar="NAME", help="workload profile to use")
    )
    common.add_argument("--yes", "-y", action="store_true", help="answer yes to every question")
    common.add_argument(
        "--no-input", action="store_true", help="never ask; fail naming the flag that would answer"
    )
    common.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
    )
    common.add_argument("--json", action="store_true", help="machine-readable output (JSON)")
    common.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        help="colour output (NO_COLOR is honoured; default auto)",
    )
    return common


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line's parser; with ``only``, just that command's subparser (building
    every command's costs start-up time that a command run does not need)."""
    common = common_options()
    parser = _Parser(
        prog="devkit",
        description="A reproducible, staging-faithful dev environment for an ML workload.",
        epilog=(
            "Global options work before or after the command: "
            "'devkit --json status' = 'devkit status --json'.\n"
            "Run 'devkit COMMAND --help' for a command's options and examples."
        ),
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"devkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        if only in (None, command.NAME):
            command.register(sub, common)
    return parser


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse a command line; global options get their defaults wherever they were (not) given."""
    if "_ARGCOMPLETE" in os.environ:  # the completion script asks (devkit completion SHELL)
        from devkit.commands.completion import autocomplete

        autocomplete(build_parser())
    parser = build_parser(command_named(sys.argv[1:] if argv is None else argv, NAMES))
    args = parser.parse_args(argv)
    for name, default in GLOBAL_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    return args
