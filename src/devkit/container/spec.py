"""devkit's own container, derived from the rendered devcontainer.json (pure, no Docker).

Variables are resolved as the Dev Containers spec defines them (``${localWorkspaceFolder}``,
``${localWorkspaceFolderBasename}``, ``${containerWorkspaceFolder}``, ``${localEnv:NAME}``), so
devkit starts what the reference CLI would start from the same file.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devkit.core.errors import ConfigError
from devkit.core.records import dataclass, field

_VAR = re.compile(
    r"\$\{(localWorkspaceFolder|localWorkspaceFolderBasename|containerWorkspaceFolder"
    r"|localEnv:([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?)\}"
)


@dataclass(frozen=True)
class Mount:
    source: str
    target: str
    type: str = "bind"
    read_only: bool = False


@dataclass(frozen=True)
class PortBinding:
    host_ip: str
    host_port: int
    container_port: int


@dataclass
class ContainerSpec:
    name: str
    image: str
    user: str
    workdir: str
    env: dict[str, str]
    mounts: list[Mount]
    ports: list[PortBinding]
    labels: dict[str, str]
    cpus: float | None = None
    memory_bytes: int | None = None
    init: bool = True
    network_mode: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def resolve(text: str, workspace: Path, container_folder: str, env: Mapping[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "localWorkspaceFolder":
            return str(workspace)
        if name == "localWorkspaceFolderBasename":
            return workspace.name
        if name == "containerWorkspaceFolder":
            return container_folder
        return env.get(match.group(2), match.group(3) or "")

    return _VAR.sub(sub, text)


def parse_mount(text: str) -> Mount:
    """A ``--mount`` string (``type=bind,source=…,target=…[,readonly]``) as a Mount."""
    fields: dict[str, str] = {}
    read_only = False
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        key = key.lower()
        if key in ("readonly", "ro") and (not sep or value.lower() in ("1", "true")):
            read_only = True
        elif key in ("source", "src"):
            fields["source"] = value
        elif key in ("target", "destination", "dst"):
            fields["target"] = value
        elif key == "type":
            fields["type"] = value
    if "target" not in fields:
        raise ConfigError(
            f"mount '{text}' has no target",
            "write mounts as 'source=PATH,target=/PATH,type=bind'",
        )
    return Mount(fields.get("source", ""), fields["target"], fields.get("type", "bind"), read_only)


def parse_app_port(item: object) -> PortBinding:
    text = str(item)
    parts = text.split(":")
    try:
        if len(parts) == 3:
            return PortBinding(parts[0], int(parts[1]), int(parts[2]))
        if len(parts) == 2:
            return PortBinding("127.0.0.1", int(parts[0]), int(parts[1]))
        return PortBinding("127.0.0.1", int(text), int(text))
    except ValueError:
        raise ConfigError(
            f"appPort '{text}' is not a port", "write ports as numbers in the profile"
        ) from None


def container_name(workspace: Path) -> str:
    digest = hashlib.sha256(str(workspace).encode()).hexdigest()[:8]
    base = re.sub(r"[^a-zA-Z0-9_.-]", "-", workspace.name).strip("-.") or "workspace"
    return f"devkit-{base[:40]}-{digest}"


def container_spec(
    config: dict[str, Any],
    workspace: Path,
    image: str,
    labels: dict[str, str],
    env: Mapping[str, str] | None = None,
    extra_mounts: list[Mount] | None = None,
    cpus: float | None = None,
    memory_bytes: int | None = None,
) -> ContainerSpec:
    """The container devkit creates for a rendered configuration."""
    host_env = os.environ if env is None else env
    folder = str(config.get("workspaceFolder", "/workspace"))

    def res(text: str) -> str:
        return resolve(text, workspace, folder, host_env)

    mounts = [parse_mount(res(str(config["workspaceMount"])))]
    mounts += [parse_mount(res(str(m))) for m in config.get("mounts", [])]
    mounts += extra_mounts or []
    container_env = {k: res(str(v)) for k, v in config.get("containerEnv", {}).items()}
    container_env = {k: v for k, v in container_env.items() if v != "" or k not in _PROXY_KEYS}
    network = None
    for arg in config.get("runArgs", []):
        if str(arg).startswith("--network="):
            network = str(arg).split("=", 1)[1]
    return ContainerSpec(
        name=container_name(workspace),
        image=image,
        user=str(config.get("containerUser", "root")),
        workdir=folder,
        env=container_env,
        mounts=mounts,
        ports=[parse_app_port(p) for p in config.get("appPort", [])],
        labels=labels,
        cpus=cpus,
        memory_bytes=memory_bytes,
        init=bool(config.get("init", True)),
        network_mode=network,
    )


_PROXY_KEYS = frozenset({"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"})
