"""UID/GID mapping for a non-root host user, with the Dockerfile's own user block.

The tests run as root, so the non-root host is played by UID 1234/GID 2345: the rendered
Dockerfile creates the container user with those ids, and a file the container writes into a
workspace owned by them belongs to them on the host.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from devkit.config.profiles import ProfileSet
from devkit.container.engine import build_image
from devkit.container.render import HostUser, LocalLayer, render
from devkit.container.spec import Mount
from support.engine import TEST_LABELS

HOST = HostUser(1234, 2345)


def test_container_user_gets_the_host_ids_and_files_stay_theirs(
    tmp_path: Path, docker_engine: Any, base_image: str
) -> None:
    rendered = render(ProfileSet(None).get("training"), LocalLayer(HOST, base_image))
    head = rendered.dockerfile.split("USER root", 1)[0]
    block = rendered.dockerfile.split("# 4. The container user", 1)[1].split("# 5. ", 1)[0]
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(f"{head}USER root\n# 4. The container user{block}")
    lines: list[str] = []
    tag = "devkit-uid-test:latest"
    build_image(
        docker_engine,
        context,
        context / "Dockerfile",
        tag,
        rendered.build_args,
        dict(TEST_LABELS),
        "none",
        lines.append,
    )
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    os.chown(workspace, HOST.uid, HOST.gid)
    mount = Mount(str(workspace), "/workspace")
    output = docker_engine.containers.run(
        tag,
        ["sh", "-c", "id -u; id -g; id -un; echo hi > /workspace/made-inside"],
        user=rendered.user,
        mounts=[_docker_mount(mount)],
        network_mode="none",
        labels=dict(TEST_LABELS),
        remove=True,
    ).decode()
    assert rendered.build_args["USER_UID"] == "1234", "the local layer, never the Dockerfile"
    assert "ARG USER_UID=1000" in rendered.dockerfile
    assert output.split() == ["1234", "2345", "dev"]
    made = workspace / "made-inside"
    assert (made.stat().st_uid, made.stat().st_gid) == (HOST.uid, HOST.gid)


def _docker_mount(mount: Mount) -> Any:
    from docker.types import Mount as DockerMount

    return DockerMount(mount.target, mount.source, type="bind")
