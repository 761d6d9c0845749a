from __future__ import annotations

import os
from pathlib import Path

from devkit.data.manifest import JOURNAL_NAME, Manifest, file_sha256, manifest_digest


def write(dest: Path, rel: str, data: bytes, manifest: Manifest) -> None:
    path = dest / rel
    path.write_bytes(data)
    manifest.record(
        rel, {"size": len(data), "sha256": file_sha256(path), "mtime_ns": path.stat().st_mtime_ns}
    )


def test_journal_survives_without_compaction_and_ignores_a_torn_line(tmp_path: Path) -> None:
    m = Manifest(tmp_path)
    write(tmp_path, "a", b"alpha", m)
    write(tmp_path, "b", b"beta", m)
    m.close()  # as if killed: never compacted
    with open(tmp_path / JOURNAL_NAME, "ab") as handle:
        handle.write(b'{"path": "c", "si')
    loaded = Manifest.load(tmp_path)
    assert set(loaded.files) == {"a", "b"}
    loaded.compact()
    assert not (tmp_path / JOURNAL_NAME).exists()
    assert set(Manifest.load(tmp_path).files) == {"a", "b"}


def test_local_state_detects_changes_and_tolerates_touch(tmp_path: Path) -> None:
    m = Manifest(tmp_path)
    write(tmp_path, "a", b"alpha", m)
    assert m.local_state("a") == "ok"
    os.utime(tmp_path / "a", ns=(1, 1))  # same bytes, new mtime: hashed, still ok
    assert m.local_state("a") == "ok"
    (tmp_path / "a").write_bytes(b"ALPHA")  # same size, different content
    assert m.local_state("a") == "changed"
    (tmp_path / "a").unlink()
    assert m.local_state("a") == "missing"


def test_digest_depends_on_content_only(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    m1, m2 = Manifest(one), Manifest(two)
    write(one, "a", b"x", m1)
    write(two, "a", b"x", m2)
    m1.compact()
    m2.compact()
    assert manifest_digest(one) == manifest_digest(two)
    write(two, "a", b"y", m2)
    m2.compact()
    assert manifest_digest(one) != manifest_digest(two)
    assert manifest_digest(tmp_path / "none") is None
