"""``devkit run`` in the workspace's dev container, found by its devcontainer label.

The command runs through the container adapter's ``exec_stream`` in the folder that mirrors the
current one inside the container, its output passed through line by line, and its exit status
returned. The fingerprint comes from the container's own workload interpreter (``python3`` on the
container's PATH, i.e. the workload venv), with the same probe a host run and staging use.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from devkit.container import labels as L
from devkit.container.engine import (
    ContainerInfo,
    connect,
    exec_stream,
    image_info,
    list_containers,
)
from devkit.container.secrets import CONTAINER_PATH
from devkit.core.errors import NotReadyError
from devkit.parity.probe import PROBE, parse_probe_output
from devkit.parity.runner import RunOutcome, record_run
from devkit.state import WorkspaceState

if TYPE_CHECKING:
    from devkit.config.model import Profile
    from devkit.workspace import Workspace

WORKLOAD_PYTHON = "python3"
# Secrets reach a container through a read-only file (see container/secrets.py); commands and
# the probe start with them loaded, so the values never pass through devkit or the engine API.
_LOAD_SECRETS = 'if [ -r "$0" ]; then set -a; . "$0"; set +a; fi; exec "$@"'


def with_secrets(command: list[str]) -> list[str]:
    return ["sh", "-c", _LOAD_SECRETS, CONTAINER_PATH, *command]


def find_container(client: Any, root: Path, profile: str) -> ContainerInfo:
    """The running container made for this workspace (and profile, when labelled)."""

    found = list_containers(client, {L.LOCAL_FOLDER: str(root)})
    running = [c for c in found if c.running]
    matching = [c for c in running if c.labels.get(L.PROFILE) in (None, profile)]
    if not matching:
        raise NotReadyError(
            f"no running dev container for {root} (profile {profile})",
            "start it with 'devkit init', or run on the host with 'devkit run --here -- CMD'",
        )
    return matching[0]


def container_workdir(container: ContainerInfo, root: Path, cwd: Path) -> str:
    """Where ``cwd`` (inside the workspace) is mounted in the container."""
    for mount in container.mounts:
        if Path(mount.source) == root:
            target = PurePosixPath(mount.destination)
            try:
                rel = cwd.resolve().relative_to(root)
            except ValueError:
                rel = Path()
            return str(target.joinpath(*rel.parts))
    return container.workdir or "/"


def _user(container: ContainerInfo) -> str:
    return container.user or "root"


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def base_image_of(client: Any, ws: Workspace, profile: Profile) -> dict[str, str | None]:
    """The base image the container was built from: the one 'devkit init' recorded (or the
    profile's) and its digest: the registry's (the first of RepoDigests) when the image came
    from one, else the image id, the rule a staging build uses too (publish-reference.sh)."""
    ref = WorkspaceState(ws).last_init().base_image or profile.image.base
    found = image_info(client, ref)
    digest = None
    if found:
        digest = found.digests[0].split("@", 1)[1] if found.digests else found.id
    return {"ref": ref, "digest": digest}


def probe_container(
    client: Any, container: ContainerInfo, ws: Workspace, profile: Profile
) -> dict[str, Any]:
    lines: list[str] = []
    code = exec_stream(
        client,
        container.id,
        with_secrets([WORKLOAD_PYTHON, "-c", PROBE]),
        _user(container),
        "/",
        lines.append,
    )
    if code != 0:
        raise NotReadyError(
            f"fingerprinting in container {container.name} failed (exit {code}): "
            + " ".join(lines[-1:]),
            f"check that {WORKLOAD_PYTHON} runs in the container ('devkit status')",
        )
    output = next((line for line in reversed(lines) if line.startswith("{")), "")
    data = parse_probe_output(output.encode("utf-8"))
    if not (data.get("base_image") or {}).get("digest"):
        # The container does not name its base image itself: ask the engine.
        data["base_image"] = base_image_of(client, ws, profile)
    return data


def run_in_container(
    ws: Workspace,
    profile: Profile,
    command: list[str],
    on_line: Callable[[str], None] | None = None,
) -> RunOutcome:
    client = connect()
    container = find_container(client, ws.root, profile.name)
    workdir = container_workdir(container, ws.root, Path(os.getcwd()))
    return record_run(
        ws,
        profile,
        command,
        where=f"container:{container.name}",
        execute=lambda: exec_stream(
            client,
            container.id,
            with_secrets(command),
            _user(container),
            workdir,
            on_line or _print_line,
        ),
        probe=lambda: probe_container(client, container, ws, profile),
    )
