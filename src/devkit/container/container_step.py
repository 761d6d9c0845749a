"""The container step: one running dev container per workspace, on the current image.

The container is found by the labels the reference Dev Containers CLI uses
(``devcontainer.local_folder``), so both tools share it. It is reused when it runs the current
image (started again if stopped) and replaced when the image changed. Starting it is all or
nothing: when the start fails (a port taken, say) the created container is removed again.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.container import labels as L
from devkit.container import secrets
from devkit.container.credentials_mount import MANAGED_TARGETS
from devkit.container.engine import (
    ContainerInfo,
    create_and_start,
    list_containers,
    remove_container,
    start_container,
)
from devkit.container.image_step import ImageTarget
from devkit.container.render import CONFIG_NAME, DEVCONTAINER_DIR, PROXY_NAMES
from devkit.container.spec import ContainerSpec, container_name, container_spec
from devkit.container.visibility import prove_engine_sees
from devkit.core.errors import DevkitError, NotReadyError
from devkit.core.plan import StepContext, StepResult
from devkit.state import ImageRecord, WorkspaceState

if TYPE_CHECKING:
    from devkit.container.credentials_mount import AwsAccess


def check_ports_free(ports: tuple[int, ...], host: str = "127.0.0.1") -> None:
    """NotReadyError naming the first port something on the host already listens on."""

    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    continue
                raise NotReadyError(
                    f"port {port} on {host} is already in use, and the profile publishes it",
                    f"stop what listens there (see 'ss -ltnp sport = :{port}'), "
                    "or change 'ports' in the profile",
                ) from None


def port_holders(client: Any, ports: tuple[int, ...], workspace: Path) -> dict[int, str]:
    """Host ports among ``ports`` that a container of another workspace publishes, with the
    name of that container (this workspace's own containers are replaced by init, so their
    ports do not count)."""
    held: dict[int, str] = {}
    for port in ports:
        for container in list_containers(client, publish=port, running_only=True):
            if container.labels.get(L.LOCAL_FOLDER) != str(workspace):
                held[port] = container.name
                break
    return held


def port_problems(client: Any, ports: tuple[int, ...], workspace: Path) -> list[DevkitError]:
    """Why the profile's ports cannot be published: held by another container (named), or
    by something else on the host. Empty when every port is free."""
    problems: list[DevkitError] = []
    held = port_holders(client, ports, workspace)
    for port, name in held.items():
        problems.append(
            NotReadyError(
                f"port {port} is already published by container {name}, "
                "and the profile publishes it",
                f"stop that container ('docker stop {name}', or 'devkit down' in its "
                "workspace), or change 'ports' in the profile",
            )
        )
    try:
        check_ports_free(tuple(p for p in ports if p not in held))
    except NotReadyError as exc:
        problems.append(exc)
    return problems


def record_image(workspace: Path, tag: str, digest: str) -> None:
    """Remember the image this workspace runs: the dashboard shows it after ``devkit down``
    (which keeps the image) and ``devkit init --rebuild`` replaces it."""
    WorkspaceState(workspace).record_image(ImageRecord(tag, digest))


def workspace_labels(workspace: Path) -> dict[str, str]:
    return {L.LOCAL_FOLDER: str(workspace)}


def find_containers(client: Any, workspace: Path) -> list[ContainerInfo]:
    """The workspace's containers, newest first (brief records: see ``list_containers``)."""
    return list_containers(client, workspace_labels(workspace), brief=True)


