"""The sync engine's verification rules, driven by a plain in-memory fake of the S3 adapter."""

from __future__ import annotations

import base64
import hashlib
import io
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest

from devkit.config.model import SampleRules
from devkit.core.errors import DevkitError, NotReadyError
from devkit.core.plan import CancelledError
from devkit.data.manifest import Manifest
from devkit.data.selection import RemoteObject
from devkit.data.sync import Syncer


class FakeS3:
    def __init__(self, objects: dict[str, tuple[bytes, dict[str, Any]]]) -> None:
        self.objects = objects
        self.counts: dict[str, int] = {}
        self.on_get: Any = None

    def list(self, bucket: str, prefix: str, limit: int | None = None) -> list[RemoteObject]:
        self.counts["ListObjectsV2"] = self.counts.get("ListObjectsV2", 0) + 1
        return [
            RemoteObject(key, len(body), meta.get("ETag", ""))
            for key, (body, meta) in self.objects.items()
        ]

    def get(self, bucket: str, key: str) -> tuple[Any, dict[str, Any]]:
        self.counts["GetObject"] = self.counts.get("GetObject", 0) + 1
        if self.on_get:
            self.on_get(key)
        body, meta = self.objects[key]
        return io.BytesIO(body), {"ContentLength": len(body), **meta}

    def read_errors(self) -> tuple[type[BaseException], ...]:
        return (ConnectionError,)


def md5_etag(body: bytes) -> str:
    return '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'


def syncer(s3: FakeS3, dest: Path, **kwargs: Any) -> Syncer:
    return Syncer(s3, "b", "p/", dest, SampleRules(), **kwargs)  # type: ignore[arg-type]


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.rglob("*") if p.name.startswith(".devkit-part-"))


def test_each_kind_of_verification(tmp_path: Path) -> None:
    a, b, c = b"alpha" * 100, b"beta" * 100, b"gamma" * 100
    sha = base64.b64encode(hashlib.sha256(a).digest()).decode()
    s3 = FakeS3(
        {
            "p/a": (a, {"ETag": md5_etag(a), "ChecksumSHA256": sha}),
            "p/b": (b, {"ETag": md5_etag(b)}),
            "p/c": (c, {"ETag": '"0123456789abcdef0123456789abcdef-2"'}),
        }
    )
    result = syncer(s3, tmp_path).run()
    assert result.fetched == 3 and s3.counts["GetObject"] == 3
    files = Manifest.load(tmp_path).files
    assert {k: v["verified"] for k, v in files.items()} == {"a": "sha256", "b": "md5", "c": "size"}


@pytest.mark.parametrize(
    "meta",
    [
        {"ChecksumSHA256": base64.b64encode(b"x" * 32).decode()},
        {"ETag": '"00000000000000000000000000000000"'},
        {"ContentLength": 3},
        {"ChecksumCRC32": base64.b64encode((0xDEADBEEF).to_bytes(4, "big")).decode()},
    ],
    ids=["sha256", "md5", "size", "crc32"],
)
def test_a_bad_download_is_discarded(tmp_path: Path, meta: dict[str, Any]) -> None:
    body = b"payload" * 50
    s3 = FakeS3({"p/x": (body, {"ETag": md5_etag(body), **meta})})
    with pytest.raises(NotReadyError):
        syncer(s3, tmp_path).run()
    assert not (tmp_path / "x").exists()
    assert leftovers(tmp_path) == []
    assert "x" not in Manifest.load(tmp_path).files


def test_crc32_is_compared_by_devkit_when_botocore_does_not(tmp_path: Path) -> None:
    """No SDK validation (the fake's body is a plain stream): devkit computes the CRC32 itself;
    a right one verifies as 'crc32', a wrong one (same size) is discarded."""
    body = b"crc me" * 1000
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    bad = base64.b64encode((zlib.crc32(body) ^ 1).to_bytes(4, "big")).decode()
    s3 = FakeS3({"p/ok": (body, {"ChecksumCRC32": crc})})
    syncer(s3, tmp_path / "a").run()
    assert Manifest.load(tmp_path / "a").files["ok"]["verified"] == "crc32"
    s3 = FakeS3({"p/bad": (body, {"ChecksumCRC32": bad})})
    with pytest.raises(NotReadyError) as caught:
        syncer(s3, tmp_path / "b").run()
    assert "CRC32 checksum mismatch" in caught.value.what
    assert on_disk(tmp_path / "b") == set()


def on_disk(dest: Path) -> set[str]:
    """Every file under ``dest`` except devkit's own manifest and journal (dot files)."""
    if not dest.exists():
        return set()
    return {
        p.relative_to(dest).as_posix()
        for p in dest.rglob("*")
        if p.is_file() and not p.name.startswith(".devkit-manifest")
    }


def test_cancel_stops_and_keeps_only_verified_files(tmp_path: Path) -> None:
    objects = {f"p/{i:03d}": (bytes([i]) * 1000, {}) for i in range(50)}
    for body, meta in objects.values():
        meta["ETag"] = md5_etag(body)
    s3 = FakeS3(objects)
    cancel = threading.Event()
    s3.on_get = lambda key: cancel.set() if key == "p/010" else None
    with pytest.raises(DevkitError) as caught:
        syncer(s3, tmp_path, cancel=cancel, concurrency=1).run()
    assert isinstance(caught.value, CancelledError)
    assert s3.counts["GetObject"] < 50
    assert leftovers(tmp_path) == []
    recorded = Manifest.load(tmp_path).files
    assert recorded and len(recorded) < 50
    assert on_disk(tmp_path) == set(recorded)  # nothing else, not even an empty file
    for rel in recorded:
        assert (tmp_path / rel).read_bytes() == objects["p/" + rel][0]


def test_file_already_in_place_is_adopted_not_refetched(tmp_path: Path) -> None:
    body = b"same bytes" * 10
    (tmp_path / "x").write_bytes(body)
    (tmp_path / "y").write_bytes(b"the user's own different file")
    s3 = FakeS3({"p/x": (body, {"ETag": md5_etag(body)}), "p/y": (b"remote", {"ETag": '"e"'})})
    sync = syncer(s3, tmp_path)
    result = sync.run()
    assert s3.counts.get("GetObject", 0) == 0
    assert result.plan.foreign == ["y"]
    assert (tmp_path / "y").read_bytes() == b"the user's own different file"
    assert "x" in Manifest.load(tmp_path).files
