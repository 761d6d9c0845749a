"""The guard's session/verdict cache against moto with IAM enforcement: a second sync makes
no STS call and no write probe; another identity, an expired entry or a cache folder that is
a symlink or someone else's makes the guard run in full again. STS calls (POST) and the probe
(PUT) are counted by a loopback proxy."""

from __future__ import annotations

import json
import os
import stat
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devkit.data import aws_fast
from support.proxy import LoopbackProxy

from .conftest import BUCKET, MotoIAM, make_workspace
from .test_sync_s3 import run_devkit, step_done

pytestmark = pytest.mark.s3


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DEVKIT_GUARD_CACHE", "1")
    # The guard's own cached path is under test: no no-op answered from a sync's record.
    monkeypatch.setenv("DEVKIT_SYNC_MEMO", "0")
    monkeypatch.setenv("DEVKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "guard"


@pytest.fixture
def proxy(moto_iam: MotoIAM) -> Any:
    started = LoopbackProxy(moto_iam.endpoint).start()
    yield started
    started.stop()


def sync(
    moto_iam: MotoIAM, proxy: LoopbackProxy, ws: Any, key: Any, mp: Any, capsys: Any
) -> tuple[int, Counter[str], list[dict[str, Any]]]:
    proxy.requests.clear()
    env = {**moto_iam.env(key), "AWS_ENDPOINT_URL": proxy.url}
    env["DEVKIT_GUARD_CACHE"] = os.environ["DEVKIT_GUARD_CACHE"]
    env["DEVKIT_CACHE_DIR"] = os.environ.get("DEVKIT_CACHE_DIR", "")
    args = ["sync-data", "--profile", "sample", "--workspace", str(ws.root)]
    code, events, _err = run_devkit(mp, capsys, env, *args)
    return code, Counter(method for method, _ in proxy.requests), events


def test_second_sync_reuses_the_verified_session_and_verdict(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role)
    code, first, _ = sync(moto_iam, proxy, ws, moto_iam.dev_key, monkeypatch, capsys)
    assert code == 0
    assert first["POST"] == 2 and first["PUT"] == 1  # identity, AssumeRole; the probe
    entries = list(cache.iterdir())
    assert len(entries) == 1
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600
    stored = json.loads(entries[0].read_text())
    assert stored["role_arn"] == moto_iam.readonly_role
    assert moto_iam.dev_key.secret_access_key not in entries[0].read_text()
    assert moto_iam.dev_key.access_key_id not in entries[0].read_text()

    code, second, events = sync(moto_iam, proxy, ws, moto_iam.dev_key, monkeypatch, capsys)
    assert code == 0
    assert second["POST"] == 0 and second["PUT"] == 0, second  # no STS, no probe
    assert second["GET"] == 1  # the one listing
    assert any("verdict cached until" in e.get("line", "") for e in events)
    assert step_done(events)["data"]["fetched"] == 0


def test_another_identity_runs_the_full_guard(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """A pass cached for one caller never lets another through: the write-capable user in
    the same workspace is refused (exit 4) after the guard runs for it."""
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role)
    assert sync(moto_iam, proxy, ws, moto_iam.dev_key, monkeypatch, capsys)[0] == 0
    code, counted, _ = sync(moto_iam, proxy, ws, moto_iam.writer_key, monkeypatch, capsys)
    assert counted["POST"] >= 1  # the guard ran (STS) for the new identity
    assert code in (3, 4)  # the writer may not assume the role, or is refused
    own = make_workspace(tmp_path / "own", None)
    code, counted, _ = sync(moto_iam, proxy, own, moto_iam.writer_key, monkeypatch, capsys)
    assert code == 4 and counted["POST"] >= 1
    assert len(list(cache.iterdir())) == 1  # refusals are never cached


def test_an_expired_entry_runs_the_full_guard(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role)
    assert sync(moto_iam, proxy, ws, moto_iam.dev_key, monkeypatch, capsys)[0] == 0
    (entry,) = cache.iterdir()
    stored = json.loads(entry.read_text())
    stored["expires"] = 1.0
    entry.write_text(json.dumps(stored))
    code, counted, _ = sync(moto_iam, proxy, ws, moto_iam.dev_key, monkeypatch, capsys)
    assert code == 0 and counted["POST"] >= 2 and counted["PUT"] == 1


@pytest.mark.parametrize("kind", ["symlink", "foreign", "open"])
def test_a_cache_folder_that_is_not_private_is_never_used(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any, kind: str,
) -> None:  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    cache.parent.mkdir(parents=True)
    if kind == "symlink":
        cache.symlink_to(elsewhere)
    else:
        cache.mkdir(mode=0o700)
        if kind == "foreign":
            if os.geteuid() != 0:
                pytest.skip("needs root to make a folder another user's")
            os.chown(cache, 65534, 65534)
        else:
            cache.chmod(0o777)
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role)
    for _ in range(2):
        code, counted, _ = sync(moto_iam, proxy, ws, moto_iam.dev_key, monkeypatch, capsys)
        assert code == 0 and counted["POST"] >= 2 and counted["PUT"] == 1
    assert list(elsewhere.iterdir()) == []
    if kind != "symlink":
        assert list(cache.iterdir()) == []


