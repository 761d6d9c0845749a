"""Pruning the no-op records (devkit.data.quick): told by each file's mtime, which is when its
guard entry expires; no record is read."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from devkit import privatefs
from devkit.data import quick


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DEVKIT_CACHE_DIR", str(tmp_path / "cache"))
    return Path(quick.folder())


def test_write_private_sets_the_files_times(records: Path) -> None:
    later = time.time() + 3600
    assert privatefs.write_private(records, "a.rec", b"x", mtime=later)
    info = (records / "a.rec").stat()
    assert info.st_mtime == pytest.approx(later) and info.st_atime == pytest.approx(later)
    assert privatefs.write_private(records, "b.rec", b"x")
    assert (records / "b.rec").stat().st_mtime == pytest.approx(time.time(), abs=60)


def test_expired_records_go_and_live_ones_stay_unread(
    records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    privatefs.write_private(records, "expired.rec", b"not even a record", mtime=now - 1)
    privatefs.write_private(records, "live.rec", b"not even a record", mtime=now + 3600)
    privatefs.write_private(records, "other.json", b"{}", mtime=now - 3600)

    def unread(*_: object) -> bytes:
        raise AssertionError("a record was read to prune it")

    monkeypatch.setattr(privatefs, "read_private", unread)
    quick._prune(now)
    assert sorted(os.listdir(records)) == ["live.rec", "other.json"]
    quick._prune(now + 7200)
    assert sorted(os.listdir(records)) == ["other.json"]


def test_a_folder_that_is_not_private_is_left_alone(records: Path) -> None:
    privatefs.write_private(records, "expired.rec", b"x", mtime=time.time() - 1)
    records.chmod(0o755)
    quick._prune()
    assert os.listdir(records) == ["expired.rec"]


def test_no_folder_is_no_error(records: Path) -> None:
    quick._prune()
    assert not records.exists()
