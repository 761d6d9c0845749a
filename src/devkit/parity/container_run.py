"""``devkit run`` in the workspace's dev container, found by its devcontainer label.

The command runs through the Docker Engine API (``exec``) in the folder that mirrors the
current one inside the container; its output is streamed as it comes and its exit status
returned. The fingerprint comes from the container's own interpreter, with the same probe a
host run and staging use.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from devkit.errors import NotReadyError
from devkit.parity.probe import PROBE, parse_probe_output
from devkit.parity.runner import RunOutcome, record_run

if TYPE_CHECKING:
    from devkit.config.model import Profile
    from devkit.workspace import Workspace

FOLDER_LABEL = "devcontainer.local_folder"
PROFILE_LABEL = "org.devkit.profile"
WORKLOAD_PYTHON = "python3"


def find_container(client: Any, root: Path, profile: str) -> Any:
    """The running container made for this workspace (and profile, when labelled)."""
    found = client.containers.list(filters={"label": f"{FOLDER_LABEL}={root}"})
    matching = [c for c in found if c.labels.get(PROFILE_LABEL) in (None, profile)]
    if not matching:
        raise NotReadyError(
            f"no running dev container for {root} (profile {profile})",
            "start it with 'devkit init', or run on the host with 'devkit run --here -- CMD'",
        )
    return matching[0]


def container_workdir(container: Any, root: Path, cwd: Path) -> str | None:
    """Where ``cwd`` (inside the workspace) is mounted in the container."""
    for mount in container.attrs.get("Mounts", []):
        if Path(str(mount.get("Source", ""))) == root:
            target = PurePosixPath(str(mount["Destination"]))
            try:
                rel = cwd.resolve().relative_to(root)
            except ValueError:
                rel = Path()
            return str(target.joinpath(*rel.parts))
    return None


def exec_streaming(client: Any, container: Any, command: list[str], workdir: str | None) -> int:
    api = client.api
    exec_id = api.exec_create(container.id, command, workdir=workdir, stdin=False, tty=False)["Id"]
    for out_chunk, err_chunk in api.exec_start(exec_id, stream=True, demux=True):
        if out_chunk:
            sys.stdout.buffer.write(out_chunk)
            sys.stdout.buffer.flush()
        if err_chunk:
            sys.stderr.buffer.write(err_chunk)
            sys.stderr.buffer.flush()
    code = api.exec_inspect(exec_id).get("ExitCode")
    return int(code) if code is not None else 1


def probe_container(client: Any, container: Any) -> dict[str, Any]:
    result = container.exec_run([WORKLOAD_PYTHON, "-c", PROBE], stdout=True, stderr=False)
    if result.exit_code != 0:
        raise NotReadyError(
            f"fingerprinting in container {container.name} failed (exit {result.exit_code})",
            f"check that {WORKLOAD_PYTHON} runs in the container",
        )
    data = parse_probe_output(result.output)
    image = data.get("base_image") or {}
    if not image.get("digest"):
        # Older containers: fall back to labels set at creation, when present.
        labels = container.labels
        data["base_image"] = {
            "ref": image.get("ref") or labels.get("org.devkit.base_image"),
            "digest": labels.get("org.devkit.base_digest"),
        }
    return data


def run_in_container(ws: Workspace, profile: Profile, command: list[str]) -> RunOutcome:
    from devkit.container.engine import connect

    client = connect()
    container = find_container(client, ws.root, profile.name)
    workdir = container_workdir(container, ws.root, Path(os.getcwd()))
    return record_run(
        ws,
        profile,
        command,
        where=f"container:{container.name}",
        execute=lambda: exec_streaming(client, container, command, workdir),
        probe=lambda: probe_container(client, container),
    )
