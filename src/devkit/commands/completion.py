"""`devkit completion SHELL`: print the shell completion script (argcomplete).

The script calls devkit itself to complete (``_ARGCOMPLETE`` set): ``cli.main`` hands such a call
to argcomplete before parsing, so commands, options and profile names complete from the same
parser that runs them.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any

SHELLS = ("bash", "zsh", "fish")


NAME = "completion"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME,
        parents=[common],
        help="print the shell completion script (bash, zsh, fish)",
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from argcomplete.shell_integration import shellcode

    from devkit.terminal import out

    out(shellcode(["devkit"], shell=args.shell).rstrip("\n"))
    return 0


def profile_names(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """Profile names for ``--profile`` and ``profiles show``: built-in and the workspace's."""
    from devkit.config.profiles import ProfileSet
    from devkit.workspace import find_git_root

    try:
        from pathlib import Path

        start = Path(getattr(parsed_args, "workspace", None) or ".")
        root = find_git_root(start)
        names = ProfileSet(root).names()
    except Exception:  # completion must never print an error into the user's prompt
        return []
    return [name for name in names if name.startswith(prefix)]


def autocomplete(parser: argparse.ArgumentParser) -> None:
    """Answer a completion request from the shell script and exit; a no-op otherwise."""
    import argcomplete

    argcomplete.autocomplete(parser)


def complete_profiles(action: argparse.Action) -> argparse.Action:
    """Mark an option or argument as taking a profile name (argcomplete reads ``completer``)."""
    setattr(action, "completer", profile_names)  # noqa: B010 — argcomplete's own attribute
    return action
