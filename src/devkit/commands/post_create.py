"""`devkit post-create`: the devcontainer's postCreate hook: finish setup inside the container."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "post-create"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME,
        parents=[common],
        help="the devcontainer's postCreate hook: finish setup inside the container",
    )
    parser.add_argument(
        "--data",
        choices=("sample", "synthetic", "none"),
        help="dataset (default: what 'devkit init' chose; else sample when credentials reach "
        "the container, synthetic otherwise)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Runs inside the container (see devkit.inside)."""
    from devkit.commands._shared import execute, selected_profile, show_dry_run, workspace
    from devkit.inside.plan import build_post_create_plan

    ws = workspace(args, require_git=False)
    profile = selected_profile(args, ws)
    plan = build_post_create_plan(ws.root, profile, data_mode=args.data)
    if args.dry_run:
        return show_dry_run(plan, args)
    return execute(plan, args).code
