"""Reading a command line before it is parsed: which command it runs.

``devkit.parser`` uses it to build only that command's subparser; ``devkit.cli`` to let a
command answer its commonest case before argparse is even imported."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

# Global options that take a value: the token after them is not a command's name.
_VALUED = ("--workspace", "--profile", "--color")


def command_named(argv: Sequence[str], names: Collection[str]) -> str | None:
    """The command an argument list runs, found the way argparse finds it (global options and
    their values skipped, long options abbreviated or not); None for top-level help or version,
    no command, or a name not in ``names``."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in ("-h", "--help", "--version", "--"):
            return None
        if token.startswith("-"):
            valued = token.startswith("--") and len(token) > 2 and "=" not in token
            index += 2 if valued and any(o.startswith(token) for o in _VALUED) else 1
            continue
        return token if token in names else None
    return None
