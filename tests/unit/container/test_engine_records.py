"""The Docker adapter's records from the two shapes the engine answers in (inspect and list)."""

from __future__ import annotations

from devkit.container.engine import (
    ContainerInfo,
    ImageInfo,
    MountInfo,
    _container_info,
    _image_info,
)

INSPECT_CONTAINER = {
    "Id": "f" * 64,
    "Name": "/devkit-ws-1",
    "Image": "sha256:" + "a" * 64,
    "State": {"Status": "exited", "Running": False},
    "Config": {"Labels": {"devcontainer.local_folder": "/w"}, "WorkingDir": "/ws", "User": ""},
    "Mounts": [
        {"Type": "bind", "Source": "/w", "Destination": "/ws", "RW": True},
        {"Type": "bind", "Source": "/s", "Destination": "/run/s", "RW": False},
    ],
}


def test_container_record_from_inspect_data() -> None:
    info = _container_info(INSPECT_CONTAINER)
    assert info == ContainerInfo(
        id="f" * 64,
        name="devkit-ws-1",
        status="exited",
        labels={"devcontainer.local_folder": "/w"},
        image_id="sha256:" + "a" * 64,
        mounts=(MountInfo("bind", "/w", "/ws", False), MountInfo("bind", "/s", "/run/s", True)),
        workdir="/ws",
        user="",
    )
    assert info.short_id == "f" * 12 and not info.running


def test_container_without_labels_or_mounts() -> None:
    info = _container_info({"Id": "1", "Name": "/x", "State": {"Status": "running"}, "Config": {}})
    assert info.labels == {} and info.mounts == () and info.running


def test_image_record_from_inspect_and_from_the_image_list() -> None:
    inspected = _image_info(
        {
            "Id": "sha256:" + "b" * 64,
            "RepoTags": ["devkit-svc:abc", "devkit-svc:latest"],
            "RepoDigests": ["python@sha256:" + "c" * 64],
            "Config": {"Labels": {"org.devkit.image-hash": "h"}},
            "Created": "2026-12-02T05:51:15.192158038Z",
        }
    )
    assert inspected == ImageInfo(
        id="sha256:" + "b" * 64,
        tags=("devkit-svc:abc", "devkit-svc:latest"),
        digests=("python@sha256:" + "c" * 64,),
        labels={"org.devkit.image-hash": "h"},
        created="2026-12-02T05:51:15.192158038Z",
    )
    assert inspected.short_id == "b" * 12
    listed = _image_info(
        {
            "Id": "sha256:" + "b" * 64,
            "RepoTags": ["<none>:<none>"],
            "Labels": {"org.devkit.image-hash": "h"},
            "Created": 1764654675,
        }
    )
    assert listed.tags == () and listed.labels == {"org.devkit.image-hash": "h"}
    assert listed.created == "2025-12-02T05:51:15Z"
