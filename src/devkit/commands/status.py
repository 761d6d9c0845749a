"""`devkit status`: show branch, devcontainer files, image, container and data."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "status"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME,
        parents=[common],
        help="show branch, devcontainer files, image, container and data",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import json
    import os

    from devkit.commands._shared import workspace
    from devkit.container.status import gather, render_lines, status_profile
    from devkit.terminal import out

    ws = workspace(args)  # outside a git repository: exit 2 with a hint
    report = gather(ws.root, status_profile(ws.root, args.profile, os.environ))
    if args.json:
        out(json.dumps(report, default=str))
    else:
        for line in render_lines(report):
            out(line)
    return 0
