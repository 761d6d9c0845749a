"""`devkit doctor`: preflight checks, one line each, exit 3 when something blocking fails."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("doctor", parents=[common], help="check that this machine is ready")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from devkit.errors import ExitCode
    from devkit.plan import Plan, run_plan
    from devkit.preflight import preflight_checks
    from devkit.views import pick_reporter
    from devkit.workspace import find_git_root

    start = Path(args.workspace) if args.workspace else Path.cwd()
    root = find_git_root(start) or start.resolve()
    plan = Plan("devkit doctor", preflight_checks(root))
    outcome = run_plan(plan, pick_reporter(args.json), stop_on_failure=False)
    # Any failed check blocks work, whatever kind of error it was.
    return int(ExitCode.OK if outcome.ok else ExitCode.NOT_READY)
