"""Kept folders: many files written into a folder walked once, with the same refusals as a
single ``atomic_writer``."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from devkit import safefs
from devkit.core.errors import RefusedError


def test_files_land_whole_and_each_folder_is_opened_once(tmp_path: Path) -> None:
    dest = tmp_path / "data"
    dest.mkdir()
    folders = safefs.Folders(dest, strict_from=dest)
    opened: list[str] = []
    real_open = os.open

    def counting(path: str, *args: object, **kwargs: object) -> int:
        opened.append(str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(safefs.os, "open", counting)
        for i in range(20):
            with folders.writer(dest / "a" / "b" / f"f{i}", prefix=".x-") as handle:
                handle.write(b"%d" % i)
    folders.close()
    assert sorted(p.name for p in (dest / "a" / "b").iterdir()) == sorted(
        f"f{i}" for i in range(20)
    )
    assert (dest / "a" / "b" / "f7").read_bytes() == b"7"
    # The walk (root, then a and b, each made and opened) once; then only the temporary files.
    temporary = [name for name in opened if name.startswith(".x-")]
    assert len(temporary) == 20
    assert opened[len(opened) - 20 :] == temporary
    assert opened[:-20] == [str(dest), "a", "a", "b", "b"]


def test_a_failed_write_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"before")
    folders = safefs.Folders(tmp_path, strict_from=tmp_path)
    with pytest.raises(RuntimeError), folders.writer(tmp_path / "f", buffered=False) as handle:
        handle.write(b"partly")
        raise RuntimeError("download broke")
    folders.close()
    assert (tmp_path / "f").read_bytes() == b"before"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_a_symlink_target_is_refused_and_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_text("precious\n")
    dest = tmp_path / "dest"
    dest.mkdir()
    folders = safefs.Folders(dest, strict_from=dest)
    with folders.writer(dest / "ok") as handle:  # the folder is now kept open
        handle.write(b"1")
    (dest / "f").symlink_to(outside / "victim")  # appears while the folder is kept
    with pytest.raises(RefusedError, match="is a symlink"), folders.writer(dest / "f") as h:
        h.write(b"evil")
    folders.close()
    assert (outside / "victim").read_text() == "precious\n"
    assert (dest / "f").is_symlink()
    assert sorted(p.name for p in dest.iterdir()) == ["f", "ok"]


def test_a_symlinked_folder_below_the_dataset_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "sub").symlink_to(outside)
    folders = safefs.Folders(dest, strict_from=dest)
    with pytest.raises(RefusedError, match="is a symlink"), folders.writer(dest / "sub" / "x"):
        pass
    with pytest.raises(RefusedError):
        folders.writer(dest / "..")  # a name that leaves the folder
    folders.close()
    assert list(outside.iterdir()) == []


def test_threads_share_the_kept_folders(tmp_path: Path) -> None:
    folders = safefs.Folders(tmp_path, strict_from=tmp_path)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            with folders.writer(tmp_path / f"d{i % 3}" / f"f{i}") as handle:
                handle.write(b"x" * i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    folders.close()
    assert errors == []
    assert sum(1 for _ in tmp_path.rglob("f*")) == 60
    assert (tmp_path / "d1" / "f4").read_bytes() == b"x" * 4
