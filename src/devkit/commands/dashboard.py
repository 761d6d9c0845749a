"""`devkit` with no command in a terminal: the workspace dashboard (terminal UI)."""

from __future__ import annotations

import argparse

AVAILABLE = False


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("", "run 'devkit --help' to see the commands")
