"""Ranged parallel downloads, resume, dropped streams and one-pass hashing, against a fake S3
that serves byte ranges (the sync engine only; tests/integration/data runs them on moto)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import random
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest

from devkit import safefs
from devkit.config.model import SampleRules
from devkit.core.errors import DevkitError, NotReadyError
from devkit.data import checksums
from devkit.data.manifest import Manifest
from devkit.data.names import SIDECAR_SUFFIX
from devkit.data.parts import MAX_PART_SIZE, PART_SIZE, RangedJob, part_size_for
from devkit.data.selection import RemoteObject
from devkit.data.sync import Syncer

PART = 1000


class Breaking(io.BytesIO):
    """A body whose stream breaks after ``at`` bytes (a connection reset mid-part)."""

    def __init__(self, data: bytes, at: int) -> None:
        super().__init__(data)
        self.at = at

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.at:
            raise ConnectionError("connection reset by peer")
        size = self.at - self.tell() if size is None or size < 0 else size
        return super().read(min(size, self.at - self.tell()))

    def readinto(self, buffer: Any) -> int:  # the fast lane's bodies are read this way
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class RangeS3:
    def __init__(self, objects: dict[str, tuple[bytes, dict[str, Any]]]) -> None:
        self.objects = objects
        self.counts: dict[str, int] = {}
        self.ranges: list[tuple[str, int | None, int | None]] = []
        self.break_at: dict[int, int] = {}  # range start -> bytes served before the break
        self.fail_from: set[int] = set()  # range starts that always break at once
        self.flip_at: int | None = None
        self.listed_algorithm = ""  # what the listing names (ChecksumAlgorithm)
        self.head_waits_for_parts = False  # HEAD answers once a part was asked for
        self.part_before_head: bool | None = None
        self.part_asked = threading.Event()

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def list(self, bucket: str, prefix: str, limit: int | None = None) -> list[RemoteObject]:
        return [
            RemoteObject(k, len(b), m.get("ETag", ""), checksum_algorithm=self.listed_algorithm)
            for k, (b, m) in self.objects.items()
        ]

    def head(self, bucket: str, key: str) -> dict[str, Any]:
        self._count("HeadObject")
        if self.head_waits_for_parts:
            self.part_before_head = self.part_asked.wait(10)
        body, meta = self.objects[key]
        return {"ContentLength": len(body), **meta}

    def get(
        self,
        bucket: str,
        key: str,
        first: int | None = None,
        last: int | None = None,
        etag: str | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        self._count("GetObject")
        self.ranges.append((key, first, last))
        self.part_asked.set()
        body, meta = self.objects[key]
        if self.flip_at is not None:
            body = body[: self.flip_at] + bytes([body[self.flip_at] ^ 1]) + body[self.flip_at + 1 :]
        if first is None:
            return io.BytesIO(body), {"ContentLength": len(body), **meta}
        end = len(body) - 1 if last is None else last
        piece = body[first : end + 1]
        head = {k: v for k, v in meta.items() if not k.startswith("Checksum")}
        head.update(ContentLength=len(piece), ContentRange=f"bytes {first}-{end}/{len(body)}")
        if first in self.fail_from:
            return Breaking(piece, 0), head
        if first in self.break_at:
            return Breaking(piece, self.break_at.pop(first)), head
        return io.BytesIO(piece), head

    def read_errors(self) -> tuple[type[BaseException], ...]:
        return (ConnectionError,)


def blob(size: int, seed: str = "x") -> bytes:
    out = b""
    while len(out) < size:
        out += hashlib.sha256((seed + str(len(out))).encode()).digest()
    return out[:size]


def crc_meta(body: bytes) -> dict[str, Any]:
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    return {"ETag": '"abc-2"', "ChecksumCRC32": crc}


def syncer(s3: RangeS3, dest: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Syncer:
    monkeypatch.setenv("DEVKIT_SYNC_PART_SIZE", str(PART))
    monkeypatch.setenv("DEVKIT_SYNC_RANGED_THRESHOLD", str(PART))
    return Syncer(s3, "b", "p/", dest, SampleRules(), concurrency=4, **kw)  # type: ignore[arg-type]


def parts_fetched(s3: RangeS3) -> list[int]:
    return sorted(first for _, first, _ in s3.ranges if first is not None)


def test_large_object_is_fetched_as_ranged_parts_and_its_crc_combined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = blob(5 * PART + 123)
    s3 = RangeS3({"p/big": (body, crc_meta(body)), "p/small": (b"tiny", {"ETag": '"x-1"'})})
    result = syncer(s3, tmp_path, monkeypatch).run()
    assert result.fetched == 2 and result.fetched_bytes == len(body) + 4
    assert (tmp_path / "big").read_bytes() == body
    assert parts_fetched(s3) == [i * PART for i in range(6)]
    assert s3.counts == {"HeadObject": 1, "GetObject": 7}
    entry = Manifest.load(tmp_path).files["big"]
    assert entry["verified"] == "crc32" and entry["parts"] == 6
    assert entry["checksum"] == "crc32:" + crc_meta(body)["ChecksumCRC32"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".devkit-part-")]


@pytest.mark.parametrize("kind", ["sha256", "md5"])
def test_uncombinable_checksums_are_hashed_in_order_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    body = blob(4 * PART + 7, kind)
    if kind == "sha256":
        meta = {
            "ETag": '"e-3"',
            "ChecksumSHA256": base64.b64encode(hashlib.sha256(body).digest()).decode(),
        }
    else:
        meta = {"ETag": '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'}
    hashed: list[int] = []
    original = checksums.DigestHasher.update

    def counting(self: checksums.DigestHasher, data: bytes | memoryview) -> None:
        hashed.append(len(data))
        original(self, data)

    monkeypatch.setattr(checksums.DigestHasher, "update", counting)
    syncer(RangeS3({"p/o": (body, meta)}), tmp_path, monkeypatch).run()
    assert sum(hashed) == len(body)  # every byte hashed exactly once
    entry = Manifest.load(tmp_path).files["o"]
    assert entry["verified"] == kind
    if kind == "sha256":
        assert entry["sha256"] == hashlib.sha256(body).hexdigest()


def test_small_object_is_hashed_once_with_the_servers_checksum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No SHA-256 next to the MD5 or the CRC: one hash over the bytes, the confirmable one."""
    plain, crc = b"plain" * 100, b"crc" * 100
    hashed: dict[str, int] = {}

    class Counting:
        def __init__(self, inner: Any) -> None:
            self.inner, self.algorithm = inner, inner.algorithm

        def update(self, data: bytes | memoryview) -> None:
            hashed[self.algorithm] = hashed.get(self.algorithm, 0) + len(data)
            self.inner.update(data)

        def value(self) -> str:
            return str(self.inner.value())

    real_new = checksums.new
    monkeypatch.setattr(checksums, "new", lambda algorithm: Counting(real_new(algorithm)))
    md5 = '"' + hashlib.md5(plain, usedforsecurity=False).hexdigest() + '"'
    s3 = RangeS3({"p/plain": (plain, {"ETag": md5}), "p/crc": (crc, crc_meta(crc))})
    syncer(s3, tmp_path, monkeypatch).run()
    assert hashed == {"md5": len(plain), "crc32": len(crc)}
    files = Manifest.load(tmp_path).files
    assert files["plain"]["checksum"] == "md5:" + md5.strip('"')
    assert "sha256" not in files["plain"]
    assert Manifest.load(tmp_path).verify_content("plain")
    assert Manifest.load(tmp_path).verify_content("crc")


