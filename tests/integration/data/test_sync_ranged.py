"""Large objects as ranged parts against moto with IAM enforcement: several parts, a resume
after kill -9 that fetches only the missing parts, a dropped stream retried, a corrupted byte
still exit 3. A small part size is set through the environment (DEVKIT_SYNC_PART_SIZE)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from devkit.data import aws
from devkit.data.manifest import Manifest
from devkit.data.names import SIDECAR_SUFFIX
from support.proxy import LoopbackProxy

from .conftest import ROOT, MotoIAM, _blob, make_workspace
from .test_sync_s3 import run_devkit, step_done

pytestmark = pytest.mark.s3

PART = 1 << 20
PREFIX = ROOT + "ranged/"
SIZE = 12 * PART + 4321


@pytest.fixture(scope="module")
def ranged(moto_iam: MotoIAM) -> dict[str, bytes]:
    bodies = {
        "crc.parquet": (_blob("ranged-crc", SIZE), "CRC32"),
        "sha.parquet": (_blob("ranged-sha", SIZE // 2), "SHA256"),
        "plain.parquet": (_blob("ranged-plain", SIZE // 3), None),
    }
    for name, (body, checksum) in bodies.items():
        moto_iam.put(PREFIX + name, body, checksum)
    return {name: body for name, (body, _) in bodies.items()}


def small_parts(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    extra = {"DEVKIT_SYNC_PART_SIZE": str(PART), "DEVKIT_SYNC_RANGED_THRESHOLD": str(PART)}
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    return extra


def args(ws: Any, concurrency: int = 4) -> list[str]:
    return ["sync-data", "--profile", "sample", "--workspace", str(ws.root),
            "--concurrency", str(concurrency)]  # fmt: skip


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.rglob(".devkit-part-*"))


def sync_through(
    proxy: LoopbackProxy,
    moto_iam: MotoIAM,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    include: str | None = None,
) -> tuple[Any, int, list[dict[str, Any]], str]:
    """Sync the ranged objects (``include``: a JSON list of names; all when None) with small
    parts through ``proxy``, started here and stopped after: (workspace, exit, events, stderr)."""
    small_parts(monkeypatch)
    proxy.start()
    try:
        only = {} if include is None else {"include": include}
        ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=PREFIX, **only)
        env = {**moto_iam.env(moto_iam.dev_key), "AWS_ENDPOINT_URL": proxy.url}
        code, events, err = run_devkit(monkeypatch, capsys, env, *args(ws))
    finally:
        proxy.stop()
    return ws, code, events, err


def test_large_objects_arrive_as_ranged_parts_and_verify(
    moto_iam: MotoIAM,
    ranged: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    proxy = LoopbackProxy(moto_iam.endpoint)
    ws, code, events, err = sync_through(proxy, moto_iam, tmp_path, monkeypatch, capsys)
    assert code == 0, [e for e in events if e["event"] == "step_failed"]
    files = Manifest.load(ws.dest()).files
    expected_parts = {name: -(-len(body) // PART) for name, body in ranged.items()}
    assert {rel: e["parts"] for rel, e in files.items()} == expected_parts
    assert {rel: e["verified"] for rel, e in files.items()} == {
        "crc.parquet": "crc32",
        "sha.parquet": "sha256",
        "plain.parquet": "md5",
    }
    for name, body in ranged.items():
        assert (ws.dest() / name).read_bytes() == body
    assert files["sha.parquet"]["sha256"] == hashlib.sha256(ranged["sha.parquet"]).hexdigest()
    assert len([r for r in proxy.ranges if r]) == sum(expected_parts.values())
    assert aws.REQUESTS["HeadObject"] == 3
    assert leftovers(ws.dest()) == []

    # A no-op re-sync reads nothing; --verify recomputes the recorded checksums.
    code, events, err = run_devkit(monkeypatch, capsys, env_without_proxy(moto_iam), *args(ws))
    assert code == 0 and step_done(events)["data"]["fetched"] == 0, err
    code, events, err = run_devkit(
        monkeypatch, capsys, env_without_proxy(moto_iam), *args(ws), "--verify"
    )
    assert code == 0 and step_done(events)["data"]["fetched"] == 0, err


def env_without_proxy(moto_iam: MotoIAM) -> dict[str, str]:
    return moto_iam.env(moto_iam.dev_key)


def test_killed_ranged_download_resumes_only_its_missing_parts(
    moto_iam: MotoIAM,
    ranged: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    """kill -9 with some parts of a large object written: the temp file and its sidecar stay;
    the re-run asks only for the parts the sidecar does not list (counted by a proxy)."""
    extra = small_parts(monkeypatch)
    ws = make_workspace(
        tmp_path / "ws", moto_iam.readonly_role, prefix=PREFIX, include='["crc.parquet"]'
    )
    slow = LoopbackProxy(moto_iam.endpoint, delay=0.15).start()
    try:
        env = {**moto_iam.env(moto_iam.dev_key), **extra, "AWS_ENDPOINT_URL": slow.url}
        proc = subprocess.Popen(
            [sys.executable, "-m", "devkit", *args(ws, 2), "--json"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        done_lines = 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and done_lines < 4:
            for sidecar in ws.dest().glob(".devkit-part-*" + SIDECAR_SUFFIX):
                done_lines = max(done_lines, sidecar.read_bytes().count(b'"part"'))
            time.sleep(0.01)
        assert proc.poll() is None, "the sync finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        slow.stop()
    assert not (ws.dest() / "crc.parquet").exists()
    kept = leftovers(ws.dest())
    assert len(kept) == 2, kept
    sidecar = ws.dest() / next(n for n in kept if n.endswith(SIDECAR_SUFFIX))
    finished = set()
    for line in sidecar.read_bytes().splitlines():
        with contextlib.suppress(ValueError):  # a line torn by the kill is not a finished part
            finished.add(json.loads(line).get("part"))
    finished.discard(None)
    assert len(finished) >= 4

    counting = LoopbackProxy(moto_iam.endpoint).start()
    try:
        env = {**moto_iam.env(moto_iam.dev_key), "AWS_ENDPOINT_URL": counting.url}
        code, _events, err = run_devkit(monkeypatch, capsys, env, *args(ws))
    finally:
        counting.stop()
    assert code == 0, err
    parts = -(-SIZE // PART)
    wanted = {f"bytes={i * PART}-{min(SIZE, (i + 1) * PART) - 1}" for i in range(parts)}
    missing = {f"bytes={i * PART}-{min(SIZE, (i + 1) * PART) - 1}" for i in range(parts)} - {
        f"bytes={i * PART}-{min(SIZE, (i + 1) * PART) - 1}" for i in finished
    }
    assert set(counting.ranges) == missing and len(counting.ranges) == len(missing) < len(wanted)
    assert (ws.dest() / "crc.parquet").read_bytes() == ranged["crc.parquet"]
    assert Manifest.load(ws.dest()).files["crc.parquet"]["verified"] == "crc32"
    assert leftovers(ws.dest()) == []


def test_a_dropped_stream_mid_part_is_retried_and_the_sync_succeeds(
    moto_iam: MotoIAM,
    ranged: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    proxy = LoopbackProxy(moto_iam.endpoint, drop=3)
    ws, code, _, err = sync_through(
        proxy, moto_iam, tmp_path, monkeypatch, capsys, include='["crc.parquet"]'
    )
    assert code == 0, err
    assert len(proxy.dropped) == 3
    assert (ws.dest() / "crc.parquet").read_bytes() == ranged["crc.parquet"]
    # Each retry asks from the byte where the stream broke, not from the part's start.
    retried = [r for r in proxy.ranges if r and int(r[6:].split("-")[0]) % PART]
    assert len(retried) == 3, proxy.ranges


@pytest.mark.parametrize("name", ["crc.parquet", "sha.parquet", "plain.parquet"])
def test_a_corrupted_byte_in_a_ranged_object_is_exit_3(
    moto_iam: MotoIAM,
    ranged: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    name: str,
) -> None:
    proxy = LoopbackProxy(moto_iam.endpoint, corrupt=True)
    ws, code, events, err = sync_through(
        proxy, moto_iam, tmp_path, monkeypatch, capsys, include=f'["{name}"]'
    )
    assert proxy.corrupted
    assert code == 3, err
    failed = next(e for e in events if e["event"] == "step_failed")
    assert "checksum" in failed["what"] or "MD5" in failed["what"], failed["what"]
    assert not (ws.dest() / name).exists()
    assert leftovers(ws.dest()) == []
    assert Manifest.load(ws.dest()).files == {}


def test_a_head_that_disagrees_with_the_listing_stops_the_sync(
    moto_iam: MotoIAM,
    ranged: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    """The HEAD before the parts shows another version than the listing did: the sync stops
    with exit 3 (not ready) and says so, and nothing is left in the dataset folder."""
    proxy = LoopbackProxy(moto_iam.endpoint, head_etag='"0123456789abcdef0123456789abcdef"')
    ws, code, events, err = sync_through(proxy, moto_iam, tmp_path, monkeypatch, capsys)
    assert code == 3, err
    failed = next(e for e in events if e["event"] == "step_failed")
    assert "changed since it was listed" in failed["what"], failed["what"]
    assert leftovers(ws.dest()) == []
    assert not any(p.is_file() for p in ws.dest().rglob("*.parquet"))
