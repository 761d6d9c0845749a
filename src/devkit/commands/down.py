"""`devkit down`: stop and remove the dev container; keep image, workspace and data."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "down"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME,
        parents=[common],
        help="stop and remove the dev container; keep image, workspace and data",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.actions.down import down_plan
    from devkit.commands._shared import execute, show_dry_run, workspace

    plan = down_plan(workspace(args, require_git=False))
    if args.dry_run:
        return show_dry_run(plan, args)
    return execute(plan, args).code
