"""Parses arguments and dispatches to one small function per command.

Only argparse and the command modules' parser definitions are imported here; each command
imports its heavy libraries (textual, boto3, docker, git) when it runs, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from devkit import __version__
from devkit.commands import COMMANDS, examples
from devkit.commands.completion import complete_profiles
from devkit.core.errors import DevkitError, ExitCode

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


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


# Global options that take a value: the token after them is not a command's name.
_VALUED = ("--workspace", "--profile", "--color")


def command_named(argv: Sequence[str]) -> str | None:
    """The command an argument list runs, found the way argparse finds it (global options and
    their values skipped, long options abbreviated or not); None for top-level help or version,
    no command, or a name devkit does not have. Only that command's parser is then built."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in ("-h", "--help", "--version", "--"):
            return None
        if token.startswith("-"):
            valued = token.startswith("--") and len(token) > 2 and "=" not in token
            index += 2 if valued and any(o.startswith(token) for o in _VALUED) else 1
            continue
        return token if any(token == command.NAME for command in COMMANDS) else None
    return None


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
    parser = build_parser(command_named(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    for name, default in GLOBAL_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    from devkit.terminal import set_color

    set_color(args.color)
    if args.command is None:
        return _no_command(build_parser(), args)
    return run_command(args)


def _no_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from devkit.terminal import can_use_tui

    if can_use_tui(no_input=False):
        from devkit.commands import dashboard

        return run_command(args, lambda a: dashboard.run(a, parser.print_help))
    parser.print_help()
    return int(ExitCode.OK)


def run_command(args: argparse.Namespace, func: object | None = None) -> int:
    """The one top-level handler: known errors print what and what to do."""
    from devkit.terminal import err, print_error

    handler = func or args.handler
    try:
        code = handler(args)  # type: ignore[operator]
        return int(code)
    except DevkitError as exc:
        print_error(exc)
        return int(exc.code)
    except KeyboardInterrupt:
        err("error: interrupted")
        err("hint: nothing was left half-made; run the command again to finish")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return int(ExitCode.OK)
    except (RecursionError, MemoryError) as exc:
        # A last net for input that is too big or too deep for a check that should have caught
        # it: bad input (exit 2), not a crash; the traceback still goes to the crash log.
        path = _log_crash(args, exc)
        err(f"error: the input is too large or too deeply nested ({type(exc).__name__})")
        err(f"hint: check the profile and data files for huge values; details in {path}")
        return int(ExitCode.BAD_INPUT)
    except Exception as exc:
        path = _log_crash(args, exc)
        err(f"error: unexpected {type(exc).__name__}: {exc}")
        err(f"hint: this is a bug in devkit; the traceback is in {path}")
        return 70


def crash_dir() -> str:
    """A private per-user folder for crash logs: ``$XDG_STATE_HOME/devkit/crash`` (or
    ``~/.local/state/devkit/crash``), mode 0700, owned by the user, not a symlink.

    Never a shared temp folder: another user could plant a symlink at a predictable name there.
    """
    import stat

    base = os.environ.get("XDG_STATE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".local", "state")
    folder = os.path.join(base, "devkit", "crash")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or stat.S_IMODE(info.st_mode) & 0o077
    ):
        raise OSError(f"{folder} is not a private folder of this user (mode 0700, not a symlink)")
    return folder


def _log_crash(args: argparse.Namespace, exc: BaseException) -> str:
    import secrets
    import time
    import traceback

    try:
        folder = crash_dir()
        name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}.log"
        path = os.path.join(folder, name)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        with os.fdopen(os.open(path, flags, 0o600), "w", encoding="utf-8") as fh:
            fh.write(f"devkit {__version__} {' '.join(sys.argv)}\n")
            traceback.print_exception(exc, file=fh)
    except OSError as problem:
        return f"(nowhere: {problem})"
    return path
