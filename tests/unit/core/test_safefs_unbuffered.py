"""An unbuffered atomic write (a download's chunks) lands whole, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit import safefs


def test_every_byte_is_written_when_the_file_takes_a_write_in_pieces() -> None:
    taken = bytearray()

    def short(rest: memoryview) -> int:  # a raw write may take less than it was given
        taken.extend(rest[:1000])
        return min(1000, len(rest))

    body = bytes(range(256)) * 40
    assert safefs.write_all(short, memoryview(body)) == len(body)
    assert bytes(taken) == body


def test_a_file_that_takes_nothing_fails_the_write() -> None:
    with pytest.raises(OSError, match="took no more bytes"):
        safefs.write_all(lambda rest: 0, b"after")


def test_an_unbuffered_writer_replaces_the_target_only_when_it_ends_well(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"before")
    writer = safefs.atomic_writer(tmp_path / "f", root=tmp_path, buffered=False)
    with pytest.raises(RuntimeError), writer as handle:
        assert handle.write(memoryview(b"partly")) == 6
        raise RuntimeError("download broke")
    assert (tmp_path / "f").read_bytes() == b"before"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]  # no temporary file left
    with safefs.atomic_writer(tmp_path / "f", root=tmp_path, buffered=False) as handle:
        handle.write(b"after")
    assert (tmp_path / "f").read_bytes() == b"after"
