"""Rendering ``.devcontainer/devcontainer.json`` and ``.devcontainer/Dockerfile`` from a profile.

Pure: no Docker, no file writes. The same rendered configuration drives both the files devkit
writes and the container devkit creates (``config.py`` resolves its variables), so devkit and
the reference ``devcontainer`` CLI start the same environment.

Decisions, written down here because the README is built from them:

* The workspace is mounted at ``/workspace`` (``workspaceMount``/``workspaceFolder``) by both
  tools; profiles may refer to ``/workspace`` in their env values.
* The build context is ``.devkit/build/`` (git-ignored, machine-local): host CA bundle, devkit's
  own wheels and a copy of the lockfile. The Dockerfile itself is machine-independent.
* The container user follows the host user: ``root`` on a root host (files written into the
  workspace stay the host user's), otherwise the profile's ``image.user`` (default ``dev``)
  created with the host's UID/GID (build args ``USER_UID``/``USER_GID``).
* Proxy variables are referenced as ``${localEnv:NAME}``, never copied as values.
* Ports are forwarded and published on 127.0.0.1 only (``appPort``).
* ``network="host"`` (``devkit init --network host``) runs the build and the container on the
  host's network (``build.options`` and ``runArgs``): for engines without a usable bridge, for
  proxies listening on the host's loopback, and for tests talking to servers on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from devkit.config.model import Profile

WORKSPACE_FOLDER = "/workspace"
DEVCONTAINER_DIR = ".devcontainer"
CONFIG_NAME = "devcontainer.json"
DOCKERFILE_NAME = "Dockerfile"
CONTEXT_DIR = ".devkit/build"
PROXY_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class HostUser:
    uid: int
    gid: int

    @property
    def is_root(self) -> bool:
        return self.uid == 0


@dataclass(frozen=True)
class Rendered:
    """The rendered files (text) and the configuration as data (for devkit's own container)."""

    devcontainer_json: str
    dockerfile: str
    config: dict[str, Any]
    user: str
    build_args: dict[str, str]
    network: str = "bridge"


def template(name: str) -> str:
    return (resources.files("devkit.templates") / name).read_text(encoding="utf-8")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{{name}}`` placeholders; an unknown name is a bug in the template."""

    def sub(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(sub, text)


def container_user(profile: Profile, host: HostUser) -> str:
    return "root" if host.is_root else (profile.image.user or "dev")


def _json(value: object, indent: int = 2) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * indent)


def config_data(
    profile: Profile, base_image: str, host: HostUser, network: str = "bridge"
) -> dict[str, Any]:
    """devcontainer.json as a dict (variables like ${localWorkspaceFolder} left unresolved)."""
    user = container_user(profile, host)
    build_args: dict[str, str] = {"BASE_IMAGE": base_image, "USER_NAME": user}
    if not host.is_root:
        build_args |= {"USER_UID": str(host.uid), "USER_GID": str(host.gid)}
    env: dict[str, str] = {
        "DEVKIT_PROFILE": profile.name,
        "DEVKIT_WORKSPACE": WORKSPACE_FOLDER,
        **profile.env,
    }
    for name in PROXY_NAMES:
        env.setdefault(name, "${localEnv:" + name + "}")
    run_args: list[str] = []
    if profile.resources.cpus is not None:
        run_args.append(f"--cpus={profile.resources.cpus:g}")
    if profile.resources.memory_bytes is not None:
        run_args.append(f"--memory={profile.resources.memory_bytes}")
    build: dict[str, Any] = {
        "dockerfile": DOCKERFILE_NAME,
        "context": "../" + CONTEXT_DIR,
        "args": build_args,
        "options": [],
    }
    app_port = [f"127.0.0.1:{p}:{p}" for p in profile.ports]
    if network == "host":
        # The host's network: ports are the host's own, builds reach a proxy on its loopback.
        run_args.append("--network=host")
        build["options"] = ["--network=host"]
        app_port = []
    return {
        "name": f"devkit {profile.name}",
        "build": build,
        "workspaceMount": (
            "source=${localWorkspaceFolder},target=" + WORKSPACE_FOLDER + ",type=bind"
        ),
        "workspaceFolder": WORKSPACE_FOLDER,
        "containerEnv": env,
        "forwardPorts": list(profile.ports),
        "appPort": app_port,
        "runArgs": run_args,
        "mounts": list(profile.mounts),
        "init": True,
        "containerUser": user,
        "remoteUser": user,
        "updateRemoteUserUID": True,
        "postCreateCommand": f"devkit post-create --profile {profile.name}",
    }


def render(
    profile: Profile, base_image: str | None, host: HostUser, network: str = "bridge"
) -> Rendered:
    base = base_image or profile.image.base
    config = config_data(profile, base, host, network)
    user = config["remoteUser"]
    text = fill(
        template("devcontainer.json.tmpl"),
        {
            "profile": profile.name,
            "name": _json(config["name"]),
            "build_args": _json(config["build"]["args"], 4),
            "build_options": json.dumps(config["build"].get("options", [])),
            "container_env": _json(config["containerEnv"]),
            "forward_ports": json.dumps(config["forwardPorts"]),
            "app_port": json.dumps(config["appPort"]),
            "run_args": json.dumps(config["runArgs"]),
            "mounts": _json(config["mounts"]),
            "user": json.dumps(user),
            "post_create": json.dumps(config["postCreateCommand"]),
        },
    )
    dockerfile = fill(
        template("Dockerfile.tmpl"),
        {
            "profile": profile.name,
            "base_image": base,
            "user": user,
            "python": profile.image.python,
            "system_packages": " ".join(profile.image.system_packages) or "",
        },
    )
    return Rendered(text, dockerfile, config, user, dict(config["build"]["args"]), network)
