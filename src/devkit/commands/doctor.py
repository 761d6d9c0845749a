"""`devkit doctor`: preflight checks, one line each, exit 3 when something blocking fails."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "doctor"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(NAME, parents=[common], help="check that this machine is ready")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from devkit.core.events import Event, StepFailed
    from devkit.core.plan import Plan, run_plan
    from devkit.init.preflight import preflight_checks
    from devkit.views import pick_reporter
    from devkit.workspace import find_git_root

    start = Path(args.workspace) if args.workspace else Path.cwd()
    root = find_git_root(start) or start.resolve()
    plan = Plan("devkit doctor", preflight_checks(root))
    view = pick_reporter(args.json)
    codes: set[int] = set()

    def reporter(event: Event) -> None:
        if isinstance(event, StepFailed):
            codes.add(event.code)
        view(event)

    run_plan(plan, reporter, stop_on_failure=False)
    return verdict(codes)


def verdict(codes: set[int]) -> int:
    """An environment problem (3) outranks a configuration one (2): it blocks even a fixed
    configuration. Any other failure keeps its own code."""
    from devkit.core.errors import ExitCode

    if not codes:
        return int(ExitCode.OK)
    if int(ExitCode.NOT_READY) in codes:
        return int(ExitCode.NOT_READY)
    if int(ExitCode.BAD_INPUT) in codes:
        return int(ExitCode.BAD_INPUT)
    return max(codes)
