"""sync-data against a real moto server with IAM enforcement, over HTTP on 127.0.0.1."""

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

from devkit.cli import main
from devkit.data import aws
from devkit.data.manifest import Manifest
from devkit.data.names import JOURNAL_NAME, MANIFEST_NAME
from support.contract import check_json_output
from support.proxy import LoopbackProxy
from support.s3server import Keys

from .conftest import (
    BIG_COUNT,
    BIG_SIZE,
    PREFIX,
    PROD_BUCKET,
    ROOT,
    MotoIAM,
    make_workspace,
)

pytestmark = pytest.mark.s3


def run_devkit(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    *args: str,
) -> tuple[int, list[dict[str, Any]], str]:
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    aws.REQUESTS.clear()
    code = main([*args, "--json"])
    captured = capsys.readouterr()
    check_json_output([*args, "--json"], captured.out)
    events = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    return code, events, captured.err


def step_done(events: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for e in events if e["event"] == "step_done")


def logs(events: list[dict[str, Any]]) -> list[str]:
    return [e["line"] for e in events if e["event"] == "log"]


def sample_objects(server: MotoIAM) -> dict[str, bytes]:
    return {
        k[len(PREFIX) :]: v
        for k, v in server.objects.items()
        if k.startswith(PREFIX) and k.endswith(".parquet")
    }


def test_read_only_role_syncs_verifies_and_a_second_sync_transfers_nothing(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role)
    env = moto_iam.env(moto_iam.dev_key)
    args = ("sync-data", "--profile", "sample", "--workspace", str(ws.root))
    code, events, err = run_devkit(monkeypatch, capsys, env, *args)
    assert code == 0, err
    guard_line = next(line for line in logs(events) if "read-only: verified" in line)
    assert "account 123456789012 (dev)" in guard_line and "training-readonly" in guard_line
    expected = sample_objects(moto_iam)
    for rel, body in expected.items():
        assert (ws.dest() / rel).read_bytes() == body, rel
    assert not (ws.dest() / "README.txt").exists()
    data = step_done(events)["data"]
    assert data["fetched"] == len(expected)
    assert data["requests"].get("GetObject") == len(expected)
    assert "HeadObject" not in aws.REQUESTS
    manifest = Manifest.load(ws.dest())
    verified = {rel: e["verified"] for rel, e in manifest.files.items()}
    assert verified["part-00.parquet"] == "sha256"
    assert verified["part-01.parquet"] == "md5"
    assert verified["nested/deep/extra.parquet"] == "crc32"
    assert verified["multi.parquet"] == "size"  # multipart ETag: never compared as an MD5
    assert not (ws.dest() / JOURNAL_NAME).exists() and (ws.dest() / MANIFEST_NAME).exists()
    secrets = (moto_iam.dev_key.secret_access_key, moto_iam.dev_key.access_key_id)
    text = json.dumps(events) + (ws.dest() / MANIFEST_NAME).read_text()
    assert not any(secret in text for secret in secrets)

    code, events, err = run_devkit(monkeypatch, capsys, env, *args)
    assert code == 0, err
    assert step_done(events)["data"]["fetched"] == 0
    assert aws.REQUESTS.get("GetObject", 0) == 0
    assert aws.REQUESTS.get("ListObjectsV2") == 1  # listed once: the guard hands it to the sync


def test_corrupted_local_file_is_fetched_again(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role)
    env = moto_iam.env(moto_iam.dev_key)
    args = ("sync-data", "--profile", "sample", "--workspace", str(ws.root))
    assert run_devkit(monkeypatch, capsys, env, *args)[0] == 0
    victim = ws.dest() / "part-04.parquet"
    original = victim.read_bytes()
    victim.write_bytes(b"\0" * len(original))  # same size, different bytes
    (ws.dest() / "part-05.parquet").unlink()
    code, events, err = run_devkit(monkeypatch, capsys, env, *args)
    assert code == 0, err
    assert step_done(events)["data"]["fetched"] == 2
    assert aws.REQUESTS.get("GetObject") == 2
    assert victim.read_bytes() == original


