"""`devkit down`: stop and remove the dev container; keep image, workspace and data."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "down",
        parents=[common],
        help="stop and remove the dev container; keep image, workspace and data",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import execute, show_dry_run, workspace
    from devkit.container.credentials_mount import StopBrokerStep
    from devkit.container.lifecycle import DownStep
    from devkit.host.target import recorded_target
    from devkit.plan import Plan

    ws = workspace(args, require_git=False)
    if recorded_target(ws.root) == "host":
        from devkit.host.lifecycle import HostDownStep

        plan = Plan("devkit down", [HostDownStep(ws.root)], lock=ws.state)
    else:
        plan = Plan("devkit down", [DownStep(ws.root), StopBrokerStep(ws)], lock=ws.state)
    if args.dry_run:
        return show_dry_run(plan, args)
    return execute(plan, args).code
