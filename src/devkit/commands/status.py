"""`devkit status`: show branch, devcontainer files, image, container and data."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "status",
        parents=[common],
        help="show branch, devcontainer files, image, container and data",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import json
    import os

    from devkit.commands._shared import profile_set, recorded_profile, workspace
    from devkit.container.status import gather, render_lines
    from devkit.terminal import out

    ws = workspace(args)  # outside a git repository: exit 2 with a hint
    # Inside a dev container a fresh clone has no .devkit/profile: devcontainer.json names it.
    name = args.profile or recorded_profile(ws) or os.environ.get("DEVKIT_PROFILE") or None
    profile = profile_set(ws).get(name) if name else None
    report = gather(ws.root, profile)
    if args.json:
        out(json.dumps(report, default=str))
    else:
        for line in render_lines(report):
            out(line)
    return 0
