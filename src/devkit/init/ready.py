"""The engine, asked before ``devkit init`` changes anything: reachable (``require_engine``) and
seeing the workspace (``ready_engine``).

``ready_engine_soon`` asks on a thread of its own: loading the Docker SDK, the engine's answers
and the proof's throwaway read (see ``devkit.container.visibility``) then overlap with making the
plan, which reads the workspace but changes nothing. ``settle`` waits for that answer and raises
its error; the command settles before it runs (or shows) the plan, and an engine error comes
before any error of the plan, as when the engine was asked first.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from devkit.container import engine, visibility
from devkit.container.image_step import PendingClient
from devkit.core.errors import NotReadyError

if TYPE_CHECKING:
    from devkit.workspace import Workspace


def require_engine(docker: Any = None) -> Any:
    """The engine's client, or NotReadyError (exit 3) naming ``--target host``: checked before
    any step runs, so no branch or file is created for a container that cannot start."""
    if docker is not None:
        return docker
    try:
        return engine.connect(timeout=15)
    except NotReadyError as exc:
        raise NotReadyError(
            exc.what,
            "start a Docker Engine (or point DOCKER_HOST at one), or set up on this machine "
            "without containers: devkit init --target host",
        ) from None


def ready_engine(ws: Workspace, base_image: str) -> Any:
    """The engine's client, proven to see the workspace (with ``base_image`` when it holds it)
    before anything changes: a remote engine is refused before a branch, a file or a build."""
    docker = require_engine()
    visibility.prove_early(docker, ws.root, [base_image])
    return docker


def ready_engine_soon(ws: Workspace, base_image: str) -> PendingClient:
    """``ready_engine`` on a thread of its own; ``settle`` (or the plan's first use of the
    client) waits for it.

    Returns once the engine answered (or failed to): loading the SDK and connecting are
    mostly Python work that would only take turns with the caller's, while the proof is
    mostly waiting for the engine, which is what overlaps with making the plan."""
    connected = threading.Event()

    def task() -> Any:
        try:
            docker = require_engine()
        finally:
            connected.set()
        visibility.prove_early(docker, ws.root, [base_image])
        return docker

    pending = PendingClient(task)
    connected.wait()
    return pending


def settle(docker: Any) -> Any:
    """The client once the engine has answered (a pending one is waited for); raises the
    engine's error."""
    return docker.result() if isinstance(docker, PendingClient) else docker
