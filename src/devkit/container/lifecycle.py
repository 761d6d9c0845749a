"""``devkit down``: stop and remove the workspace's dev container(s).

The image, the workspace, its data and ``.devkit/`` stay; the run-time secrets file is deleted
(it only exists while a container may read it) and the post-create record is cleared, so the
next ``devkit init`` runs post-create in the new container.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devkit.container import secrets
from devkit.container.container_step import find_containers
from devkit.container.engine import ContainerInfo, stop_and_remove
from devkit.container.image_step import DockerHandle
from devkit.container.spec import container_name
from devkit.core.plan import StepContext, StepResult
from devkit.state import POST_CREATE_KEY, WorkspaceState


class DownStep:
    id = "down"
    title = "Stop and remove the dev container"

    def __init__(self, workspace: Path, docker: Any = None) -> None:
        self.workspace = workspace
        self.docker = DockerHandle(docker)

    def _containers(self) -> list[ContainerInfo]:
        return find_containers(self.docker.client, self.workspace)

    def describe(self) -> list[str]:
        lines = [f"stop and remove container {c.name} ({c.status})" for c in self._containers()]
        return [*lines, "keep the image, the workspace and its data"]

    def is_done(self) -> bool:
        return not self._containers() and secrets.current(container_name(self.workspace)) is None

    def run(self, ctx: StepContext) -> StepResult:
        removed: list[str] = []
        for container in self._containers():
            ctx.log(f"stopping {container.name}")
            stop_and_remove(self.docker.client, container.id)
            removed.append(container.name)
        secrets.remove(container_name(self.workspace))
        WorkspaceState(self.workspace).forget(POST_CREATE_KEY)
        names = ", ".join(removed) or "no container"
        return StepResult(f"removed {names}; image, workspace and data kept", {"removed": removed})