def test_a_dropped_stream_is_asked_for_again_from_where_it_broke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = blob(3 * PART)
    s3 = RangeS3({"p/o": (body, crc_meta(body))})
    s3.break_at = {PART: 300}  # the second part breaks after 300 bytes
    monkeypatch.setattr("devkit.data.sync.time.sleep", lambda s: None)
    syncer(s3, tmp_path, monkeypatch).run()
    assert (tmp_path / "o").read_bytes() == body
    assert parts_fetched(s3) == [0, PART, PART + 300, 2 * PART]


def test_a_corrupted_ranged_object_is_discarded_with_its_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = blob(3 * PART)
    s3 = RangeS3({"p/o": (body, crc_meta(body))})
    s3.flip_at = PART + 17
    with pytest.raises(NotReadyError) as caught:
        syncer(s3, tmp_path, monkeypatch).run()
    assert "CRC32 checksum mismatch" in caught.value.what
    assert sorted(p.name for p in tmp_path.iterdir()) == [".devkit-manifest.json"]


def test_an_interrupted_ranged_download_resumes_only_its_missing_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = blob(6 * PART + 5)
    objects = {"p/o": (body, crc_meta(body))}
    monkeypatch.setattr("devkit.data.sync.time.sleep", lambda s: None)
    s3 = RangeS3(objects)
    s3.fail_from = {2 * PART, 4 * PART}  # those parts never arrive: the run fails
    with pytest.raises(NotReadyError):
        syncer(s3, tmp_path, monkeypatch).run()
    assert not (tmp_path / "o").exists()
    kept = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".devkit-part-"))
    assert len(kept) == 2 and kept[1] == kept[0] + SIDECAR_SUFFIX
    assert oct(os.stat(tmp_path / kept[1]).st_mode & 0o777) == "0o600"

    lines = (tmp_path / kept[1]).read_text().splitlines()
    finished = {json.loads(line)["part"] for line in lines[1:]}
    assert {2, 4}.isdisjoint(finished) and finished  # the failure cancelled the rest

    again = RangeS3(objects)
    result = syncer(again, tmp_path, monkeypatch).run()
    missing = [i * PART for i in range(7) if i not in finished]
    assert result.fetched_bytes == sum(min(PART, len(body) - first) for first in missing)
    assert parts_fetched(again) == missing and {2 * PART, 4 * PART} <= set(missing)
    assert (tmp_path / "o").read_bytes() == body
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".devkit-part-")]


