from __future__ import annotations

from pathlib import Path

import pytest

from devkit.config.model import SampleRules
from devkit.core.errors import RefusedError
from devkit.data.selection import (
    RemoteObject,
    check_no_symlink,
    check_relpath,
    key_fraction,
    relative_key,
    select,
)


def objs(*specs: tuple[str, int]) -> list[RemoteObject]:
    return [RemoteObject(key, size, '"e"') for key, size in specs]


@pytest.mark.parametrize(
    "rel",
    ["../x", "a/../../x", "/etc/passwd", "a\\b", "a\0b", "a//b", "./a", "a/.devkit-manifest.json"],
)
def test_keys_that_could_escape_are_refused(rel: str) -> None:
    with pytest.raises(RefusedError) as caught:
        check_relpath(rel, "p/" + rel)
    assert caught.value.code == 4


def test_plain_keys_pass_and_folder_markers_are_skipped() -> None:
    assert check_relpath("a/b.parquet", "k") == "a/b.parquet"
    assert relative_key("p/a/", "p/") is None
    assert relative_key("p/a/b", "p/") == "a/b"


def test_symlink_in_the_way_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "sub").symlink_to(outside)
    with pytest.raises(RefusedError):
        check_no_symlink(dest, "sub/x.parquet", "p/sub/x.parquet")
    (dest / "f.parquet").symlink_to(outside / "f")
    with pytest.raises(RefusedError):
        check_no_symlink(dest, "f.parquet", "p/f.parquet")
    assert check_no_symlink(dest, "other/x.parquet", "p/other/x.parquet") is None
    (dest / "here.parquet").write_bytes(b"1234")
    found = check_no_symlink(dest, "here.parquet", "p/here.parquet")
    assert found is not None and found.st_size == 4  # the lstat, for the plan to reuse


def test_include_exclude_prefixes_and_limits() -> None:
    listed = objs(
        ("p/a/1.parquet", 10), ("p/a/2.csv", 10), ("p/b/3.parquet", 10), ("p/a/4.parquet", 50)
    )
    rules = SampleRules(include=("*.parquet",), prefixes=("a/",))
    assert [o.key for o in select(listed, rules, "p/")] == ["p/a/1.parquet", "p/a/4.parquet"]
    rules = SampleRules(exclude=("*.csv",), max_bytes=25)
    assert [o.key for o in select(listed, rules, "p/")] == ["p/a/1.parquet", "p/b/3.parquet"]
    rules = SampleRules(max_objects=1)
    assert [o.key for o in select(listed, rules, "p/")] == ["p/a/1.parquet"]


def test_fraction_is_deterministic_and_roughly_right() -> None:
    listed = objs(*((f"p/{i}.parquet", 1) for i in range(2000)))
    first = select(listed, SampleRules(fraction=0.25), "p/")
    again = select(list(reversed(listed)), SampleRules(fraction=0.25), "p/")
    assert first == again
    assert 400 < len(first) < 600
    assert all(key_fraction(o.key) < 0.25 for o in first)


def test_multipart_etag_is_recognised() -> None:
    assert RemoteObject("k", 1, '"abc-3"').multipart
    assert not RemoteObject("k", 1, '"abc"').multipart