# -- the fast lane: the cached verdict's listing without botocore (devkit.data.aws_fast) --------

FAST_PREFIX = "data-tests/fast-lane/"


@pytest.fixture
def fast_ws(moto_iam: MotoIAM, tmp_path: Path) -> Any:
    """A workspace on a prefix of its own (this module changes its objects)."""
    prefix = FAST_PREFIX + tmp_path.name + "/"
    for i in range(3):
        moto_iam.put(f"{prefix}f-{i}.parquet", f"fast lane {i}".encode() * 100)
    return make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=prefix)


def fast_sync(
    moto_iam: MotoIAM, proxy: LoopbackProxy, ws: Any, mp: Any, capsys: Any
) -> tuple[int, Counter[str], dict[str, Any], int]:
    aws_fast.REQUESTS.clear()
    code, counted, events = sync(moto_iam, proxy, ws, moto_iam.dev_key, mp, capsys)
    done = step_done(events)["data"] if code == 0 else {}
    return code, counted, done, aws_fast.REQUESTS.get("ListObjectsV2", 0)


def test_a_no_op_lists_through_the_fast_lane(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, fast_ws: Any, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    code, _, done, fast = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
    assert code == 0 and done["fetched"] == 3 and fast == 0  # the full guard, botocore
    (entry,) = cache.iterdir()
    route = json.loads(entry.read_text())["route"]
    assert route["base"].startswith(proxy.url) and route["region"] == "eu-west-1"
    code, counted, done, fast = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
    assert code == 0 and done["fetched"] == 0
    assert fast == 1 and counted == Counter({"GET": 1})  # one listing, signed here
    assert done["requests"] == {"ListObjectsV2": 1}


def test_the_fast_lane_sees_remote_and_local_changes(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, fast_ws: Any, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    assert fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)[0] == 0
    prefix = FAST_PREFIX + fast_ws.root.parent.name + "/"
    moto_iam.put(prefix + "f-0.parquet", b"changed upstream")  # new ETag and size
    moto_iam.put(prefix + "f-3.parquet", b"new upstream")
    data = fast_ws.root / "data" / "training"
    (data / "f-1.parquet").unlink()
    (data / "f-2.parquet").write_bytes(b"x" * 1100)  # same size: found by its hash
    code, _, done, fast = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
    assert code == 0 and fast == 1
    assert done["fetched"] == 4  # changed remotely, new, deleted here, edited here
    assert (data / "f-0.parquet").read_bytes() == b"changed upstream"
    assert (data / "f-2.parquet").read_bytes() == b"fast lane 2" * 100


@pytest.mark.parametrize("spoil", ["route", "transport", "settings"])
def test_the_fast_lane_falls_back_to_botocore(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, fast_ws: Any, monkeypatch: Any,
    capsys: Any, spoil: str,
) -> None:  # fmt: skip
    """A route that no longer answers, a record made under other connection settings, or
    settings changed since: the listing goes through botocore, and the sync still succeeds."""
    assert fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)[0] == 0
    (entry,) = cache.iterdir()
    stored = json.loads(entry.read_text())
    if spoil == "route":
        stored["route"]["base"] = "http://127.0.0.1:9/" + BUCKET  # nothing listens on port 9
    elif spoil == "transport":
        stored["transport"] = "0" * 64
    entry.write_text(json.dumps(stored))
    if spoil == "settings":
        monkeypatch.setenv("SSL_CERT_DIR", str(fast_ws.root))  # a TLS setting: not for http
    code, counted, done, fast = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
    assert code == 0 and done["fetched"] == 0
    assert fast == 0  # refused to connect, or not tried
    assert counted["GET"] == 1 and counted["POST"] == 0  # botocore's listing, verdict cached
    code, counted, done, fast = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
    assert code == 0 and fast == 1  # botocore's route was recorded again, for these settings


