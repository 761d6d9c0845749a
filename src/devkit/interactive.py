"""Deciding whether a terminal UI may start — before anything imports textual."""

from __future__ import annotations

import os
import sys


def can_use_tui(no_input: bool) -> bool:
    """A TTY on both ends, not CI, not TERM=dumb, and no --no-input."""
    if no_input or os.environ.get("CI") or os.environ.get("TERM") in ("dumb", None):
        return False
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