@pytest.mark.parametrize("bad", [-1, 1 << 32, "x"])
def test_a_part_whose_recorded_crc_cannot_be_one_is_fetched_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: object
) -> None:
    body = blob(4 * PART)
    objects = {"p/o": (body, crc_meta(body))}
    monkeypatch.setattr("devkit.data.sync.time.sleep", lambda s: None)
    s3 = RangeS3(objects)
    s3.fail_from = {3 * PART}
    with pytest.raises(NotReadyError):
        syncer(s3, tmp_path, monkeypatch).run()
    sidecar = next(p for p in tmp_path.iterdir() if p.name.endswith(SIDECAR_SUFFIX))
    header, *parts = sidecar.read_text().splitlines()
    finished = [json.loads(line)["part"] for line in parts]
    victim = finished[0]  # the first line's part gets a CRC that cannot be one
    edited = [json.dumps({"part": victim, "crc": bad}), *parts[1:]]
    sidecar.write_text("\n".join([header, *edited]) + "\n")

    again = RangeS3(objects)
    syncer(again, tmp_path, monkeypatch).run()
    kept = set(finished) - {victim}
    assert parts_fetched(again) == [i * PART for i in range(4) if i not in kept]
    assert (tmp_path / "o").read_bytes() == body


def test_a_resumed_object_that_changed_upstream_starts_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = blob(4 * PART)
    monkeypatch.setattr("devkit.data.sync.time.sleep", lambda s: None)
    s3 = RangeS3({"p/o": (body, crc_meta(body))})
    s3.fail_from = {3 * PART}
    with pytest.raises(NotReadyError):
        syncer(s3, tmp_path, monkeypatch).run()
    new = blob(4 * PART, "new")
    again = RangeS3({"p/o": (new, {**crc_meta(new), "ETag": '"other-2"'})})
    syncer(again, tmp_path, monkeypatch).run()
    assert parts_fetched(again) == [0, PART, 2 * PART, 3 * PART]
    assert (tmp_path / "o").read_bytes() == new
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".devkit-part-")]


MIB = 1 << 20