def test_a_cold_sync_gets_objects_through_the_fast_lane(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, fast_ws: Any, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """Once botocore has listed (the full guard), GETs are signed here; the bytes are verified
    as always."""
    aws_fast.REQUESTS.clear()
    code, _, done, _ = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
    assert code == 0 and done["fetched"] == 3
    assert aws_fast.REQUESTS.get("GetObject") == 3
    data = fast_ws.root / "data" / "training"
    assert (data / "f-1.parquet").read_bytes() == b"fast lane 1" * 100


def test_a_ranged_object_is_headed_and_got_through_the_fast_lane(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, fast_ws: Any, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """A large object's HEAD (its whole checksum) and its ranged parts are signed here: no
    botocore client is built for a cold sync once the verdict is cached."""
    assert fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)[0] == 0  # the full guard
    prefix = FAST_PREFIX + fast_ws.root.parent.name + "/"
    big = os.urandom(3 * 1024 * 1024 + 17)
    moto_iam.put(prefix + "big.parquet", big)
    monkeypatch.setenv("DEVKIT_SYNC_RANGED_THRESHOLD", str(1 << 20))
    monkeypatch.setenv("DEVKIT_SYNC_PART_SIZE", str(1 << 20))
    aws_fast.REQUESTS.clear()
    code, counted, done, fast = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
    assert code == 0 and done["fetched"] == 1 and fast == 1
    assert aws_fast.REQUESTS.get("HeadObject") == 1 and aws_fast.REQUESTS.get("GetObject") == 4
    assert counted == Counter({"GET": 5, "HEAD": 1})  # nothing else reached the server
    assert (fast_ws.root / "data" / "training" / "big.parquet").read_bytes() == big


def test_without_the_fast_lane_botocore_does_it_all(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, fast_ws: Any, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    monkeypatch.setenv("DEVKIT_S3_FAST_LANE", "0")
    for _ in range(2):
        code, _, _, fast = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
        assert code == 0 and fast == 0 and not aws_fast.REQUESTS


def test_a_refused_fast_get_is_asked_again_through_botocore(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, fast_ws: Any, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    proxy.refuse = 1  # the first GetObject (the fast lane's) is answered 503
    code, _, done, _ = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
    assert code == 0 and done["fetched"] == 3 and proxy.refuse == 0
    objects = [p for method, p in proxy.requests if method == "GET" and "list-type" not in p]
    assert len(objects) == 4  # three objects, one of them asked for twice
    data = fast_ws.root / "data" / "training"
    for i in range(3):
        assert (data / f"f-{i}.parquet").read_bytes() == f"fast lane {i}".encode() * 100


def test_botocore_reports_what_the_fast_lane_could_not_get(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, fast_ws: Any, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    proxy.refuse = 1000  # every GetObject: the fast lane's and botocore's retries
    code, _, _, _ = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
    assert code == 3  # not ready (S3 failed to read), one line and a hint, no traceback


@pytest.mark.parametrize("credentials", [["only-one"], [1, 2, 3], "not a list"])
def test_an_entry_that_is_not_what_devkit_stores_runs_the_full_guard(
    moto_iam: MotoIAM, proxy: LoopbackProxy, cache: Path, fast_ws: Any, monkeypatch: Any,
    capsys: Any, credentials: Any,
) -> None:  # fmt: skip
    assert fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)[0] == 0
    (entry,) = cache.iterdir()
    stored = json.loads(entry.read_text())
    stored["credentials"] = credentials
    entry.write_text(json.dumps(stored))
    code, counted, done, fast = fast_sync(moto_iam, proxy, fast_ws, monkeypatch, capsys)
    assert code == 0 and done["fetched"] == 0 and fast == 0
    assert counted["POST"] >= 2 and counted["PUT"] == 1  # the guard ran in full again
