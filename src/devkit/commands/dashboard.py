"""`devkit` with no command in a terminal: the workspace dashboard (terminal UI)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def run(args: argparse.Namespace, print_help: Callable[[], None]) -> int:
    from devkit.commands._shared import workspace
    from devkit.core.errors import ConfigError

    try:
        ws = workspace(args)
    except ConfigError:
        # Outside a repository there is nothing to show: the help is the useful answer.
        print_help()
        return 0
    from devkit.tui.app import make_dashboard_app

    result = make_dashboard_app(ws.root).run()
    return int(result or 0)