@pytest.mark.parametrize(
    ("size", "concurrency", "expected"),
    [
        (17 * MIB, 16, PART_SIZE),  # a share under 16 MiB: 16 MiB parts
        (1 << 30, 16, 64 * MIB),  # one round: every worker on one part
        (1 << 30, 32, 32 * MIB),
        (1 << 30, 1, MAX_PART_SIZE),  # never more than 64 MiB in one part
        (10 << 30, 16, MAX_PART_SIZE),
        (700 * MIB + 1, 16, 44 * MIB),  # the share rounded up to a MiB
    ],
)
def test_a_part_is_the_objects_share_of_the_workers_within_bounds(
    size: int, concurrency: int, expected: int
) -> None:
    assert part_size_for(size, concurrency) == expected
    assert -(-size // expected) <= max(concurrency, -(-size // MAX_PART_SIZE))


@pytest.mark.parametrize("setting", [None, "0", "-5"])
def test_without_a_set_part_size_each_object_gets_its_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str | None
) -> None:
    body = random.Random(1).randbytes(40 * MIB + 3)
    s3 = RangeS3({"p/o": (body, crc_meta(body))})
    monkeypatch.delenv("DEVKIT_SYNC_PART_SIZE", raising=False)
    if setting is not None:  # zero or less: not set
        monkeypatch.setenv("DEVKIT_SYNC_PART_SIZE", setting)
    Syncer(s3, "b", "p/", tmp_path, SampleRules(), concurrency=2).run()  # type: ignore[arg-type]
    assert parts_fetched(s3) == [0, 21 * MIB]  # two workers: two parts of 21 MiB
    assert (tmp_path / "o").read_bytes() == body


def test_a_resume_keeps_the_part_size_of_the_interrupted_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = random.Random(2).randbytes(64 * MIB + 9)
    objects = {"p/o": (body, crc_meta(body))}
    monkeypatch.delenv("DEVKIT_SYNC_PART_SIZE", raising=False)
    monkeypatch.setattr("devkit.data.sync.time.sleep", lambda s: None)
    s3 = RangeS3(objects)
    s3.fail_from = {3 * PART_SIZE}  # four parts of 16 MiB and a tail; the fourth never comes
    with pytest.raises(NotReadyError):
        Syncer(s3, "b", "p/", tmp_path, SampleRules(), concurrency=8).run()  # type: ignore[arg-type]
    sidecar = next(p for p in tmp_path.iterdir() if p.name.endswith(SIDECAR_SUFFIX))
    finished = {json.loads(line)["part"] for line in sidecar.read_text().splitlines()[1:]}
    assert finished and 3 not in finished

    again = RangeS3(objects)  # two workers would choose 33 MiB parts: the 16 MiB ones stay
    Syncer(again, "b", "p/", tmp_path, SampleRules(), concurrency=2).run()  # type: ignore[arg-type]
    assert parts_fetched(again) == [i * PART_SIZE for i in range(5) if i not in finished]
    assert (tmp_path / "o").read_bytes() == body


def single_part(meta: dict[str, Any]) -> dict[str, Any]:
    return {**meta, "ETag": '"0123456789abcdef0123456789abcdef"'}


def test_with_a_listed_crc_the_parts_start_beside_the_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = blob(5 * PART + 1)
    s3 = RangeS3({"p/o": (body, single_part(crc_meta(body)))})
    s3.listed_algorithm, s3.head_waits_for_parts = "CRC32", True
    syncer(s3, tmp_path, monkeypatch).run()
    assert s3.part_before_head is True
    assert s3.counts == {"HeadObject": 1, "GetObject": 6}
    entry = Manifest.load(tmp_path).files["o"]
    assert entry["checksum"] == "crc32:" + crc_meta(body)["ChecksumCRC32"]


@pytest.mark.parametrize("listed", ["", "CRC32 of a multipart upload"])
def test_without_a_listed_crc_of_the_bytes_the_head_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listed: str
) -> None:
    body = blob(3 * PART)
    if listed:  # maybe COMPOSITE: a CRC of the parts' CRCs, which the parts cannot confirm
        s3 = RangeS3({"p/o": (body, crc_meta(body))})
        s3.listed_algorithm = "CRC32"
    else:
        s3 = RangeS3({"p/o": (body, {"ETag": '"' + hashlib.md5(body).hexdigest() + '"'})})
    s3.head_waits_for_parts = True
    s3.part_asked.wait = lambda timeout=None: s3.part_asked.is_set()  # type: ignore[method-assign]
    syncer(s3, tmp_path, monkeypatch).run()
    assert s3.part_before_head is False
    assert (tmp_path / "o").read_bytes() == body


