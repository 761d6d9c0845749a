"""The wheel carries the TUI: its stylesheet (package data) and every screen module."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[3]


@pytest.mark.slow
def test_wheel_includes_stylesheet_and_screens(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("acme_ml_devkit-*.whl")  # the distribution name; the package is devkit
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "devkit/tui/devkit.tcss" in names
    for screen in ("preflight", "profile", "branch", "data", "review", "run", "done", "dashboard"):
        assert f"devkit/tui/screens/{screen}.py" in names
    assert "devkit/tui/widgets/step_list.py" in names