def test_write_capable_role_is_refused_before_reading(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.writer_role)
    env = moto_iam.env(moto_iam.role_user)
    code, events, _ = run_devkit(
        monkeypatch, capsys, env, "sync-data", "--profile", "sample", "--workspace", str(ws.root)
    )
    assert code == 4
    failed = next(e for e in events if e["event"] == "step_failed")
    assert "can write" in failed["what"]
    assert aws.REQUESTS.get("GetObject", 0) == 0
    assert not ws.dest().exists() or not any(ws.dest().iterdir())
    body = moto_iam.client("s3").get_object(
        Bucket="acme-ml-dev-samples", Key=PREFIX + "part-00.parquet"
    )
    assert body["Body"].read() == moto_iam.objects[PREFIX + "part-00.parquet"]


def test_write_capable_user_without_role_is_refused(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    ws = make_workspace(tmp_path / "ws", None)
    env = moto_iam.env(moto_iam.writer_key)
    code, _, _ = run_devkit(
        monkeypatch, capsys, env, "sync-data", "--profile", "sample", "--workspace", str(ws.root)
    )
    assert code == 4
    assert aws.REQUESTS.get("GetObject", 0) == 0


def test_keys_that_can_write_elsewhere_in_the_bucket_are_refused_without_a_role(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """The write probe on the sample's key is denied, but the same keys can write under
    another prefix of the bucket: one denied key is no proof, and without a role only IAM's
    policy simulator could prove read-only (moto has none), so the guard refuses (fails closed)."""
    scratch = moto_iam.client("s3", moto_iam.elsewhere_writer)
    scratch.put_object(Bucket="acme-ml-dev-samples", Key=ROOT + "scratch/proof", Body=b"w")
    ws = make_workspace(tmp_path / "ws", None)
    env = moto_iam.env(moto_iam.elsewhere_writer)
    code, events, err = run_devkit(
        monkeypatch, capsys, env, "sync-data", "--profile", "sample", "--workspace", str(ws.root)
    )
    assert code == 4, err
    failed = next(e for e in events if e["event"] == "step_failed")
    assert "cannot prove" in failed["what"] and "data.source.role_arn" in failed["hint"]
    assert aws.REQUESTS.get("PutObject") == 1  # the probe ran (and was denied) ...
    assert aws.REQUESTS.get("GetObject", 0) == 0  # ... and nothing was read
    assert not ws.dest().exists() or not any(ws.dest().iterdir())


def test_account_mapped_to_prod_is_refused(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, env_of_account="prod")
    env = moto_iam.env(moto_iam.dev_key)
    code, events, _ = run_devkit(
        monkeypatch, capsys, env, "sync-data", "--profile", "sample", "--workspace", str(ws.root)
    )
    assert code == 4
    assert "prod" in next(e for e in events if e["event"] == "step_failed")["what"]
    assert aws.REQUESTS == {}  # refused before any S3 request


def test_prod_bucket_is_refused_before_any_request(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """A prod bucket these credentials *could* read (a role reading every bucket, a dev
    account): refused from the bucket's name alone, before any request reaches the server —
    counted on the wire by a loopback proxy, STS and IAM included."""
    ws = make_workspace(tmp_path / "ws", moto_iam.prod_reader_role, bucket=PROD_BUCKET)
    proxy = LoopbackProxy(moto_iam.endpoint).start()
    try:
        env = {**moto_iam.env(moto_iam.role_user), "AWS_ENDPOINT_URL": proxy.url}
        code, events, err = run_devkit(
            monkeypatch, capsys, env, "sync-data", "--profile", "sample", "--workspace",
            str(ws.root),
        )  # fmt: skip
    finally:
        proxy.stop()
    assert code == 4, err
    failed = next(e for e in events if e["event"] == "step_failed")
    assert f"bucket '{PROD_BUCKET}' matches a prod pattern" in failed["what"]
    assert proxy.requests == []
    assert not ws.dest().exists() or not any(ws.dest().iterdir())


def test_traversal_key_is_refused_and_nothing_is_written(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=ROOT + "escape/")
    env = moto_iam.env(moto_iam.dev_key)
    code, events, _ = run_devkit(
        monkeypatch, capsys, env, "sync-data", "--profile", "sample", "--workspace", str(ws.root)
    )
    assert code == 4
    assert (
        "outside the destination" in next(e for e in events if e["event"] == "step_failed")["what"]
    )
    assert aws.REQUESTS.get("GetObject", 0) == 0
    assert not (ws.root / "data" / "outside.parquet").exists()
    assert not (ws.dest() / "ok.parquet").exists()


def test_no_credentials_falls_back_to_synthetic_with_a_note(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role)
    code, events, err = run_devkit(
        monkeypatch,
        capsys,
        moto_iam.env(None),
        "sync-data",
        "--profile",
        "sample",
        "--workspace",
        str(ws.root),
    )
    assert code == 0, err
    assert any("no AWS credentials" in line for line in logs(events))
    assert (ws.dest() / "t.parquet").is_file()


def test_missing_prefix_and_bad_credentials_are_clear_errors(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=ROOT + "nothing-here/")
    args = ("sync-data", "--profile", "sample", "--workspace", str(ws.root))
    code, events, _ = run_devkit(monkeypatch, capsys, moto_iam.env(moto_iam.dev_key), *args)
    assert code == 2
    assert "nothing under" in next(e for e in events if e["event"] == "step_failed")["what"]
    bogus = Keys("AKIAIOSFODNN7BOGUS00", "wrong-secret-value")
    code, events, _ = run_devkit(monkeypatch, capsys, moto_iam.env(bogus), *args)
    assert code == 3
    assert "wrong-secret-value" not in json.dumps(events)


def final_files(dest: Path) -> set[str]:
    """Files under their final names: everything but devkit's manifest, journal and parts."""
    return {
        p.relative_to(dest).as_posix()
        for p in dest.rglob("*")
        if p.is_file() and not p.name.startswith(".devkit-")
    }


def test_sync_killed_mid_way_resumes_and_verifies_everything(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """kill -9 while a multi-MiB object is half written: the half lives only in a part file;
    the files under final names are exactly the recorded ones; a re-run resumes."""
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=ROOT + "big/")
    env = moto_iam.env(moto_iam.dev_key)
    args = ["sync-data", "--profile", "sample", "--workspace", str(ws.root), "--concurrency", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "devkit", *args, "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    partial: list[tuple[str, int]] = []
    journal = ws.dest() / JOURNAL_NAME
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not partial:
        # Kill once two objects are recorded and another one is half written.
        if journal.exists() and journal.read_bytes().count(b"\n") >= 2:
            for part in ws.dest().glob(".devkit-part-*"):
                with contextlib.suppress(OSError):
                    size = part.stat().st_size
                    if 0 < size < BIG_SIZE:
                        partial.append((part.name, size))
        if not partial:
            time.sleep(0.002)
    assert proc.poll() is None, "the sync finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert partial, "no object was being written when the sync was killed"
    recorded = Manifest.load(ws.dest()).files
    assert 2 <= len(recorded) < BIG_COUNT
    assert final_files(ws.dest()) == set(recorded)  # no half file under a final name
    assert list(ws.dest().glob(".devkit-part-*")), "the interrupted part file is gone?"
    for rel in recorded:
        assert (ws.dest() / rel).read_bytes() == moto_iam.objects[ROOT + "big/" + rel]

    code, events, err = run_devkit(monkeypatch, capsys, env, *args)
    assert code == 0, err
    fetched = step_done(events)["data"]["fetched"]
    assert fetched == BIG_COUNT - len(recorded)
    assert aws.REQUESTS["GetObject"] == fetched
    assert not list(ws.dest().glob(".devkit-part-*"))
    final = Manifest.load(ws.dest())
    assert final_files(ws.dest()) == set(final.files)
    assert len(final.files) == BIG_COUNT
    for rel, entry in final.files.items():
        body = moto_iam.objects[ROOT + "big/" + rel]
        # One pass: these objects carry no additional checksum, so their MD5 ETag is the record.
        assert entry["checksum"] == "md5:" + hashlib.md5(body, usedforsecurity=False).hexdigest()
        assert (ws.dest() / rel).read_bytes() == body
    print(f"killed with {partial[0][1]} bytes in {partial[0][0]}; {len(recorded)} recorded")


@pytest.mark.parametrize(
    "include",
    ['["part-00.parquet"]', '["part-01.parquet"]', '["nested/deep/extra.parquet"]'],
    ids=["sha256", "md5-etag", "crc32"],
)
def test_a_body_corrupted_in_transit_is_discarded(
    moto_iam: MotoIAM,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    include: str,
) -> None:
    """A loopback proxy between devkit and moto flips one byte of every object body: the
    checksum (SHA-256 or CRC32, which botocore checks as the body streams) or the MD5 ETag
    (which devkit checks) catches it; exit 3 and nothing under a final name."""
    proxy = LoopbackProxy(moto_iam.endpoint, corrupt=True).start()
    try:
        ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, include=include)
        env = {**moto_iam.env(moto_iam.dev_key), "AWS_ENDPOINT_URL": proxy.url}
        code, events, err = run_devkit(
            monkeypatch, capsys, env,
            "sync-data", "--profile", "sample", "--workspace", str(ws.root), "--concurrency", "1",
        )  # fmt: skip
    finally:
        proxy.stop()
    assert proxy.corrupted, "the proxy altered no object body"
    assert code == 3, err
    failed = next(e for e in events if e["event"] == "step_failed")
    assert "checksum" in failed["what"] or "MD5" in failed["what"], failed["what"]
    files = [p for p in ws.dest().rglob("*") if p.is_file()] if ws.dest().exists() else []
    assert [p.name for p in files if not p.name.startswith(".devkit-manifest")] == []
    assert Manifest.load(ws.dest()).files == {}


def test_role_that_cannot_be_assumed_is_not_ready(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.writer_role)  # dev-alice may not assume it
    code, events, _ = run_devkit(
        monkeypatch, capsys, moto_iam.env(moto_iam.dev_key),
        "sync-data", "--profile", "sample", "--workspace", str(ws.root),
    )  # fmt: skip
    assert code == 3
    assert "cannot assume role" in next(e for e in events if e["event"] == "step_failed")["what"]
    assert aws.REQUESTS == {}


def test_delete_removes_only_files_devkit_wrote(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role)
    env = moto_iam.env(moto_iam.dev_key)
    args = ("sync-data", "--profile", "sample", "--workspace", str(ws.root))
    assert run_devkit(monkeypatch, capsys, env, *args)[0] == 0
    mine = ws.dest() / "mine.parquet"
    mine.write_bytes(b"the developer's own file")
    narrowed = make_workspace(ws.root, moto_iam.readonly_role, include='["part-0*.parquet"]')
    assert narrowed.root == ws.root
    code, _, err = run_devkit(monkeypatch, capsys, env, *args)
    assert code == 0, err
    assert (ws.dest() / "part-11.parquet").exists()  # no --delete: kept
    code, _, err = run_devkit(monkeypatch, capsys, env, *args, "--delete")
    assert code == 0, err
    assert not (ws.dest() / "part-11.parquet").exists()
    assert not (ws.dest() / "multi.parquet").exists()
    assert (ws.dest() / "part-09.parquet").exists()
    assert mine.read_bytes() == b"the developer's own file"
    assert set(Manifest.load(ws.dest()).files) == {f"part-{i:02d}.parquet" for i in range(10)}


def test_delete_with_a_tampered_manifest_removes_nothing_outside_the_dataset(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Issue 11, problem 1: a manifest (committed by a clone) names '../../../victim'."""
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role)
    env = moto_iam.env(moto_iam.dev_key)
    args = ("sync-data", "--profile", "sample", "--workspace", str(ws.root))
    assert run_devkit(monkeypatch, capsys, env, *args)[0] == 0
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    body = json.loads((ws.dest() / MANIFEST_NAME).read_text())
    some = next(iter(body["files"].values()))
    body["files"][os.path.relpath(victim, ws.dest())] = some
    body["files"][str(victim)] = some
    (ws.dest() / MANIFEST_NAME).write_text(json.dumps(body))
    with (ws.dest() / JOURNAL_NAME).open("a") as journal:
        journal.write(json.dumps({"path": "../../victim", **some}) + "\n")
    code, events, err = run_devkit(monkeypatch, capsys, env, *args, "--delete")
    assert code == 0, err
    assert victim.read_text() == "precious\n"
    assert any("ignored 3 manifest entries" in line for line in logs(events))
    assert all(".." not in rel for rel in Manifest.load(ws.dest()).files)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Any:
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_is_a_clear_error_and_leaves_no_partial_file(
    moto_iam: MotoIAM,
    tmp_path: Path,
    tiny_disk: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, include='["multi.parquet"]')
    code, events, _ = run_devkit(
        monkeypatch, capsys, moto_iam.env(moto_iam.dev_key),
        "sync-data", "--profile", "sample", "--workspace", str(ws.root), "--dest", str(tiny_disk),
    )  # fmt: skip
    assert code == 3
    assert "disk full" in next(e for e in events if e["event"] == "step_failed")["what"]
    assert not list(tiny_disk.glob(".devkit-part-*"))
    assert not (tiny_disk / "multi.parquet").exists()
    assert "multi.parquet" not in Manifest.load(tiny_disk).files