def test_a_head_that_fails_beside_the_parts_keeps_them_for_a_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = blob(4 * PART)
    s3 = RangeS3({"p/o": (body, single_part(crc_meta(body)))})
    s3.listed_algorithm, s3.head_waits_for_parts = "CRC32", True

    def head(bucket: str, key: str) -> dict[str, Any]:
        s3.part_asked.wait(10)
        raise NotReadyError("reading s3://b/p/o failed (timeout)", "run the command again")

    s3.head = head  # type: ignore[method-assign]
    with pytest.raises(NotReadyError, match="timeout"):
        syncer(s3, tmp_path, monkeypatch).run()
    kept = [p.name for p in tmp_path.iterdir() if p.name.startswith(".devkit-part-")]
    assert len(kept) == 2  # the temp file and its sidecar: a rerun fetches only what is missing


@pytest.mark.parametrize("corrupt", [False, True])
def test_a_listed_crc_the_head_does_not_confirm_is_replaced_by_what_it_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corrupt: bool
) -> None:
    body = blob(4 * PART + 2)
    s3 = RangeS3({"p/o": (body, {"ETag": '"' + hashlib.md5(body).hexdigest() + '"'})})
    s3.listed_algorithm = "CRC32"  # the listing says CRC32, the HEAD has none: the ETag's MD5
    if corrupt:
        s3.flip_at = 3 * PART + 5
        with pytest.raises(DevkitError, match="MD5 does not match"):
            syncer(s3, tmp_path, monkeypatch).run()
        assert not (tmp_path / "o").exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".devkit-part-")]
        return
    syncer(s3, tmp_path, monkeypatch).run()
    assert (tmp_path / "o").read_bytes() == body
    entry = Manifest.load(tmp_path).files["o"]
    assert entry["verified"] == "md5"
    assert entry["checksum"] == "md5:" + hashlib.md5(body).hexdigest()


def test_an_object_changed_under_the_early_parts_stops_the_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = blob(3 * PART)
    s3 = RangeS3({"p/o": (body, single_part(crc_meta(body)))})
    s3.listed_algorithm = "CRC32"
    real_head = s3.head
    s3.head = lambda b, k: {**real_head(b, k), "ETag": '"new-2"'}  # type: ignore[method-assign]
    with pytest.raises(NotReadyError, match="changed since it was listed"):
        syncer(s3, tmp_path, monkeypatch).run()
    assert not (tmp_path / "o").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".devkit-part-")]


class PausingLock:
    """``job.lock`` that holds thread "A" after its ``pause_after``-th time through it."""

    def __init__(self, pause_after: int) -> None:
        self.lock, self.count, self.pause_after = threading.Lock(), 0, pause_after
        self.paused, self.release = threading.Event(), threading.Event()

    def __enter__(self) -> None:
        self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()
        if threading.current_thread().name == "A":
            self.count += 1
            if self.count == self.pause_after:
                self.paused.set()
                self.release.wait(10)


