"""The Docker adapter's records, read from a real engine: what devkit sees of a container and
an image is what the engine holds, without any caller touching the SDK's objects."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from devkit.container import engine
from devkit.container.spec import ContainerSpec, Mount
from devkit.core.records import replace
from support.engine import TEST_LABELS


def test_a_started_container_reads_back_as_a_record(
    tmp_path: Path, docker_engine: Any, base_image: str
) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    key = f"org.devkit.test.records-{uuid.uuid4().hex[:8]}"
    spec = ContainerSpec(
        name=f"devkit-records-{uuid.uuid4().hex[:8]}",
        image=base_image,
        user="0",
        workdir="/work",
        env={},
        mounts=[Mount(str(folder), "/work", read_only=True)],
        ports=[],
        labels={**TEST_LABELS, key: "yes"},
        network_mode="none",
    )
    started = engine.create_and_start(docker_engine, spec)
    try:
        assert started.name == spec.name and started.running
        assert started.labels[key] == "yes"
        assert (started.workdir, started.user) == ("/work", "0")
        assert [(m.type, m.source, m.destination, m.read_only) for m in started.mounts] == [
            ("bind", str(folder), "/work", True)
        ]
        listed = engine.list_containers(docker_engine, {key: "yes"})
        assert listed == [started]
        assert engine.list_containers(docker_engine, {key: "yes"}, running_only=True) == [started]
        # From the list alone: the same record but the working folder and the user.
        brief = replace(started, workdir="", user="")
        assert engine.list_containers(docker_engine, {key: "yes"}, brief=True) == [brief]
        running = engine.list_containers(docker_engine, {key: "yes"}, running_only=True, brief=True)
        assert running == [brief]
        image = engine.image_info(docker_engine, started.image_id)
        assert image is not None and image.id == started.image_id
        assert base_image in image.tags  # the image may carry other tags too
        assert image.created[:2] == "20" and image.created.endswith("Z")
        by_ref = engine.image_info(docker_engine, base_image)
        assert by_ref is not None and by_ref.id == image.id
        engine.stop_and_remove(docker_engine, started.id, timeout=1)
        assert engine.list_containers(docker_engine, {key: "yes"}) == []
        engine.remove_container(docker_engine, started.id)  # gone already: fine
    finally:
        engine.remove_container(docker_engine, started.id)


def test_an_absent_image_is_none(docker_engine: Any) -> None:
    assert engine.image_info(docker_engine, f"devkit-absent-{uuid.uuid4().hex}:x") is None
    assert engine.image_info(docker_engine, "") is None
