"""The Docker SDK adapter's entry: connecting to the engine the user's Docker CLI would use.

Honours ``DOCKER_HOST`` first, then the current Docker context (``docker context use``), then
the default socket, and turns every failure into a NotReadyError with a hint.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from devkit.errors import NotReadyError


def _context_host() -> str | None:
    """The endpoint of the current Docker CLI context, when one other than default is set."""
    config_dir = Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker"))
    name = os.environ.get("DOCKER_CONTEXT")
    if not name:
        try:
            name = json.loads((config_dir / "config.json").read_text()).get("currentContext")
        except (OSError, ValueError):
            return None
    if not name or name == "default":
        return None
    meta_root = config_dir / "contexts" / "meta"
    for meta in meta_root.glob("*/meta.json"):
        try:
            data = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue
        if data.get("Name") == name:
            host = data.get("Endpoints", {}).get("docker", {}).get("Host")
            return str(host) if host else None
    return None


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or _context_host() or "unix:///var/run/docker.sock"


def connect(timeout: int = 120) -> Any:
    """A docker.DockerClient that answered a ping, or NotReadyError."""
    import docker
    from docker.errors import DockerException

    address = engine_address()
    try:
        if os.environ.get("DOCKER_HOST") or address == "unix:///var/run/docker.sock":
            client = docker.from_env(timeout=timeout)
        else:
            client = docker.DockerClient(base_url=address, timeout=timeout)
        client.ping()
    except (DockerException, OSError) as exc:
        reason = str(exc).split("\n")[0][:200]
        raise NotReadyError(
            f"Docker Engine not reachable at {address} ({reason})",
            "start Docker (e.g. 'sudo systemctl start docker' or 'scripts/engine.sh'), "
            "or point DOCKER_HOST at a running engine",
        ) from None
    return client


def engine_version(client: Any) -> dict[str, str]:
    info = client.version()
    return {
        "version": str(info.get("Version", "?")),
        "api": str(info.get("ApiVersion", "?")),
        "os": f"{info.get('Os', '?')}/{info.get('Arch', '?')}",
    }