def test_the_last_part_hashed_by_another_thread_is_in_the_digest(tmp_path: Path) -> None:
    """MD5 over the parts in order: thread A hashes part 0 and finds part 1 not yet there;
    part 1 lands (thread B) while A is between its last look and its end, and B is still
    hashing it when A ends. Only B finishes the object, with both parts in the digest."""
    body = blob(2 * PART)
    obj = RemoteObject("p/o", len(body), '"e"')
    sync = Syncer(RangeS3({}), "b", "p/", tmp_path, SampleRules())  # type: ignore[arg-type]
    job = RangedJob(obj, "o", ("md5", hashlib.md5(body).hexdigest()), "md5", PART)
    job.partial = safefs.create_partial(
        tmp_path / "o", len(body), root=tmp_path, strict_from=tmp_path, prefix=".devkit-part-"
    )
    job.partial.pwrite(body, 0)
    job.sidecar = safefs.open_append(tmp_path / "sidecar", root=tmp_path, strict_from=tmp_path)
    lock = PausingLock(pause_after=3)  # A: the part added, part 0 taken, its last look
    job.lock = lock  # type: ignore[assignment]
    assert job.ordered is not None
    update = job.ordered.update
    hashing_last, go_on = threading.Event(), threading.Event()

    def slow_update(chunk: bytes | memoryview) -> None:
        if threading.current_thread().name == "B":  # B is hashing part 1 while A ends
            hashing_last.set()
            go_on.wait(10)
        update(chunk)

    job.ordered.update = slow_update  # type: ignore[method-assign]
    errors: list[BaseException] = []

    def done(index: int) -> None:
        try:
            sync._part_done(job, index, None)
        except BaseException as exc:  # reported below
            errors.append(exc)

    first = threading.Thread(target=done, args=(0,), name="A")
    first.start()
    assert lock.paused.wait(10)
    second = threading.Thread(target=done, args=(1,), name="B")
    second.start()
    assert hashing_last.wait(10)
    lock.release.set()
    first.join(10)
    go_on.set()
    second.join(10)
    assert errors == []
    assert (tmp_path / "o").read_bytes() == body
    assert Manifest.load(tmp_path).files["o"]["verified"] == "md5"


def _crc_bitwise(data: bytes, poly: int, width: int) -> int:
    mask = (1 << width) - 1
    crc = mask
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc ^ mask


@pytest.mark.parametrize(
    ("algorithm", "poly", "width"),
    [("crc32", 0xEDB88320, 32), ("crc32c", 0x82F63B78, 32), ("crc64nvme", 0x9A6C9329AC4BC9B5, 64)],
)
def test_crc_combine_matches_the_crc_of_the_whole(algorithm: str, poly: int, width: int) -> None:
    a, b = blob(300, "a"), blob(517, "b")
    whole = _crc_bitwise(a + b, poly, width)
    parts = checksums.combine(
        algorithm, _crc_bitwise(a, poly, width), _crc_bitwise(b, poly, width), len(b)
    )
    assert parts == whole
    if algorithm == "crc32":
        assert whole == zlib.crc32(a + b)


def test_crc32_hasher_is_zlib_ngs_and_agrees_with_zlib_over_any_chunking() -> None:
    # CRC32 is the checksum S3 SDKs give new uploads: every synced byte goes through it, so it
    # is zlib-ng's carry-less-multiply CRC, not zlib's table one (same values, ~7x the speed).
    from zlib_ng import zlib_ng

    assert checksums.new("crc32")._fn is zlib_ng.crc32  # type: ignore[union-attr]
    data = os.urandom(1 << 20) + blob(517, "tail")
    for step in (1, 4093, 65536, 1 << 20, len(data)):
        hasher = checksums.new("crc32")
        view = memoryview(data)
        for start in range(0, len(data), step):
            hasher.update(view[start : start + step])
        assert hasher.value() == base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    small = blob(300, "bitwise")
    hasher = checksums.new("crc32")
    hasher.update(small)
    assert isinstance(hasher, checksums.CrcHasher)
    assert hasher.crc == _crc_bitwise(small, 0xEDB88320, 32)


def test_without_zlib_ng_crc32_comes_from_zlib(monkeypatch: pytest.MonkeyPatch) -> None:
    # An image built from a committed devkit-deps.txt of an earlier build of the same devkit
    # version installs devkit without zlib-ng: its syncs still verify CRC32.
    import sys

    monkeypatch.setitem(sys.modules, "zlib_ng.zlib_ng", None)  # makes the import fail
    hasher = checksums.new("crc32")
    assert hasher._fn is zlib.crc32  # type: ignore[union-attr]
    hasher.update(b"devkit")
    assert hasher.value() == base64.b64encode(zlib.crc32(b"devkit").to_bytes(4, "big")).decode()
