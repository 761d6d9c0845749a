"""Proof that the Docker Engine sees this workspace, before devkit starts a container on it.

An engine reached through ``DOCKER_HOST`` or a context may run on another machine (a build or GPU
box): a bind mount of the laptop's workspace there gives an empty (or a different) folder, and
the container would start silently on it. So before starting the dev container devkit writes a
random marker under ``.devkit/`` (through ``safefs``), runs a throwaway container from the dev
image with the very same bind mount (read-only, no network, removed at once) and checks that it
reads the marker's content. Anything else — the bind source missing on the engine's machine,
another file, nothing — stops ``init`` with exit 3 before the container exists.

It runs whenever a container is created (reusing a running one needs no proof) and also for a
local engine: a unix socket can still lead to a daemon in another mount namespace (a rootless or
a snap engine, a VM behind a forwarded socket), and the proof costs one short container.

The early proof (before ``init`` changes anything) is cheaper on a warm workspace: when a
container of this workspace already runs with the workspace bind-mounted, the marker is read
through that container's own bind (an exec of ``cat``) instead of starting a probe container.
The marker is fresh and random, so only an engine that sees the workspace can read it back; when
the exec does not read it (another folder there, no ``cat``, the exec refused), the probe
container decides as before.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.container import labels as L
from devkit.container.engine import (
    engine_address,
    image_info,
    list_containers,
    read_in_container,
    read_through_bind,
)
from devkit.container.render import WORKSPACE_FOLDER
from devkit.core.errors import NotReadyError

MARKER_PREFIX = "engine-probe-"


def prove_engine_sees(
    client: Any,
    image: str,
    workspace: Path,
    source: str,
    target: str,
    labels: dict[str, str],
    log: Callable[[str], None] | None = None,
) -> float:
    """Seconds the proof took; NotReadyError (exit 3) when the engine does not see
    ``workspace`` at ``source``."""

    def read(rel: str) -> tuple[str | None, str]:
        return read_through_bind(client, image, source, target, rel, labels)

    return _prove(workspace, source, target, read, log)


def _prove(
    workspace: Path,
    source: str,
    target: str,
    read: Callable[[str], tuple[str | None, str]],
    log: Callable[[str], None] | None = None,
) -> float:
    """Write a random marker under ``workspace``, ``read`` it back at its path relative to
    ``source`` (seen at ``target``), delete it; seconds taken, or NotReadyError."""

    started = time.perf_counter()
    token = secrets.token_hex(16)
    name = f"{MARKER_PREFIX}{token[:12]}"
    marker = workspace / ".devkit" / name
    try:
        rel = marker.relative_to(Path(source)).as_posix()
    except ValueError:
        rel = None
    if rel is None:  # the mount is not the workspace itself: nothing to prove it with
        return 0.0
    state_dir = marker.parent
    existed = state_dir.is_dir()
    safefs.write_text(marker, token + "\n", root=workspace)
    try:
        seen, why = read(rel)
    finally:
        safefs.unlink(marker, root=workspace)
        if not existed:  # leave no empty .devkit/ behind (doctor, a refused init)
            with contextlib.suppress(OSError):
                state_dir.rmdir()
    seconds = time.perf_counter() - started
    if seen is not None and seen.strip() == token:
        if log:
            log(f"the engine sees the workspace at {source} ({seconds:.2f} s)")
        return seconds
    what = why or "it read another file there"
    raise NotReadyError(
        f"the Docker Engine at {engine_address()} does not see this workspace ({source}): "
        f"a container there would get an empty or different {target} ({what})",
        "use an engine on this machine (unset DOCKER_HOST, or 'docker context use default'), "
        "or set up without containers: devkit init --target host",
    )


def running_bind(client: Any, workspace: Path) -> tuple[str, str] | None:
    """(container id, mount target) of a running container of ``workspace`` that has the
    workspace itself bind-mounted, or None."""

    labels = {L.LOCAL_FOLDER: str(workspace)}
    for container in list_containers(client, labels, running_only=True, brief=True):
        for mount in container.mounts:
            if mount.type == "bind" and mount.source and Path(mount.source) == workspace:
                return container.id, mount.destination
    return None


def prove_in_container(client: Any, container_id: str, workspace: Path, target: str) -> float:
    """The proof read through a running container's bind of ``workspace`` at ``target``."""

    def read(rel: str) -> tuple[str | None, str]:
        return read_in_container(client, container_id, f"{target.rstrip('/')}/{rel}")

    return _prove(workspace, str(workspace), target, read)


def prove_early(client: Any, workspace: Path, images: list[str]) -> bool:
    """The same proof before ``init`` changes anything: through the workspace's running
    container when there is one, else with the first of ``images`` the engine already holds
    (the base image, typically), so a remote engine is refused before a branch, a file or a
    long image build; False when the engine holds none of them (the container step proves it
    before starting the container)."""

    running = running_bind(client, workspace)
    if running is not None:
        with contextlib.suppress(NotReadyError):  # not read there: the probe container decides
            prove_in_container(client, running[0], workspace, running[1])
            return True
    for image in dict.fromkeys(images):
        if image and image_info(client, image):
            prove_engine_sees(
                client,
                image,
                workspace,
                str(workspace),
                WORKSPACE_FOLDER,
                {L.ENGINE_PROBE: str(workspace), **L.extra_labels()},
            )
            return True
    return False
