"""`devkit` with no command in a terminal: the workspace dashboard (terminal UI)."""

from __future__ import annotations

import argparse

AVAILABLE = True


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import workspace
    from devkit.tui.app import make_dashboard_app

    ws = workspace(args)
    result = make_dashboard_app(ws.root).run()
    return int(result or 0)
