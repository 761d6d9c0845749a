"""The cache of parsed configuration: the same bytes read back, anything else parsed again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from devkit.config import parsecache, yamlmarks
from devkit.config.yamlmarks import load_located

DOC = "name: demo\ndescription: a demo\nresources:\n  cpus: 2\n  ports: [8000, 8001]\n"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DEVKIT_CONFIG_CACHE", "1")
    monkeypatch.setenv("DEVKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "config"


def _no_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, file: str) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(yamlmarks, "_parse", refuse)


def test_the_same_document_is_read_back_with_its_positions(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, problems = load_located(DOC, "demo.yaml")
    assert not problems
    assert len(list(cache.iterdir())) == 1
    assert cache.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in cache.iterdir())
    _no_parser(monkeypatch)
    again, problems = load_located(DOC, "demo.yaml")
    assert not problems
    assert again.data == first.data
    assert again.values == first.values and again.keys == first.keys
    assert again.where(("resources", "ports", 1)) == first.where(("resources", "ports", 1))
    assert str(again.where(("resources", "cpus"))) == "demo.yaml:4:9"


def test_changed_text_or_another_name_is_parsed_again(cache: Path) -> None:
    load_located(DOC, "demo.yaml")
    changed, _ = load_located(DOC.replace("cpus: 2", "cpus: 3"), "demo.yaml")
    assert changed.data["resources"]["cpus"] == 3
    other, _ = load_located(DOC, "other.yaml")
    assert other.file == "other.yaml"
    assert len(list(cache.iterdir())) == 3


def test_a_document_with_problems_or_non_json_values_is_not_stored(cache: Path) -> None:
    _, problems = load_located("a: 1\na: 2\n", "dup.yaml")
    assert problems
    _, problems = load_located("blob: !!binary aGk=\n", "binary.yaml")
    assert not problems
    bomb = "a: &a [x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(20)
    )
    _, problems = load_located(bomb, "bomb.yaml")
    assert problems
    assert not cache.exists() or list(cache.iterdir()) == []


def test_a_tampered_or_foreign_entry_is_a_miss(cache: Path) -> None:
    load_located(DOC, "demo.yaml")
    (entry,) = cache.iterdir()
    stored = json.loads(entry.read_text())
    stored["data"]["resources"]["cpus"] = 99
    stored["sha256"] = "0" * 64  # as if written for other content
    entry.write_text(json.dumps(stored))
    located, _ = load_located(DOC, "demo.yaml")
    assert located.data["resources"]["cpus"] == 2
    entry.write_bytes(b"{not json")
    os.chmod(entry, 0o600)
    located, _ = load_located(DOC, "demo.yaml")
    assert located.data["resources"]["cpus"] == 2
    os.chmod(cache, 0o755)  # open to others: never used, never written
    (entry,) = cache.iterdir()
    entry.unlink()
    located, _ = load_located(DOC, "demo.yaml")
    assert located.data["resources"]["cpus"] == 2
    assert list(cache.iterdir()) == []


def test_the_folder_is_bounded(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsecache, "MAX_ENTRIES", 3)
    for i in range(6):
        load_located(f"n: {i}\n", f"f{i}.yaml")
    assert len(list(cache.iterdir())) == 3


def test_off_means_nothing_stored(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVKIT_CONFIG_CACHE", "0")
    load_located(DOC, "demo.yaml")
    assert not cache.exists()


def test_dates_and_timestamps_come_back_as_such(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "day: 2025-01-01\nat: [2025-01-01T10:00:00+02:00, 2025-01-02 03:04:05]\nname: x\n"
    first, _ = load_located(text, "dates.yaml")
    assert len(list(cache.iterdir())) == 1
    _no_parser(monkeypatch)
    again, _ = load_located(text, "dates.yaml")
    assert again.data == first.data
    assert [type(v) for v in again.data["at"]] == [type(v) for v in first.data["at"]]
    assert type(again.data["day"]) is type(first.data["day"])
    assert again.data["at"][0].utcoffset() == first.data["at"][0].utcoffset()


def test_a_huge_integer_is_a_located_error_with_the_cache_on(cache: Path, tmp_path: Path) -> None:
    """A 5,000-digit hex integer loads (YAML does not cap it) but JSON cannot hold it: the cache
    skips it and the profile's own error (exit 2, FILE:LINE:COL) is what the user sees."""
    from devkit.cli import main

    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)
    profiles = ws / ".devkit" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "training.yaml").write_text(
        "name: training\nextends: training\nx_note: 0x" + "f" * 5000 + "\n"
    )
    assert main(["--workspace", str(ws), "profiles", "show", "training"]) == 2


def test_pruning_survives_entries_removed_by_another_devkit(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parsecache, "MAX_ENTRIES", 2)
    for i in range(3):
        load_located(f"a: {i}\n", "x.yaml")
    real_scandir = os.scandir

    def vanishing(path: object) -> list[os.DirEntry[str]]:
        found = list(real_scandir(path))  # type: ignore[call-overload]
        for entry in found:
            os.unlink(entry.path)  # another devkit pruned them all meanwhile
        return found

    monkeypatch.setattr(parsecache.os, "scandir", vanishing)
    parsecache.put("a: 9\n", "x.yaml", {"a": 9}, {}, {})  # no FileNotFoundError
