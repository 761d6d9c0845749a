"""Starting the init app from ``devkit init`` (only after ``can_use_tui`` said yes)."""

from __future__ import annotations

import argparse


def run_init(args: argparse.Namespace) -> int:
    """The guided ``devkit init``: the flags given are pre-filled answers."""
    from devkit.commands._shared import workspace
    from devkit.tui.app import make_init_app
    from devkit.tui.services import InitChoices, WorkspaceServices

    ws = workspace(args)
    choices = InitChoices(
        profile=args.profile,
        branch=args.branch,
        data=args.data,
        force=bool(args.force or args.yes),
        base_image=args.base_image,
        network=getattr(args, "network", None),
        aws_config=getattr(args, "aws_config", None),
        vendor=getattr(args, "vendor", None),
        index_url=getattr(args, "index_url", None),
        extra_index_url=getattr(args, "extra_index_url", None),
        target=getattr(args, "target", None),
    )
    result = make_init_app(WorkspaceServices(ws.root, choices), choices).run()
    return int(result if result is not None else 0)
