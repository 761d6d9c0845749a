"""Starting the init app from ``devkit init`` (only after ``can_use_tui`` said yes)."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable
from typing import Any

from devkit.errors import DevkitError
from devkit.tui.app import make_init_app
from devkit.tui.services import InitChoices, WorkspaceServices
from devkit.workspace import Workspace

Prefill = Callable[[argparse.Namespace, Any], None]


def run_init(args: argparse.Namespace, prefill: Prefill) -> int:
    """The guided ``devkit init``: the flags given are pre-filled answers, completed by
    ``prefill`` (the command line's own defaults: the last init, the current branch)."""

    ws = Workspace.locate(getattr(args, "workspace", None))
    remember_last_init(args, ws, prefill)
    choices = InitChoices(
        profile=args.profile,
        branch=args.branch,
        data=args.data,
        force=bool(args.force or args.yes),
        base_image=args.base_image,
        network=getattr(args, "network", None),
        aws_config=getattr(args, "aws_config", None),
        rebuild=bool(getattr(args, "rebuild", False)),
        vendor=getattr(args, "vendor", None),
        index_url=getattr(args, "index_url", None),
        extra_index_url=getattr(args, "extra_index_url", None),
        target=getattr(args, "target", None),
    )
    app = make_init_app(WorkspaceServices(ws.root, choices), choices)
    result = app.run()
    code = int(result if result is not None else 0)
    if app.farewell and code == 0:
        # The screen is gone with the app: leave the summary and the next commands in the
        # terminal, where the user can still read and copy them.
        print(app.farewell, flush=True)
    return code


def remember_last_init(args: argparse.Namespace, ws: Any, prefill: Prefill) -> None:
    """Pre-fill what the headless init would default to: the last profile, the checked-out
    feature branch, the last render options. The wizard still shows every screen."""

    # A recorded profile that no longer exists: the wizard asks from scratch.
    with contextlib.suppress(DevkitError):
        prefill(args, ws)
