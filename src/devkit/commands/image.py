"""`devkit image publish`: build the committed dev environment and push it to the team's
registry (the job CI runs on the main branch), so `devkit init` pulls instead of building."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "image"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME, parents=[common], help="publish the prebuilt dev image (CI on the main branch)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    publish = actions.add_parser(
        "publish",
        parents=[common],
        help="build the committed environment and push it as REPO:<content hash> and REPO:latest",
    )
    publish.add_argument(
        "--network",
        choices=("auto", "bridge", "host"),
        default=None,
        help="the build's network (not part of the image's hash; default $DEVKIT_NETWORK, "
        "else auto)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import os

    from devkit.commands._shared import execute, selected_profile, show_dry_run, workspace
    from devkit.container.publish import build_publish_plan, check_publishable
    from devkit.init.plan import Runtime, require_engine, resolve_network

    ws = workspace(args)
    profile = selected_profile(args, ws)
    check_publishable(ws, profile)  # bad input and refusals first, engine or not
    choice = args.network or os.environ.get("DEVKIT_NETWORK") or "auto"
    docker = None if args.dry_run else require_engine()
    network = resolve_network(choice, Runtime(docker=docker))
    plan = build_publish_plan(ws, profile, network, docker)
    if args.dry_run:
        return show_dry_run(plan, args)
    return execute(plan, args).code
