"""Running ``devkit post-create`` in the dev container, from the host.

Output streams into log events and into ``.devkit/logs/post-create-<time>.log``. Success is
recorded in ``.devkit/state.json`` under a key made of the container's id, the image hash and the
profile's post-create commands, so the command runs once per container and again after any change.
A failed run is recorded as failed and therefore retried by the next ``devkit init`` (the
reference CLI skips a postCreate command that failed before; devkit does not).
"""

from __future__ import annotations

import hashlib
import json
import time

from devkit import safefs
from devkit.container.container_step import find_containers
from devkit.container.engine import exec_stream
from devkit.container.image_step import ImageTarget
from devkit.container.render import WORKSPACE_FOLDER
from devkit.core.errors import NotReadyError
from devkit.core.plan import StepContext, StepResult
from devkit.state import POST_CREATE_KEY, WorkspaceState
from devkit.workspace import Workspace

TAIL_LINES = 15


class PostCreateStep:
    id = "post-create"
    title = "Post-create hook"

    def __init__(self, target: ImageTarget) -> None:
        self.target = target
        self.workspace = target.inputs.workspace
        self.profile = target.inputs.profile

    def command(self) -> list[str]:
        return ["devkit", "post-create", "--profile", self.profile.name]

    def _container_id(self) -> str | None:
        digest = self.target.content_hash()
        for container in find_containers(self.target.docker.client, self.workspace):
            if digest and container.labels.get("org.devkit.image-hash") == digest:
                return container.id
        return None

    def key(self, container_id: str) -> str:
        data = json.dumps(
            [container_id, self.target.content_hash(), self.profile.name, self.profile.post_create]
        )
        return hashlib.sha256(data.encode()).hexdigest()

    def describe(self) -> list[str]:
        extra = len(self.profile.post_create)
        return [f"run '{' '.join(self.command())}' in the container ({extra} profile command(s))"]

    def is_done(self) -> bool:
        container_id = self._container_id()
        if container_id is None:
            return False
        record = WorkspaceState(self.workspace).entry(POST_CREATE_KEY)
        return bool(record.get("ok")) and record.get("key") == self.key(container_id)

    def run(self, ctx: StepContext) -> StepResult:
        container_id = self._container_id()
        if container_id is None:
            raise NotReadyError(
                "the dev container is not running", "run 'devkit init' to create it"
            )
        log_path = Workspace(self.workspace).state_path(
            "logs", f"post-create-{time.strftime('%Y%m%d-%H%M%S')}.log"
        )
        tail: list[str] = []

        with safefs.open_text_write(log_path, root=self.workspace) as log:

            def on_line(line: str) -> None:
                log.write(line + "\n")
                log.flush()
                tail.append(line)
                del tail[:-TAIL_LINES]
                ctx.log(line)

            code = exec_stream(
                self.target.docker.client,
                container_id,
                self.command(),
                self.target.inputs.rendered.user,
                WORKSPACE_FOLDER,
                on_line,
                env={"NO_COLOR": "1"},
            )
        rel = str(log_path.relative_to(self.workspace))
        finished = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        record = {"key": self.key(container_id), "ok": code == 0, "exit_code": code, "log": rel}
        WorkspaceState(self.workspace).update(**{POST_CREATE_KEY: record | {"finished": finished}})
        if code != 0:
            shown = "\n".join(f"    {line}" for line in tail)
            raise NotReadyError(
                f"post-create failed in the container (exit {code}); last lines of {rel}:\n{shown}",
                "fix the cause, then run 'devkit init' again: the hook is retried",
            )
        return StepResult(f"post-create done (log: {rel})", {"log": rel})
