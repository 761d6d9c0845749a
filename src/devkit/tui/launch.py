"""Starting the init app from ``devkit init`` (only after ``can_use_tui`` said yes)."""

from __future__ import annotations

import contextlib
import os

from devkit.core.errors import DevkitError
from devkit.init.request import InitRequest, resolve_request
from devkit.tui.app import make_init_app
from devkit.tui.services import WorkspaceServices
from devkit.workspace import Workspace


def prefilled(ws: Workspace, request: InitRequest) -> InitRequest:
    """The request with the defaults the headless init would apply (the environment, the last
    init, the checked-out feature branch) as the screens' first answers; the wizard still shows
    every screen. A recorded profile that no longer exists: the wizard asks from scratch."""
    with contextlib.suppress(DevkitError):
        return resolve_request(request, ws, os.environ)
    return request


def run_init(ws: Workspace, request: InitRequest) -> int:
    """The guided ``devkit init``: the flags given are pre-filled answers."""
    choices = prefilled(ws, request)
    app = make_init_app(WorkspaceServices(ws.root), choices)
    result = app.run()
    code = int(result if result is not None else 0)
    if app.farewell and code == 0:
        # The screen is gone with the app: leave the summary and the next commands in the
        # terminal, where the user can still read and copy them.
        print(app.farewell, flush=True)
    return code
