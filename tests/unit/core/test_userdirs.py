from __future__ import annotations

from pathlib import Path

import pytest

from devkit.core.userdirs import cache_root, switched_on


def test_cache_root_prefers_devkit_then_an_absolute_xdg_then_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DEVKIT_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "mine"
    monkeypatch.delenv("DEVKIT_CACHE_DIR")
    assert cache_root() == tmp_path / "xdg" / "devkit"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG spec says: ignore it
    assert cache_root() == tmp_path / "home" / ".cache" / "devkit"


@pytest.mark.parametrize("value", ["0", "false", "No", " off "])
def test_a_switch_is_off_only_when_it_says_so(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVKIT_X", value)
    assert not switched_on("DEVKIT_X")
    monkeypatch.setenv("DEVKIT_X", "1")
    assert switched_on("DEVKIT_X")
    monkeypatch.delenv("DEVKIT_X")
    assert switched_on("DEVKIT_X")
