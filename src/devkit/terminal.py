"""The terminal: whether a terminal UI may start (decided before anything imports textual),
colour choice, and all plain output — errors and messages. (Rendering plan events for a person is
``views.console``.)"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import IO

    from rich.console import Console

    from devkit.core.errors import DevkitError


_color_mode = "auto"


def set_color(mode: str) -> None:
    global _color_mode
    _color_mode = mode


def use_color(stream: IO[str]) -> bool:
    if _color_mode == "always":
        return True
    if _color_mode == "never" or "NO_COLOR" in os.environ:
        return False
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def rich_console(stream: IO[str] | None = None) -> Console:
    from rich.console import Console  # only for tables and bars: plain errors stay light

    stream = stream or sys.stdout
    color = use_color(stream)
    return Console(
        file=stream,
        force_terminal=color if _color_mode == "always" else None,
        no_color=not color,
        highlight=False,
        soft_wrap=True,
    )


def out(text: str = "") -> None:
    print(text, file=sys.stdout, flush=True)


def err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _styled(text: str, code: str, stream: IO[str]) -> str:
    return f"\033[{code}m{text}\033[0m" if use_color(stream) else text


def print_error(error: DevkitError) -> None:
    """One line of what went wrong, one of what to do."""
    where = f"{error.where}: " if error.where else ""
    err(_styled("error:", "1;31", sys.stderr) + f" {where}{error.what}")
    if error.hint:
        err(_styled("hint:", "1;33", sys.stderr) + f" {error.hint}")


def can_use_tui(no_input: bool) -> bool:
    """A TTY on both ends, not CI, not TERM=dumb, and no --no-input."""
    if no_input or os.environ.get("CI") or os.environ.get("TERM") in ("dumb", None):
        return False
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