class ContainerStep:
    id = "container"
    title = "Container"

    def __init__(
        self,
        target: ImageTarget,
        env: dict[str, str] | None = None,
        access: AwsAccess | None = None,
        replace: bool = False,
    ) -> None:
        self.target = target
        self.replace = replace  # --rebuild: the running container goes, whatever its image
        self.access = access  # AWS for the container (broker folder, opt-in host config)
        self.workspace = target.inputs.workspace
        self.profile = target.inputs.profile
        self.env = dict(os.environ) if env is None else env
        self.name = container_name(self.workspace)

    def secret_values(self) -> tuple[dict[str, str], list[str]]:
        values, missing = secrets.collect(self.profile.secrets, self.env)
        for name in PROXY_NAMES:
            value = self.env.get(name) or self.env.get(name.lower()) or ""
            if value and secrets.has_credentials(value):
                values[name] = value
        return values, missing

    def _secrets_current(self) -> bool:
        values, _ = self.secret_values()
        text = secrets.current(self.name)
        return (text or "") == secrets.render(values) if values else text is None

    def _matching(self) -> tuple[ContainerInfo | None, list[ContainerInfo]]:
        """(the container running the current image, the others to remove)."""
        digest = self.target.content_hash()
        wants_secrets = bool(self.secret_values()[0])
        wants_aws = self.access.wanted_targets() if self.access else set()
        mine: ContainerInfo | None = None
        others: list[ContainerInfo] = []
        for container in find_containers(self.target.docker.client, self.workspace):
            labels = container.labels
            targets = {m.destination for m in container.mounts}
            same_mounts = (secrets.CONTAINER_PATH in targets) == wants_secrets
            same_mounts = same_mounts and (targets & MANAGED_TARGETS) == wants_aws
            same = digest and labels.get(L.IMAGE_HASH) == digest and same_mounts
            if mine is None and same and not self.replace:
                mine = container
            else:
                others.append(container)
        return mine, others

    def describe(self) -> list[str]:
        mine, others = self._matching()
        lines = [f"replace container {c.name} (its image or mounts changed)" for c in others]
        if mine is None:
            ports = ", ".join(f"127.0.0.1:{p}" for p in self.profile.ports) or "no ports"
            lines.append(f"create and start container {self.name} ({ports})")
        elif mine.status != "running":
            lines.append(f"start container {mine.name}")
        values, missing = self.secret_values()
        if not self._secrets_current():
            if values:
                lines.append(f"hand {len(values)} secret(s) to the container (read-only file)")
            else:
                lines.append("delete the stale run-time secrets file")
        lines += [
            f"secret {name} is not set on the host: the container won't get it" for name in missing
        ]
        return lines

    def problems(self) -> list[DevkitError]:
        """What will make this step fail, found before anything runs (the review shows it).

        Ports are only checked when no container of this workspace runs: a running one holds
        the ports itself and is kept or replaced."""
        mine = find_containers(self.target.docker.client, self.workspace)
        if any(c.status == "running" for c in mine):
            return []
        return port_problems(self.target.docker.client, self.profile.ports, self.workspace)

    def is_done(self) -> bool:
        mine, others = self._matching()
        return (
            mine is not None and mine.status == "running" and not others and self._secrets_current()
        )

    def spec(self, image: str) -> ContainerSpec:
        config_file = self.workspace / DEVCONTAINER_DIR / CONFIG_NAME
        digest = self.target.content_hash() or ""
        container_labels = {
            L.LOCAL_FOLDER: str(self.workspace),
            L.CONFIG_FILE: str(config_file),
            L.PROFILE: self.profile.name,
            L.IMAGE_HASH: digest,
            **L.extra_labels(),
        }
        values, _ = self.secret_values()
        public_env = {k: v for k, v in self.env.items() if k not in values}
        aws_mounts = self.access.mounts() if self.access else []
        spec = container_spec(
            self.target.inputs.rendered.local_config,
            self.workspace,
            image,
            container_labels,
            env=public_env,
            extra_mounts=([secrets.mount(self.name)] if values else []) + aws_mounts,
            cpus=self.profile.resources.cpus,
            memory_bytes=self.profile.resources.memory_bytes,
        )
        if self.access:
            spec.env.update(self.access.container_env())
        return spec

    def prove_workspace_visible(self, spec: ContainerSpec, ctx: StepContext) -> None:
        """NotReadyError (exit 3) unless the engine sees the workspace through the very bind
        mount the container gets (``visibility``): never a container on an empty folder."""
        for mount in spec.mounts:
            if mount.type == "bind" and Path(mount.source) == self.workspace:
                prove_engine_sees(
                    self.target.docker.client,
                    spec.image,
                    self.workspace,
                    mount.source,
                    mount.target,
                    {L.ENGINE_PROBE: str(self.workspace), **L.extra_labels()},
                    ctx.log,
                )

    def run(self, ctx: StepContext) -> StepResult:
        values, missing = self.secret_values()
        for name in missing:
            ctx.log(f"secret {name} is not set on the host; the container will not have it")
        client = self.target.docker.client
        live = {c.name for c in list_containers(client)}
        for name in secrets.sweep(live | {self.name}):
            ctx.log(f"deleted the secrets file of {name} (that container no longer exists)")
        if values:
            secrets.write(self.name, values)
            ctx.log(f"{len(values)} secret(s) handed over in a read-only file (values not logged)")
        else:
            secrets.remove(self.name)
        mine, others = self._matching()
        self.replace = False  # replaced once: a retry of the same plan keeps the new container
        for container in others:
            ctx.log(f"removing container {container.name}: its image or mounts changed")
            remove_container(client, container.id)
        if mine is not None:
            if not mine.running:
                start_container(client, mine.id)
                return StepResult(f"started {mine.name}", {"container": mine.id})
            return StepResult(f"{mine.name} is running", {"container": mine.id})
        digest = self.target.content_hash()
        assert digest is not None, "the image step runs first"
        spec = self.spec(self.target.tag_for(digest))
        problems = port_problems(client, self.profile.ports, self.workspace)
        if problems:
            raise problems[0]
        self.prove_workspace_visible(spec, ctx)
        container = create_and_start(client, spec)
        record_image(self.workspace, spec.image, digest)
        published = ", ".join(f"{p.host_ip}:{p.host_port}" for p in spec.ports)
        extra = f", ports {published}" if published else ""
        return StepResult(
            f"started {spec.name}{extra}", {"container": container.id, "name": spec.name}
        )
